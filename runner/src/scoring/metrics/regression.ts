import { argsort } from './sort.js';
import { MetricUndefinedError, need, type Metric, type RegressionData, type ScoringInput } from './types.js';

interface Moments {
  w: number;
  sx: number;
  sy: number;
  sxx: number;
  syy: number;
  sxy: number;
}

function moments(x: Float64Array, y: Float64Array, w?: Uint32Array): Moments {
  // Two passes (means first) keep the sums of squares accurate for large offsets.
  let total = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < x.length; i++) {
    const wt = w ? w[i]! : 1;
    total += wt;
    mx += wt * x[i]!;
    my += wt * y[i]!;
  }
  mx /= total;
  my /= total;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const wt = w ? w[i]! : 1;
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += wt * dx * dx;
    syy += wt * dy * dy;
    sxy += wt * dx * dy;
  }
  return { w: total, sx: mx, sy: my, sxx, syy, sxy };
}

function pearsonOf(x: Float64Array, y: Float64Array, w: Uint32Array | undefined, metric: string): number {
  const m = moments(x, y, w);
  if (m.w === 0) throw new MetricUndefinedError(metric, 'there are no items');
  if (m.sxx === 0 || m.syy === 0) throw new MetricUndefinedError(metric, 'the truth or the predictions are constant');
  return Math.max(-1, Math.min(1, m.sxy / Math.sqrt(m.sxx * m.syy)));
}

/** Average ranks (ties share their mean rank) of a bootstrap resample, from a presorted order. */
function ranks(values: Float64Array, order: Uint32Array, w: Uint32Array | undefined, out: Float64Array): void {
  let below = 0;
  for (let k = 0; k < order.length;) {
    let j = k;
    let group = 0;
    while (j < order.length && values[order[j]!] === values[order[k]!]) {
      group += w ? w[order[j]!]! : 1;
      j++;
    }
    // Ranks below+1 … below+group, averaged.
    const r = below + (group + 1) / 2;
    for (let m = k; m < j; m++) out[order[m]!] = r;
    below += group;
    k = j;
  }
}

function regression(
  name: string,
  description: string,
  direction: 'maximize' | 'minimize',
  make: (d: RegressionData) => (w?: Uint32Array) => number,
): Metric {
  return {
    name,
    direction,
    reads: 'number',
    description,
    prepare(input: ScoringInput) {
      const d = need(name, input.regression, 'true and predicted numbers');
      if (d.truth.length === 0) throw new MetricUndefinedError(name, 'there are no items');
      return make(d);
    },
  };
}

function errorMean(d: RegressionData, w: Uint32Array | undefined, f: (e: number) => number): number {
  let s = 0;
  let total = 0;
  for (let i = 0; i < d.truth.length; i++) {
    const wt = w ? w[i]! : 1;
    s += wt * f(d.truth[i]! - d.predicted[i]!);
    total += wt;
  }
  return s / total;
}

export const regressionMetrics: Metric[] = [
  regression('mean_absolute_error', 'mean of |truth − prediction|', 'minimize', (d) => (w) => errorMean(d, w, Math.abs)),
  regression('mean_squared_error', 'mean of (truth − prediction)²', 'minimize', (d) => (w) => errorMean(d, w, (e) => e * e)),
  regression(
    'root_mean_squared_error',
    'square root of the mean squared error',
    'minimize',
    (d) => (w) => Math.sqrt(errorMean(d, w, (e) => e * e)),
  ),
  regression(
    'r2',
    'coefficient of determination; 1 for a perfect fit of constant truth, else 0 there (as scikit-learn)',
    'maximize',
    (d) => (w) => {
      const m = moments(d.truth, d.predicted, w);
      const residual = errorMean(d, w, (e) => e * e) * m.w;
      if (m.sxx === 0) return residual === 0 ? 1 : 0;
      return 1 - residual / m.sxx;
    },
  ),
  regression(
    'pearson',
    'Pearson correlation between truth and prediction',
    'maximize',
    (d) => (w) => pearsonOf(d.truth, d.predicted, w, 'pearson'),
  ),
  regression('spearman', 'Spearman rank correlation between truth and prediction (ties share their mean rank)', 'maximize', (d) => {
    const ot = argsort(d.truth);
    const op = argsort(d.predicted);
    const rt = new Float64Array(d.truth.length);
    const rp = new Float64Array(d.truth.length);
    return (w) => {
      ranks(d.truth, ot, w, rt);
      ranks(d.predicted, op, w, rp);
      return pearsonOf(rt, rp, w, 'spearman');
    };
  }),
];
