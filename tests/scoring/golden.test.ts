import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { findMetric, MetricUndefinedError, type ScoringInput } from '../../runner/src/scoring/metrics/registry.js';
import type { ScoringSpec } from '../../runner/src/scoring/spec.js';
import { loadPredictions } from '../../runner/src/scoring/predictions.js';
import { joinIds } from '../../runner/src/scoring/join.js';
import { loadTruth, truthReference } from '../../runner/src/scoring/truth.js';
import { buildInput, sortClasses } from '../../runner/src/scoring/scoring-input.js';
import { seededRandom } from '../../runner/src/example/data.js';

/**
 * Every built-in metric against scikit-learn (and SciPy for the correlations), from golden
 * values that scripts/golden/metrics.py computed; no Python is needed here.
 */
const dir = path.join(import.meta.dirname, '../fixtures/metrics');
type Expected = Record<string, number | { error: string }>;
interface Case {
  name: string;
  kind: 'label' | 'class-scores' | 'label-sets' | 'number' | 'ranking';
  expected: Expected;
  truth?: string[];
  predicted?: (string | number)[];
  score?: number[];
  classes?: string[];
  scores?: number[][];
  queries?: { query: string; docs: string[]; grades: number[]; scores: number[] }[];
  data_file?: string;
}
const golden = JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as { sklearn: string; cases: Case[] };

// Ratios of counts must match exactly; everything else to a relative 1e-9.
const EXACT = new Set(['accuracy', 'f1_micro', 'precision_micro', 'recall_micro', 'top_k_accuracy', 'top_k_accuracy@3']);

function column(rows: number[][], c: number): Float64Array {
  return Float64Array.from(rows, (r) => r[c]!);
}

async function inputFor(c: Case): Promise<ScoringInput> {
  if (c.kind === 'label') {
    const classes = sortClasses([...c.truth!, ...c.predicted!.map(String)]);
    const code = (v: string | number) => classes.indexOf(String(v));
    return {
      units: c.truth!.length,
      classes: {
        classes,
        truth: Int32Array.from(c.truth!, code),
        predicted: Int32Array.from(c.predicted!, code),
        ...(c.score ? { score: Float64Array.from(c.score) } : {}),
      },
    };
  }
  if (c.kind === 'class-scores' || c.kind === 'label-sets') {
    const classes = c.classes!;
    const n = c.truth!.length;
    const input: ScoringInput = {
      units: n,
      classes: { classes, truth: new Int32Array(n), classScores: classes.map((_, k) => column(c.scores!, k)) },
    };
    if (c.kind === 'class-scores') input.classes!.truth = Int32Array.from(c.truth!, (v) => classes.indexOf(v));
    else {
      const sets = new Uint8Array(n * classes.length);
      c.truth!.forEach((s, i) =>
        s
          .split(' ')
          .filter(Boolean)
          .forEach((l) => (sets[i * classes.length + classes.indexOf(l)] = 1)),
      );
      input.classes!.truthSets = sets;
    }
    return input;
  }
  if (c.kind === 'number')
    return {
      units: c.truth!.length,
      regression: { truth: Float64Array.from(c.truth!, Number), predicted: Float64Array.from(c.predicted!, Number) },
    };
  // Ranking goes through the real file path: truth and run files, shuffled, joined on (query, document).
  const truth = ['query,doc,grade', ...c.queries!.flatMap((q) => q.docs.map((d, i) => `${q.query},${d},${q.grades[i]}`))];
  const run = ['query,doc,score', ...shuffle(c.queries!.flatMap((q) => q.docs.map((d, i) => `${q.query},${d},${q.scores[i]}`)))];
  const spec: ScoringSpec = { id: 'doc', target: 'grade', score: 'score', query: 'query', reads: new Set(['ranking']) };
  return viaFiles(truth.join('\n'), run.join('\n'), spec);
}

function shuffle<T>(xs: T[]): T[] {
  const r = seededRandom(7);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function viaFiles(truthText: string, predictionsText: string, spec: ScoringSpec): Promise<ScoringInput> {
  const truth = await loadTruth({ text: truthText }, 'csv', spec);
  const loaded = await loadPredictions('run.csv', { text: predictionsText }, 'csv', spec);
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
  const joined = joinIds('run.csv', loaded.predictions, truthReference(truth, spec, 'public'));
  if (!joined.ok) throw new Error(joined.problems.map((p) => p.message).join('\n'));
  return buildInput(truth, loaded.predictions, joined.rowOf, spec);
}

describe(`metrics agree with scikit-learn ${golden.sklearn}`, () => {
  const rows = golden.cases
    .filter((c) => !c.data_file)
    .flatMap((c) => Object.entries(c.expected).map(([metric, want]) => ({ c, metric, want })));
  it.each(rows.map((r) => [`${r.c.name}: ${r.metric}`, r] as const))('%s', async (_label, { c, metric, want }) => {
    const input = await inputFor(c);
    const m = findMetric(metric);
    expect(m, `metric ${metric} exists`).toBeDefined();
    if (typeof want !== 'number') {
      // Where scikit-learn refuses or gives NaN, Podium gives a clear error instead of a value.
      expect(() => m!.prepare(input)()).toThrow(MetricUndefinedError);
      return;
    }
    const got = m!.prepare(input)();
    if (EXACT.has(metric)) expect(got).toBe(want);
    else expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
  });

  it('on 10^5 rows, read from files with the predictions shuffled', async () => {
    const c = golden.cases.find((x) => x.data_file)!;
    const lines = gunzipSync(readFileSync(path.join(dir, c.data_file!)))
      .toString('utf8')
      .trim()
      .split('\n')
      .slice(1);
    const truth = ['id,label', ...lines.map((l, i) => `item-${i},${l.split(',')[0]}`)].join('\n');
    const predictions = ['id,label,score', ...shuffle(lines.map((l, i) => `item-${i},${l.split(',')[1]},${l.split(',')[2]}`))].join('\n');
    const spec: ScoringSpec = { id: 'id', target: 'label', score: 'score', reads: new Set(['label', 'score']) };
    const input = await viaFiles(truth, predictions, spec);
    for (const [metric, want] of Object.entries(c.expected)) {
      const m = findMetric(metric)!;
      if (typeof want !== 'number') {
        expect(() => m.prepare(input)(), metric).toThrow(MetricUndefinedError);
        continue;
      }
      const got = m.prepare(input)();
      if (EXACT.has(metric)) expect(got, metric).toBe(want);
      else expect(Math.abs(got - want), metric).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
    }
  });
});
