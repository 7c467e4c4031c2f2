// The entry point of the participant tool, `.podium/podium.mjs` in every competition
// repository: the podium CLI of bin/podium.js without the GitHub client, bundled into one
// file by scripts/bundle-tool.mjs so that a fork runs it with Node.js alone. `doctor` asks
// for bin/podium.js; every other command is here.
import { main, processIO } from '../../runner/src/cli/main.js';
import type { SiteBuilder } from '../../runner/src/cli/io.js';

// Loaded only by `leaderboard build`, as in bin/podium.js.
const buildSite: SiteBuilder = async (input) => (await import('../../leaderboard-site/src/build.js')).buildSite(input);

process.exitCode = await main(process.argv.slice(2), processIO(), { buildSite });
