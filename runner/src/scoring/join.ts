import { readFile } from 'node:fs/promises';
import { plural, truncate, type Problem } from '../contracts/problems.js';
import { hashesOf, KeyColumn, KeyIndex, type FrozenKeys } from './columns.js';
import { readTable, type TableFormat } from './table.js';
import { codesOf, KeyCodes } from './key-codes.js';
import { shownRows, type QuoteOptions } from './shown-rows.js';
import type { LoadedPredictions } from './predictions.js';

/**
 * Predictions lined up with what they answer: the reference ids (a published list, or the
 * truth's), the join by id, and the join of (query, document) pairs for ranked lists.
 */

/** Ids to check predictions against, and whether they may be named in messages. */
export interface Reference {
  ids: FrozenKeys;
  /** For ranked lists: the query of each reference row (its id is then the document). */
  queries?: FrozenKeys;
  /**
   * `public`: the list is published (test inputs), so missing ids may be named.
   * `hidden`: it comes from the hidden truth; messages give counts only.
   */
  visibility: 'public' | 'hidden';
}

/** A published list of ids: the named column of a .csv or .jsonl file, else one id per line (a .txt file, or any in a TREC competition). */
export async function readIdList(file: string, column: string, format: TableFormat): Promise<FrozenKeys> {
  // A table by its name first: a .csv list in a TREC competition is still a CSV file.
  const table = /\.csv$/i.test(file) ? 'csv' : /\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : undefined;
  if (!table && (format === 'trec' || /\.txt$/i.test(file))) {
    const col = new KeyColumn();
    const text = await readFile(file, 'utf8');
    for (const line of text.replace(/^\uFEFF/, '').split('\n')) {
      const id = line.trim().split(/\s+/)[0] ?? '';
      if (id !== '' && !id.startsWith('#')) col.pushString(id);
    }
    return col.finish();
  }
  const read = await readTable({ path: file }, [{ name: column, kind: 'key' }], table ?? format);
  const col = read.columns.get(column)!;
  if (col.kind !== 'key') throw new Error('id column must be a key');
  return col.keys;
}

/**
 * Lines the predictions up with the reference ids in one pass each way: which reference row
 * each prediction row is for, and the unknown and missing ids.
 */
export function joinIds(
  file: string,
  predictions: LoadedPredictions,
  reference: Reference,
  { quote = true }: QuoteOptions = {},
): { ok: true; rowOf: Int32Array } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  if (predictions.queries) {
    // Ranked lists: documents outside the truth are allowed (unjudged); every (query, document)
    // given twice is found, and each truth row finds its prediction, query by query.
    if (!reference.queries) throw new Error('a ranking reference has queries');
    const joined = joinByQuery(predictions.queries, predictions.ids, reference.queries, reference.ids);
    if (joined.repeated.length > 0) problems.push(duplicateProblem(file, predictions, joined.repeated, quote));
    return problems.length > 0 ? { ok: false, problems } : { ok: true, rowOf: joined.rowOf };
  }
  const refIndex = new KeyIndex(reference.ids);
  const rowOf = new Int32Array(reference.ids.length).fill(-1);
  const unknown: number[] = [];
  const repeated: number[] = [];
  const matches = refIndex.join(predictions.ids);
  for (let i = 0; i < predictions.ids.length; i++) {
    const r = matches[i]!;
    if (r < 0) unknown.push(i);
    else if (rowOf[r] !== -1) repeated.push(i);
    else rowOf[r] = i;
  }
  if (repeated.length > 0) problems.push(duplicateProblem(file, predictions, repeated, quote));
  // An id on several reference rows (a text's several references) is answered by one prediction.
  const again = refIndex.duplicates;
  for (const r of again) rowOf[r] = rowOf[refIndex.find(reference.ids, r)]!;
  const whole = (line: number, message: string): Problem => ({ file, line, column: line > 0 ? 1 : 0, path: '', message });
  if (unknown.length > 0) {
    const t = predictions.table;
    const shown = shownRows(t, unknown, quote);
    problems.push(
      whole(
        t.lines[unknown[0]!]!,
        `${plural(unknown.length, 'row')} ${unknown.length === 1 ? 'has' : 'have'} an id that is not in the test set (${shown}). Predict only the test ids; remove these rows.`,
      ),
    );
  }
  let missing = 0;
  const named: string[] = [];
  const isAgain = new Uint8Array(again.length > 0 ? rowOf.length : 0);
  for (const r of again) isAgain[r] = 1;
  for (let r = 0; r < rowOf.length; r++) {
    if (rowOf[r] !== -1 || isAgain[r]) continue;
    missing++;
    if (named.length < 3) named.push(reference.ids.get(r));
  }
  if (missing > 0) {
    const list = reference.visibility === 'public' ? ` (for example ${named.map((m) => `"${truncate(m, 40)}"`).join(', ')})` : '';
    problems.push(
      whole(
        0,
        `${plural(missing, 'test id')} of ${rowOf.length - again.length} ${missing === 1 ? 'has' : 'have'} no prediction${list}. Give one row for every test id.`,
      ),
    );
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rowOf };
}

