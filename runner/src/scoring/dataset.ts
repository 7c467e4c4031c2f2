import { readFile } from 'node:fs/promises';
import { closest, didYouMean, plural, PodiumError, truncate, type Problem } from '../contracts/problems.js';
import { hashesOf, KeyColumn, KeyIndex, type FrozenKeys } from './columns.js';
import {
  headOf,
  MissingColumnsError,
  readTable,
  TableError,
  type ColumnRequest,
  type Table,
  type TableFormat,
  type TableSource,
  type Tally,
} from './table.js';
import type { ClassData, RankingData, Reads, ScoringInput, TrecLists } from './metrics/types.js';
import { argsort } from './metrics/sort.js';

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
}

/** The organiser's truth file does not fit the competition: a platform fault, not the participant's. */
export class TruthError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'TruthError';
  }
}

export interface LoadedPredictions {
  table: Table;
  ids: FrozenKeys;
  /** Class names of the per-class score columns, in column order. */
  scoreClasses: string[];
  /** For ranking: query keys. */
  queries?: FrozenKeys;
}

const needsTarget = (reads: ReadonlySet<Reads>) => reads.has('label') || reads.has('number');
const needsClassScores = (reads: ReadonlySet<Reads>) => reads.has('class-scores') || reads.has('label-sets');

/** The first line of a CSV file (or the keys of the first JSON line), to find per-class columns. */
export async function headerOf(source: TableSource, format: TableFormat): Promise<string[]> {
  if (format === 'trec') return [];
  const text = 'text' in source ? source.text.slice(0, 1 << 16) : await headOf(source.path, 1 << 16);
  const first = text.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  if (format === 'jsonl') {
    try {
      return Object.keys(JSON.parse(first) as object);
    } catch {
      return [];
    }
  }
  return first.split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
}

function classColumnsFrom(spec: ScoringSpec, header: string[]): string[] {
  if (spec.labels) return [...spec.labels];
  const prefix = `${spec.score}_`;
  return header.filter((h) => h.startsWith(prefix)).map((h) => h.slice(prefix.length));
}

function predictionRequest(spec: ScoringSpec, classes: string[]): ColumnRequest[] {
  const r: ColumnRequest[] = [{ name: spec.id, kind: 'key' }];
  if (spec.reads.has('ranking') && spec.query) r.unshift({ name: spec.query, kind: 'key' });
  if (needsTarget(spec.reads)) r.push({ name: spec.target, kind: spec.reads.has('number') ? 'number' : 'category' });
  if (spec.reads.has('score') || spec.reads.has('ranking')) r.push({ name: spec.score, kind: 'number' });
  if (needsClassScores(spec.reads)) for (const c of classes) r.push({ name: `${spec.score}_${c}`, kind: 'number' });
  return r;
}

/** How messages show a participant's rows. */
export interface QuoteOptions {
  /**
   * Whether a message may quote the rows: yes for a participant's own file; no for what a
   * container or endpoint produced from hidden inputs, which could carry those inputs out.
   * Without quotes, messages give line numbers and counts only.
   */
  quote?: boolean;
}

function examples(t: Tally, quote = true): string {
  return t.examples.map((e) => (quote ? `line ${e.line}: "${e.text}"` : `line ${e.line}`)).join('; ');
}

