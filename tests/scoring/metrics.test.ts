import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findMetric, metricNames, MetricUndefinedError, type ScoringInput } from '../../runner/src/scoring/metrics/registry.js';
import { sortClasses } from '../../runner/src/scoring/scoring-input.js';
import { binaryOf, binaryUnits, multiOf, multiUnits, regressionOf, regressionUnits, valueOrUndefined } from '../helpers/scoring-inputs.js';

function classInput(truth: (string | number)[], predicted?: (string | number)[], score?: number[]): ScoringInput {
  const classes = sortClasses([...truth, ...(predicted ?? [])].map(String));
  const code = (v: string | number) => classes.indexOf(String(v));
  return {
    units: truth.length,
    classes: {
      classes,
      truth: Int32Array.from(truth, code),
      ...(predicted ? { predicted: Int32Array.from(predicted, code) } : {}),
      ...(score ? { score: Float64Array.from(score) } : {}),
    },
  };
}

const value = (name: string, input: ScoringInput, w?: number[]) => findMetric(name)!.prepare(input)(w ? Uint32Array.from(w) : undefined);

// Values from the examples in scikit-learn's documentation of each metric; the golden
// fixtures test the rest against scikit-learn itself.
describe('built-in metrics on scikit-learn documentation examples', () => {
  const t = [0, 1, 2, 0, 1, 2];
  const p = [0, 2, 1, 0, 0, 1];
  it.each([
    ['accuracy', [0, 2, 1, 3], [0, 1, 2, 3], 0.5],
    ['f1_macro', t, p, 0.26666666666666666],
    ['precision_macro', t, p, 0.2222222222222222],
    ['recall_macro', t, p, 0.3333333333333333],
    ['balanced_accuracy', [0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1], 0.625],
  ] as const)('%s', (name, truth, predicted, want) => {
    expect(value(name, classInput([...truth], [...predicted]))).toBeCloseTo(want, 12);
  });

  it.each([
    ['mean_absolute_error', 0.5],
    ['mean_squared_error', 0.375],
    ['root_mean_squared_error', 0.6123724356957945],
    ['r2', 0.9486081370449679],
  ])('%s', (name, want) => {
    const input: ScoringInput = {
      units: 4,
      regression: { truth: Float64Array.from([3, -0.5, 2, 7]), predicted: Float64Array.from([2.5, 0.0, 2, 8]) },
    };
    expect(value(name, input)).toBeCloseTo(want, 12);
  });

  it('roc_auc, ties counted half', () => {
    expect(value('roc_auc', classInput([0, 0, 1, 1], undefined, [0.1, 0.4, 0.35, 0.8]))).toBeCloseTo(0.75, 12);
    expect(value('roc_auc', classInput([0, 1], undefined, [0.5, 0.5]))).toBe(0.5);
  });
});

describe('weights are resample counts', () => {
  it('a weight of 2 counts an item twice, 0 leaves it out', () => {
    const input = classInput(['a', 'b', 'a', 'b'], ['a', 'a', 'a', 'b']);
    const twice = classInput(['a', 'b', 'b', 'a', 'b'], ['a', 'a', 'a', 'a', 'b']);
    for (const name of ['accuracy', 'f1_macro', 'matthews_corrcoef', 'cohen_kappa', 'balanced_accuracy']) {
      expect(value(name, input, [1, 2, 1, 1])).toBeCloseTo(value(name, twice), 12);
      expect(value(name, input, [0, 1, 1, 1])).toBeCloseTo(value(name, classInput(['b', 'a', 'b'], ['a', 'a', 'b'])), 12);
    }
  });
});

