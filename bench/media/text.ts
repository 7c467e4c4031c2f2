/**
 * BLEU and chrF on 100,000 sentence pairs: Podium's metric code against sacrebleu's
 * corpus_bleu + corpus_chrf.
 *
 * Generates a hypothesis file and a reference file (one segment a line) from a fixed seed:
 * sentences of 4 to 45 words (about 21 on average) drawn from one shared vocabulary of 8,000
 * words with Zipf frequencies (some with accents), and hypotheses that are the reference with
 * words substituted, dropped, added or swapped, and different punctuation. Then alternates
 * the two sides, each a whole process under GNU time: `/usr/bin/python3` running sacrebleu
 * (from SACREBLEU, a checkout of mjpost/sacrebleu) on the two files, one segment a line, and
 * `podium score --metrics bleu,chrf --label-column text` on the same segments as CSV files
 * `id,text`, as an organiser would run it. Prints each side's median wall time and peak
 * memory, the ratio against the target (≤ 0.5× sacrebleu's time), the largest difference
 * between the two sides' values, and Podium's time with 1,000 bootstrap resamples of both.
 * Without SACREBLEU it times Podium alone.
 *
 *     npm run build && SACREBLEU=PATH node build/bench/media/text.js [--pairs=N] [--runs=N] [--resamples=N]
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../runner/src/example/data.js';
import { median, option, TIME, timed, writeLines, type Run } from '../measure.js';

const PAIRS = option('pairs', 100_000);
const RUNS = option('runs', 3);
const RESAMPLES = option('resamples', 1000);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(root, 'bin', 'podium.js');

const SACREBLEU_SIDE = `
import json, sys
hyp_file, ref_file = sys.argv[1], sys.argv[2]
import sacrebleu
def lines(f):
    with open(f, encoding="utf-8") as fh:
        all = fh.read().split("\\n")
    if all and all[-1] == "":
        all.pop()
    return all
hyps, refs = lines(hyp_file), lines(ref_file)
bleu = sacrebleu.corpus_bleu(hyps, [refs])
chrf = sacrebleu.corpus_chrf(hyps, [refs])
print(json.dumps({"bleu": bleu.score, "chrf": chrf.score, "version": sacrebleu.__version__}))
`;

/** A vocabulary of pronounceable words, some accented, and a Zipf sampler over it. */
function vocabulary(r: () => number): { words: string[]; draw: () => string } {
  const onsets = ['b', 'c', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'qu', 'r', 's', 't', 'v', 'w', 'st', 'tr', 'ch', 'sh', 'br'];
  const vowels = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou', 'é', 'ü', 'è'];
  const seen = new Set<string>();
  const words: string[] = [];
  while (words.length < 8000) {
    let w = '';
    const syllables = 1 + Math.floor(r() * r() * 4);
    for (let s = 0; s < syllables; s++) w += onsets[Math.floor(r() * onsets.length)]! + vowels[Math.floor(r() * (r() < 0.9 ? 8 : 11))]!;
    if (r() < 0.3) w += ['n', 's', 'd', 'r', 'ng', 'st'][Math.floor(r() * 6)]!;
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  // Zipf (s = 1) by inverse CDF over the cumulative weights.
  const cumulative = new Float64Array(words.length);
  let total = 0;
  for (let i = 0; i < words.length; i++) cumulative[i] = total += 1 / (i + 1);
  const draw = () => {
    const u = r() * total;
    let lo = 0;
    let hi = words.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
  return { words, draw };
}

/** A CSV field, quoted: segments hold commas. */
const csvField = (s: string) => `"${s.replace(/"/g, '""')}"`;

async function generate(dir: string): Promise<{ hyp: string; ref: string; truth: string; predictions: string }> {
  const r = seededRandom(20261202);
  const { draw } = vocabulary(r);
  const hyps: string[] = [];
  const refs: string[] = [];
  const sentence = (words: string[], end: string) => {
    const out = words.map((w, i) => (i > 0 && i < words.length - 1 && r() < 0.06 ? `${w},` : w));
    if (out.length > 0) out[0] = out[0]!.charAt(0).toUpperCase() + out[0]!.slice(1);
    return out.join(' ') + end;
  };
  for (let i = 0; i < PAIRS; i++) {
    const length = 4 + Math.floor((r() + r() + r()) * 14);
    const ref = Array.from({ length }, draw);
    const hyp: string[] = [];
    for (const w of ref) {
      const u = r();
      if (u < 0.12) hyp.push(draw());
      else if (u < 0.17) continue;
      else hyp.push(w);
      if (r() < 0.04) hyp.push(draw());
    }
    if (hyp.length > 3 && r() < 0.2) {
      const j = Math.floor(r() * (hyp.length - 1));
      [hyp[j], hyp[j + 1]] = [hyp[j + 1]!, hyp[j]!];
    }
    refs.push(sentence(ref, r() < 0.9 ? '.' : ' ?'));
    hyps.push(sentence(hyp, r() < 0.7 ? '.' : r() < 0.5 ? '' : ' .'));
  }
  const files = {
    hyp: path.join(dir, 'hypotheses.txt'),
    ref: path.join(dir, 'references.txt'),
    truth: path.join(dir, 'truth.csv'),
    predictions: path.join(dir, 'predictions.csv'),
  };
  await writeLines(files.hyp, hyps);
  await writeLines(files.ref, refs);
  const csv = (texts: string[]) => ['id,text', ...texts.map((t, i) => `s${i + 1},${csvField(t)}`)];
  await writeLines(files.truth, csv(refs));
  await writeLines(files.predictions, csv(hyps));
  return files;
}

/** A sacrebleu importable from a folder: the checkout's package, with the version file that packaging would generate. */
async function sacrebleuPath(dir: string): Promise<string | undefined> {
  const source = process.env.SACREBLEU;
  if (!source) return undefined;
  const target = path.join(dir, 'python');
  await cp(path.join(source, 'sacrebleu'), path.join(target, 'sacrebleu'), { recursive: true });
  const version = path.join(target, 'sacrebleu', 'version.py');
  if (!existsSync(version)) await writeFile(version, '__version__ = "checkout"\n');
  return target;
}

const fmt = (x: number, d = 2) => x.toFixed(d);

export async function run(): Promise<void> {
  if (!existsSync(TIME)) {
    console.error('The text bench needs GNU time for peak memory: apt-get install time');
    process.exit(2);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'podium-bench-text-'));
  try {
    const pythonPath = await sacrebleuPath(dir);
    if (!pythonPath) console.log('No sacrebleu (set SACREBLEU to a checkout of mjpost/sacrebleu): timing Podium alone.');
    console.log(`Generating ${PAIRS.toLocaleString('en')} sentence pairs…`);
    const files = await generate(dir);
    const script = path.join(dir, 'sacrebleu_side.py');
    await writeFile(script, SACREBLEU_SIDE);
    if (pythonPath) process.env.PYTHONPATH = pythonPath;

    const podium: Run[] = [];
    const reference: Run[] = [];
    const score = (resamples: number) =>
      timed(process.execPath, [
        bin,
        'score',
        '--truth',
        files.truth,
        '--predictions',
        files.predictions,
        '--label-column',
        'text',
        '--metrics',
        'bleu,chrf',
        ...(resamples > 0 ? ['--ci', '--resamples', String(resamples)] : []),
        '--json',
      ]);
    for (let i = 0; i < RUNS; i++) {
      podium.push(score(0));
      if (pythonPath) reference.push(timed('/usr/bin/python3', [script, files.hyp, files.ref]));
    }
    const withIntervals = RESAMPLES > 0 ? score(RESAMPLES) : undefined;

    const ours = (JSON.parse(podium[0]!.stdout) as { metrics: { bleu: number; chrf: number } }).metrics;
    console.log(`\nmachine: ${os.cpus()[0]?.model.trim()} × ${os.cpus().length}, Node ${process.version}`);
    console.log(`\n${PAIRS.toLocaleString('en')} sentence pairs, BLEU + chrF, median of ${RUNS} alternating runs`);
    const pTime = median(podium.map((r) => r.seconds));
    const pMem = median(podium.map((r) => r.peakKiB)) / 1024;
    console.log(`  podium score          ${fmt(pTime)} s   ${fmt(pMem, 0)} MiB peak   BLEU ${ours.bleu}  chrF ${ours.chrf}`);
    if (pythonPath) {
      const theirs = JSON.parse(reference[0]!.stdout) as { bleu: number; chrf: number; version: string };
      const rTime = median(reference.map((r) => r.seconds));
      const rMem = median(reference.map((r) => r.peakKiB)) / 1024;
      console.log(
        `  sacrebleu ${theirs.version.padEnd(11)} ${fmt(rTime)} s   ${fmt(rMem, 0)} MiB peak   BLEU ${theirs.bleu}  chrF ${theirs.chrf}`,
      );
      console.log(`  ratio (podium / sacrebleu): time ${fmt(pTime / rTime)}× (target ≤ 0.5×), memory ${fmt(pMem / rMem)}×`);
      const difference = Math.max(Math.abs(ours.bleu - theirs.bleu), Math.abs(ours.chrf - theirs.chrf));
      console.log(`  largest difference of the values: ${difference.toExponential(2)}`);
    }
    if (withIntervals) {
      const intervals = (JSON.parse(withIntervals.stdout) as { intervals: Record<string, { low: number; high: number }> }).intervals;
      console.log(
        `  podium with ${RESAMPLES} bootstrap resamples of both: ${fmt(withIntervals.seconds)} s, ${fmt(withIntervals.peakKiB / 1024, 0)} MiB peak` +
          `   (BLEU ${fmt(intervals.bleu!.low, 3)}–${fmt(intervals.bleu!.high, 3)}, chrF ${fmt(intervals.chrf!.low, 3)}–${fmt(intervals.chrf!.high, 3)})`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
