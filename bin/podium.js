#!/usr/bin/env node
// The composition root of the podium CLI: the engine's commands, the site builder, and the
// GitHub settings check.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const build = new URL('../build/', import.meta.url);
if (!existsSync(fileURLToPath(new URL('runner/src/cli/main.js', build)))) {
  process.stderr.write('podium: not built yet. Run "npm install" (or "npm run build") in the Podium folder first.\n');
  process.exit(2);
}
const { main, processIO } = await import(new URL('runner/src/cli/main.js', build).href);
// The site builder and the GitHub adapter, each loaded only by the command that uses it.
const buildSite = async (input) => (await import(new URL('leaderboard-site/src/build.js', build).href)).buildSite(input);
const doctor = async (input) => (await import(new URL('action/src/doctor.js', build).href)).doctor(input);
process.exitCode = await main(process.argv.slice(2), processIO(), { buildSite, doctor });
