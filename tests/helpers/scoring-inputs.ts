import fc from 'fast-check';
import { MetricUndefinedError, type ScoringInput } from '../../runner/src/scoring/metrics/registry.js';

/**
 * Generated scoring data for property tests: arrays of units (one record per test item, so
 * that fast-check shrinks a failing case item by item), and the metric input they make.
 * Each unit also carries a `weight`: how often a bootstrap resample draws it.
 */

/** Units of a two-class problem: truth, predicted label, and a score with ties; `weight` how often the unit counts. */
export const binaryUnits = fc.array(
  fc.record({ truth: fc.nat(1), predicted: fc.nat(1), score: fc.nat(20).map((x) => x / 20), weight: fc.nat(3) }),
  { minLength: 1, maxLength: 60 },
);
export const binaryOf = (units: { truth: number; predicted: number; score: number }[]): ScoringInput => ({
  units: units.length,
  classes: {
    classes: ['0', '1'],
    truth: Int32Array.from(units, (u) => u.truth),
    predicted: Int32Array.from(units, (u) => u.predicted),
    score: Float64Array.from(units, (u) => u.score),
  },
});

/** Units of a four-class problem, with one score per class summing to 1. */
export const multiUnits = fc.array(
  fc.record({
    truth: fc.nat(3),
    predicted: fc.nat(3),
    raw: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 4, maxLength: 4 }),
    weight: fc.nat(3),
  }),
  { minLength: 1, maxLength: 60 },
);
export const multiOf = (units: { truth: number; predicted: number; raw: number[] }[]): ScoringInput => ({
  units: units.length,
  classes: {
    classes: ['a', 'b', 'c', 'd'],
    truth: Int32Array.from(units, (u) => u.truth),
    predicted: Int32Array.from(units, (u) => u.predicted),
    classScores: [0, 1, 2, 3].map((k) => Float64Array.from(units, (u) => u.raw[k]! / u.raw.reduce((s, x) => s + x, 0))),
  },
});

/** Units of a regression problem, whole numbers so that ranks tie. */
export const regressionUnits = fc.array(fc.record({ truth: fc.nat(20), predicted: fc.nat(20), weight: fc.nat(3) }), {
  minLength: 1,
  maxLength: 60,
});
export const regressionOf = (units: { truth: number; predicted: number }[]): ScoringInput => ({
  units: units.length,
  regression: { truth: Float64Array.from(units, (u) => u.truth), predicted: Float64Array.from(units, (u) => u.predicted) },
});

/** The metric's value, or 'undefined' where it has none. */
export function valueOrUndefined(evaluate: () => number): number | 'undefined' {
  try {
    return evaluate();
  } catch (e: unknown) {
    if (e instanceof MetricUndefinedError) return 'undefined';
    throw e;
  }
}
