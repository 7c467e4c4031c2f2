import type { Competition } from '../competition/load.js';
import type { ResultRecord } from './schema.js';
import { boardOf, type Board } from './board.js';

/** How many submissions a team has used in a phase, counted from the results history. */
export interface Usage {
  today: number;
  total: number;
  /** Of the run type asked about (competition.yml's runs.max_per_type), when one was. */
  ofType?: number;
}

/** What else a count takes into account: evaluations under way, the board, the run type. */
export interface CountOptions {
  /** Evaluations of the team under way, with no record yet. */
  pending?: number;
  /** Of those, the ones of the run type asked about, where their types are known; default: all of them. */
  pendingOfType?: number;
  board?: Board;
  /** Also count the team's runs of this type (runs.max_per_type). */
  runType?: string | undefined;
}

/**
 * Every record of the team in the phase counts, scored or not, except failures the platform
 * caused (`platform_fault`): those were not the team's doing. `pending` adds evaluations that
 * are under way and have no record yet. Each board counts its own records only; with a run
 * type, `pendingOfType` of them count as of that type (all of them when their types were not read).
 */
export function usageOf(
  records: readonly ResultRecord[],
  team: string,
  phase: string,
  now: Date,
  { pending = 0, pendingOfType = pending, board = 'official', runType }: CountOptions = {},
): Usage {
  const day = now.toISOString().slice(0, 10);
  let today = 0;
  let total = 0;
  let ofType = 0;
  for (const r of records) {
    if (r.phase !== phase || r.submission.team !== team || boardOf(r) !== board) continue;
    if (r.status === 'failed' && r.error.platform_fault) continue;
    // A re-scoring (podium rescore) is the organisers' doing, not another submission.
    if (r.supersedes !== undefined) continue;
    total++;
    if (r.created_at.slice(0, 10) === day) today++;
    if (runType !== undefined && r.submission.run?.type === runType) ofType++;
  }
  return { today: today + pending, total: total + pending, ...(runType !== undefined ? { ofType: ofType + pendingOfType } : {}) };
}

export type LimitCheck = { ok: true; usage: Usage } | { ok: false; usage: Usage; why: string };

/**
 * A phase's limits as they are enforced: its own `limits` standing in for the competition's, each
 * on its own; on the post-challenge board, post_challenge.limits standing in for those.
 */
export function phaseLimits(c: Competition, phase: string, board: Board = 'official'): { perDay?: number; total?: number } {
  const own = c.config.phases.find((p) => p.id === phase)?.limits;
  const post = board === 'post-challenge' ? c.config.post_challenge?.limits : undefined;
  const perDay = post?.per_day ?? own?.per_day ?? c.config.limits?.per_day;
  const total = post?.total ?? own?.total ?? c.config.limits?.total;
  return { ...(perDay !== undefined ? { perDay } : {}), ...(total !== undefined ? { total } : {}) };
}

/**
 * Whether one more submission fits the phase's limits (competition.yml `limits`), and, for a
 * run of a type, the runs a team may send of each type (`runs.max_per_type`).
 */
export function checkLimits(
  c: Competition,
  records: readonly ResultRecord[],
  team: string,
  phase: string,
  now: Date,
  { pending = 0, pendingOfType = pending, board = 'official', runType }: CountOptions = {},
): LimitCheck {
  const perType = runType !== undefined ? c.config.runs?.max_per_type : undefined;
  // A task's limits count that task's records only.
  const counted = c.task !== undefined ? records.filter((r) => r.task === c.task?.id) : records;
  const usage = usageOf(counted, team, phase, now, { pending, pendingOfType, board, ...(perType !== undefined ? { runType } : {}) });
  const { perDay, total } = phaseLimits(c, phase, board);
  const where = `${board === 'post-challenge' ? `the post-challenge board of phase ${phase}` : `phase ${phase}`}${c.task !== undefined ? `, task ${c.task.id}` : ''}`;
  if (total !== undefined && usage.total >= total)
    return { ok: false, usage, why: `team ${team} has used all ${total} submissions of ${where}.` };
  if (perType !== undefined && (usage.ofType ?? 0) >= perType) {
    const others = (c.config.runs?.types ?? []).filter((t) => t !== runType);
    return {
      ok: false,
      usage,
      why: `team ${team} has used all ${perType} runs of type "${runType}" in ${where} (at most ${perType} per run type)${others.length ? `; runs of another type (${others.join(', ')}) are still taken` : ''}.`,
    };
  }
  if (perDay !== undefined && usage.today >= perDay) {
    const next = new Date(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    return {
      ok: false,
      usage,
      why: `team ${team} has used its ${perDay} submission(s) for today (UTC) ${board === 'post-challenge' ? 'on' : 'in'} ${where}; submit again from ${next.toISOString().replace('.000Z', 'Z')}.`,
    };
  }
  return { ok: true, usage };
}
