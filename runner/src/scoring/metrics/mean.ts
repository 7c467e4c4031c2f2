import { MetricUndefinedError } from './types.js';

/**
 * The mean of per-item values, each item counted as often as the bootstrap drew it (every item
 * once without weights): the corpus value of metrics that are a mean over items. Undefined,
 * under the metric's name, when no item is drawn.
 */
export function weightedMean(values: Float64Array, w?: Uint32Array, metric = 'mean'): number {
  let s = 0;
  let total = 0;
  if (w) {
    for (let i = 0; i < values.length; i++) {
      const x = w[i]!;
      if (x === 0) continue;
      s += values[i]! * x;
      total += x;
    }
  } else {
    for (let i = 0; i < values.length; i++) s += values[i]!;
    total = values.length;
  }
  if (total === 0) throw new MetricUndefinedError(metric, 'there are no items');
  return s / total;
}
