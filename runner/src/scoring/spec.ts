import { PodiumError } from '../contracts/problems.js';
import type { Reads } from './metrics/types.js';
import type { NormaliseStep } from './text-normalise.js';

/**
 * What a scoring run reads, and the error for a truth file that does not fit the competition.
 */

/** Which columns a scoring run reads, and how. */
export interface ScoringSpec {
  id: string;
  target: string;
  /** The score column, or the prefix of per-class score columns (`score_<class>`). */
  score: string;
  /** Query column, for ranking metrics. */
  query?: string;
  /**
   * trec_eval's -c: its measures average over every judged query, a query with no retrieved
   * document scoring 0 (a competition always does); else over the queries judged and retrieved.
   */
  trecComplete?: boolean;
  reads: ReadonlySet<Reads>;
  /** The competition's labels (concept ids), when it defines them. */
  labels?: readonly string[];
  /** Text metrics: the normalisation steps applied to hypotheses and references, in order. */
  normalise?: readonly NormaliseStep[];
}

/** The organiser's truth file does not fit the competition: a platform fault, not the participant's. */
export class TruthError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'TruthError';
  }
}

/**
 * The column whose values are the units a test set is split by — between shards, between the
 * public and private parts, into a scoring program's parts: the query for retrieval, where a
 * query's judgements and ranked list belong together, else the id.
 */
export function unitColumn(spec: { id: string; query?: string; reads: ReadonlySet<string> }): string {
  return spec.query && spec.reads.has('ranking') ? spec.query : spec.id;
}

/** The labels of a label set, as the truth and the predictions write them: space-separated, none when empty. */
export function labelsOf(v: string): string[] {
  return v.split(/\s+/).filter((x) => x !== '');
}
