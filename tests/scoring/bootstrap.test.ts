import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bootstrapIntervals,
  compareReplicates,
  decodeReplicates,
  drawCounts,
  encodeReplicates,
  pairedVerdict,
  percentileInterval,
  quantile,
} from '../../runner/src/scoring/bootstrap.js';
import { argsort } from '../../runner/src/scoring/metrics/sort.js';
import { findMetric, type ScoringInput } from '../../runner/src/scoring/metrics/registry.js';
import { seededRandom } from '../../runner/src/example/data.js';
import { binaryOf, binaryUnits, multiOf, multiUnits, regressionOf, regressionUnits, valueOrUndefined } from '../helpers/scoring-inputs.js';

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

  it('draw n out of n for any n, seed and resample, the same each time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.nat({ max: 0xffffffff }), fc.nat({ max: 10_000 }), (n, seed, b) => {
        const a = new Uint32Array(n);
        const again = new Uint32Array(n);
        drawCounts(n, seed, b, a);
        drawCounts(n, seed, b, again);
        expect(a.reduce((s, x) => s + x, 0)).toBe(n);
        expect(again.every((x, i) => x === a[i])).toBe(true);
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('draw from a key: n out of n, the same for the same key and resample, and not what the seed alone draws', () => {
    const key = Buffer.alloc(32, 7);
    const draw = (b: number, k?: Uint8Array) => {
      const out = new Uint32Array(1000);
      drawCounts(1000, 42, b, out, k);
      return Array.from(out);
    };
    expect(draw(3, key).reduce((s, x) => s + x, 0)).toBe(1000);
    expect(draw(3, key)).toEqual(draw(3, key));
    expect(draw(4, key)).not.toEqual(draw(3, key));
    expect(draw(3, key)).not.toEqual(draw(3));
    expect(draw(3, Buffer.alloc(32, 8))).not.toEqual(draw(3, key));
    const zeros = draw(3, key).filter((x) => x === 0).length / 1000;
    expect(zeros).toBeGreaterThan(0.33);
    expect(zeros).toBeLessThan(0.41);
  });
});

