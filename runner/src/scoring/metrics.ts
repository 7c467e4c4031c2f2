/**
 * Built-in metrics. Each declares its direction and what it reads, so that competition.yml
 * can name it, `podium score --metrics` accepts it, and the leaderboard sorts it the right way.
 * Definitions follow scikit-learn's (names without the `neg_` prefix).
 */
export type Direction = 'maximize' | 'minimize';

/** What a metric reads from the predictions file. */
export type Reads =
  /** the target column as class labels */
  | 'label'
  /** the target column as numbers (regression) */
  | 'number'
  /** the score column as numbers, against the true labels (ranking) */
  | 'score';

export interface AlignedData {
  /** True target values, in id order. */
  truth: readonly string[];
  /** Predicted target values (label or number as text), aligned with truth. */
  predicted: readonly string[];
  /** Predicted scores, aligned with truth, when the metric reads scores. */
  scores?: Float64Array;
}

export interface Metric {
  name: string;
  direction: Direction;
  reads: Reads;
  description: string;
  compute(data: AlignedData): number;
}

/** The metric has no value on this data (e.g. ROC-AUC with one class): a clear error, never NaN. */
export class MetricUndefinedError extends Error {
  constructor(metric: string, why: string) {
    super(`${metric} is undefined here: ${why}`);
    this.name = 'MetricUndefinedError';
  }
}

interface ClassCounts {
  labels: string[];
  tp: Float64Array;
  /** how often each label was predicted */
  predicted: Float64Array;
  /** how often each label is true */
  support: Float64Array;
}

function classCounts(truth: readonly string[], predicted: readonly string[]): ClassCounts {
  const index = new Map<string, number>();
  for (const l of truth) if (!index.has(l)) index.set(l, index.size);
  for (const l of predicted) if (!index.has(l)) index.set(l, index.size);
  const labels = [...index.keys()];
  const k = labels.length;
  const tp = new Float64Array(k);
  const pred = new Float64Array(k);
  const support = new Float64Array(k);
  for (let i = 0; i < truth.length; i++) {
    const t = index.get(truth[i]!)!;
    const p = index.get(predicted[i]!)!;
    support[t]!++;
    pred[p]!++;
    if (t === p) tp[t]!++;
  }
  return { labels, tp, predicted: pred, support };
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b); // scikit-learn's zero_division=0

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

function perClass(c: ClassCounts, f: (tp: number, pred: number, support: number) => number): Float64Array {
  const out = new Float64Array(c.labels.length);
  for (let j = 0; j < c.labels.length; j++) out[j] = f(c.tp[j]!, c.predicted[j]!, c.support[j]!);
  return out;
}

function numbers(metric: string, values: readonly string[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (!Number.isFinite(v)) throw new MetricUndefinedError(metric, `value "${values[i]}" is not a finite number`);
    out[i] = v;
  }
  return out;
}

function regression(
  name: string,
  description: string,
  f: (t: Float64Array, p: Float64Array) => number,
  direction: Direction = 'minimize',
): Metric {
  return {
    name,
    direction,
    reads: 'number',
    description,
    compute: ({ truth, predicted }) => f(numbers(name, truth), numbers(name, predicted)),
  };
}

function sumSquaredError(t: Float64Array, p: Float64Array): number {
  let s = 0;
  for (let i = 0; i < t.length; i++) s += (t[i]! - p[i]!) ** 2;
  return s;
}

/** Binary ROC-AUC as the Mann-Whitney statistic, ties counted half. */
function rocAuc({ truth, scores }: AlignedData): number {
  if (!scores) throw new MetricUndefinedError('roc_auc', 'the predictions have no score column');
  const classes = [...new Set(truth)].sort();
  if (classes.length !== 2) {
    throw new MetricUndefinedError('roc_auc', `it needs exactly two classes in the truth, found ${classes.length}`);
  }
  const positive = classes[1]!; // the greater label, as scikit-learn's default pos_label
  const order = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPositive = 0;
  let positives = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (truth[order[k]!] === positive) {
        rankSumPositive += avgRank;
        positives++;
      }
    }
    i = j + 1;
  }
  const negatives = truth.length - positives;
  return (rankSumPositive - (positives * (positives + 1)) / 2) / (positives * negatives);
}

const builtIn: Metric[] = [
  {
    name: 'accuracy',
    direction: 'maximize',
    reads: 'label',
    description: 'share of items whose predicted label is the true one',
    compute: ({ truth, predicted }) => {
      let hit = 0;
      for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) hit++;
      return hit / truth.length;
    },
  },
  {
    name: 'balanced_accuracy',
    direction: 'maximize',
    reads: 'label',
    description: 'mean recall over the classes present in the truth',
    compute: ({ truth, predicted }) => {
      const c = classCounts(truth, predicted);
      const recalls: number[] = [];
      for (let j = 0; j < c.labels.length; j++) if (c.support[j]! > 0) recalls.push(c.tp[j]! / c.support[j]!);
      return mean(recalls);
    },
  },
  {
    name: 'precision_macro',
    direction: 'maximize',
    reads: 'label',
    description: 'unweighted mean of per-class precision (0 for a class never predicted)',
    compute: ({ truth, predicted }) => mean(perClass(classCounts(truth, predicted), (tp, p) => ratio(tp, p))),
  },
  {
    name: 'recall_macro',
    direction: 'maximize',
    reads: 'label',
    description: 'unweighted mean of per-class recall',
    compute: ({ truth, predicted }) => mean(perClass(classCounts(truth, predicted), (tp, _p, s) => ratio(tp, s))),
  },
  {
    name: 'f1_macro',
    direction: 'maximize',
    reads: 'label',
    description: 'unweighted mean of per-class F1',
    compute: ({ truth, predicted }) => mean(perClass(classCounts(truth, predicted), (tp, p, s) => ratio(2 * tp, p + s))),
  },
  {
    name: 'roc_auc',
    direction: 'maximize',
    reads: 'score',
    description: 'area under the ROC curve for two classes, from the score column',
    compute: rocAuc,
  },
  regression('mean_absolute_error', 'mean of |truth - prediction|', (t, p) => {
    let s = 0;
    for (let i = 0; i < t.length; i++) s += Math.abs(t[i]! - p[i]!);
    return s / t.length;
  }),
  regression('mean_squared_error', 'mean of (truth - prediction)²', (t, p) => sumSquaredError(t, p) / t.length),
  regression('root_mean_squared_error', 'square root of the mean squared error', (t, p) => Math.sqrt(sumSquaredError(t, p) / t.length)),
  regression(
    'r2',
    'coefficient of determination',
    (t, p) => {
      const m = mean(t);
      let total = 0;
      for (let i = 0; i < t.length; i++) total += (t[i]! - m) ** 2;
      if (total === 0) throw new MetricUndefinedError('r2', 'the true values are all the same');
      return 1 - sumSquaredError(t, p) / total;
    },
    'maximize',
  ),
];

const registry = new Map(builtIn.map((m) => [m.name, m]));

export function metricNames(): string[] {
  return [...registry.keys()];
}

export function findMetric(name: string): Metric | undefined {
  return registry.get(name);
}
