import { weightedMean } from './mean.js';
import { MetricUndefinedError, need, type ClassData, type Evaluator, type Metric, type ScoringInput } from './types.js';

/**
 * Multi-label metrics on predicted label sets, as scikit-learn 1.2 computes them on the
 * binarised indicator matrices (one column per label): per-item precision, recall, F1 and
 * Jaccard averaged over the items (`average="samples"`), the Hamming loss, and F1 from counts
 * over all labels (micro) or averaged over the labels (macro). A ratio with a zero denominator
 * is 0 (scikit-learn's default zero_division), so an item with no true and no predicted label
 * scores 0, and so does a label no item has or is predicted.
 *
 * With bootstrap weights (how often each item is drawn), the samples averages are weighted
 * means of the per-item values and micro, macro and Hamming come from weighted counts, as
 * scikit-learn computes them with `sample_weight`.
 */

/** What every metric here reads, worked out once per dataset: per item counts and its labels. */
interface SetCounts {
  n: number;
  /** Number of labels (columns of the indicator matrices). */
  k: number;
  /** Per item: labels both true and predicted, predicted, true. */
  tp: Float64Array;
  pred: Float64Array;
  true: Float64Array;
  /** Per item, its true labels then its predicted labels: labels[start[i] .. mid[i]) true, [mid[i] .. start[i+1]) predicted. */
  start: Int32Array;
  mid: Int32Array;
  labels: Int32Array;
  /** 1 where the label at that position is both true and predicted. */
  hit: Uint8Array;
}

const prepared = new WeakMap<ClassData, SetCounts>();

function setCounts(name: string, input: ScoringInput): SetCounts {
  const data = need(name, input.classes, 'true and predicted label sets');
  const cached = prepared.get(data);
  if (cached) return cached;
  const truth = need(name, data.truthSets, 'true label sets');
  const predicted = need(name, data.predictedSets, 'predicted label sets');
  const k = data.classes.length;
  const n = k === 0 ? input.units : truth.length / k;
  const tp = new Float64Array(n);
  const pred = new Float64Array(n);
  const tru = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let a = 0;
    let p = 0;
    let t = 0;
    for (let c = 0; c < k; c++) {
      const x = truth[o + c]!;
      const y = predicted[o + c]!;
      a += x & y;
      p += y;
      t += x;
    }
    tp[i] = a;
    pred[i] = p;
    tru[i] = t;
    total += p + t;
  }
  const start = new Int32Array(n + 1);
  const mid = new Int32Array(n);
  const labels = new Int32Array(total);
  const hit = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    start[i] = at;
    for (let c = 0; c < k; c++) {
      if (truth[o + c]) {
        hit[at] = predicted[o + c]!;
        labels[at++] = c;
      }
    }
    mid[i] = at;
    for (let c = 0; c < k; c++) if (predicted[o + c]) labels[at++] = c;
  }
  start[n] = at;
  const out = { n, k, tp, pred, true: tru, start, mid, labels, hit };
  prepared.set(data, out);
  return out;
}

// scikit-learn's zero_division default: a ratio with a zero denominator is 0.
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** F1 from precision and recall, as scikit-learn combines them (0 when both are 0). */
const f1 = (p: number, r: number): number => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

type PerItem = (tp: number, pred: number, tru: number) => number;

/** A metric averaged over the items: per-item values computed once, each resample a weighted mean. */
function samplesMetric(name: string, description: string, perItem: PerItem): Metric {
  return {
    name,
    direction: 'maximize',
    reads: 'predicted-sets',
    description,
    prepare(input) {
      const c = setCounts(name, input);
      const values = new Float64Array(c.n);
      for (let i = 0; i < c.n; i++) values[i] = perItem(c.tp[i]!, c.pred[i]!, c.true[i]!);
      return (w) => weightedMean(values, w, name);
    },
  };
}

