import { plural, truncate } from '../contracts/problems.js';
import { KeyIndex } from './columns.js';
import { MissingColumnsError, readTable, TableError, type ColumnRequest, type Table, type TableFormat, type TableSource } from './table.js';
import { TruthError, type ScoringSpec } from './spec.js';
import { joinByQuery, type Reference } from './join.js';

/**
 * The organiser's truth: read and checked, made the reference predictions are joined to, and
 * the checks of its columns that slices and the public/private split read.
 */

/** Reads the organiser's truth; any fault in it is the platform's, not the participant's. */
export async function loadTruth(
  source: TableSource,
  format: TableFormat,
  spec: ScoringSpec,
  extraColumns: readonly string[] = [],
): Promise<Table> {
  const request: ColumnRequest[] = [{ name: spec.id, kind: 'key' }];
  if (spec.reads.has('ranking') && spec.query) request.unshift({ name: spec.query, kind: 'key' });
  request.push(targetRequest(spec));
  for (const c of extraColumns) request.push({ name: c, kind: 'category' });
  if (format === 'trec' && extraColumns.length > 0)
    throw new TruthError(
      `TREC qrels have no column ${extraColumns.map((c) => `"${c}"`).join(', ')}: slices and a split column need the truth as CSV (query, document, grade and the column)`,
    );
  try {
    const t = await readTable(source, request, format);
    if (t.trec === 'run') throw new TruthError('the truth file is a TREC run (6 fields a line), not qrels ("qid iter docno rel")');
    if (t.n === 0) throw new TruthError('the truth file has no rows');
    if (t.notWhole)
      throw new TruthError(
        `${plural(t.notWhole.count, 'relevance grade')} of the qrels ${t.notWhole.count === 1 ? 'is' : 'are'} not a whole number (first on line ${t.notWhole.line}); grades are 0 (not relevant), 1 and up (relevant), or below 0 (in the pool, not judged)`,
      );
    const target = t.columns.get(spec.target);
    if (spec.reads.has('ranking') && target?.kind === 'number' && target.notNumber.count + target.notFinite.count > 0) {
      const first = Math.min(target.notNumber.examples[0]?.line ?? Infinity, target.notFinite.examples[0]?.line ?? Infinity);
      throw new TruthError(`the truth's grades include values that are not finite numbers (first on line ${first})`);
    }
    if (spec.reads.has('ranking') && spec.query) {
      const ref = truthReference(t, spec, 'public');
      const repeated = joinByQuery(ref.queries!, ref.ids).repeated;
      if (repeated.length > 0)
        throw new TruthError(
          `the truth judges a document twice for one query (${plural(repeated.length, 'time')}, first on line ${t.lines[repeated[0]!]}); give one judgement per query and document`,
        );
    }
    if (t.empty.count > 0)
      throw new TruthError(`the truth file has ${t.empty.count} row(s) with an empty value (first on line ${t.empty.examples[0]!.line})`);
    if (!spec.reads.has('ranking')) repeatedIds(t, spec);
    return t;
  } catch (e: unknown) {
    if (e instanceof TableError) throw new TruthError(`the truth file is malformed: ${e.message}`);
    if (e instanceof MissingColumnsError)
      throw new TruthError(`the truth file has no column(s) ${e.missing.map((m) => `"${m}"`).join(', ')}`);
    throw e;
  }
}

/**
 * How the truth's target column is read: numbers (regression, grades), text kept as written
 * (text metrics), else labels; a label set may be empty (an item with no label).
 */
export function targetRequest(spec: Pick<ScoringSpec, 'target' | 'reads'>): ColumnRequest {
  const { reads } = spec;
  if (reads.has('number') || reads.has('ranking')) return { name: spec.target, kind: 'number' };
  if (reads.has('text')) return { name: spec.target, kind: 'text' };
  return { name: spec.target, kind: 'category', ...(reads.has('predicted-sets') ? { emptyAllowed: true } : {}) };
}

/**
 * One row per id, except for text metrics, where an id's rows are its references (captions
 * with several references): then the item is the id, and its references are its rows in order.
 */
function repeatedIds(t: Table, spec: ScoringSpec): void {
  const ids = t.columns.get(spec.id);
  if (ids?.kind !== 'key') return;
  const repeated = new KeyIndex(ids.keys).duplicates;
  if (repeated.length === 0) return;
  const textOnly = [...spec.reads].every((r) => r === 'text');
  if (textOnly) return;
  const first = repeated[0]!;
  throw new TruthError(
    `the truth gives the id "${truncate(ids.keys.get(first), 40)}" again on line ${t.lines[first]} (${plural(repeated.length, 'row')} ${repeated.length === 1 ? 'repeats' : 'repeat'} an earlier id); give one row per id${spec.reads.has('text') ? ' (only text metrics read several rows of an id, as its references)' : ''}`,
  );
}

/** The truth's rows as a reference for predictions: ids, or for ranked lists queries and documents. */
export function truthReference(truth: Table, spec: ScoringSpec, visibility: Reference['visibility']): Reference {
  const ids = truth.columns.get(spec.id)!;
  if (ids.kind !== 'key') throw new Error('id column must be a key');
  if (spec.reads.has('ranking') && spec.query) {
    const q = truth.columns.get(spec.query)!;
    if (q.kind !== 'key') throw new Error('query column must be a key');
    return { ids: ids.keys, queries: q.keys, visibility };
  }
  return { ids: ids.keys, visibility };
}

/** Whether every grade of the truth is a whole number, as trec_eval's measures need. */
export function wholeGrades(truth: Table, spec: ScoringSpec): boolean {
  const g = truth.columns.get(spec.target);
  return g?.kind !== 'number' || g.values.every((v) => Number.isInteger(v));
}

/**
 * Refuses a truth column whose value changes within one query (or one id, for texts with
 * several references): a unit is in one part and one slice.
 */
export function sameWithinQueries(truth: Table, queryColumn: string, column: string, unit: 'query' | 'id' = 'query'): void {
  const q = truth.columns.get(queryColumn);
  const col = truth.columns.get(column);
  if (q?.kind !== 'key' || col?.kind !== 'category') return;
  const seen = new Map<string, number>();
  for (let i = 0; i < truth.n; i++) {
    const query = q.keys.get(i);
    const code = col.codes[i]!;
    const before = seen.get(query);
    if (before === undefined) seen.set(query, code);
    else if (before !== code)
      throw new TruthError(
        `the truth column "${column}" holds both "${col.values[before]}" and "${col.values[code]}" for ${unit} ${query}; it must be the same on every row of a${unit === 'id' ? 'n' : ''} ${unit}`,
      );
  }
}
