import { readFileSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findMetric } from '../../runner/src/scoring/metrics/registry.js';
import { scoreFiles } from '../../runner/src/scoring/score.js';
import type { ScoringSpec } from '../../runner/src/scoring/spec.js';
import { loadPredictions } from '../../runner/src/scoring/predictions.js';
import { loadTruth, truthReference } from '../../runner/src/scoring/truth.js';
import { buildInput } from '../../runner/src/scoring/scoring-input.js';
import { argv } from '../helpers/argv.js';
import { runCli } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

/**
 * trec_eval's measures against trec_eval itself: qrels, runs and trec_eval -q's output from
 * scripts/golden/trec_eval.py (trec_eval 10.0 built from its public source).
 */
interface Expected {
  commit: string;
  cases: Record<
    string,
    Record<'complete' | 'retrieved', { summary: Record<string, number>; per_query: Record<string, Record<string, number>> }>
  >;
}
const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'trec');
const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Expected;

const MEASURES = Object.keys(expected.cases.graded!.complete.summary).filter((m) => m !== 'runid');

async function score(name: string, complete: boolean) {
  const spec: ScoringSpec = {
    id: 'docno',
    target: 'rel',
    score: 'sim',
    query: 'qid',
    reads: new Set(['ranking']),
    trecComplete: complete,
  };
  const r = await scoreFiles({
    truth: path.join(FIXTURES, name, 'qrels.txt'),
    predictionsPath: path.join(FIXTURES, name, 'run.txt'),
    predictionsName: 'run.txt',
    spec,
    metrics: MEASURES.map((m) => ({ name: m, metric: findMetric(m)!, direction: 'maximize' as const })),
    keepPerQuery: new Set(MEASURES),
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.values;
}

describe("trec_eval's measures equal trec_eval 10.0's output to 1e-9", () => {
  it('has every measure the issue names in the fixtures, from the named upstream commit', () => {
    expect(expected.commit).toBe('f4253652c8efd0d86ddffd0d163cc0a0f813111a');
    for (const m of [
      'map',
      'gm_map',
      'Rprec',
      'bpref',
      'recip_rank',
      'infAP',
      'ndcg',
      'P_10',
      'recall_10',
      'ndcg_cut_10',
      'map_cut_10',
      'success_10',
      'num_ret',
      'num_rel',
      'num_rel_ret',
    ])
      expect(MEASURES).toContain(m);
  });

  for (const name of Object.keys(expected.cases)) {
    for (const mode of ['complete', 'retrieved'] as const) {
      it(`${name}, ${mode === 'complete' ? 'with -c' : 'judged and retrieved queries'}: the summary and every query's value`, async () => {
        const want = expected.cases[name]![mode];
        const got = await score(name, mode === 'complete');
        for (const m of MEASURES) {
          expect(got[m]!.value, m).toBeCloseTo(want.summary[m]!, 9);
          if (m === 'gm_map') continue; // trec_eval -q prints no per-query gm_map
          const perQuery = got[m]!.per_query!;
          expect(Object.keys(perQuery).sort(), m).toEqual(Object.keys(want.per_query).sort());
          for (const [qid, values] of Object.entries(want.per_query)) expect(perQuery[qid], `${m} ${qid}`).toBeCloseTo(values[m]!, 9);
        }
      });
    }
  }
});

describe('trec_eval measures from the command line', () => {
  const temp = useTempDirs();

  it('podium score reads TREC files by their content, and gives -c and -q as trec_eval does', async () => {
    const dir = path.join(FIXTURES, 'missing');
    for (const complete of [false, true]) {
      const args = argv({ truth: 'qrels.txt', predictions: 'run.txt', metrics: 'map,P_10,ndcg_cut_10', json: true, q: true, c: complete });
      const r = await runCli(dir, ['score', ...args]);
      expect(r.code, r.err).toBe(0);
      const out = JSON.parse(r.out) as { metrics: Record<string, number>; per_query: Record<string, Record<string, number>> };
      const want = expected.cases.missing![complete ? 'complete' : 'retrieved'];
      for (const m of ['map', 'P_10', 'ndcg_cut_10']) {
        expect(out.metrics[m]).toBeCloseTo(want.summary[m]!, 9);
        expect(Object.keys(out.per_query[m]!).length).toBe(Object.keys(want.per_query).length);
      }
    }
  });

  it('podium compare pairs two runs query by query', async () => {
    const dir = await temp();
    const qrels = await readFile(path.join(FIXTURES, 'graded', 'qrels.txt'), 'utf8');
    // A ranks every judged document by its grade: far better than the fixture's random run, B.
    const oracle = qrels.replace(/^(\S+)\s+\S+\s+(\S+)\s+(\S+)$/gm, (_, q: string, d: string, g: string) => `${q} Q0 ${d} 0 ${g} oracle`);
    await writeFile(path.join(dir, 'a.run'), oracle);
    await copyFile(path.join(FIXTURES, 'graded', 'run.txt'), path.join(dir, 'b.run'));
    await writeFile(path.join(dir, 'qrels'), qrels);
    const r = await runCli(dir, [
      'compare',
      ...argv({ truth: 'qrels', metric: 'ndcg_cut_10', perQuery: true, json: true }, 'a.run', 'b.run'),
    ]);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as { verdict: string; per_query: { query: string; a: number; b: number; difference: number }[] };
    expect(out.verdict).toBe('A is better');
    const perQuery = expected.cases.graded!.retrieved.per_query;
    expect(out.per_query.map((p) => p.query).sort()).toEqual(Object.keys(perQuery).sort());
    for (const p of out.per_query) {
      expect(p.b).toBeCloseTo(perQuery[p.query]!.ndcg_cut_10!, 9);
      expect(p.difference).toBeCloseTo(p.a - p.b, 12);
    }
    const text = await runCli(dir, ['compare', ...argv({ truth: 'qrels', metric: 'ndcg_cut_10', q: true }, 'a.run', 'b.run')]);
    expect(text.out).toMatch(/Per query: A better on \d+, B better on \d+, equal on \d+\./);
    expect(text.out).toMatch(/\| query +\| +A \| +B \| +A − B \|/);
  });
});

describe('trec_eval measures under the bootstrap', () => {
  it('weigh each query by how often a resample draws it: the mean, the geometric mean, the sum', async () => {
    const spec: ScoringSpec = { id: 'docno', target: 'rel', score: 'sim', query: 'qid', reads: new Set(['ranking']), trecComplete: true };
    const truth = await loadTruth({ path: path.join(FIXTURES, 'missing', 'qrels.txt') }, 'trec', spec);
    const loaded = await loadPredictions(
      'run.txt',
      { path: path.join(FIXTURES, 'missing', 'run.txt') },
      'trec',
      spec,
      truthReference(truth, spec, 'public'),
    );
    if (!loaded.ok) throw new Error('fixture');
    const input = buildInput(truth, loaded.predictions, loaded.rowOf!, spec);
    const w = Uint32Array.from({ length: input.units }, (_, i) => (i * 7) % 4);
    const total = w.reduce((a, b) => a + b, 0);
    const ap = findMetric('map')!.prepare(input);
    const values = ap.perQuery!.values;
    expect(ap(w)).toBeCloseTo(values.reduce((s, v, q) => s + v * w[q]!, 0) / total, 12);
    expect(findMetric('gm_map')!.prepare(input)(w)).toBeCloseTo(
      Math.exp(values.reduce((s, v, q) => s + Math.log(Math.max(v, 1e-5)) * w[q]!, 0) / total),
      12,
    );
    const ret = findMetric('num_ret')!.prepare(input);
    expect(ret(w)).toBe(ret.perQuery!.values.reduce((s, v, q) => s + v * w[q]!, 0));
    // Control: unit weights give the point value.
    expect(ap(new Uint32Array(input.units).fill(1))).toBeCloseTo(ap(), 12);
  });
});

describe('how a run is laid out changes nothing', () => {
  const temp = useTempDirs();
  it('gives the same values sorted by query and score (read in one pass), with one list out of order, and shuffled', async () => {
    const dir = await temp();
    const lines = readFileSync(path.join(FIXTURES, 'graded', 'run.txt'), 'utf8')
      .trim()
      .split('\n');
    const field = (l: string) => l.split(/\s+/);
    const sorted = [...lines].sort((a, b) => field(a)[0]!.localeCompare(field(b)[0]!) || Number(field(b)[4]) - Number(field(a)[4]));
    const firstQuery = field(sorted[0]!)[0]!;
    const oneOut = [...sorted.filter((l) => field(l)[0] === firstQuery).reverse(), ...sorted.filter((l) => field(l)[0] !== firstQuery)];
    const want = expected.cases.graded!.retrieved;
    for (const [name, text] of [
      ['sorted', sorted],
      ['one-out', oneOut],
    ] as const) {
      await writeFile(path.join(dir, name), text.join('\n') + '\n');
      const r = await scoreFiles({
        truth: path.join(FIXTURES, 'graded', 'qrels.txt'),
        predictionsPath: path.join(dir, name),
        predictionsName: name,
        spec: { id: 'docno', target: 'rel', score: 'sim', query: 'qid', reads: new Set(['ranking']) },
        metrics: ['map', 'ndcg_cut_10', 'bpref', 'P_5'].map((m) => ({ name: m, metric: findMetric(m)!, direction: 'maximize' as const })),
      });
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      for (const m of ['map', 'ndcg_cut_10', 'bpref', 'P_5']) expect(r.values[m]!.value, `${name} ${m}`).toBeCloseTo(want.summary[m]!, 9);
    }
  });

  it('refuses a document ranked twice for a query even when it is unjudged, and qrels that judge one twice', async () => {
    const spec: ScoringSpec = { id: 'docno', target: 'rel', score: 'sim', query: 'qid', reads: new Set(['ranking']) };
    const truth = await loadTruth({ text: '1 0 d1 1\n1 0 d2 0\n' }, 'trec', spec);
    const ref = truthReference(truth, spec, 'public');
    const twice = await loadPredictions(
      'run',
      { text: '1 Q0 d1 1 0.9 r\n1 Q0 zz 2 0.5 r\n2 Q0 zz 1 0.5 r\n1 Q0 zz 3 0.1 r\n' },
      'trec',
      spec,
      ref,
    );
    expect(twice.ok).toBe(false);
    if (!twice.ok)
      expect(twice.problems[0]!.message).toMatch(/^1 row repeats a query and document already given on an earlier line \(line 4/);
    // Control: the same document for another query is no repeat.
    expect((await loadPredictions('run', { text: '1 Q0 d1 1 0.9 r\n1 Q0 zz 2 0.5 r\n2 Q0 zz 1 0.5 r\n' }, 'trec', spec, ref)).ok).toBe(
      true,
    );
    await expect(loadTruth({ text: '1 0 d1 1\n2 0 d1 0\n1 0 d1 0\n' }, 'trec', spec)).rejects.toThrow(
      /the truth judges a document twice for one query \(1 time, first on line 3\)/,
    );
  });
});
