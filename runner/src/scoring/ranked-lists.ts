import { didYouMean, plural, truncate, type Problem } from '../contracts/problems.js';
import { KeyIndex, type FrozenKeys } from './columns.js';
import type { Table } from './table.js';
import { argsort } from './metrics/sort.js';
import type { ScoringSpec } from './spec.js';
import type { LoadedPredictions } from './predictions.js';
import { shownRows, type QuoteOptions } from './shown-rows.js';
import { codesOf, KeyCodes } from './key-codes.js';

/**
 * Checks of a participant's ranked lists (retrieval): against the published queries and
 * documents before the evaluation, and against the truth when they are scored.
 */

/** What a participant's ranked lists are checked against before evaluation (retrieval). */
export interface RankedListRules {
  /** The test queries, when the competition publishes them. */
  queries?: FrozenKeys;
  /** Every document that may be ranked, when the competition publishes them. */
  documents?: FrozenKeys;
  /** Most documents per query. */
  maxPerQuery: number;
  /** Which family of measures reads the lists, for what the tie notice says. */
  tieOrder: 'trec' | 'podium' | 'both';
}

/**
 * Checks ranked lists against the published queries and documents: unknown queries or
 * documents and lists longer than allowed are problems; missing queries (each scores 0) and
 * tied scores (ranked by document id) are notices, told before the evaluation.
 */
export function checkRankedLists(
  file: string,
  predictions: LoadedPredictions,
  spec: ScoringSpec,
  rules: RankedListRules,
  { quote = true }: QuoteOptions = {},
): { problems: Problem[]; notices: Problem[] } {
  const problems: Problem[] = [];
  const notices: Problem[] = [];
  const t = predictions.table;
  const at = (line: number, message: string): Problem => ({ file, line, column: line > 0 ? 1 : 0, path: '', message });
  const name = (s: string) => (quote ? `"${truncate(s, 40)}"` : '');
  const queryCode = new KeyCodes();
  const codes = codesOf(predictions.queries!, undefined, queryCode, true);
  // The run's queries; the test list's others are coded after them, below.
  const queries = queryCode.names.slice();
  const count = new Int32Array(queries.length);
  const firstRow = new Int32Array(queries.length).fill(-1);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    count[c] = count[c]! + 1;
    if (firstRow[c] === -1) firstRow[c] = i;
  }

  const long = queries.map((_, c) => c).filter((c) => count[c]! > rules.maxPerQuery);
  if (long.length > 0) {
    const shown = long.slice(0, 3).map((c) => (quote ? `${name(queries[c]!)}: ${count[c]}` : `line ${t.lines[firstRow[c]!]}: ${count[c]}`));
    problems.push(
      at(
        t.lines[firstRow[long[0]!]!]!,
        `${plural(long.length, 'query', 'queries')} ${long.length === 1 ? 'has' : 'have'} more than ${rules.maxPerQuery} documents (${shown.join('; ')}). Rank at most ${rules.maxPerQuery} documents per query: keep the best-scored ones.`,
      ),
    );
  }

  if (rules.queries) {
    // The test queries' codes come after the run's: a code at or past the run's count is a test query the run lacks.
    const ran = queries.length;
    const listed = new Uint8Array(ran);
    const testCodes = codesOf(rules.queries, undefined, queryCode, true);
    const test = new Set<string>();
    const missing: string[] = [];
    for (const c of testCodes) {
      if (c < ran) listed[c] = 1;
      else if (!test.has(queryCode.names[c]!)) missing.push(queryCode.names[c]!);
      test.add(queryCode.names[c]!);
    }
    const unknown = queries.map((_, c) => c).filter((c) => !listed[c]);
    if (unknown.length > 0) {
      let rows = 0;
      for (const c of unknown) rows += count[c]!;
      const shown = unknown.slice(0, 3).map((c) => (quote ? name(queries[c]!) : `line ${t.lines[firstRow[c]!]}`));
      problems.push(
        at(
          t.lines[firstRow[unknown[0]!]!]!,
          `${plural(unknown.length, 'query', 'queries')} (${plural(rows, 'row')}) ${unknown.length === 1 ? 'is' : 'are'} not among the test queries: ${shown.join(', ')}. Rank documents for the listed test queries only; check how their ids are written.${quote ? didYouMean(queries[unknown[0]!]!, [...test].slice(0, 10000)) : ''}`,
        ),
      );
    }
    if (missing.length > 0)
      notices.push(
        at(
          0,
          `${plural(missing.length, 'test query', 'test queries')} of ${test.size} ${missing.length === 1 ? 'has' : 'have'} no ranked documents (${missing
            .slice(0, 3)
            .map((q) => `"${truncate(q, 40)}"`)
            .join(', ')}${missing.length > 3 ? ', …' : ''}): ${missing.length === 1 ? 'it scores' : 'each scores'} 0 on every measure.`,
        ),
      );
  }

  const docs = t.columns.get(spec.id);
  if (rules.documents && docs?.kind === 'key') {
    const matches = new KeyIndex(rules.documents).join(docs.keys);
    const unknown: number[] = [];
    for (let i = 0; i < matches.length; i++) if (matches[i]! < 0) unknown.push(i);
    if (unknown.length > 0)
      problems.push(
        at(
          t.lines[unknown[0]!]!,
          `${plural(unknown.length, 'row')} ${unknown.length === 1 ? 'ranks a document' : 'rank documents'} not in the collection (${shownRows(t, unknown, quote)}). Rank only the listed documents.`,
        ),
      );
  }

  // Tied scores within a query: one sort of all scores, walked per query.
  const s = t.columns.get(spec.score);
  if (s?.kind === 'number') {
    const order = argsort(s.values);
    const last = new Float64Array(queries.length).fill(NaN);
    const run = new Int32Array(queries.length);
    const largest = new Int32Array(queries.length);
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      const c = codes[i]!;
      const v = s.values[i]!;
      run[c] = last[c] === v ? run[c]! + 1 : 1;
      last[c] = v;
      if (run[c]! > largest[c]!) largest[c] = run[c]!;
    }
    const tied = queries.map((_, c) => c).filter((c) => largest[c]! > 1);
    if (tied.length > 0) {
      const worst = tied.reduce((a, b) => (largest[b]! > largest[a]! ? b : a));
      const how = {
        trec: 'by document id in reverse byte order, as trec_eval ranks them',
        podium: "by document id (map@k, precision@k and recall@k), and nDCG@k gives each its group's average gain",
        both: "by document id: in reverse byte order for trec_eval's measures, as trec_eval ranks them; in byte order for map@k, precision@k and recall@k, while ndcg@k gives each its group's average gain",
      }[rules.tieOrder];
      notices.push(
        at(
          0,
          `${plural(tied.length, 'query', 'queries')} of ${queries.length} ${tied.length === 1 ? 'has' : 'have'} documents with equal scores (the most: ${largest[worst]} documents tied${quote ? ` in query ${name(queries[worst]!)}` : ''}). Equal scores are ranked ${how}; the rank column is not read. Give distinct scores to set the order yourself.`,
        ),
      );
    }
  }
  return { problems, notices };
}