/** Reads a predictions file and reports everything wrong with it on its own. */
export async function loadPredictions(
  file: string,
  source: TableSource,
  format: TableFormat,
  spec: ScoringSpec,
  /** When given, the predictions are also joined to these ids (and `rowOf` returned). */
  reference?: Reference,
  { quote = true }: QuoteOptions = {},
): Promise<{ ok: true; predictions: LoadedPredictions; rowOf?: Int32Array } | { ok: false; problems: Problem[] }> {
  const problem = (line: number, message: string): Problem => ({ file, line, column: line > 0 ? 1 : 0, path: '', message });
  const header = await headerOf(source, format);
  const classes = needsClassScores(spec.reads) ? classColumnsFrom(spec, header) : [];
  if (needsClassScores(spec.reads) && classes.length === 0) {
    return { ok: false, problems: [problem(1, `no per-class score columns: name them "${spec.score}_<class>", one per class.`)] };
  }
  const request = predictionRequest(spec, classes);
  let table: Table;
  try {
    table = await readTable(source, request, format);
  } catch (e: unknown) {
    if (e instanceof TableError) return { ok: false, problems: [problem(e.line, e.message)] };
    if (e instanceof MissingColumnsError) {
      return {
        ok: false,
        problems: e.missing.map((name) => {
          const near = closest(name, e.header);
          return problem(
            1,
            quote
              ? `the header has no "${name}" column${near ? ` (found "${near}": rename it to "${name}")` : ''}. ` +
                  `Expected columns: ${request.map((r) => r.name).join(',')}; found "${truncate(e.header.join(','))}".`
              : `the header has no "${name}" column. Expected columns: ${request.map((r) => r.name).join(',')}.`,
          );
        }),
      };
    }
    throw e;
  }
  if (table.trec === 'qrels')
    return {
      ok: false,
      problems: [
        problem(
          table.lines[0] ?? 1,
          'this is a TREC qrels file (4 fields a line), not a run: a run line is "qid Q0 docno rank score tag".',
        ),
      ],
    };
  const problems: Problem[] = [];
  const dupHeader = table.header.filter((h, i) => table.header.indexOf(h) !== i);
  if (dupHeader.length > 0)
    problems.push(
      problem(
        1,
        quote
          ? `the header repeats the column(s) ${[...new Set(dupHeader)].map((h) => `"${h}"`).join(', ')}.`
          : 'the header repeats a column.',
      ),
    );
  if (table.n === 0) return { ok: false, problems: [problem(1, 'the file has a header but no rows.')] };

  const report = (t: Tally, what: string, whatOne: string, fix: string) => {
    if (t.count === 0) return;
    problems.push(
      problem(t.examples[0]!.line, `${plural(t.count, 'row')} ${t.count === 1 ? whatOne : what} (${examples(t, quote)}). ${fix}`),
    );
  };
  report(
    table.empty,
    'have an empty value',
    'has an empty value',
    `Every row needs a value in ${request.map((r) => `"${r.name}"`).join(', ')}.`,
  );
  for (const r of request.filter((x) => x.kind === 'number')) {
    const col = table.columns.get(r.name)!;
    if (col.kind !== 'number') continue;
    report(
      col.notNumber,
      `have a value in "${r.name}" that is not a number`,
      `has a value in "${r.name}" that is not a number`,
      'Write plain decimal numbers such as 0.25.',
    );
    report(
      col.notFinite,
      `have NaN or an infinite value in "${r.name}"`,
      `has NaN or an infinite value in "${r.name}"`,
      'Write finite numbers only.',
    );
  }
  const target = table.columns.get(spec.target);
  if (target?.kind === 'category' && spec.labels) {
    const allowed = new Set(spec.labels);
    const bad: Tally = { count: 0, examples: [] };
    let firstBad = '';
    for (let i = 0; i < table.n; i++) {
      const v = target.values[target.codes[i]!]!;
      if (v === '' || allowed.has(v)) continue;
      bad.count++;
      if (bad.examples.length < 3) bad.examples.push({ line: table.lines[i]!, text: rowText(table, i) });
      firstBad ||= v;
    }
    report(
      bad,
      `have a "${spec.target}" that is not one of the competition's labels`,
      `has a "${spec.target}" that is not one of the competition's labels`,
      `Allowed labels: ${spec.labels.join(', ')}.${quote ? didYouMean(firstBad, spec.labels) : ''}`,
    );
  }

  const idCol = table.columns.get(spec.id)!;
  if (idCol.kind !== 'key') throw new Error('id column must be a key');
  const ids = idCol.keys;
  let queries: FrozenKeys | undefined;
  if (spec.reads.has('ranking') && spec.query) {
    const q = table.columns.get(spec.query)!;
    if (q.kind !== 'key') throw new Error('query column must be a key');
    queries = q.keys;
  }
  const predictions: LoadedPredictions = { table, ids, scoreClasses: classes, ...(queries ? { queries } : {}) };
  if (reference) {
    // The join finds repeated ids too, with one index over the reference rather than two.
    const joined = joinIds(file, predictions, reference, { quote });
    if (!joined.ok) return { ok: false, problems: [...problems, ...joined.problems] };
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, predictions, rowOf: joined.rowOf };
  }
  const repeated = queries ? joinByQuery(queries, ids).repeated : new KeyIndex(ids).duplicates;
  if (repeated.length > 0) problems.push(duplicateProblem(file, predictions, repeated, quote));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, predictions };
}

/** Up to three rows, quoted or by line number only. */
function shownRows(t: Table, rows: readonly number[], quote: boolean): string {
  return rows
    .slice(0, 3)
    .map((i) => (quote ? `line ${t.lines[i]}: "${rowText(t, i)}"` : `line ${t.lines[i]}`))
    .join('; ');
}

