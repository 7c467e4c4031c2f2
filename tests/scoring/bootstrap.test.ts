import { describe, expect, it } from 'vitest';
import {
  bootstrapIntervals,
  compareReplicates,
  decodeReplicates,
  drawCounts,
  encodeReplicates,
  percentileInterval,
} from '../../runner/src/scoring/bootstrap.js';
import { argsort } from '../../runner/src/scoring/metrics/sort.js';
import { findMetric, type ScoringInput } from '../../runner/src/scoring/metrics/registry.js';
import { seededRandom } from '../../runner/src/example/data.js';

describe('resample draws', () => {
  it('draw every unit count once in total, the same for the same seed and resample', () => {
    const a = new Uint32Array(1000);
    const b = new Uint32Array(1000);
    drawCounts(1000, 42, 3, a);
    drawCounts(1000, 42, 3, b);
    expect(a.reduce((s, x) => s + x, 0)).toBe(1000);
    expect(Array.from(a)).toEqual(Array.from(b));
    drawCounts(1000, 42, 4, b);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    // About e^-1 of the units are never drawn in a resample of n out of n.
    const zeros = a.filter((x) => x === 0).length / 1000;
    expect(zeros).toBeGreaterThan(0.33);
    expect(zeros).toBeLessThan(0.41);
  });
});

describe('argsort', () => {
  it('orders like a stable comparison sort, negatives, zeros and ties included', () => {
    const r = seededRandom(5);
    const values = Float64Array.from({ length: 5000 }, () => Math.round((r() - 0.5) * 200) / 10);
    values[0] = -0;
    values[1] = 0;
    values[2] = -1e300;
    values[3] = 5e-324;
    const want = Array.from(values.keys()).sort((i, j) => values[i]! - values[j]! || i - j);
    expect(Array.from(argsort(values))).toEqual(want);
  });
});

function binaryInput(n: number, seed: number, p: number): ScoringInput {
  const r = seededRandom(seed);
  const truth = Int32Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
  const predicted = Int32Array.from(truth, (t) => (r() < p ? t : 1 - t));
  const score = Float64Array.from(truth, (t) => Math.round((r() * 0.6 + t * 0.3) * 20) / 20);
  return { units: n, classes: { classes: ['0', '1'], truth, predicted, score } };
}

/** The same data with each unit repeated as often as the weights say. */
function expand(input: ScoringInput, w: Uint32Array): ScoringInput {
  const idx: number[] = [];
  w.forEach((c, i) => {
    for (let k = 0; k < c; k++) idx.push(i);
  });
  const pick = <T extends Int32Array | Float64Array>(a: T | undefined, make: (n: number) => T): T | undefined => {
    if (!a) return undefined;
    const out = make(idx.length);
    idx.forEach((i, k) => (out[k] = a[i]!));
    return out;
  };
  const out: ScoringInput = { units: idx.length };
  if (input.classes) {
    const c = input.classes;
    out.classes = {
      classes: c.classes,
      truth: pick(c.truth, (n) => new Int32Array(n))!,
      ...(c.predicted ? { predicted: pick(c.predicted, (n) => new Int32Array(n))! } : {}),
      ...(c.score ? { score: pick(c.score, (n) => new Float64Array(n))! } : {}),
      ...(c.classScores ? { classScores: c.classScores.map((s) => pick(s, (n) => new Float64Array(n))!) } : {}),
    };
  }
  if (input.regression) {
    out.regression = {
      truth: pick(input.regression.truth, (n) => new Float64Array(n))!,
      predicted: pick(input.regression.predicted, (n) => new Float64Array(n))!,
    };
  }
  return out;
}

describe('weighted evaluation equals evaluating the resample itself', () => {
  const binary = binaryInput(300, 11, 0.8);
  const r = seededRandom(3);
  const k = 4;
  const truth = Int32Array.from({ length: 300 }, (_, i) => (i < k ? i : Math.floor(r() * k)));
  const rawScores = Array.from({ length: k }, () => Float64Array.from({ length: 300 }, () => Math.round(r() * 10) + 1));
  const classScores = rawScores.map((col) => Float64Array.from(col, (v, i) => v / rawScores.reduce((s, x) => s + x[i]!, 0)));
  const multi: ScoringInput = {
    units: 300,
    classes: {
      classes: ['a', 'b', 'c', 'd'],
      truth,
      predicted: Int32Array.from(truth, (t) => (r() < 0.6 ? t : Math.floor(r() * k))),
      classScores,
    },
  };
  const regression: ScoringInput = {
    units: 300,
    regression: {
      truth: Float64Array.from({ length: 300 }, () => Math.round(r() * 20)),
      predicted: Float64Array.from({ length: 300 }, () => Math.round(r() * 20)),
    },
  };
  const cases: [string, ScoringInput][] = [
    ...[
      'accuracy',
      'balanced_accuracy',
      'f1',
      'f1_macro',
      'f1_weighted',
      'precision_micro',
      'recall_macro',
      'matthews_corrcoef',
      'cohen_kappa',
      'roc_auc',
      'average_precision',
    ].map((m) => [m, binary] as [string, ScoringInput]),
    ...['f1_macro', 'roc_auc_ovr', 'log_loss', 'top_k_accuracy'].map((m) => [m, multi] as [string, ScoringInput]),
    ...['mean_absolute_error', 'root_mean_squared_error', 'r2', 'pearson', 'spearman'].map(
      (m) => [m, regression] as [string, ScoringInput],
    ),
  ];
  it.each(cases)('%s', (metric, input) => {
    const m = findMetric(metric)!;
    const evaluate = m.prepare(input);
    const w = new Uint32Array(input.units);
    for (const b of [0, 1, 2]) {
      drawCounts(input.units, 99, b, w);
      const direct = m.prepare(expand(input, w))();
      expect(Math.abs(evaluate(w) - direct)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(direct)));
    }
  });
});

