/**
 * `npm run bench:trec`: podium score against trec_eval on a TREC run of 10^6 lines.
 *
 * Generates qrels (graded, about 100 judged documents per topic) and a run of 1,000 documents
 * for each of 1,000 topics, from a fixed seed, then alternates the two sides several times:
 * `trec_eval -m map -m P.10 -m ndcg_cut.10 -m recip_rank -m bpref` and `podium score` for the
 * same measures, each a whole process under GNU time. Prints each side's median wall time and
 * peak memory, the ratio, and the largest difference between the two sides' values.
 *
 * trec_eval comes from TREC_EVAL (a built binary) or TREC_EVAL_SOURCE (a checkout of
 * usnistgov/trec_eval, built here with its own Makefile, as its README says); without either
 * the bench times Podium alone.
 *
 * Options: --topics=N (default 1000), --per-topic=N (default 1000), --runs=N (default 5).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../runner/src/example/data.js';
import { median, option, TIME, timed, writeLines, type Run } from './measure.js';

const TOPICS = option('topics', 1000);
const PER_TOPIC = option('per-topic', 1000);
const RUNS = option('runs', 5);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin', 'podium.js');
const MEASURES = ['map', 'P_10', 'ndcg_cut_10', 'recip_rank', 'bpref'];

async function generate(dir: string): Promise<{ qrels: string; run: string }> {
  const r = seededRandom(20261130);
  const qrels: string[] = [];
  const run: string[] = [];
  for (let t = 0; t < TOPICS; t++) {
    const qid = String(301 + t);
    // A collection of 500,000 documents; each topic's run ranks PER_TOPIC of them.
    const docs = new Set<number>();
    while (docs.size < PER_TOPIC) docs.add(Math.floor(r() * 500_000));
    const ranked = [...docs];
    let score = 30;
    for (let i = 0; i < ranked.length; i++) {
      // Scores fall with the rank, a few tied, as a BM25 run's do.
      if (r() > 0.05) score -= r() * 0.05;
      run.push(`${qid} Q0 DOC-${ranked[i]!.toString().padStart(7, '0')} ${i + 1} ${score.toFixed(4)} bench`);
    }
    // About 100 judged documents: half pooled from the run's top, half from elsewhere.
    for (let i = 0; i < 50; i++) {
      const d = ranked[Math.floor(r() * r() * ranked.length)]!;
      qrels.push(`${qid} 0 DOC-${d.toString().padStart(7, '0')} ${r() < 0.4 ? (r() < 0.3 ? 2 : 1) : 0}`);
    }
    for (let i = 0; i < 50; i++) qrels.push(`${qid} 0 DOC-${(500_000 + t * 50 + i).toString().padStart(7, '0')} ${r() < 0.3 ? 1 : 0}`);
  }
  const files = { qrels: path.join(dir, 'qrels.txt'), run: path.join(dir, 'run.txt') };
  // trec_eval refuses a document judged twice for a topic: keep the first.
  const seen = new Set<string>();
  await writeLines(
    files.qrels,
    qrels.filter((l) => {
      const [q, , d] = l.split(' ');
      const k = `${q} ${d}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    }),
  );
  await writeLines(files.run, run);
  return files;
}

/** A trec_eval binary: the one given, or one built from the given source. */
async function trecEval(dir: string): Promise<string | undefined> {
  if (process.env.TREC_EVAL) return process.env.TREC_EVAL;
  const source = process.env.TREC_EVAL_SOURCE;
  if (!source) return undefined;
  const build = path.join(dir, 'trec_eval-src');
  await cp(source, build, { recursive: true, filter: (f) => !f.includes(`${path.sep}.git`) });
  const made = spawnSync('make', ['-s'], { cwd: build, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`building trec_eval failed: ${made.stderr}`);
  return path.join(build, 'trec_eval');
}

const fmt = (x: number, d = 2) => x.toFixed(d);

async function main(): Promise<void> {
  if (!existsSync(TIME)) {
    console.error('bench:trec needs GNU time for peak memory: apt-get install time');
    process.exit(2);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'podium-bench-'));
  try {
    const trec = await trecEval(dir);
    if (!trec)
      console.log(
        'No trec_eval (set TREC_EVAL to a binary, or TREC_EVAL_SOURCE to a checkout of usnistgov/trec_eval): timing Podium alone.',
      );
    console.log(`Generating ${(TOPICS * PER_TOPIC).toLocaleString('en')} run lines over ${TOPICS.toLocaleString('en')} topics…`);
    const files = await generate(dir);
    const podiumArgs = [bin, 'score', '--truth', files.qrels, '--predictions', files.run, '--metrics', MEASURES.join(','), '--json'];
    const trecArgs = [...['map', 'P.10', 'ndcg_cut.10', 'recip_rank', 'bpref'].flatMap((m) => ['-m', m]), files.qrels, files.run];

    const podium: Run[] = [];
    const reference: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      podium.push(timed(process.execPath, podiumArgs));
      if (trec) reference.push(timed(trec, trecArgs));
    }
    const ours = (JSON.parse(podium[0]!.stdout) as { metrics: Record<string, number> }).metrics;
    const version = trec ? spawnSync(trec, ['-v'], { encoding: 'utf8' }) : undefined;
    console.log(
      `\nmachine: ${os.cpus()[0]?.model.trim()} × ${os.cpus().length}, Node ${process.version}${version ? `, ${(version.stderr || version.stdout).trim()}` : ''}`,
    );
    console.log(
      `\n${(TOPICS * PER_TOPIC).toLocaleString('en')} lines, ${TOPICS} topics, ${MEASURES.join(' + ')}, median of ${RUNS} alternating runs`,
    );
    const pTime = median(podium.map((r) => r.seconds));
    const pMem = median(podium.map((r) => r.peakKiB)) / 1024;
    console.log(`  podium score  ${fmt(pTime)} s   ${fmt(pMem, 0)} MiB peak`);
    if (!trec) return;
    const rTime = median(reference.map((r) => r.seconds));
    const rMem = median(reference.map((r) => r.peakKiB)) / 1024;
    console.log(`  trec_eval     ${fmt(rTime)} s   ${fmt(rMem, 0)} MiB peak`);
    console.log(`  ratio (podium / trec_eval): time ${fmt(pTime / rTime)}× (target ≤ 1.0×), memory ${fmt(pMem / rMem)}×`);
    // trec_eval prints four decimals, so the values can agree to half a unit of the fourth;
    // the golden tests compare to 1e-9 with trec_eval's printing widened.
    const theirs = Object.fromEntries(
      reference[0]!.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t').map((f) => f.trim()))
        .map(([m, , v]) => [m!, Number(v)]),
    );
    for (const m of MEASURES) {
      const same = Math.abs(ours[m]! - theirs[m]!) <= 5e-5 + 1e-12;
      console.log(
        `  ${m.padEnd(12)} podium ${ours[m]!.toFixed(6)}  trec_eval ${theirs[m]}  ${same ? 'equal to its 4 printed decimals' : 'DIFFERENT'}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