function duplicateProblem(file: string, predictions: LoadedPredictions, rows: readonly number[], quote: boolean): Problem {
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

/** A row as the participant wrote it, from the columns read (in the order they were asked for). */
function rowText(table: Table, i: number): string {
  const parts = [...table.columns.values()].map((c) => {
    if (c.kind === 'key') return c.keys.get(i);
    if (c.kind === 'category') return c.values[c.codes[i]!]!;
    return String(c.values[i]);
  });
  return truncate(parts.join(table.trec ? ' ' : ','));
}

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
  for (let r = 0; r < rowOf.length; r++) {
    if (rowOf[r] !== -1) continue;
    missing++;
    if (named.length < 3) named.push(reference.ids.get(r));
  }
  if (missing > 0) {
    const list = reference.visibility === 'public' ? ` (for example ${named.map((m) => `"${truncate(m, 40)}"`).join(', ')})` : '';
    problems.push(
      whole(
        0,
        `${plural(missing, 'test id')} of ${rowOf.length} ${missing === 1 ? 'has' : 'have'} no prediction${list}. Give one row for every test id.`,
      ),
    );
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rowOf };
}

/** Reads the organiser's truth; any fault in it is the platform's, not the participant's. */
export async function loadTruth(
  source: TableSource,
  format: TableFormat,
  spec: ScoringSpec,
  extraColumns: readonly string[] = [],
): Promise<Table> {
  const request: ColumnRequest[] = [{ name: spec.id, kind: 'key' }];
  if (spec.reads.has('ranking') && spec.query) request.unshift({ name: spec.query, kind: 'key' });
  request.push({ name: spec.target, kind: spec.reads.has('number') || spec.reads.has('ranking') ? 'number' : 'category' });
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
    return t;
  } catch (e: unknown) {
    if (e instanceof TableError) throw new TruthError(`the truth file is malformed: ${e.message}`);
    if (e instanceof MissingColumnsError)
      throw new TruthError(`the truth file has no column(s) ${e.missing.map((m) => `"${m}"`).join(', ')}`);
    throw e;
  }
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

/** Class names sorted as scikit-learn's np.unique would: numerically when all are numbers. */
export function sortClasses(values: Iterable<string>): string[] {
  const all = [...new Set(values)];
  const numeric = all.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  return numeric ? all.sort((a, b) => Number(a) - Number(b)) : all.sort();
}

/**
 * The metrics' input: truth rows in file order (the bootstrap units), each with its
 * prediction. `rows` limits it to a subset of truth rows (a slice).
 */
