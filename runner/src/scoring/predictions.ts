import { CsvError, parseCsv, type CsvTable } from './csv.js';
import { closest, didYouMean, type Problem } from '../contracts/problems.js';

/** Which columns a predictions file must have and how to read them. */
export interface PredictionColumns {
  id: string;
  target: string;
  /** Score column, when a metric reads scores. */
  score?: string;
  /** The target column must hold finite numbers (regression metrics). */
  numericTarget: boolean;
  /** Allowed labels (the competition's concept ids), when the target is a class label. */
  labels?: ReadonlySet<string>;
}

export interface Predictions {
  ids: string[];
  target: string[];
  scores?: Float64Array;
  /** id -> row index */
  index: Map<string, number>;
}

/** Ids to check the predictions against, and whether they may be named in messages. */
export interface ExpectedIds {
  ids: ReadonlySet<string>;
  /**
   * `public`: the list is published (test inputs), so missing ids may be named.
   * `hidden`: it comes from the hidden truth; messages give counts only.
   */
  visibility: 'public' | 'hidden';
}

const EXAMPLES = 3;

/** Up to three examples of offending rows from the participant's own file. */
function examples(table: CsvTable, rowIndexes: readonly number[]): string {
  return rowIndexes
    .slice(0, EXAMPLES)
    .map((r) => `line ${table.lines[r]}: "${truncate(table.rows[r]!.join(','))}"`)
    .join('; ');
}

function truncate(s: string, n = 80): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export type PredictionsResult = { ok: true; predictions: Predictions } | { ok: false; problems: Problem[] };

export function checkPredictions(file: string, text: string, cols: PredictionColumns, expected?: ExpectedIds): PredictionsResult {
  const problem = (line: number, message: string): Problem => ({ file, line, column: line > 0 ? 1 : 0, path: '', message });
  let table: CsvTable;
  try {
    table = parseCsv(text);
  } catch (e: unknown) {
    if (e instanceof CsvError) return { ok: false, problems: [problem(e.line, e.message)] };
    throw e;
  }

  const needed = [cols.id, cols.target, ...(cols.score ? [cols.score] : [])];
  const headerProblems: Problem[] = [];
  for (const name of needed) {
    if (!table.header.includes(name)) {
      const near = closest(name, table.header);
      headerProblems.push(
        problem(
          1,
          `the header has no "${name}" column${near ? ` (found "${near}": rename it to "${name}")` : ''}. ` +
            `Expected a header line such as "${needed.join(',')}"; found "${truncate(table.header.join(','))}".`,
        ),
      );
    }
  }
  const dupHeader = table.header.filter((h, i) => table.header.indexOf(h) !== i);
  if (dupHeader.length > 0)
    headerProblems.push(problem(1, `the header repeats the column(s) ${[...new Set(dupHeader)].map((h) => `"${h}"`).join(', ')}.`));
  if (headerProblems.length > 0) return { ok: false, problems: headerProblems };
  if (table.rows.length === 0) return { ok: false, problems: [problem(1, 'the file has a header but no rows.')] };

  const idCol = table.header.indexOf(cols.id);
  const targetCol = table.header.indexOf(cols.target);
  const scoreCol = cols.score ? table.header.indexOf(cols.score) : -1;

  const empty: number[] = [];
  const duplicate: number[] = [];
  const notNumber: number[] = [];
  const notFinite: number[] = [];
  const unknownLabel: number[] = [];
  const unknownId: number[] = [];
  const index = new Map<string, number>();
  const ids: string[] = [];
  const target: string[] = [];
  const scores = scoreCol >= 0 ? new Float64Array(table.rows.length) : undefined;

  // "NaN", "inf" and overflowing numbers get their own message; other text is "not a number".
  const numberKind = (raw: string): 'ok' | 'nan' | 'inf' => {
    const v = Number(raw);
    if (Number.isFinite(v)) return 'ok';
    return Number.isNaN(v) && !/^[+-]?(nan|inf|infinity)$/i.test(raw) ? 'nan' : 'inf';
  };

  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r]!;
    const id = row[idCol]!.trim();
    const value = row[targetCol]!.trim();
    const scoreRaw = scoreCol >= 0 ? row[scoreCol]!.trim() : '';
    if (id === '' || value === '' || (scoreCol >= 0 && scoreRaw === '')) {
      empty.push(r);
      continue;
    }
    if (index.has(id)) {
      duplicate.push(r);
      continue;
    }
    if (expected && !expected.ids.has(id)) unknownId.push(r);
    if (cols.numericTarget) {
      const k = numberKind(value);
      if (k === 'nan') notNumber.push(r);
      else if (k === 'inf') notFinite.push(r);
    } else if (cols.labels && !cols.labels.has(value)) {
      unknownLabel.push(r);
    }
    if (scores) {
      const k = numberKind(scoreRaw);
      if (k === 'nan') notNumber.push(r);
      else if (k === 'inf') notFinite.push(r);
      else scores[ids.length] = Number(scoreRaw);
    }
    index.set(id, ids.length);
    ids.push(id);
    target.push(value);
  }

  const problems: Problem[] = [];
  // `what` is written for many rows ("have …"); one row gets the singular verb.
  const report = (rows: number[], what: string, fix: string) => {
    if (rows.length === 0) return;
    const verb = rows.length === 1 ? what.replace(/^have /, 'has ').replace(/^repeat /, 'repeats ') : what;
    problems.push(problem(table.lines[rows[0]!]!, `${plural(rows.length, 'row')} ${verb} (${examples(table, rows)}). ${fix}`));
  };
  report(empty, 'have an empty value', `Every row needs a value in ${needed.map((n) => `"${n}"`).join(', ')}.`);
  report(duplicate, 'repeat an id already given on an earlier line', 'Give exactly one row per id.');
  report(unknownId, 'have an id that is not in the test set', 'Predict only the test ids; remove these rows.');
  const numericCols = [...(cols.numericTarget ? [cols.target] : []), ...(cols.score ? [cols.score] : [])]
    .map((c) => `"${c}"`)
    .join(' and ');
  report(notNumber, `have a value in ${numericCols} that is not a number`, 'Write plain decimal numbers such as 0.25.');
  report(notFinite, `have NaN or an infinite value in ${numericCols}`, 'Write finite numbers only.');
  if (unknownLabel.length > 0 && cols.labels) {
    const first = table.rows[unknownLabel[0]!]![targetCol]!.trim();
    report(
      unknownLabel,
      `have a "${cols.target}" that is not one of the competition's labels`,
      `Allowed labels: ${[...cols.labels].join(', ')}.${didYouMean(first, cols.labels)}`,
    );
  }

  if (expected) {
    const missing: string[] = [];
    let missingCount = 0;
    for (const id of expected.ids) {
      if (index.has(id)) continue;
      missingCount++;
      if (missing.length < EXAMPLES) missing.push(id);
    }
    if (missingCount > 0) {
      const named =
        expected.visibility === 'public' && missing.length > 0
          ? ` (for example ${missing
              .slice(0, EXAMPLES)
              .map((m) => `"${truncate(m, 40)}"`)
              .join(', ')})`
          : '';
      problems.push(
        problem(
          0,
          `${plural(missingCount, 'test id')} of ${expected.ids.size} ${missingCount === 1 ? 'has' : 'have'} no prediction${named}. ` +
            'Give one row for every test id.',
        ),
      );
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, predictions: { ids, target, ...(scores ? { scores: scores.subarray(0, ids.length) } : {}), index } };
}