describe('on any data, a metric stays within its range and does not depend on the order of the items', () => {
  /** The units, and the same units in another order. */
  const reordered = <U>(units: fc.Arbitrary<U[]>) =>
    units.chain((us) => fc.tuple(fc.constant(us), fc.shuffledSubarray(us, { minLength: us.length, maxLength: us.length })));
  const check = <U>(metric: string, [low, high]: [number, number], units: fc.Arbitrary<U[]>, inputOf: (u: U[]) => ScoringInput) => {
    const m = findMetric(metric)!;
    fc.assert(
      fc.property(reordered(units), ([us, shuffled]) => {
        const v = valueOrUndefined(() => m.prepare(inputOf(us))());
        const again = valueOrUndefined(() => m.prepare(inputOf(shuffled))());
        if (v === 'undefined' || again === 'undefined') {
          expect(again).toBe(v);
          return;
        }
        expect(v).toBeGreaterThanOrEqual(low);
        expect(v).toBeLessThanOrEqual(high);
        expect(Math.abs(v - again)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v)));
      }),
      { seed: 42, numRuns: 50 },
    );
  };
  const unit: [number, number] = [0, 1];
  const signed: [number, number] = [-1, 1];
  const positive: [number, number] = [0, Infinity];
  it.each([
    ['accuracy', unit],
    ['balanced_accuracy', unit],
    ['f1', unit],
    ['f1_macro', unit],
    ['f1_weighted', unit],
    ['precision_micro', unit],
    ['recall_macro', unit],
    ['matthews_corrcoef', signed],
    ['cohen_kappa', signed],
    ['roc_auc', unit],
    ['average_precision', unit],
  ] as const)('%s (two classes)', (metric, range) => check(metric, range, binaryUnits, binaryOf));
  it.each([
    ['roc_auc_ovr', unit],
    ['log_loss', positive],
    ['top_k_accuracy', unit],
  ] as const)('%s (four classes)', (metric, range) => check(metric, range, multiUnits, multiOf));
  it.each([
    ['mean_absolute_error', positive],
    ['mean_squared_error', positive],
    ['root_mean_squared_error', positive],
    ['r2', [-Infinity, 1]],
    ['pearson', signed],
    ['spearman', signed],
  ] as const)('%s', (metric, range) => check(metric, [...range], regressionUnits, regressionOf));
});

describe('undefined metrics are errors, never NaN', () => {
  it.each([
    ['roc_auc', classInput([1, 1], undefined, [0.2, 0.9]), 'only one class'],
    ['average_precision', classInput([0, 0], [1, 0], [0.2, 0.9]), 'no positive item'],
    ['cohen_kappa', classInput([1, 1], [1, 1]), 'already perfect'],
    ['f1', classInput(['a', 'b'], ['a', 'b']), 'positive class "1"'],
    ['f1', classInput([0, 1, 2], [0, 1, 2]), 'use f1_macro'],
  ])('%s', (name, input, why) => {
    expect(() => value(name, input)).toThrow(MetricUndefinedError);
    expect(() => value(name, input)).toThrow(why);
  });

  it('pearson and spearman on constant values', () => {
    const input: ScoringInput = { units: 3, regression: { truth: Float64Array.from([1, 1, 1]), predicted: Float64Array.from([1, 2, 3]) } };
    expect(() => value('pearson', input)).toThrow('constant');
    expect(() => value('spearman', input)).toThrow('constant');
  });
});

describe('the registry', () => {
  it('declares a direction and what each metric reads, and takes any retrieval cut-off', () => {
    for (const name of metricNames()) {
      const m = findMetric(name.replace(/([@_])k$/, '$17'))!;
      expect(['maximize', 'minimize']).toContain(m.direction);
    }
    expect(findMetric('map@25')!.name).toBe('map@25');
    expect(findMetric('ndcg')!.reads).toBe('ranking');
    expect(findMetric('ndcg')!.description).toContain("trec_eval's ndcg");
    expect(findMetric('ndcg_cut_20')!.name).toBe('ndcg_cut_20');
    expect(findMetric('P_0')).toBeUndefined();
    expect(findMetric('precision')!.reads).toBe('label');
    expect(findMetric('log_loss')!.direction).toBe('minimize');
    expect(findMetric('map@0')).toBeUndefined();
  });
});
