import { PodiumError } from '../../contracts/problems.js';

/**
 * What metrics are computed from: truth and predictions already joined by id, as typed
 * arrays, one entry per test item (or per query, for retrieval).
 */
export type Direction = 'maximize' | 'minimize';

/** What a metric reads from the predictions (and how it reads the truth). */
export type Reads =
  /** predicted class labels against true labels */
  | 'label'
  /** predicted numbers against true numbers (regression) */
  | 'number'
  /** one score per item against true labels (two classes) */
  | 'score'
  /** one score column per class, `<score_column>_<class>`, against true labels */
  | 'class-scores'
  /** one score column per label against true label sets (space-separated labels) */
  | 'label-sets'
  /** ranked documents per query against graded relevance */
  | 'ranking'
  /** predicted label sets (space-separated labels in the label column) against true label sets */
  | 'predicted-sets'
  /** a text per item (caption, transcript) against one or more reference texts */
  | 'text'
  /** scored boxes per image against COCO ground truth (instances JSON / results JSON) */
  | 'boxes';

export interface ClassData {
  /** Class names, sorted (numerically when every class is a number). */
  classes: string[];
  /** Index into `classes` per item. */
  truth: Int32Array;
  /** Predicted class per item (label metrics). */
  predicted?: Int32Array;
  /** One score per item (score metrics). */
  score?: Float64Array;
  /** Per class, one score per item (class-score and label-set metrics). */
  classScores?: Float64Array[];
  /** Label sets: n × classes.length, 1 where the class is a true label of the item. */
  truthSets?: Uint8Array;
  /** Predicted label sets: n × classes.length, 1 where the class is a predicted label of the item. */
  predictedSets?: Uint8Array;
}

/** Texts per item: the bootstrap units are the items (captions, utterances, segments). */
export interface TextData {
  /** The item ids, in the truth's order. */
  ids: readonly string[];
  /** Per item, the predicted text (normalised when the competition names steps). */
  hypotheses: readonly string[];
  /** Per item, its reference texts, one or more, in the truth's row order. */
  references: readonly (readonly string[])[];
}

/**
 * Boxes per image, as COCO's evaluation reads them. The bootstrap units are the images, in
 * ascending id order (pycocotools' order: it breaks ties between equal scores by it).
 * Image i's ground truth is gt rows gt.start[i] .. gt.start[i+1], its detections dt rows
 * dt.start[i] .. dt.start[i+1], each in file order.
 */
export interface DetectionData {
  /** Image ids, ascending. */
  imageIds: Float64Array;
  /** Category ids, ascending (the truth's categories). */
  categoryIds: Float64Array;
  gt: {
    start: Int32Array;
    /** Index into categoryIds. */
    category: Int32Array;
    /** x, y, w, h per box (4 per row). */
    box: Float64Array;
    /** The annotation's own `area` (COCO's area ranges read it, not w × h). */
    area: Float64Array;
    /** 1 where iscrowd. */
    crowd: Uint8Array;
  };
  dt: {
    start: Int32Array;
    category: Int32Array;
    box: Float64Array;
    score: Float64Array;
  };
  /** Most detections per image and category that count (COCO: 1, 10, 100). */
  maxDetections: readonly number[];
}

export interface RegressionData {
  truth: Float64Array;
  predicted: Float64Array;
}

export interface RankingData {
  /** The query of each unit, in the truth's order. */
  queries: readonly string[];
  /** Per query: relevance grades of the documents in ranked order, best first (0 for unjudged); equal scores in document-id order. */
  readonly ranked: Float64Array[];
  /** Per query: tie group id per ranked position (equal scores share one), for nDCG's tie averaging. */
  readonly ties: Int32Array[];
  /** Per query: all judged relevance grades (for the ideal ranking and the number of relevant documents). */
  readonly judged: Float64Array[];
  /** The same lists as trec_eval sees them, for its measures. */
  trec: TrecLists;
}

/** Ranked lists as trec_eval builds them, all queries in flat arrays. */
export interface TrecLists {
  /**
   * Relevance of each retrieved document, in trec_eval's order (score descending, equal scores
   * by document id in reverse byte order): the judged grade; -1 for a document not judged for
   * the query; -2 for one judged with a negative grade. Query q's are rel[start[q] .. start[q+1]).
   */
  rel: Int32Array;
  start: Int32Array;
  /** Per query, how many judged documents have each grade 0, 1, 2, …: levels[levelStart[q] .. levelStart[q+1]). */
  levels: Int32Array;
  levelStart: Int32Array;
  /** Per query, documents judged at grade 1 or above. */
  numRel: Int32Array;
  /** trec_eval's -c: every judged query counts (one not retrieved scores 0), not only those retrieved. */
  complete: boolean;
  /** A grade of the truth that is not a whole number, if any: trec_eval's measures are undefined then. */
  fractionalGrade?: number;
}

export interface ScoringInput {
  /** Number of bootstrap units: items, or queries for ranking metrics. */
  units: number;
  classes?: ClassData;
  regression?: RegressionData;
  ranking?: RankingData;
  text?: TextData;
  detection?: DetectionData;
}

/**
 * A metric ready for one dataset: its value for bootstrap weights (how often each unit is
 * drawn; absent means every unit once). `resample` numbers the draw, so metrics reading the
 * same data can share work done for it. Throws MetricUndefinedError where the value is
 * undefined on that (re)sample.
 */
export type Evaluator = ((weights?: Uint32Array, resample?: number) => number) & {
  /** For metrics averaged over queries: each query's value, and whether it counts in the average. */
  perQuery?: { values: Float64Array; counted: Uint8Array };
  /** For metrics averaged over categories (COCO): each category's value, by category id, and whether it counts. */
  perCategory?: { names: readonly string[]; values: Float64Array; counted: Uint8Array };
};

export interface Metric {
  name: string;
  direction: Direction;
  reads: Reads;
  description: string;
  prepare(input: ScoringInput): Evaluator;
}

/** The metric has no value on this data (e.g. ROC-AUC with one class): a clear error, never NaN. */
export class MetricUndefinedError extends PodiumError {
  constructor(metric: string, why: string) {
    super(`${metric} is undefined here: ${why}`);
    this.name = 'MetricUndefinedError';
  }
}

/** The data lacks what a metric reads: a fault of the competition's configuration. */
export function need<T>(metric: string, value: T | undefined, what: string): T {
  if (value === undefined) throw new MetricUndefinedError(metric, `it needs ${what}`);
  return value;
}
