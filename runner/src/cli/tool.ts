// The entry point of the participant tool, `.podium/podium.mjs` in every competition
// repository: the engine's CLI alone, bundled into one file by scripts/bundle-tool.mjs so that
// a fork runs it with Node.js and nothing installed. No site builder and no GitHub client:
// `leaderboard build` prints the ranking without the site, and `doctor` asks for bin/podium.js.
import { main, processIO } from './main.js';

process.exitCode = await main(process.argv.slice(2), processIO());
