import { MetricUndefinedError, need, type Evaluator, type Metric, type ScoringInput, type TrecLists } from './types.js';

/**
 * trec_eval's measures, by trec_eval's names and with its semantics (version 10.0): documents
 * ranked by score, ties by document id in reverse byte order, the run's rank column ignored; a
 * document is relevant at grade 1 and above; a query counts when it is judged and retrieved,
 * or, with trec_eval's -c, whenever it is judged (an unretrieved query then scores 0).
 * Per-query values are as `trec_eval -q` prints them; the summary is their mean (a geometric
 * mean for gm_map, a sum for the counts).
 */

/** Relevance of a document judged with a negative grade ("in the pool, unjudged"), and of one not judged at all. */
const UNJUDGED = -2;
const NONPOOL = -1;
/** trec_eval's floor for gm_map and its epsilon for infAP. */
const MIN_GEO_MEAN = 0.00001;
const INFAP_EPSILON = 0.00001;

/** One query's ranked relevance values, rel[s..e), and its judgements. */
type PerQuery = (rel: Int32Array, s: number, e: number, t: TrecLists, q: number) => number;

function levels(t: TrecLists, q: number): Int32Array {
  return t.levels.subarray(t.levelStart[q]!, t.levelStart[q + 1]!);
}

function averagePrecision(rel: Int32Array, s: number, e: number, t: TrecLists, q: number, cut = Infinity): number {
  const numRel = t.numRel[q]!;
  if (numRel === 0) return 0;
  let found = 0;
  let sum = 0;
  const end = Math.min(e, s + cut);
  for (let i = s; i < end; i++) {
    if (rel[i]! >= 1) {
      found++;
      sum += found / (i - s + 1);
    }
  }
  return sum / numRel;
}

function relevantIn(rel: Int32Array, s: number, e: number): number {
  let n = 0;
  for (let i = s; i < e; i++) if (rel[i]! >= 1) n++;
  return n;
}

const map: PerQuery = (rel, s, e, t, q) => averagePrecision(rel, s, e, t, q);

const rPrec: PerQuery = (rel, s, e, t, q) => {
  const numRel = t.numRel[q]!;
  const look = Math.min(e - s, numRel);
  if (look === 0) return 0;
  return relevantIn(rel, s, s + look) / numRel;
};

const recipRank: PerQuery = (rel, s, e) => {
  for (let i = s; i < e; i++) if (rel[i]! >= 1) return 1 / (i - s + 1);
  return 0;
};

/** bpref: for each relevant document, the share of judged non-relevant ones not ranked above it. */
const bpref: PerQuery = (rel, s, e, t, q) => {
  const numRel = t.numRel[q]!;
  const numNonrel = levels(t, q)[0] ?? 0;
  let nonrel = 0;
  let b = 0;
  for (let i = s; i < e; i++) {
    const r = rel[i]!;
    if (r === NONPOOL || r === UNJUDGED) continue;
    if (r === 0) nonrel++;
    else if (nonrel > 0) b += 1 - Math.min(nonrel, numRel) / Math.min(numNonrel, numRel);
    else b += 1;
  }
  return numRel ? b / numRel : b;
};

/** infAP (Yilmaz and Aslam), as trec_eval computes it from judged, unjudged and unpooled documents. */
const infAP: PerQuery = (rel, s, e, t, q) => {
  let nonrel = 0;
  let relSoFar = 0;
  let unjudged = 0;
  let ap = 0;
  for (let i = s; i < e; i++) {
    const r = rel[i]!;
    if (r === NONPOOL) continue;
    if (r === UNJUDGED) {
      unjudged++;
      continue;
    }
    if (r === 0) {
      nonrel++;
      continue;
    }
    relSoFar++;
    const j = i - s;
    if (j === 0) ap += 1;
    else
      ap +=
        1 / (j + 1) +
        (j / (j + 1)) *
          ((relSoFar - 1 + nonrel + unjudged) / j) *
          ((relSoFar - 1 + INFAP_EPSILON) / (relSoFar - 1 + nonrel + 2 * INFAP_EPSILON));
  }
  const numRel = t.numRel[q]!;
  return numRel ? ap / numRel : ap;
};

/** The ideal DCG over the first `cut` positions: the judged grades, highest first, each its own gain. */
function idealDcg(t: TrecLists, q: number, cut: number): number {
  const lv = levels(t, q);
  let idcg = 0;
  let i = 0;
  for (let g = lv.length - 1; g >= 1 && i < cut; g--) {
    for (let c = 0; c < lv[g]! && i < cut; c++, i++) idcg += g / Math.log2(i + 2);
  }
  return idcg;
}

function dcg(rel: Int32Array, s: number, e: number): number {
  let d = 0;
  for (let i = s; i < e; i++) {
    const r = rel[i]!;
    if (r > 0) d += r / Math.log2(i - s + 2);
  }
  return d;
}

const ndcg: PerQuery = (rel, s, e, t, q) => {
  const ideal = idealDcg(t, q, Infinity);
  return ideal > 0 ? dcg(rel, s, e) / ideal : 0;
};