export function duplicateProblem(file: string, predictions: LoadedPredictions, rows: readonly number[], quote: boolean): Problem {
  const t = predictions.table;
  const shown = shownRows(t, rows, quote);
  const what = predictions.queries ? 'a query and document' : 'an id';
  const per = predictions.queries ? 'query and document' : 'id';
  const verb = rows.length === 1 ? 'repeats' : 'repeat';
  return {
    file,
    line: t.lines[rows[0]!]!,
    column: 1,
    path: '',
    message: `${plural(rows.length, 'row')} ${verb} ${what} already given on an earlier line (${shown}). Give exactly one row per ${per}.`,
  };
}

/**
 * Pairs of (query, document) looked up query by query: one small hash table per query, which
 * stays in the processor's cache, where one table over a million pairs would not. Finds the
 * rows that repeat a pair, and, given reference pairs, each reference row's row here (or -1).
 */
export function joinByQuery(
  queries: FrozenKeys,
  docs: FrozenKeys,
  refQueries?: FrozenKeys,
  refDocs?: FrozenKeys,
): { repeated: number[]; rowOf: Int32Array } {
  const codes = new KeyCodes();
  // Codes of the queries here first, then of the reference's other queries (arguments run in order).
  const mine = groupBy(codesOf(queries, undefined, codes, true), codes.size);
  const theirs = refQueries ? groupBy(codesOf(refQueries, undefined, codes, true), codes.size) : undefined;
  const hash = hashesOf(docs);
  const refHash = refDocs ? hashesOf(refDocs) : undefined;
  const repeated: number[] = [];
  const rowOf = new Int32Array(refDocs ? refDocs.length : 0).fill(-1);
  let table = new Int32Array(16);
  for (let q = 0; q < codes.size; q++) {
    const s = q < mine.start.length - 1 ? mine.start[q]! : 0;
    const e = q < mine.start.length - 1 ? mine.start[q + 1]! : 0;
    let size = 16;
    while (size < 2 * (e - s)) size *= 2;
    if (table.length < size) table = new Int32Array(size);
    else table.fill(0, 0, size);
    const mask = size - 1;
    for (let k = s; k < e; k++) {
      const i = mine.rows[k]!;
      const h = hash[i]!;
      let slot = h & mask;
      for (;;) {
        const j = table[slot]! - 1;
        if (j < 0) {
          table[slot] = i + 1;
          break;
        }
        if (hash[j] === h && docs.equals(j, docs, i)) {
          repeated.push(i);
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    if (!theirs || q >= theirs.start.length - 1) continue;
    for (let k = theirs.start[q]!; k < theirs.start[q + 1]!; k++) {
      const t = theirs.rows[k]!;
      const h = refHash![t]!;
      let slot = h & mask;
      for (;;) {
        const j = table[slot]! - 1;
        if (j < 0) break;
        if (hash[j] === h && docs.equals(j, refDocs!, t)) {
          rowOf[t] = j;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
  }
  return { repeated: repeated.sort((a, b) => a - b), rowOf };
}

/** Rows grouped by code, in row order within a group: group g is rows[start[g] .. start[g+1]). */
function groupBy(codes: Int32Array, n: number): { start: Int32Array; rows: Int32Array } {
  const start = new Int32Array(n + 1);
  for (let i = 0; i < codes.length; i++) start[codes[i]! + 1] = start[codes[i]! + 1]! + 1;
  for (let g = 0; g < n; g++) start[g + 1] = start[g + 1]! + start[g]!;
  const at = start.slice(0, n);
  const rows = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) rows[at[codes[i]!]!++] = i;
  return { start, rows };
}