describe('argsort', () => {
  it('orders like a stable comparison sort, negatives, zeros, infinities and ties included', () => {
    // Few distinct values make ties; any double makes every radix digit count.
    const value = fc.oneof(
      fc.double({ noNaN: true }),
      fc.constantFrom(0, -0, 5e-324, -1e300, Infinity, -Infinity),
      fc.integer({ min: -100, max: 100 }).map((x) => x / 10),
    );
    // Also a view that starts inside its buffer, as a column of a larger table does.
    const column = fc
      .tuple(fc.array(value, { maxLength: 1000 }), fc.nat(3))
      .map(([xs, skip]) => new Float64Array([...Array<number>(skip).fill(7), ...xs]).subarray(skip));
    fc.assert(
      fc.property(column, (values) => {
        const want = Array.from(values.keys()).sort((i, j) => values[i]! - values[j]! || i - j);
        expect(Array.from(argsort(values))).toEqual(want);
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});

function binaryInput(n: number, seed: number, p: number): ScoringInput {
  const r = seededRandom(seed);
  const truth = Int32Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
  const predicted = Int32Array.from(truth, (t) => (r() < p ? t : 1 - t));
  const score = Float64Array.from(truth, (t) => Math.round((r() * 0.6 + t * 0.3) * 20) / 20);
  return { units: n, classes: { classes: ['0', '1'], truth, predicted, score } };
}

describe('weighted evaluation equals evaluating the resample itself', () => {
  const check = <U extends { weight: number }>(metric: string, units: fc.Arbitrary<U[]>, inputOf: (u: U[]) => ScoringInput) => {
    const m = findMetric(metric)!;
    fc.assert(
      fc.property(
        units.filter((us) => us.some((u) => u.weight > 0)),
        (us) => {
          const w = Uint32Array.from(us, (u) => u.weight);
          const weighted = valueOrUndefined(() => m.prepare(inputOf(us))(w));
          const direct = valueOrUndefined(() => m.prepare(inputOf(us.flatMap((u) => Array<U>(u.weight).fill(u))))());
          if (weighted === 'undefined' || direct === 'undefined') expect(weighted).toBe(direct);
          else expect(Math.abs(weighted - direct)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(direct)));
        },
      ),
      { seed: 42, numRuns: 50 },
    );
  };
  it.each([
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
  ])('%s (two classes)', (metric) => check(metric, binaryUnits, binaryOf));
  // roc_auc_ovr averages over the classes of the whole truth: a resample that loses one of them
  // has no value (it is left out of the interval), where that resample scored on its own would
  // average over the classes left. So here every class of the truth keeps a unit.
  const keepsClasses = multiUnits.filter((us) => us.every((u) => us.some((v) => v.truth === u.truth && v.weight > 0)));
  it.each(['f1_macro', 'roc_auc_ovr', 'log_loss', 'top_k_accuracy'])('%s (four classes)', (metric) => check(metric, keepsClasses, multiOf));
  it.each(['mean_absolute_error', 'root_mean_squared_error', 'r2', 'pearson', 'spearman'])('%s', (metric) =>
    check(metric, regressionUnits, regressionOf),
  );
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

  it('lie within the defined replicates, low before high, and count the undefined ones', () => {
    const replicates = fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(NaN)), { maxLength: 300 });
    fc.assert(
      fc.property(replicates, fc.double({ min: 0.5, max: 0.999, noNaN: true }), (xs, level) => {
        const ci = percentileInterval(Float64Array.from(xs), level);
        const defined = xs.filter((x) => !Number.isNaN(x));
        expect(ci.undefinedResamples).toBe(xs.length - defined.length);
        if (defined.length === 0) {
          expect([ci.low, ci.high]).toEqual([NaN, NaN]);
          return;
        }
        expect(ci.low).toBeGreaterThanOrEqual(Math.min(...defined));
        expect(ci.low).toBeLessThanOrEqual(ci.high);
        expect(ci.high).toBeLessThanOrEqual(Math.max(...defined));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('of metrics sharing one pass over the resamples equal each metric evaluated alone', () => {
    const names = ['accuracy', 'f1_macro', 'balanced_accuracy', 'matthews_corrcoef', 'cohen_kappa'];
    fc.assert(
      fc.property(binaryUnits, fc.nat({ max: 0xffffffff }), (units, seed) => {
        const input = binaryOf(units);
        const n = input.units;
        const ev = new Map(names.map((m) => [m, findMetric(m)!.prepare(input)]));
        const intervals = bootstrapIntervals(ev, n, { resamples: 20, seed, level: 0.95 });
        const w = new Uint32Array(n);
        for (let b = 0; b < 20; b++) {
          drawCounts(n, seed, b, w);
          for (const m of names) {
            const alone = valueOrUndefined(() => findMetric(m)!.prepare(input)(w));
            expect(intervals.get(m)!.replicates[b], `${m}, resample ${b}`).toBe(alone === 'undefined' ? NaN : alone);
          }
        }
      }),
      { seed: 42, numRuns: 25 },
    );
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

  it('turned around is the same comparison with the sign flipped', () => {
    const pairs = fc.array(
      fc.tuple(
        fc.nat(20).map((x) => x / 20),
        fc.nat(20).map((x) => x / 20),
      ),
      { minLength: 1, maxLength: 200 },
    );
    fc.assert(
      fc.property(pairs, fc.constantFrom('maximize' as const, 'minimize' as const), (ps, direction) => {
        const a = Float64Array.from(ps, ([x]) => x);
        const b = Float64Array.from(ps, ([, y]) => y);
        const ab = compareReplicates(a, b, direction, 0.95);
        const ba = compareReplicates(b, a, direction, 0.95);
        const opposite = compareReplicates(b, a, direction === 'maximize' ? 'minimize' : 'maximize', 0.95);
        expect(opposite).toEqual(ab);
        expect(ab.meanDifference + ba.meanDifference).toBe(0);
        // Exactly mirrored, so the verdict cannot depend on which file comes first.
        expect(ab.low === -ba.high && ab.high === -ba.low).toBe(true);
        expect(pairedVerdict(ba)).toBe({ 'a-better': 'b-better', 'b-better': 'a-better', tied: 'tied' }[pairedVerdict(ab)]);
        expect(ab.aBetter && ba.aBetter).toBe(false);
        expect(ab.resamples).toBe(ps.length);
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('reads the upper bound from the top: the (1 − q) quantile counted from the bottom is not the exact mirror (control)', () => {
    const d = [
      0.1, 0.05, -0.05, 0.1, -0.05, 0.4, -0.25, -0.3, 0.25, -0.2, 0.05, 0.4, 0.15, -0.15, -0.45, 0.4, 0.15, 0.45, 0.45, -0.25, 0.4, -0.3,
      0.5, 0.05,
    ];
    const sorted = Float64Array.from(d).sort();
    const negated = Float64Array.from(d, (x) => -x).sort();
    expect(quantile(sorted, 0.975)).not.toBe(-quantile(negated, 0.025));
    const c = compareReplicates(Float64Array.from(d), new Float64Array(d.length), 'maximize', 0.95);
    expect(c.high).toBe(-quantile(negated, 0.025));
  });

  it('replicates survive the record encoding to float32 precision', () => {
    const r = Float64Array.from([0.91333333, 0.5, NaN, 1e-7]);
    const back = decodeReplicates(encodeReplicates(r));
    expect(back[0]).toBeCloseTo(0.91333333, 6);
    expect(Number.isNaN(back[2]!)).toBe(true);
    expect(back).toHaveLength(4);
  });

  it('any replicates come back from the record encoding as float32 keeps them', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { maxLength: 100 }), (xs) => {
        expect(Array.from(decodeReplicates(encodeReplicates(Float64Array.from(xs))))).toEqual(xs.map(Math.fround));
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});
