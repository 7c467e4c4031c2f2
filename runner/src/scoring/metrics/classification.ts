import { MetricUndefinedError, need, type ClassData, type Metric, type ScoringInput } from './types.js';

/** Weighted confusion matrix: cm[t * k + p] = total weight of items true t, predicted p. */
function confusion(data: ClassData, predicted: Int32Array, w?: Uint32Array): Float64Array {
  const k = data.classes.length;
  const cm = new Float64Array(k * k);
  const t = data.truth;
  if (w) for (let i = 0; i < t.length; i++) cm[t[i]! * k + predicted[i]!]! += w[i]!;
  else for (let i = 0; i < t.length; i++) cm[t[i]! * k + predicted[i]!]!++;
  return cm;
}

/**
 * The confusion matrix of a resample is the same for every label metric: computed once per
 * resample and data, and reused by the others.
 */
const lastConfusion = new WeakMap<ClassData, { resample: number; cm: Float64Array }>();

function sharedConfusion(data: ClassData, predicted: Int32Array, w: Uint32Array | undefined, resample: number | undefined): Float64Array {
  if (!w || resample === undefined) return confusion(data, predicted, w);
  const last = lastConfusion.get(data);
  if (last && last.resample === resample) return last.cm;
  const cm = confusion(data, predicted, w);
  lastConfusion.set(data, { resample, cm });
  return cm;
}

interface Counts {
  k: number;
  tp: Float64Array;
  /** weight predicted as each class */
  pred: Float64Array;
  /** weight truly of each class */
  support: Float64Array;
  total: number;
  /** classes present in truth or predictions (scikit-learn's unique_labels) */
  present: number[];
}

function counts(cm: Float64Array, k: number): Counts {
  const tp = new Float64Array(k);
  const pred = new Float64Array(k);
  const support = new Float64Array(k);
  let total = 0;
  for (let t = 0; t < k; t++) {
    for (let p = 0; p < k; p++) {
      const v = cm[t * k + p]!;
      support[t]! += v;
      pred[p]! += v;
      total += v;
    }
    tp[t] = cm[t * k + t]!;
  }
  const present: number[] = [];
  for (let c = 0; c < k; c++) if (support[c]! > 0 || pred[c]! > 0) present.push(c);
  return { k, tp, pred, support, total, present };
}

// scikit-learn's zero_division=0 default for precision, recall and F1.
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

type Average = 'macro' | 'micro' | 'weighted' | 'binary';
type Score = 'precision' | 'recall' | 'f1';

function perClass(c: Counts, cls: number, score: Score): number {
  const tp = c.tp[cls]!;
  if (score === 'precision') return ratio(tp, c.pred[cls]!);
  if (score === 'recall') return ratio(tp, c.support[cls]!);
  return ratio(2 * tp, c.pred[cls]! + c.support[cls]!);
}

/** The positive class of a binary metric: "1", as scikit-learn's pos_label=1. */
function positiveClass(metric: string, data: ClassData): number {
  const pos = data.classes.findIndex((c) => c === '1' || (c.trim() !== '' && Number(c) === 1));
  if (pos < 0) throw new MetricUndefinedError(metric, `it needs the positive class "1" among the labels (${data.classes.join(', ')})`);
  return pos;
}

function averaged(c: Counts, score: Score, average: Average, metric: string, data: ClassData): number {
  if (average === 'binary') {
    if (c.present.length > 2)
      throw new MetricUndefinedError(metric, `it is for two classes and there are ${c.present.length}; use ${metric}_macro`);
    return perClass(c, positiveClass(metric, data), score);
  }
  if (average === 'micro') {
    let tp = 0;
    for (const cls of c.present) tp += c.tp[cls]!;
    // Every item is one prediction and one truth, so micro precision = recall = F1 = accuracy.
    return ratio(tp, c.total);
  }
  if (average === 'macro') {
    let s = 0;
    for (const cls of c.present) s += perClass(c, cls, score);
    return s / c.present.length;
  }
  let s = 0;
  let weight = 0;
  for (const cls of c.present) {
    s += perClass(c, cls, score) * c.support[cls]!;
    weight += c.support[cls]!;
  }
  return ratio(s, weight);
}

function labelMetric(name: string, description: string, fromCounts: (c: Counts, cm: Float64Array, data: ClassData) => number): Metric {
  return {
    name,
    direction: 'maximize',
    reads: 'label',
    description,
    prepare(input: ScoringInput) {
      const data = need(name, input.classes, 'true and predicted class labels');
      const predicted = need(name, data.predicted, 'predicted class labels');
      return (w, resample) => {
        const cm = sharedConfusion(data, predicted, w, resample);
        const c = counts(cm, data.classes.length);
        if (c.total === 0) throw new MetricUndefinedError(name, 'there are no items');
        return fromCounts(c, cm, data);
      };
    },
  };
}

const scoreWords: Record<Score, string> = { precision: 'precision', recall: 'recall', f1: 'F1' };
const averageWords: Record<Average, string> = {
  binary: 'of the positive class "1"',
  macro: 'unweighted mean over classes',
  micro: 'from total counts over classes',
  weighted: 'mean over classes weighted by support',
};

function prf(score: Score, average: Average): Metric {
  const name = average === 'binary' ? score : `${score}_${average}`;
  return labelMetric(name, `${scoreWords[score]}, ${averageWords[average]}`, (c, _cm, data) => averaged(c, score, average, name, data));
}

export const classificationMetrics: Metric[] = [
  labelMetric('accuracy', 'share of items whose predicted label is the true one', (c) => {
    let tp = 0;
    for (let i = 0; i < c.k; i++) tp += c.tp[i]!;
    return tp / c.total;
  }),
  labelMetric('balanced_accuracy', 'mean recall over the classes present in the truth', (c) => {
    let s = 0;
    let m = 0;
    for (let cls = 0; cls < c.k; cls++) {
      if (c.support[cls]! > 0) {
        s += c.tp[cls]! / c.support[cls]!;
        m++;
      }
    }
    return s / m;
  }),
  ...(['f1', 'precision', 'recall'] as const).flatMap((s) => (['binary', 'micro', 'macro', 'weighted'] as const).map((a) => prf(s, a))),
  labelMetric('matthews_corrcoef', 'Matthews correlation coefficient (multi-class form); 0 when a side is constant', (c) => {
    let correct = 0;
    let tp = 0;
    let pp = 0;
    let tt = 0;
    for (let i = 0; i < c.k; i++) {
      correct += c.tp[i]!;
      tp += c.support[i]! * c.pred[i]!;
      pp += c.pred[i]! * c.pred[i]!;
      tt += c.support[i]! * c.support[i]!;
    }
    const n = c.total;
    const cov = correct * n - tp;
    const denominator = Math.sqrt((n * n - pp) * (n * n - tt));
    return denominator === 0 ? 0 : cov / denominator;
  }),
  labelMetric('cohen_kappa', "Cohen's kappa: agreement beyond chance between predictions and truth", (c) => {
    let observed = 0;
    let expected = 0;
    for (let i = 0; i < c.k; i++) {
      observed += c.tp[i]!;
      expected += (c.support[i]! * c.pred[i]!) / c.total;
    }
    if (c.total - expected === 0)
      throw new MetricUndefinedError('cohen_kappa', 'agreement by chance is already perfect (one class on both sides)');
    return (observed - expected) / (c.total - expected);
  }),
];