describe('percentile intervals', () => {
  it('are reproducible from the seed', () => {
    const input = binaryInput(200, 1, 0.7);
    const ev = new Map([['accuracy', findMetric('accuracy')!.prepare(input)]]);
    const a = bootstrapIntervals(ev, 200, { resamples: 200, seed: 5, level: 0.95 }).get('accuracy')!;
    const b = bootstrapIntervals(ev, 200, { resamples: 200, seed: 5, level: 0.95 }).get('accuracy')!;
    const c = bootstrapIntervals(ev, 200, { resamples: 200, seed: 6, level: 0.95 }).get('accuracy')!;
    expect([a.low, a.high]).toEqual([b.low, b.high]);
    expect([a.low, a.high]).not.toEqual([c.low, c.high]);
    const point = findMetric('accuracy')!.prepare(input)();
    expect(a.low).toBeLessThan(point);
    expect(a.high).toBeGreaterThan(point);
  });

  it('cover the true accuracy about 95% of the time', () => {
    let covered = 0;
    const trials = 100;
    for (let t = 0; t < trials; t++) {
      const input = binaryInput(400, 1000 + t, 0.8);
      const ev = new Map([['accuracy', findMetric('accuracy')!.prepare(input)]]);
      const ci = bootstrapIntervals(ev, 400, { resamples: 400, seed: t, level: 0.95 }).get('accuracy')!;
      if (ci.low <= 0.8 && 0.8 <= ci.high) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(88);
    expect(covered).toBeLessThanOrEqual(100);
  });

  it('leave out resamples where the metric is undefined, and count them', () => {
    // Two items, one of each class: many resamples hold one class only, where ROC-AUC is undefined.
    const input: ScoringInput = {
      units: 2,
      classes: { classes: ['0', '1'], truth: Int32Array.from([0, 1]), score: Float64Array.from([0.2, 0.8]) },
    };
    const ci = bootstrapIntervals(new Map([['roc_auc', findMetric('roc_auc')!.prepare(input)]]), 2, {
      resamples: 100,
      seed: 1,
      level: 0.95,
    }).get('roc_auc')!;
    expect(ci.undefinedResamples).toBeGreaterThan(20);
    expect(ci.low).toBe(1);
  });

  it('interpolate between order statistics as numpy does', () => {
    const ci = percentileInterval(Float64Array.from([1, 2, 3, 4, 5]), 0.5);
    expect([ci.low, ci.high]).toEqual([2, 4]);
  });
});

describe('paired comparison', () => {
  it('finds a clear winner, and calls near-equals a tie', () => {
    const truthRandom = seededRandom(8);
    const n = 1000;
    const truth = Int32Array.from({ length: n }, () => (truthRandom() < 0.5 ? 1 : 0));
    const withAccuracy = (p: number, seed: number): ScoringInput => {
      const r = seededRandom(seed);
      return { units: n, classes: { classes: ['0', '1'], truth, predicted: Int32Array.from(truth, (t) => (r() < p ? t : 1 - t)) } };
    };
    const reps = (input: ScoringInput) =>
      bootstrapIntervals(new Map([['accuracy', findMetric('accuracy')!.prepare(input)]]), n, { resamples: 500, seed: 3, level: 0.95 }).get(
        'accuracy',
      )!.replicates;
    const strong = reps(withAccuracy(0.9, 1));
    const weak = reps(withAccuracy(0.7, 2));
    const close = reps(withAccuracy(0.9, 3));
    expect(compareReplicates(strong, weak, 'maximize', 0.95).aBetter).toBe(true);
    expect(compareReplicates(weak, strong, 'maximize', 0.95).aBetter).toBe(false);
    expect(compareReplicates(strong, close, 'maximize', 0.95).aBetter).toBe(false);
    // Lower is better: the weak one's error rate would be the better score.
    expect(compareReplicates(weak, strong, 'minimize', 0.95).aBetter).toBe(true);
  });

  it('replicates survive the record encoding to float32 precision', () => {
    const r = Float64Array.from([0.91333333, 0.5, NaN, 1e-7]);
    const back = decodeReplicates(encodeReplicates(r));
    expect(back[0]).toBeCloseTo(0.91333333, 6);
    expect(Number.isNaN(back[2]!)).toBe(true);
    expect(back).toHaveLength(4);
  });
});
