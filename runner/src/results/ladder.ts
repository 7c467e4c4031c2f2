import type { Competition } from '../competition/load.js';
import { boardOf, type Board } from './board.js';
import type { ResultRecord } from './schema.js';

/**
 * The Ladder (Blum & Hardt, "The Ladder: A Reliable Leaderboard for Machine Learning
 * Competitions", ICML 2015) against probing the public board: a team's shown score changes only
 * when a submission beats the team's best shown score by more than the step, and is then shown
 * rounded to a multiple of the step. A team learns at most one rounded number per real
 * improvement, instead of an exact score per submission, which is what makes fitting the public
 * part by many small variations pay off. The exact public scores are sealed with the record and
 * revealed at the end of the phase, like the private part.
 */
export interface LadderStep {
  shown: number;
  improved: boolean;
}

/** The multiple of `step` nearest to `v`, without binary noise (0.1 * 3 is 0.3 here). */
export function roundToStep(v: number, step: number): number {
  return Number((Math.round(v / step) * step).toPrecision(12));
}

/**
 * The shown score after one more submission, given the team's best shown score so far
 * (undefined before its first). Following the paper: better by more than the step, or the
 * first submission, shows the rounded exact score; anything else shows the best again.
 */
export function ladderStep(exact: number, best: number | undefined, step: number, direction: 'maximize' | 'minimize'): LadderStep {
  const beats = best === undefined || (direction === 'maximize' ? exact > best + step : exact < best - step);
  return beats ? { shown: roundToStep(exact, step), improved: true } : { shown: best, improved: false };
}

/**
 * A team's best shown score in a phase, from its records made under the Ladder on one board (the
 * post-challenge board climbs a ladder of its own) and, for a task's view, in that task (each task
 * climbs its own, on its own primary metric); undefined if none.
 */
export function ladderBest(
  c: Competition,
  records: readonly ResultRecord[],
  team: string,
  phase: string,
  board: Board = 'official',
): number | undefined {
  const metric = c.primary.name;
  let best: number | undefined;
  for (const r of records) {
    if (r.status !== 'scored' || r.phase !== phase || r.submission.team !== team || !r.scores.ladder || boardOf(r) !== board) continue;
    if (c.task !== undefined && r.task !== c.task.id) continue;
    const v = r.scores.public[metric]?.value;
    if (v === undefined || !Number.isFinite(v)) continue;
    if (best === undefined || (c.primary.direction === 'maximize' ? v > best : v < best)) best = v;
  }
  return best;
}
