import { weightedMean } from './mean.js';
import { argsort } from './sort.js';
import { MetricUndefinedError, need, type ClassData, type Metric, type ScoringInput } from './types.js';

/**
 * Items sorted by a score once, so that each bootstrap resample costs one pass: positions
 * in ascending score order, whether each is positive, and where tie groups start.
 */
interface Sorted {
  order: Uint32Array;
  positive: Uint8Array;
  /** 1 where the score differs from the next position's (a tie group ends). */
  groupEnd: Uint8Array;
}

function sortByScore(scores: Float64Array, isPositive: (i: number) => boolean): Sorted {
  const order = argsort(scores);
  const n = order.length;
  const positive = new Uint8Array(n);
  const groupEnd = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    positive[k] = isPositive(i) ? 1 : 0;
    groupEnd[k] = k === n - 1 || scores[order[k + 1]!] !== scores[i] ? 1 : 0;
  }
  return { order, positive, groupEnd };
}

/** Area under the ROC curve: the Mann-Whitney statistic, tied scores counted half. */
function auc(s: Sorted, w: Uint32Array | undefined, metric: string): number {
  const { order, positive, groupEnd } = s;
  let negBelow = 0;
  let u = 0;
  let pos = 0;
  let gp = 0;
  let gn = 0;
  const n = order.length;
  for (let k = 0; k < n; k++) {
    const wt = w ? w[order[k]!]! : 1;
    const p = positive[k]!;
    gp += wt * p;
    gn += wt * (1 - p);
    if (groupEnd[k]) {
      u += gp * (negBelow + gn / 2);
      negBelow += gn;
      pos += gp;
      gp = 0;
      gn = 0;
    }
  }
  if (pos === 0 || negBelow === 0) throw new MetricUndefinedError(metric, 'only one class is present in the truth');
  return u / (pos * negBelow);
}

/** Average precision: the step-wise area under the precision-recall curve, as scikit-learn. */
function averagePrecision(s: Sorted, w: Uint32Array | undefined, metric: string, noPositives: 'error' | 'zero'): number {
  const { order, positive, groupEnd } = s;
  let total = 0;
  for (let k = 0; k < order.length; k++) if (positive[k]) total += w ? w[order[k]!]! : 1;
  if (total === 0) {
    if (noPositives === 'zero') return 0;
    throw new MetricUndefinedError(metric, 'there is no positive item in the truth');
  }
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let lastRecall = 0;
  // Highest scores first: walk down from the end; a threshold at each distinct score.
  for (let k = order.length - 1; k >= 0; k--) {
    const wt = w ? w[order[k]!]! : 1;
    if (positive[k]) tp += wt;
    else fp += wt;
    if (k === 0 || groupEnd[k - 1]) {
      if (tp + fp > 0) {
        const recall = tp / total;
        ap += (recall - lastRecall) * (tp / (tp + fp));
        lastRecall = recall;
      }
    }
  }
  return ap;
}

/**
 * The positive class of a two-class score metric: "1" when it is a label, else the greater
 * label (scikit-learn's pos_label=1 and roc_auc_score's choice).
 */
function positiveOf(metric: string, data: ClassData): number {
  const present = [...new Set(data.truth)].sort((a, b) => a - b);
  if (present.length > 2)
    throw new MetricUndefinedError(metric, `it is for two classes and the truth has ${present.length}; use a class-score metric`);
  const one = data.classes.findIndex((c) => c === '1' || (c.trim() !== '' && Number(c) === 1));
  return one >= 0 ? one : present[present.length - 1]!;
}

/**
 * Scores of the positive and the negative items, each sorted ascending with the native
 * typed-array sort: enough for the point value, which needs no item identity and so no
 * argsort (the bootstrap, which weights items, builds the full order on first use).
 */
interface Split {
  pos: Float64Array;
  neg: Float64Array;
}

