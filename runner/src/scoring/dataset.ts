import { open } from 'node:fs/promises';
import { closest, didYouMean, plural, truncate, type Problem } from '../contracts/problems.js';
import { KeyColumn, KeyIndex, type FrozenKeys } from './columns.js';
import {
  MissingColumnsError,
  readTable,
  TableError,
  type ColumnRequest,
  type Table,
  type TableFormat,
  type TableSource,
  type Tally,
} from './table.js';
import type { ClassData, RankingData, Reads, ScoringInput } from './metrics/types.js';

/** Which columns a scoring run reads, and how. */
export interface ScoringSpec {
  id: string;
  target: string;
  /** The score column, or the prefix of per-class score columns (`score_<class>`). */
  score: string;
  /** Query column, for ranking metrics. */
  query?: string;
  reads: ReadonlySet<Reads>;
  /** The competition's labels (concept ids), when it defines them. */
  labels?: readonly string[];
}

/** The organiser's truth file does not fit the competition: a platform fault, not the participant's. */
export class TruthError extends Error {
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
  let text: string;
  if ('text' in source) text = source.text.slice(0, 1 << 16);
  else {
    const fh = await open(source.path, 'r');
    try {
      const buf = Buffer.alloc(1 << 16);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      text = buf.toString('utf8', 0, bytesRead);
    } finally {
      await fh.close();
    }
  }
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
  let ids = idCol.keys;
  let queries: FrozenKeys | undefined;
  if (spec.reads.has('ranking') && spec.query) {
    const q = table.columns.get(spec.query)!;
    if (q.kind !== 'key') throw new Error('query column must be a key');
    queries = q.keys;
    ids = pairKeys(q.keys, idCol.keys);
  }
  const predictions: LoadedPredictions = { table, ids, scoreClasses: classes, ...(queries ? { queries } : {}) };
  if (reference) {
    // The join finds repeated ids too, with one index over the reference rather than two.
    const joined = joinIds(file, predictions, reference, { quote });
    if (!joined.ok) return { ok: false, problems: [...problems, ...joined.problems] };
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, predictions, rowOf: joined.rowOf };
  }
  const repeated = new KeyIndex(ids).duplicates;
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

/** Query and document as one key, for duplicate checks. */
function pairKeys(queries: FrozenKeys, docs: FrozenKeys): FrozenKeys {
  // One byte string per pair: query, a 0 byte, document.
  const col = new KeyColumn();
  for (let i = 0; i < docs.length; i++) col.pushString(`${queries.get(i)}\0${docs.get(i)}`);
  return col.finish();
}

/** A row as the participant wrote it, from the columns read (in the order they were asked for). */
function rowText(table: Table, i: number): string {
  const parts = [...table.columns.values()].map((c) => {
    if (c.kind === 'key') return c.keys.get(i);
    if (c.kind === 'category') return c.values[c.codes[i]!]!;
    return String(c.values[i]);
  });
  return truncate(parts.join(','));
}

/** Ids to check predictions against, and whether they may be named in messages. */
export interface Reference {
  ids: FrozenKeys;
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
  if (unknown.length > 0 && !predictions.queries) {
    const t = predictions.table;
    const shown = shownRows(t, unknown, quote);
    problems.push(
      whole(
        t.lines[unknown[0]!]!,
        `${plural(unknown.length, 'row')} ${unknown.length === 1 ? 'has' : 'have'} an id that is not in the test set (${shown}). Predict only the test ids; remove these rows.`,
      ),
    );
  }
  if (!predictions.queries) {
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
  try {
    const t = await readTable(source, request, format);
    if (t.n === 0) throw new TruthError('the truth file has no rows');
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

export function truthIds(truth: Table, spec: ScoringSpec): FrozenKeys {
  const ids = truth.columns.get(spec.id)!;
  if (ids.kind !== 'key') throw new Error('id column must be a key');
  if (spec.reads.has('ranking') && spec.query) {
    const q = truth.columns.get(spec.query)!;
    if (q.kind !== 'key') throw new Error('query column must be a key');
    return pairKeys(q.keys, ids.keys);
  }
  return ids.keys;
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
  if (reads.has('ranking')) input.ranking = rankingInput(truth, predictions, spec, rows);
  if (input.ranking) input.units = input.ranking.ranked.length;
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

function rankingInput(truth: Table, predictions: LoadedPredictions, spec: ScoringSpec, rows?: Int32Array): RankingData {
  const q = truth.columns.get(spec.query!)!;
  const d = truth.columns.get(spec.id)!;
  const g = truth.columns.get(spec.target)!;
  if (q.kind !== 'key' || d.kind !== 'key' || g.kind !== 'number') throw new Error('ranking truth columns');
  const judged = new Map<string, Map<string, number>>();
  const n = rows ? rows.length : truth.n;
  for (let r = 0; r < n; r++) {
    const i = rows ? rows[r]! : r;
    const query = q.keys.get(i);
    let m = judged.get(query);
    if (!m) judged.set(query, (m = new Map()));
    m.set(d.keys.get(i), g.values[i]!);
  }
  const runs = new Map<string, { doc: string; score: number }[]>();
  const pq = predictions.queries!;
  const pd = predictions.table.columns.get(spec.id)!;
  const ps = predictions.table.columns.get(spec.score)!;
  if (pd.kind !== 'key' || ps.kind !== 'number') throw new Error('ranking prediction columns');
  for (let i = 0; i < pq.length; i++) {
    const query = pq.get(i);
    if (!judged.has(query)) continue; // queries outside the truth are not scored
    let list = runs.get(query);
    if (!list) runs.set(query, (list = []));
    list.push({ doc: pd.keys.get(i), score: ps.values[i]! });
  }
  const ranked: Float64Array[] = [];
  const ties: Int32Array[] = [];
  const grades: Float64Array[] = [];
  for (const [query, m] of judged) {
    // Highest score first; equal scores in document-id order, so results never depend on file order.
    const list = (runs.get(query) ?? []).sort((a, b) => b.score - a.score || (a.doc < b.doc ? -1 : a.doc > b.doc ? 1 : 0));
    ranked.push(Float64Array.from(list, (x) => m.get(x.doc) ?? 0));
    let group = 0;
    ties.push(Int32Array.from(list, (x, i) => (i > 0 && list[i - 1]!.score !== x.score ? ++group : group)));
    grades.push(Float64Array.from(m.values()));
  }
  return { ranked, ties, judged: grades };
}
