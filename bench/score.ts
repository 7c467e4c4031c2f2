/**
 * `npm run bench:score`: podium score against pandas + scikit-learn on 10^6 rows.
 *
 * Generates a truth file (id,label with labels 0/1) and a shuffled predictions file
 * (id,label,score), then alternates the two sides several times: `podium score` for
 * accuracy, macro F1 and binary ROC-AUC, and a Python script doing pandas.read_csv, a merge
 * on id and the scikit-learn metrics. Prints each side's median wall time and peak memory
 * (GNU time's maximum resident set size) and the ratios, then the cost of 1000 bootstrap
 * resamples for the same metrics relative to one scoring pass.
 *
 * Options: --rows=N (default 1000000), --runs=N (default 5), --resamples=N (default 1000;
 * 0 skips the interval timing). `--rows=10000000 --runs=1 --resamples=0` checks the memory
 * bound on ten million rows.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../runner/src/example/data.js';
import { median, option, TIME, timed, writeLines, type Run } from './measure.js';

const ROWS = option('rows', 1_000_000);
const RUNS = option('runs', 5);
const RESAMPLES = option('resamples', 1000);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin', 'podium.js');
const PYTHON = '/usr/bin/python3';

const REFERENCE = `
import sys
import pandas as pd
from sklearn import metrics as M
truth = pd.read_csv(sys.argv[1])
pred = pd.read_csv(sys.argv[2])
m = truth.merge(pred, on="id", how="left", suffixes=("_t", "_p"))
print("accuracy", repr(M.accuracy_score(m.label_t, m.label_p)))
print("f1_macro", repr(M.f1_score(m.label_t, m.label_p, average="macro")))
print("roc_auc", repr(M.roc_auc_score(m.label_t, m.score)))
`;

async function generate(dir: string): Promise<{ truth: string; predictions: string }> {
  const r = seededRandom(20261127);
  const ids: string[] = [];
  const truth: string[] = ['id,label'];
  const rows: string[] = [];
  // Written in pieces: ten million rows as one string would pass V8's string length limit.
  for (let i = 0; i < ROWS; i++) {
    const id = `item-${(i * 7919 + 13).toString(36)}`;
    const label = r() < 0.5 ? 1 : 0;
    const predicted = r() < 0.8 ? label : 1 - label;
    const score = Math.round((r() * 0.6 + label * 0.3) * 1e6) / 1e6;
    ids.push(id);
    truth.push(`${id},${label}`);
    rows.push(`${id},${predicted},${score}`);
  }
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  const files = { truth: path.join(dir, 'truth.csv'), predictions: path.join(dir, 'predictions.csv') };
  await writeLines(files.truth, truth);
  await writeLines(files.predictions, ['id,label,score', ...rows]);
  return files;
}

const fmt = (x: number, d = 2) => x.toFixed(d);

async function main(): Promise<void> {
  if (!existsSync(TIME)) {
    console.error('bench:score needs GNU time for peak memory: apt-get install time');
    process.exit(2);
  }
  const python = spawnSync(PYTHON, ['-c', 'import pandas, sklearn; print(pandas.__version__, sklearn.__version__)'], { encoding: 'utf8' });
  const hasPython = python.status === 0;
  if (!hasPython) console.log('pandas / scikit-learn not found (apt-get install python3-pandas python3-sklearn): timing Podium alone.');

  const dir = await mkdtemp(path.join(os.tmpdir(), 'podium-bench-'));
  try {
    console.log(`Generating ${ROWS.toLocaleString('en')} rows…`);
    const files = await generate(dir);
    const script = path.join(dir, 'reference.py');
    await writeFile(script, REFERENCE);
    const podiumArgs = [
      bin,
      'score',
      '--truth',
      files.truth,
      '--predictions',
      files.predictions,
      '--metrics',
      'accuracy,f1_macro,roc_auc',
      '--json',
    ];

    const podium: Run[] = [];
    const reference: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      podium.push(timed(process.execPath, podiumArgs));
      if (hasPython) reference.push(timed(PYTHON, [script, files.truth, files.predictions]));
    }

    const values = (JSON.parse(podium[0]!.stdout) as { metrics: Record<string, number> }).metrics;
    console.log(
      `\nmachine: ${os.cpus()[0]?.model.trim()} × ${os.cpus().length}, Node ${process.version}${hasPython ? `, pandas ${python.stdout.trim().replace(' ', ', scikit-learn ')}` : ''}`,
    );
    console.log(`\n${ROWS.toLocaleString('en')} rows, accuracy + f1_macro + roc_auc, median of ${RUNS} alternating runs`);
    const pTime = median(podium.map((r) => r.seconds));
    const pMem = median(podium.map((r) => r.peakKiB)) / 1024;
    console.log(`  podium score           ${fmt(pTime)} s   ${fmt(pMem, 0)} MiB peak`);
    if (hasPython) {
      const rTime = median(reference.map((r) => r.seconds));
      const rMem = median(reference.map((r) => r.peakKiB)) / 1024;
      console.log(`  pandas + scikit-learn  ${fmt(rTime)} s   ${fmt(rMem, 0)} MiB peak`);
      console.log(`  ratio (podium / python): time ${fmt(pTime / rTime)}× (target ≤ 0.33×), memory ${fmt(pMem / rMem)}× (target ≤ 1×)`);
      const ref = Object.fromEntries(
        reference[0]!.stdout
          .trim()
          .split('\n')
          .map((l) => l.split(' '))
          .map(([k, v]) => [k!, Number(v)]),
      );
      for (const [k, v] of Object.entries(values))
        console.log(`  ${k.padEnd(9)} podium ${v}  scikit-learn ${ref[k]}  |Δ| ${Math.abs(v - ref[k]!).toExponential(1)}`);
    }

    if (RESAMPLES === 0) return;
    const ci = timed(process.execPath, [...podiumArgs, '--ci', '--resamples', String(RESAMPLES)]);
    console.log(`\nbootstrap intervals, ${RESAMPLES} resamples, same three metrics`);
    console.log(`  podium score --ci      ${fmt(ci.seconds)} s   ${fmt(ci.peakKiB / 1024, 0)} MiB peak`);
    console.log(`  cost of the intervals: ${fmt((ci.seconds - pTime) / pTime, 1)}× one scoring pass (target ≤ 20×)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