export function buildInput(
  truth: Table,
  predictions: LoadedPredictions,
  rowOf: Int32Array,
  spec: ScoringSpec,
  rows?: Int32Array,
): ScoringInput {
  let pick = rows;
  if (!pick) {
    pick = new Int32Array(truth.n);
    for (let i = 0; i < truth.n; i++) pick[i] = i;
  }
  const n = pick.length;
  const reads = spec.reads;
  const input: ScoringInput = { units: n };
  const tcol = truth.columns.get(spec.target)!;
  const p = predictions.table;

  if (reads.has('number')) {
    const pcol = p.columns.get(spec.target)!;
    if (tcol.kind !== 'number' || pcol.kind !== 'number') throw new TruthError(`"${spec.target}" must hold numbers`);
    if (tcol.notNumber.count + tcol.notFinite.count > 0)
      throw new TruthError(`the truth's "${spec.target}" column has values that are not finite numbers`);
    const t = new Float64Array(n);
    const pr = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      t[k] = tcol.values[pick[k]!]!;
      pr[k] = pcol.values[rowOf[pick[k]!]!]!;
    }
    input.regression = { truth: t, predicted: pr };
  }

  if (reads.has('label') || reads.has('score') || reads.has('class-scores') || reads.has('label-sets')) {
    if (tcol.kind !== 'category') throw new TruthError(`"${spec.target}" must hold labels`);
    const sets = reads.has('label-sets');
    const truthLabels = sets ? tcol.values.flatMap((v) => v.split(/\s+/).filter((x) => x !== '')) : tcol.values;
    const pcol = reads.has('label') ? p.columns.get(spec.target) : undefined;
    const predicted = pcol?.kind === 'category' ? pcol.values : [];
    const scoreClasses = predictions.scoreClasses;
    const classes = scoreClasses.length > 0 ? scoreClasses : sortClasses([...truthLabels, ...predicted]);
    if (scoreClasses.length > 0) {
      const unknown = truthLabels.filter((l) => !scoreClasses.includes(l));
      if (unknown.length > 0)
        throw new TruthError(`the truth has label(s) ${[...new Set(unknown)].slice(0, 5).join(', ')} with no score column`);
    }
    const code = new Map(classes.map((c, i) => [c, i]));
    const data: ClassData = { classes, truth: new Int32Array(n) };
    const truthCode = Int32Array.from(tcol.values, (v) => code.get(v) ?? -1);
    for (let k = 0; k < n; k++) data.truth[k] = truthCode[tcol.codes[pick[k]!]!]!;
    if (sets) {
      const kk = classes.length;
      const setsOf = tcol.values.map((v) =>
        v
          .split(/\s+/)
          .filter((x) => x !== '')
          .map((x) => code.get(x)!),
      );
      data.truthSets = new Uint8Array(n * kk);
      for (let k = 0; k < n; k++) for (const c of setsOf[tcol.codes[pick[k]!]!]!) data.truthSets[k * kk + c] = 1;
    }
    if (pcol?.kind === 'category') {
      const predCode = Int32Array.from(pcol.values, (v) => code.get(v)!);
      data.predicted = new Int32Array(n);
      for (let k = 0; k < n; k++) data.predicted[k] = predCode[pcol.codes[rowOf[pick[k]!]!]!]!;
    }
    if (reads.has('score')) {
      const s = p.columns.get(spec.score)!;
      if (s.kind !== 'number') throw new Error('score column must be numeric');
      data.score = new Float64Array(n);
      for (let k = 0; k < n; k++) data.score[k] = s.values[rowOf[pick[k]!]!]!;
    }
    if (scoreClasses.length > 0) {
      data.classScores = scoreClasses.map((c) => {
        const s = p.columns.get(`${spec.score}_${c}`)!;
        if (s.kind !== 'number') throw new Error('score column must be numeric');
        const out = new Float64Array(n);
        for (let k = 0; k < n; k++) out[k] = s.values[rowOf[pick[k]!]!]!;
        return out;
      });
    }
    input.classes = data;
  }

  // Retrieval is scored per query: only the queries of the rows picked (a part, a slice) count.
  if (reads.has('ranking')) input.ranking = rankingInput(truth, predictions, rowOf, spec, rows);
  if (input.ranking) input.units = input.ranking.queries.length;
  return input;
}

/** Refuses a truth column whose value changes within one query: a query is one unit, in one part and one slice. */
export function sameWithinQueries(truth: Table, queryColumn: string, column: string): void {
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
        `the truth column "${column}" holds both "${col.values[before]}" and "${col.values[code]}" for query ${query}; it must be the same on every row of a query`,
      );
  }
}

/** How many items a set of predictions answers: queries for retrieval, else rows. */
export function itemsOf(predictions: LoadedPredictions): number {
  if (!predictions.queries) return predictions.ids.length;
  const seen = new Set<string>();
  for (let i = 0; i < predictions.queries.length; i++) seen.add(predictions.queries.get(i));
  return seen.size;
}

/** Bytewise comparison of two keys of the same column, as C's strcmp orders them. */
function compareKeys(keys: FrozenKeys, i: number, j: number): number {
  const b = keys.bytes;
  let a = keys.starts[i]!;
  const ae = keys.starts[i + 1]!;
  let c = keys.starts[j]!;
  const ce = keys.starts[j + 1]!;
  for (; a < ae && c < ce; a++, c++) if (b[a] !== b[c]) return b[a]! - b[c]!;
  return ae - a - (ce - c);
}

/**
 * Small integer codes for distinct keys, in first-seen order, told apart by their bytes (two
 * ids that differ only in bytes that are not valid UTF-8 stay two), with each key's text.
 */
class KeyCodes {
  private readonly index = new Map<string, number>();
  /** The text of each code's key. */
  readonly names: string[] = [];
  get size(): number {
    return this.names.length;
  }
  /** The code of key i, made when `add` (else -1 for a key not seen). */
  code(keys: FrozenKeys, i: number, add: boolean): number {
    // latin1 maps each byte to one character: a string that is the bytes, exactly.
    const raw = keys.bytes.toString('latin1', keys.starts[i]!, keys.starts[i + 1]!);
    let c = this.index.get(raw);
    if (c === undefined && add) {
      c = this.names.length;
      this.index.set(raw, c);
      this.names.push(keys.get(i));
    }
    return c ?? -1;
  }
}