/** Weighted totals over the items: true positives, predicted, true, and the weight. */
function totals(name: string, c: SetCounts, w: Uint32Array | undefined): { tp: number; pred: number; tru: number; weight: number } {
  let tp = 0;
  let pred = 0;
  let tru = 0;
  let weight = 0;
  for (let i = 0; i < c.n; i++) {
    const x = w ? w[i]! : 1;
    if (x === 0) continue;
    tp += c.tp[i]! * x;
    pred += c.pred[i]! * x;
    tru += c.true[i]! * x;
    weight += x;
  }
  if (weight === 0) throw new MetricUndefinedError(name, 'there are no items');
  return { tp, pred, tru, weight };
}

/** Per label weighted counts, from each item's label lists (items not drawn cost nothing). */
function perLabel(name: string, c: SetCounts, w: Uint32Array | undefined): { tp: Float64Array; pred: Float64Array; tru: Float64Array } {
  const tp = new Float64Array(c.k);
  const pred = new Float64Array(c.k);
  const tru = new Float64Array(c.k);
  let weight = 0;
  const { start, mid, labels, hit } = c;
  for (let i = 0; i < c.n; i++) {
    const x = w ? w[i]! : 1;
    if (x === 0) continue;
    weight += x;
    const m = mid[i]!;
    for (let j = start[i]!; j < m; j++) {
      const l = labels[j]!;
      tru[l]! += x;
      if (hit[j]) tp[l]! += x;
    }
    const e = start[i + 1]!;
    for (let j = m; j < e; j++) pred[labels[j]!]! += x;
  }
  if (weight === 0) throw new MetricUndefinedError(name, 'there are no items');
  return { tp, pred, tru };
}

function countsMetric(
  name: string,
  direction: 'maximize' | 'minimize',
  description: string,
  value: (c: SetCounts, w: Uint32Array | undefined) => number,
): Metric {
  return {
    name,
    direction,
    reads: 'predicted-sets',
    description,
    prepare(input) {
      const c = setCounts(name, input);
      const evaluate: Evaluator = (w) => value(c, w);
      return evaluate;
    },
  };
}

export const labelSetMetrics: Metric[] = [
  samplesMetric('f1_samples', 'F1 of each item’s predicted label set against its true set, averaged over items', (tp, pred, tru) =>
    f1(ratio(tp, pred), ratio(tp, tru)),
  ),
  samplesMetric('precision_samples', 'share of each item’s predicted labels that are true, averaged over items', (tp, pred) =>
    ratio(tp, pred),
  ),
  samplesMetric('recall_samples', 'share of each item’s true labels that are predicted, averaged over items', (tp, _pred, tru) =>
    ratio(tp, tru),
  ),
  samplesMetric(
    'jaccard_samples',
    'size of the intersection over the size of the union of each item’s true and predicted label sets, averaged over items',
    (tp, pred, tru) => ratio(tp, pred + tru - tp),
  ),
  countsMetric('hamming_loss', 'minimize', 'share of (item, label) pairs where the predicted set and the true set disagree', (c, w) => {
    if (c.k === 0) throw new MetricUndefinedError('hamming_loss', 'there are no labels');
    const t = totals('hamming_loss', c, w);
    // Disagreements: labels true but not predicted plus labels predicted but not true.
    return (t.pred + t.tru - 2 * t.tp) / (t.weight * c.k);
  }),
  countsMetric(
    'multilabel_f1_micro',
    'maximize',
    'F1 from true positives, predicted and true labels counted over all items and labels',
    (c, w) => {
      const t = totals('multilabel_f1_micro', c, w);
      return f1(ratio(t.tp, t.pred), ratio(t.tp, t.tru));
    },
  ),
  countsMetric(
    'multilabel_f1_macro',
    'maximize',
    'F1 of each label over the items, averaged over the labels (a label never true nor predicted scores 0)',
    (c, w) => {
      if (c.k === 0) throw new MetricUndefinedError('multilabel_f1_macro', 'there are no labels');
      const l = perLabel('multilabel_f1_macro', c, w);
      let s = 0;
      for (let j = 0; j < c.k; j++) s += f1(ratio(l.tp[j]!, l.pred[j]!), ratio(l.tp[j]!, l.tru[j]!));
      return s / c.k;
    },
  ),
];
