import { closest, didYouMean, plural, truncate, type Problem } from '../contracts/problems.js';
import { KeyIndex, type FrozenKeys } from './columns.js';
import {
  DECIMAL_COMMA,
  headOf,
  looksSemicolonSeparated,
  MissingColumnsError,
  SAVE_WITH_COMMAS,
  readTable,
  TableError,
  type ColumnRequest,
  type Table,
  type TableFormat,
  type TableSource,
  type Tally,
} from './table.js';
import type { Reads } from './metrics/types.js';
import { labelsOf, type ScoringSpec } from './spec.js';
import { targetRequest } from './truth.js';
import { rowText, type QuoteOptions } from './shown-rows.js';
import { duplicateProblem, joinByQuery, joinIds, type Reference } from './join.js';

/**
 * The first step of scoring: a predictions file read for the columns the scoring spec asks for,
 * with everything wrong with it on its own reported (and, given the test ids, the join too).
 */

export interface LoadedPredictions {
  table: Table;
  ids: FrozenKeys;
  /** Class names of the per-class score columns, in column order. */
  scoreClasses: string[];
  /** For ranking: query keys. */
  queries?: FrozenKeys;
}

const needsTarget = (reads: ReadonlySet<Reads>) =>
  reads.has('label') || reads.has('number') || reads.has('predicted-sets') || reads.has('text');
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
  if (needsTarget(spec.reads)) r.push(targetRequest(spec));
  if (spec.reads.has('score') || spec.reads.has('ranking')) r.push({ name: spec.score, kind: 'number' });
  if (needsClassScores(spec.reads)) for (const c of classes) r.push({ name: `${spec.score}_${c}`, kind: 'number' });
  return r;
}

/** A number with a decimal comma among the first rows of a semicolon-separated file, if any. */
async function decimalCommasIn(source: TableSource): Promise<string | undefined> {
  const text = 'text' in source ? source.text.slice(0, 1 << 16) : await headOf(source.path, 1 << 16);
  for (const line of text.split(/\r?\n/).slice(1, 200)) {
    const found = line.split(';').find((f) => DECIMAL_COMMA.test(f));
    if (found !== undefined) return found.trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
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
    if (format === 'csv' && looksSemicolonSeparated(header, []))
      return { ok: false, problems: [problem(1, `the file looks separated by semicolons, not commas. ${SAVE_WITH_COMMAS}`)] };
    return { ok: false, problems: [problem(1, `no per-class score columns: name them "${spec.score}_<class>", one per class.`)] };
  }
  const request = predictionRequest(spec, classes);
  let table: Table;
  try {
    table = await readTable(source, request, format);
  } catch (e: unknown) {
    if (e instanceof TableError) return { ok: false, problems: [problem(e.line, e.message)] };
    if (e instanceof MissingColumnsError && e.semicolons) {
      const commas = await decimalCommasIn(source);
      return {
        ok: false,
        problems: [
          problem(
            1,
            `the file looks separated by semicolons, not commas${quote ? ` (header "${truncate(e.header.join(','))}")` : ''}` +
              `${commas ? `, and its numbers use a decimal comma${quote ? ` ("${commas}")` : ''}` : ''}. ` +
              `Expected columns: ${request.map((r) => r.name).join(',')}. ${SAVE_WITH_COMMAS}`,
          ),
        ],
      };
    }
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
    `Every row needs a value in ${request
      .filter((r) => r.kind !== 'text' && r.emptyAllowed !== true)
      .map((r) => `"${r.name}"`)
      .join(', ')}.`,
  );
  for (const r of request.filter((x) => x.kind === 'number')) {
    const col = table.columns.get(r.name)!;
    if (col.kind !== 'number') continue;
    const commas = col.decimalComma;
    report(
      col.notNumber,
      `have a value in "${r.name}" that is not a number`,
      `has a value in "${r.name}" that is not a number`,
      commas.count === 0
        ? 'Write plain decimal numbers such as 0.25.'
        : `${commas.count === col.notNumber.count ? (commas.count === 1 ? 'It uses' : 'They use') : `${commas.count} of them use`} a decimal comma` +
            `${quote ? ` ("${commas.examples[0]!.text}")` : ''}: write a decimal point, as in 0.25. ` +
            'A spreadsheet set to a language that writes decimal commas does this; set its decimal separator to "." before saving as CSV.',
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
    // Label sets: each space-separated label must be one of them.
    const sets = spec.reads.has('predicted-sets');
    const unknownIn = target.values.map((v) =>
      sets ? labelsOf(v).find((x) => !allowed.has(x)) : v === '' || allowed.has(v) ? undefined : v,
    );
    for (let i = 0; i < table.n; i++) {
      const v = unknownIn[target.codes[i]!];
      if (v === undefined) continue;
      bad.count++;
      if (bad.examples.length < 3) bad.examples.push({ line: table.lines[i]!, text: rowText(table, i) });
      firstBad ||= v;
    }
    report(
      bad,
      `have a ${sets ? 'label' : `"${spec.target}"`} that is not one of the competition's labels`,
      `has a ${sets ? 'label' : `"${spec.target}"`} that is not one of the competition's labels`,
      `${sets ? `Write the labels of "${spec.target}" separated by spaces, each one of the competition's. ` : ''}Allowed labels: ${truncate(spec.labels.join(', '), 400)}.${quote ? didYouMean(firstBad, spec.labels) : ''}`,
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

/** How many items a set of predictions answers: queries for retrieval, else rows. */
export function itemsOf(predictions: LoadedPredictions): number {
  if (!predictions.queries) return predictions.ids.length;
  const seen = new Set<string>();
  for (let i = 0; i < predictions.queries.length; i++) seen.add(predictions.queries.get(i));
  return seen.size;
}