function split(scores: Float64Array, truth: Int32Array, positive: number): Split {
  let np = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === positive) np++;
  const pos = new Float64Array(np);
  const neg = new Float64Array(truth.length - np);
  let a = 0;
  let b = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === positive) pos[a++] = scores[i]!;
    else neg[b++] = scores[i]!;
  }
  return { pos: pos.sort(), neg: neg.sort() };
}

/** The same sums as auc() with unit weights, group by group in ascending order. */
function aucOfSplit({ pos, neg }: Split, metric: string): number {
  if (pos.length === 0 || neg.length === 0) throw new MetricUndefinedError(metric, 'only one class is present in the truth');
  let i = 0;
  let j = 0;
  let negBelow = 0;
  let u = 0;
  while (i < pos.length || j < neg.length) {
    const v = j >= neg.length || (i < pos.length && pos[i]! <= neg[j]!) ? pos[i]! : neg[j]!;
    let gp = 0;
    let gn = 0;
    while (i < pos.length && pos[i] === v) {
      gp++;
      i++;
    }
    while (j < neg.length && neg[j] === v) {
      gn++;
      j++;
    }
    u += gp * (negBelow + gn / 2);
    negBelow += gn;
  }
  return u / (pos.length * neg.length);
}

/** The same sums as averagePrecision() with unit weights, from the highest score down. */
function apOfSplit({ pos, neg }: Split, metric: string): number {
  const total = pos.length;
  if (total === 0) throw new MetricUndefinedError(metric, 'there is no positive item in the truth');
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let lastRecall = 0;
  while (i >= 0 || j >= 0) {
    const v = j < 0 || (i >= 0 && pos[i]! >= neg[j]!) ? pos[i]! : neg[j]!;
    while (i >= 0 && pos[i] === v) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === v) {
      fp++;
      j--;
    }
    const recall = tp / total;
    ap += (recall - lastRecall) * (tp / (tp + fp));
    lastRecall = recall;
  }
  return ap;
}

function scoreMetric(
  name: string,
  description: string,
  point: (s: Split) => number,
  compute: (s: Sorted, w: Uint32Array) => number,
  needsBothClasses: boolean,
): Metric {
  return {
    name,
    direction: 'maximize',
    reads: 'score',
    description,
    prepare(input: ScoringInput) {
      const data = need(name, input.classes, 'true labels');
      const scores = need(name, data.score, 'a score column');
      const positive = positiveOf(name, data);
      if (needsBothClasses && !data.truth.some((t) => t !== data.truth[0]))
        throw new MetricUndefinedError(name, 'only one class is present in the truth');
      let sorted: Sorted | undefined;
      let value: number | undefined;
      return (w) => {
        if (!w) return (value ??= point(split(scores, data.truth, positive)));
        sorted ??= sortByScore(scores, (i) => data.truth[i] === positive);
        return compute(sorted, w);
      };
    },
  };
}

function classScores(metric: string, data: ClassData): Float64Array[] {
  return need(metric, data.classScores, `one score column per class`);
}