/**
 * The code of each row's key. Rows of one query usually follow each other, so a row equal to
 * the one before costs a byte comparison and no string; `known` carries codes across columns.
 */
function codesOf(keys: FrozenKeys, rows: ArrayLike<number> | undefined, known: KeyCodes, add: boolean): Int32Array {
  const n = rows ? rows.length : keys.length;
  const codes = new Int32Array(n);
  let last = -1;
  let lastCode = -1;
  for (let r = 0; r < n; r++) {
    const i = rows ? rows[r]! : r;
    if (last >= 0 && keys.equals(i, keys, last)) {
      codes[r] = lastCode;
      continue;
    }
    codes[r] = lastCode = known.code(keys, i, add);
    last = i;
  }
  return codes;
}

/**
 * Per query of the picked truth rows (the units, in truth order): its retrieved documents in
 * trec_eval's order with their judgements, and the judged grades. One radix sort of all scores
 * and one counting pass by query; equal scores are then put in reverse document-id order.
 */
function rankingInput(truth: Table, predictions: LoadedPredictions, rowOf: Int32Array, spec: ScoringSpec, rows?: Int32Array): RankingData {
  const q = truth.columns.get(spec.query!)!;
  const d = truth.columns.get(spec.id)!;
  const g = truth.columns.get(spec.target)!;
  if (q.kind !== 'key' || d.kind !== 'key' || g.kind !== 'number') throw new Error('ranking truth columns');
  const pd = predictions.table.columns.get(spec.id)!;
  const ps = predictions.table.columns.get(spec.score)!;
  if (pd.kind !== 'key' || ps.kind !== 'number') throw new Error('ranking prediction columns');
  const grade = g.values;

  // Units: the queries of the picked rows.
  const unitOf = new KeyCodes();
  const pickedUnit = codesOf(q.keys, rows, unitOf, true);
  const units = unitOf.size;
  const queries = unitOf.names;
  const nPicked = pickedUnit.length;

  // Judged grades per unit, in truth order; counts per whole grade; any fractional grade.
  const judgedStart = new Int32Array(units + 1);
  for (let r = 0; r < nPicked; r++) judgedStart[pickedUnit[r]! + 1] = judgedStart[pickedUnit[r]! + 1]! + 1;
  for (let u = 0; u < units; u++) judgedStart[u + 1] = judgedStart[u + 1]! + judgedStart[u]!;
  const judgedFlat = new Float64Array(nPicked);
  const fill = judgedStart.slice(0, units);
  let maxGrade = 0;
  let fractionalGrade: number | undefined;
  for (let r = 0; r < nPicked; r++) {
    const v = grade[rows ? rows[r]! : r]!;
    judgedFlat[fill[pickedUnit[r]!]!++] = v;
    if (!Number.isInteger(v)) fractionalGrade ??= v;
    else if (v > maxGrade) maxGrade = v;
  }
  if (fractionalGrade === undefined && (maxGrade + 1) * units > 1 << 26)
    throw new TruthError(`the truth's grades go up to ${maxGrade}: too many relevance levels; grade documents 0, 1, 2, …`);
  const width = fractionalGrade === undefined ? maxGrade + 1 : 1;
  const levelStart = Int32Array.from({ length: units + 1 }, (_, u) => u * width);
  const levels = new Int32Array(units * width);
  const numRel = new Int32Array(units);
  if (fractionalGrade === undefined) {
    for (let u = 0; u < units; u++) {
      for (let k = judgedStart[u]!; k < judgedStart[u + 1]!; k++) {
        const v = judgedFlat[k]!;
        if (v >= 0) levels[u * width + v] = levels[u * width + v]! + 1;
        if (v >= 1) numRel[u] = numRel[u]! + 1;
      }
    }
  }

  // Each prediction row's judgement (its truth row, or -1) and unit (or -1: a query not picked).
  const np = predictions.ids.length;
  const truthRow = new Int32Array(np).fill(-1);
  for (let t = 0; t < rowOf.length; t++) if (rowOf[t]! >= 0) truthRow[rowOf[t]!] = t;
  const predUnit = codesOf(predictions.queries!, undefined, unitOf, false);

  // Rows grouped by unit, in file order first.
  const score = ps.values;
  const docs = pd.keys;
  const start = new Int32Array(units + 1);
  for (let i = 0; i < np; i++) if (predUnit[i]! >= 0) start[predUnit[i]! + 1] = start[predUnit[i]! + 1]! + 1;
  for (let u = 0; u < units; u++) start[u + 1] = start[u + 1]! + start[u]!;
  const ranked = new Int32Array(start[units]!);
  let at = start.slice(0, units);
  for (let i = 0; i < np; i++) {
    const u = predUnit[i]!;
    if (u >= 0) ranked[at[u]!++] = i;
  }
  // Then by score, highest first. Runs are mostly written that way already, which one pass
  // sees; a few unsorted lists are sorted alone, and many with one radix sort of all scores.
  const unsorted: number[] = [];
  let unsortedRows = 0;
  for (let u = 0; u < units; u++) {
    const e = start[u + 1]!;
    for (let k = start[u]! + 1; k < e; k++) {
      if (score[ranked[k]!]! > score[ranked[k - 1]!]!) {
        unsorted.push(u);
        unsortedRows += e - start[u]!;
        break;
      }
    }
  }
  if (unsortedRows > ranked.length / 8) {
    // A stable ascending sort walked backwards: each group by score descending.
    const order = argsort(score);
    at = start.slice(0, units);
    for (let k = np - 1; k >= 0; k--) {
      const i = order[k]!;
      const u = predUnit[i]!;
      if (u >= 0) ranked[at[u]!++] = i;
    }
  } else {
    for (const u of unsorted) ranked.subarray(start[u]!, start[u + 1]!).sort((x, y) => score[y]! - score[x]!);
  }
  // Equal scores: reverse document-id order, as trec_eval's comparison breaks ties.
  for (let u = 0; u < units; u++) {
    const e = start[u + 1]!;
    for (let a = start[u]!; a < e;) {
      let b = a + 1;
      while (b < e && score[ranked[b]!] === score[ranked[a]!]) b++;
      if (b - a > 1) ranked.subarray(a, b).sort((x, y) => compareKeys(docs, y, x));
      a = b;
    }
  }
  const rel = new Int32Array(ranked.length);
  for (let k = 0; k < ranked.length; k++) {
    const t = truthRow[ranked[k]!]!;
    rel[k] = t < 0 ? -1 : grade[t]! < 0 ? -2 : grade[t]!;
  }
  const trec: TrecLists = {
    rel,
    start,
    levels,
    levelStart,
    numRel,
    complete: spec.trecComplete === true,
    ...(fractionalGrade !== undefined ? { fractionalGrade } : {}),
  };

  // Podium's own retrieval metrics (map@k, ndcg@k, …) rank equal scores in document-id order,
  // the reverse of trec_eval's within each tie group, and read unjudged documents as grade 0.
  let legacy: { ranked: Float64Array[]; ties: Int32Array[]; judged: Float64Array[] } | undefined;
  const views = () => {
    if (legacy) return legacy;
    const out: { ranked: Float64Array[]; ties: Int32Array[]; judged: Float64Array[] } = { ranked: [], ties: [], judged: [] };
    for (let u = 0; u < units; u++) {
      const s = start[u]!;
      const e = start[u + 1]!;
      const grades = new Float64Array(e - s);
      const ties = new Int32Array(e - s);
      let group = 0;
      for (let a = s; a < e;) {
        let b = a + 1;
        while (b < e && score[ranked[b]!] === score[ranked[a]!]) b++;
        for (let k = a; k < b; k++) {
          const t = truthRow[ranked[a + b - 1 - k]!]!;
          grades[k - s] = t < 0 ? 0 : grade[t]!;
          ties[k - s] = group;
        }
        group++;
        a = b;
      }
      out.ranked.push(grades);
      out.ties.push(ties);
      out.judged.push(judgedFlat.subarray(judgedStart[u]!, judgedStart[u + 1]!));
    }
    return (legacy = out);
  };
  return {
    queries,
    get ranked() {
      return views().ranked;
    },
    get ties() {
      return views().ties;
    },
    get judged() {
      return views().judged;
    },
    trec,
  };
}

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

/** Whether every grade of the truth is a whole number, as trec_eval's measures need. */
export function wholeGrades(truth: Table, spec: ScoringSpec): boolean {
  const g = truth.columns.get(spec.target);
  return g?.kind !== 'number' || g.values.every((v) => Number.isInteger(v));
}

/**
 * The column whose values are the units a test set is split by — between shards, between the
 * public and private parts, into a scoring program's parts: the query for retrieval, where a
 * query's judgements and ranked list belong together, else the id.
 */
export function unitColumn(spec: { id: string; query?: string; reads: ReadonlySet<string> }): string {
  return spec.query && spec.reads.has('ranking') ? spec.query : spec.id;
}
