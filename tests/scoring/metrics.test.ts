import { describe, expect, it } from 'vitest';
import { findMetric, metricNames, MetricUndefinedError } from '../../runner/src/scoring/metrics.js';

const compute = (name: string, truth: (string | number)[], predicted: (string | number)[], scores?: number[]) =>
  findMetric(name)!.compute({
    truth: truth.map(String),
    predicted: predicted.map(String),
    ...(scores ? { scores: Float64Array.from(scores) } : {}),
  });

// Values from the examples in scikit-learn's documentation of each metric.
describe('built-in metrics agree with scikit-learn on its documented examples', () => {
  const t = [0, 1, 2, 0, 1, 2];
  const p = [0, 2, 1, 0, 0, 1];
  it.each([
    ['accuracy', [0, 2, 1, 3], [0, 1, 2, 3], 0.5],
    ['f1_macro', t, p, 0.26666666666666666],
    ['precision_macro', t, p, 0.2222222222222222],
    ['recall_macro', t, p, 0.3333333333333333],
    ['balanced_accuracy', [0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1], 0.625],
    ['mean_absolute_error', [3, -0.5, 2, 7], [2.5, 0.0, 2, 8], 0.5],
    ['mean_squared_error', [3, -0.5, 2, 7], [2.5, 0.0, 2, 8], 0.375],
    ['root_mean_squared_error', [3, -0.5, 2, 7], [2.5, 0.0, 2, 8], 0.6123724356957945],
    ['r2', [3, -0.5, 2, 7], [2.5, 0.0, 2, 8], 0.9486081370449679],
  ] as const)('%s', (name, truth, predicted, want) => {
    expect(compute(name, [...truth], [...predicted])).toBeCloseTo(want, 12);
  });

  it('roc_auc', () => {
    expect(compute('roc_auc', [0, 0, 1, 1], [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
  });

  it('roc_auc counts tied scores as half', () => {
    expect(compute('roc_auc', [0, 1], [0, 1], [0.5, 0.5])).toBe(0.5);
  });
});

describe('undefined metrics are errors, never NaN', () => {
  it('roc_auc with one class', () => {
    expect(() => compute('roc_auc', [1, 1], [1, 1], [0.2, 0.9])).toThrow(MetricUndefinedError);
  });
  it('r2 with constant truth', () => {
    expect(() => compute('r2', [1, 1, 1], [1, 2, 3])).toThrow('the true values are all the same');
  });
  it('regression on text', () => {
    expect(() => compute('mean_absolute_error', ['a'], ['1'])).toThrow(MetricUndefinedError);
  });
});

describe('the registry', () => {
  it('declares a direction and what each metric reads', () => {
    for (const name of metricNames()) {
      const m = findMetric(name)!;
      expect(['maximize', 'minimize']).toContain(m.direction);
      expect(['label', 'number', 'score']).toContain(m.reads);
    }
    expect(findMetric('mean_squared_error')!.direction).toBe('minimize');
    expect(findMetric('accuracy')!.direction).toBe('maximize');
  });
});