export const rankingMetrics: Metric[] = [
  scoreMetric(
    'roc_auc',
    'area under the ROC curve for two classes, from the score column',
    (s) => aucOfSplit(s, 'roc_auc'),
    (s, w) => auc(s, w, 'roc_auc'),
    true,
  ),
  // Defined when every item is positive (1.0); without a positive item it is an error.
  scoreMetric(
    'average_precision',
    'area under the precision-recall curve for two classes, from the score column',
    (s) => apOfSplit(s, 'average_precision'),
    (s, w) => averagePrecision(s, w, 'average_precision', 'error'),
    false,
  ),
  {
    name: 'roc_auc_ovr',
    direction: 'maximize',
    reads: 'class-scores',
    description: 'ROC-AUC of each class against the rest, averaged over classes (scores must sum to 1 per item)',
    prepare(input) {
      const data = need('roc_auc_ovr', input.classes, 'true labels');
      const cols = classScores('roc_auc_ovr', data);
      checkProbabilities('roc_auc_ovr', cols);
      const present = [...new Set(data.truth)].sort((a, b) => a - b);
      if (present.length < 2) throw new MetricUndefinedError('roc_auc_ovr', 'only one class is present in the truth');
      const sorted = present.map((c) => sortByScore(cols[c]!, (i) => data.truth[i] === c));
      return (w) => {
        let s = 0;
        for (const one of sorted) s += auc(one, w, 'roc_auc_ovr');
        return s / sorted.length;
      };
    },
  },
  {
    name: 'log_loss',
    direction: 'minimize',
    reads: 'class-scores',
    description: 'cross-entropy of the class probabilities (clipped to [ε, 1 − ε] with ε the double epsilon, then normalised per item)',
    prepare(input) {
      const data = need('log_loss', input.classes, 'true labels');
      const cols = classScores('log_loss', data);
      const eps = Number.EPSILON; // scikit-learn ≥ 1.2 clips at the dtype's epsilon
      const n = data.truth.length;
      const loss = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (const col of cols) sum += Math.min(Math.max(col[i]!, eps), 1 - eps);
        const p = Math.min(Math.max(cols[data.truth[i]!]![i]!, eps), 1 - eps) / sum;
        loss[i] = -Math.log(p);
      }
      return (w) => weightedMean(loss, w);
    },
  },
  ...[1, 2, 3, 5, 10].map((k) => topK(k)),
  {
    name: 'multilabel_map',
    direction: 'maximize',
    reads: 'label-sets',
    description: "mean over labels of the average precision of that label's score column (multi-label)",
    prepare(input) {
      const data = need('multilabel_map', input.classes, 'true label sets');
      const sets = need('multilabel_map', data.truthSets, 'true label sets');
      const cols = classScores('multilabel_map', data);
      const k = data.classes.length;
      const sorted = cols.map((col, c) => sortByScore(col, (i) => sets[i * k + c] === 1));
      return (w) => {
        let s = 0;
        // A label with no positive item adds 0, as scikit-learn's average_precision_score.
        for (const one of sorted) s += averagePrecision(one, w, 'multilabel_map', 'zero');
        return s / sorted.length;
      };
    },
  },
];

/** top_k_accuracy@k: the true class is among the k highest scores; equal scores favour the later class, as scikit-learn. */
function topK(k: number): Metric {
  const name = k === 2 ? 'top_k_accuracy' : `top_k_accuracy@${k}`;
  return {
    name,
    direction: 'maximize',
    reads: 'class-scores',
    description: `share of items whose true class is among the ${k} highest-scored classes`,
    prepare(input) {
      const data = need(name, input.classes, 'true labels');
      const cols = classScores(name, data);
      // With k ≥ the number of classes every item is a hit (scikit-learn warns and returns 1 too).
      const n = data.truth.length;
      const hit = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const t = data.truth[i]!;
        const st = cols[t]![i]!;
        // Classes ranked above the true one: higher score, or equal score and a later class.
        let above = 0;
        for (let c = 0; c < cols.length; c++) {
          const v = cols[c]![i]!;
          if (v > st || (v === st && c > t)) above++;
        }
        hit[i] = above < k ? 1 : 0;
      }
      return (w) => weightedMean(hit, w);
    },
  };
}

/** scikit-learn's check for multi-class ROC-AUC: the scores of an item are probabilities summing to 1. */
function checkProbabilities(metric: string, cols: Float64Array[]): void {
  const n = cols[0]?.length ?? 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const col of cols) s += col[i]!;
    if (Math.abs(s - 1) > 1e-8 + 1e-5) {
      throw new MetricUndefinedError(
        metric,
        `the class scores of each item must be probabilities that sum to 1 (item ${i + 1} sums to ${s})`,
      );
    }
  }
}
