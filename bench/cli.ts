/**
 * `npm run bench:cli`: what a user waits for before Podium does any work, and what every
 * competition carries.
 *
 * 1. `podium score --help` and `podium --version`, against `node -e ''` (Node's own start):
 *    what loading the CLI and one command costs.
 * 2. The participant tool, `node .podium/podium.mjs --help` and `validate --help` in a
 *    competition made by `podium init`, against its target of 150 ms (Node's start included),
 *    and the tool's size against its 1 MB budget.
 * 3. A predictions-only `podium evaluate` of the example competition's baseline (a few
 *    hundred rows): start, validation, scoring with intervals, the record written.
 * 4. The committed Action bundle (`action/dist/`): its size against the 1.5 MB budget, and
 *    the files in it (no `.proto`, no `.exe`).
 *
 * Medians of --runs (default 7) whole processes under GNU time (wall time, peak memory).
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initCompetition } from '../runner/src/init/init.js';
import { median, option, timed, type Run } from './measure.js';

const RUNS = option('runs', 7);
const BUDGET = 1_500_000;
const TOOL_BUDGET = 1_000_000;
/** What a participant waits for before the tool does anything, Node's own start included. */
const TOOL_TARGET_SECONDS = 0.15;
const podium = path.resolve('bin/podium.js');

function series(argv: string[]): { seconds: number; mib: number } {
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(timed(process.execPath, argv));
  return { seconds: median(runs.map((r) => r.seconds)), mib: median(runs.map((r) => r.peakKiB)) / 1024 };
}

const row = (what: string, r: { seconds: number; mib: number }, note = '') =>
  process.stdout.write(`${what.padEnd(40)} ${`${r.seconds.toFixed(2)} s`.padStart(8)} ${`${r.mib.toFixed(0)} MiB`.padStart(9)}  ${note}\n`);

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const name = path.posix.join(prefix, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(path.join(dir, e.name), name)));
    else out.push(name);
  }
  return out;
}

const root = await mkdtemp(path.join(os.tmpdir(), 'podium-bench-cli-'));
try {
  process.stdout.write(`${RUNS} runs each, medians\n\n`);
  const node = series(['-e', '']);
  row("node -e ''", node, '(Node alone)');
  const version = series([podium, '--version']);
  row('podium --version', version, `+${((version.seconds - node.seconds) * 1000).toFixed(0)} ms over Node`);
  const help = series([podium, 'score', '--help']);
  row('podium score --help', help, `+${((help.seconds - node.seconds) * 1000).toFixed(0)} ms over Node`);

  const competition = path.join(root, 'competition');
  const hidden = path.join(root, 'hidden');
  await initCompetition({ dir: competition, example: true, hiddenDir: hidden, git: false });

  // The participant tool as a competition holds it: the copy podium init made, in a temp folder.
  const tool = path.join(competition, '.podium', 'podium.mjs');
  process.stdout.write('\n');
  for (const argv of [['--help'], ['validate', '--help']]) {
    const r = series([tool, ...argv]);
    const met = r.seconds <= TOOL_TARGET_SECONDS ? 'met' : 'MISSED';
    row(
      `node .podium/podium.mjs ${argv.join(' ')}`,
      r,
      `${(r.seconds * 1000).toFixed(0)} ms, target ${TOOL_TARGET_SECONDS * 1000} ms: ${met}`,
    );
  }
  const toolBytes = (await stat(tool)).size;
  process.stdout.write(
    `.podium/podium.mjs ${(toolBytes / 1e6).toFixed(2)} MB, budget ${(TOOL_BUDGET / 1e6).toFixed(1)} MB: ${toolBytes <= TOOL_BUDGET ? 'met' : 'MISSED'}\n\n`,
  );

  const submission = path.join(competition, 'submissions/baseline/nearest-centroid');
  const evaluate = series([
    podium,
    'evaluate',
    '--competition',
    competition,
    '--hidden',
    hidden,
    '--out',
    path.join(root, 'r.json'),
    submission,
  ]);
  row('podium evaluate (predictions)', evaluate, `+${((evaluate.seconds - node.seconds) * 1000).toFixed(0)} ms over Node`);

  const dist = path.resolve('action/dist');
  const files = await filesUnder(dist);
  const bytes = (await stat(path.join(dist, 'index.js'))).size;
  const foreign = files.filter((f) => /\.(proto|exe)$/.test(f));
  process.stdout.write(
    `\naction/dist/index.js ${(bytes / 1e6).toFixed(2)} MB, budget ${(BUDGET / 1e6).toFixed(1)} MB: ${bytes <= BUDGET ? 'met' : 'MISSED'}\n` +
      `action/dist holds ${files.length} file(s): ${files.join(', ')}${foreign.length ? `  (MISSED: ${foreign.join(', ')})` : ''}\n`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