const cutoff: Record<string, { describe: (k: number) => string; perQuery: (k: number) => PerQuery }> = {
  P: {
    describe: (k) => `precision over the first ${k} documents (missing ones count as not relevant)`,
    perQuery: (k) => (rel, s, e) => relevantIn(rel, s, Math.min(e, s + k)) / k,
  },
  recall: {
    describe: (k) => `share of the relevant documents found in the first ${k}`,
    perQuery: (k) => (rel, s, e, t, q) => (t.numRel[q] ? relevantIn(rel, s, Math.min(e, s + k)) / t.numRel[q]! : 0),
  },
  success: {
    describe: (k) => `1 when a relevant document is in the first ${k}, else 0`,
    perQuery: (k) => (rel, s, e) => (relevantIn(rel, s, Math.min(e, s + k)) > 0 ? 1 : 0),
  },
  map_cut: {
    describe: (k) => `average precision counting the first ${k} documents only, over all relevant ones`,
    perQuery: (k) => (rel, s, e, t, q) => averagePrecision(rel, s, e, t, q, k),
  },
  ndcg_cut: {
    describe: (k) => `nDCG of the first ${k} documents, gains the grades`,
    perQuery: (k) => (rel, s, e, t, q) => {
      const ideal = idealDcg(t, q, k);
      const d = dcg(rel, s, Math.min(e, s + k));
      return ideal > 0 ? d / ideal : d;
    },
  },
};

type Summary = 'mean' | 'geometric' | 'sum';

function trecMeasure(name: string, description: string, perQuery: PerQuery, summary: Summary = 'mean'): Metric {
  return {
    name,
    direction: 'maximize',
    reads: 'ranking',
    description: `${description} (trec_eval's ${name})`,
    prepare(input: ScoringInput): Evaluator {
      const t = need(name, input.ranking, 'ranked documents per query').trec;
      if (t.fractionalGrade !== undefined)
        throw new MetricUndefinedError(
          name,
          "trec_eval's measures need whole-number relevance grades, and the truth has others; use map@k or ndcg@k, or round the grades",
        );
      const units = t.start.length - 1;
      const values = new Float64Array(units);
      const counted = new Uint8Array(units);
      let counts = false;
      for (let q = 0; q < units; q++) {
        const s = t.start[q]!;
        const e = t.start[q + 1]!;
        if (e === s && !t.complete) continue; // judged, not retrieved: left out, as trec_eval without -c
        values[q] = perQuery(t.rel, s, e, t, q);
        counted[q] = 1;
        counts = true;
      }
      if (!counts) throw new MetricUndefinedError(name, 'no judged query has a retrieved document');
      // gm_map averages logs; a query with no relevant document found counts as trec_eval's floor.
      const summed = summary === 'geometric' ? values.map((v) => Math.log(Math.max(v, MIN_GEO_MEAN))) : values;
      const evaluate: Evaluator = (w) => {
        let s = 0;
        let n = 0;
        for (let q = 0; q < units; q++) {
          const c = counted[q]! * (w ? w[q]! : 1);
          s += c * summed[q]!;
          n += c;
        }
        if (summary === 'sum') return s;
        if (n === 0) throw new MetricUndefinedError(name, 'no judged query was retrieved in this resample');
        return summary === 'geometric' ? Math.exp(s / n) : s / n;
      };
      evaluate.perQuery = { values, counted };
      return evaluate;
    },
  };
}

const fixed: Metric[] = [
  trecMeasure('map', 'mean average precision: precision at each relevant document retrieved, over all relevant ones', map),
  trecMeasure('gm_map', 'geometric mean of average precision over queries (each at least 0.00001)', map, 'geometric'),
  trecMeasure('Rprec', 'precision over the first R documents, R the number of relevant ones', rPrec),
  trecMeasure('bpref', 'binary preference: how rarely judged non-relevant documents rank above relevant ones', bpref),
  trecMeasure('recip_rank', 'reciprocal rank of the first relevant document', recipRank),
  trecMeasure('infAP', 'inferred average precision, for judgements made on a sample of the pool', infAP),
  trecMeasure('ndcg', 'nDCG over the whole list, gains the grades, log2 discounts', ndcg),
  trecMeasure('num_ret', 'documents retrieved, summed over queries (a count)', (_r, s, e) => e - s, 'sum'),
  trecMeasure('num_rel', 'relevant documents in the truth, summed over queries (a count)', (_r, _s, _e, t, q) => t.numRel[q]!, 'sum'),
  trecMeasure('num_rel_ret', 'relevant documents retrieved, summed over queries (a count)', (r, s, e) => relevantIn(r, s, e), 'sum'),
];

const byName = new Map(fixed.map((m) => [m.name, m]));

/** trec_eval's measure of this name, with any cut-off for P_k, recall_k, ndcg_cut_k, map_cut_k and success_k. */
export function trecMetric(name: string): Metric | undefined {
  const m = byName.get(name);
  if (m) return m;
  const cut = /^(P|recall|success|map_cut|ndcg_cut)_([1-9][0-9]{0,5})$/.exec(name);
  if (!cut) return undefined;
  const k = Number(cut[2]);
  const kind = cutoff[cut[1]!]!;
  return trecMeasure(name, kind.describe(k), kind.perQuery(k));
}

export const trecNames = [...byName.keys(), 'P_k', 'recall_k', 'ndcg_cut_k', 'map_cut_k', 'success_k'];
