import type { CsvTable } from './csv.js';
import type { Problem } from '../contracts/problems.js';
import type { Predictions } from './predictions.js';
import type { AlignedData, Metric } from './metrics.js';

/** The organiser's truth file does not fit competition.yml: a platform fault, not the participant's. */
export class TruthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TruthError';
  }
}

export interface TruthColumns {
  id: string;
  target: string;
}

/**
 * Lines predictions up with the truth by id and computes each metric. Problems name counts
 * and the participant's own ids only: nothing from the truth file reaches a message.
 */
export function scoreAgainstTruth(
  truth: CsvTable,
  cols: TruthColumns,
  predictions: Predictions,
  metrics: readonly Metric[],
  file: string,
): { ok: true; values: Record<string, number> } | { ok: false; problems: Problem[] } {
  const idCol = truth.header.indexOf(cols.id);
  const targetCol = truth.header.indexOf(cols.target);
  if (idCol < 0 || targetCol < 0) {
    throw new TruthError(`the truth file has no "${idCol < 0 ? cols.id : cols.target}" column`);
  }
  const n = truth.rows.length;
  const truthValues: string[] = new Array(n);
  const predicted: string[] = new Array(n);
  const needScores = predictions.scores !== undefined;
  const scores = needScores ? new Float64Array(n) : undefined;
  const truthIds = new Set<string>();
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const row = truth.rows[i]!;
    const id = row[idCol]!.trim();
    truthIds.add(id);
    const p = predictions.index.get(id);
    if (p === undefined) {
      missing++;
      continue;
    }
    truthValues[i] = row[targetCol]!.trim();
    predicted[i] = predictions.target[p]!;
    if (scores) scores[i] = predictions.scores![p]!;
  }
  const unknown = predictions.ids.filter((id) => !truthIds.has(id));
  const problems: Problem[] = [];
  const whole = (message: string): Problem => ({ file, line: 0, column: 0, path: '', message });
  if (missing > 0) problems.push(whole(`${missing} of the ${n} test ids have no prediction. Give one row for every test id.`));
  if (unknown.length > 0) {
    const shown = unknown
      .slice(0, 3)
      .map((id) => `"${id.slice(0, 40)}"`)
      .join(', ');
    problems.push(whole(`${unknown.length} row(s) have an id that is not in the test set (for example ${shown}). Remove them.`));
  }
  if (problems.length > 0) return { ok: false, problems };
  if (n === 0) throw new TruthError('the truth file has no rows');

  const data: AlignedData = { truth: truthValues, predicted, ...(scores ? { scores } : {}) };
  const values: Record<string, number> = {};
  for (const m of metrics) values[m.name] = m.compute(data);
  return { ok: true, values };
}
