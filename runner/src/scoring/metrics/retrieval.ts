import { weightedMean } from './mean.js';
import { MetricUndefinedError, need, type Evaluator, type Metric, type RankingData } from './types.js';

/**
 * Retrieval metrics over per-query ranked lists (MediaEval / ImageCLEF / TREC style). Each
 * query is one bootstrap unit. Queries with no relevant document in the truth are left out
 * of the average (their recall and nDCG are undefined). Documents are relevant when their
 * grade is above 0; nDCG uses the grades as gains, with log2 discounts and tied scores
 * sharing their average gain, as scikit-learn's ndcg_score.
 */
type PerQuery = (ranked: Float64Array, ties: Int32Array, judged: Float64Array, k: number) => number;

function relevantCount(judged: Float64Array): number {
  let r = 0;
  for (const g of judged) if (g > 0) r++;
  return r;
}

function hitsAt(ranked: Float64Array, k: number): number {
  let h = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (ranked[i]! > 0) h++;
  return h;
}

const precisionAt: PerQuery = (ranked, _t, _j, k) => hitsAt(ranked, k) / k;
const recallAt: PerQuery = (ranked, _t, judged, k) => hitsAt(ranked, k) / relevantCount(judged);

/** AP@k: mean of precision at each relevant rank within k, over min(R, k) (TREC's AP when k is unbounded). */
const averagePrecisionAt: PerQuery = (ranked, _t, judged, k) => {
  let hits = 0;
  let s = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    if (ranked[i]! > 0) {
      hits++;
      s += hits / (i + 1);
    }
  }
  return s / Math.min(relevantCount(judged), k);
};

const discount = (rank0: number): number => 1 / Math.log2(rank0 + 2);

const ndcgAt: PerQuery = (ranked, ties, judged, k) => {
  const cut = Math.min(k, ranked.length);
  let dcg = 0;
  // Tie groups: each position in a group gets the group's mean gain.
  for (let i = 0; i < ranked.length && i < cut;) {
    let j = i;
    let gain = 0;
    while (j < ranked.length && ties[j] === ties[i]) gain += ranked[j++]!;
    const mean = gain / (j - i);
    for (let m = i; m < Math.min(j, cut); m++) dcg += mean * discount(m);
    i = j;
  }
  const ideal = Float64Array.from(judged).sort().reverse();
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i]! * discount(i);
  return dcg / idcg;
};

function retrieval(base: string, description: string, perQuery: PerQuery, k: number): Metric {
  const name = `${base}@${k}`;
  return {
    name,
    direction: 'maximize',
    reads: 'ranking',
    description: `${description}, over the first ${k} documents`,
    prepare(input) {
      const d: RankingData = need(name, input.ranking, 'ranked documents per query');
      const values = new Float64Array(d.ranked.length);
      const counted = new Uint8Array(d.ranked.length);
      let any = false;
      for (let q = 0; q < d.ranked.length; q++) {
        if (relevantCount(d.judged[q]!) === 0) continue;
        values[q] = perQuery(d.ranked[q]!, d.ties[q]!, d.judged[q]!, k);
        counted[q] = 1;
        any = true;
      }
      if (!any) throw new MetricUndefinedError(name, 'no query has a relevant document in the truth');
      const weights = Uint32Array.from(counted);
      const evaluate: Evaluator = (w) => {
        if (!w) return weightedMean(values, weights);
        const both = new Uint32Array(w.length);
        for (let q = 0; q < w.length; q++) both[q] = w[q]! * counted[q]!;
        return weightedMean(values, both);
      };
      evaluate.perQuery = { values, counted };
      return evaluate;
    },
  };
}

/**
 * Retrieval metrics at any cut-off: `map@10`, `ndcg@5`. Without a cut-off, `map` and `ndcg`
 * are trec_eval's (trec.ts); `precision` and `recall` are the classification metrics.
 */
export function retrievalMetric(name: string): Metric | undefined {
  const m = /^(map|ndcg|precision|recall)@([1-9][0-9]{0,5})$/.exec(name);
  if (!m) return undefined;
  const k = Number(m[2]);
  const kinds = {
    map: ['mean average precision', averagePrecisionAt],
    ndcg: ['normalised discounted cumulative gain', ndcgAt],
    precision: ['share of retrieved documents that are relevant', precisionAt],
    recall: ['share of relevant documents retrieved', recallAt],
  } as const;
  const [description, f] = kinds[m[1] as keyof typeof kinds];
  return retrieval(m[1]!, description, f, k);
}