/**
 * Ranked lists that cannot be meant: no query of the test set, or not one judged document
 * among them. Scoring them would give 0 on everything and spend a submission on what is
 * almost surely a mistake in how ids are written. The message names the participant's own
 * ids only.
 */
export function rankedListsMissTheTruth(
  predictions: LoadedPredictions,
  truth: Table,
  spec: ScoringSpec,
  rowOf: Int32Array,
  /** The truth rows to look at: the public part's, where there is a private part, which must tell nothing. */
  rows: Int32Array | undefined,
  { quote = true }: QuoteOptions = {},
): string | undefined {
  const tq = truth.columns.get(spec.query!);
  if (!predictions.queries || tq?.kind !== 'key') return undefined;
  // The run's queries are coded first; a judged row whose query has one of those codes is a match.
  const codes = new KeyCodes();
  codesOf(predictions.queries, undefined, codes, true);
  const ran = codes.size;
  const judged = codesOf(tq.keys, rows, codes, false);
  const example = quote ? ` (for example "${truncate(codes.names[0] ?? '', 40)}")` : '';
  if (!judged.some((c) => c >= 0 && c < ran))
    return `none of the ${plural(ran, 'query', 'queries')} ranked${example} is a test query: check how the query ids are written.`;
  if (!(rows ?? rowOf.map((_, i) => i)).some((r) => rowOf[r]! >= 0))
    return 'not one ranked document is among the judged documents of its query: check how the document ids are written. (A run that truly finds none would score 0 on every measure.)';
  return undefined;
}
