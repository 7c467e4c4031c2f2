import type { Competition, CompetitionMetric } from '../competition/load.js';
import { compareReplicates, decodeReplicates } from '../scoring/bootstrap.js';
import type { ResultRecord, ScoredResult } from './schema.js';

export interface Standing {
  rank: number;
  record: ScoredResult;
  /** Primary metric value. */
  value: number;
  /**
   * Against the leader, by a paired bootstrap on the primary metric: `tied` when the leader
   * is not better at the records' confidence level, `behind` when it is; absent for the
   * leader and where the records cannot be paired (no replicates, other truth or seed).
   */
  versusLeader?: 'tied' | 'behind';
}

export interface PhaseStandings {
  phase: string;
  phaseName: string;
  metrics: CompetitionMetric[];
  rows: Standing[];
  /** Submissions that were rejected or failed in this phase. */
  unscored: number;
}

/**
 * Ranks the scored records of each phase by the primary metric. Equal values share a rank
 * (competition ranking "1, 2, 2, 4"), listed earliest first. The leaderboard is always
 * recomputed from records like this, never stored.
 */
export function computeStandings(
  c: Competition,
  records: readonly ResultRecord[],
  opts: { rule?: 'best-per-team' | 'all' } = {},
): PhaseStandings[] {
  const rule = opts.rule ?? c.config.leaderboard?.rule ?? 'best-per-team';
  const columns = c.config.leaderboard?.columns;
  const metrics = columns ? columns.map((name) => c.metrics.find((m) => m.name === name)!) : c.metrics;
  const primary = c.primary;
  const sign = primary.direction === 'maximize' ? -1 : 1;

  return c.config.phases.map((phase) => {
    const inPhase = records.filter((r) => r.phase === phase.id);
    const scored = inPhase.filter((r): r is ScoredResult => r.status === 'scored' && Number.isFinite(r.scores.public[primary.name]?.value));
    const value = (r: ScoredResult) => r.scores.public[primary.name]!.value;
    const order = (a: ScoredResult, b: ScoredResult) =>
      sign * (value(a) - value(b)) || a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id);
    scored.sort(order);
    let kept = scored;
    if (rule === 'best-per-team') {
      const seen = new Set<string>();
      kept = scored.filter((r) => (seen.has(r.submission.team) ? false : (seen.add(r.submission.team), true)));
    }
    const rows: Standing[] = [];
    kept.forEach((record, i) => {
      const prev = rows[i - 1];
      const rank = prev && prev.value === value(record) ? prev.rank : i + 1;
      const row: Standing = { rank, record, value: value(record) };
      if (i > 0) {
        const verdict = versus(kept[0]!, record, primary);
        if (verdict) row.versusLeader = verdict;
      }
      rows.push(row);
    });
    return { phase: phase.id, phaseName: phase.name, metrics, rows, unscored: inPhase.length - scored.length };
  });
}

/** Paired bootstrap of a record against the leader, when both carry replicates of the same resamples. */
function versus(leader: ScoredResult, other: ScoredResult, primary: CompetitionMetric): 'tied' | 'behind' | undefined {
  const a = leader.scores.public[primary.name]?.ci;
  const b = other.scores.public[primary.name]?.ci;
  if (!a?.replicates || !b?.replicates) return undefined;
  if (a.seed !== b.seed || a.resamples !== b.resamples || a.level !== b.level) return undefined;
  if (leader.provenance.data_hash === undefined || leader.provenance.data_hash !== other.provenance.data_hash) return undefined;
  const c = compareReplicates(decodeReplicates(a.replicates), decodeReplicates(b.replicates), primary.direction, a.level);
  if (c.resamples === 0) return undefined;
  return c.aBetter ? 'behind' : 'tied';
}

/** Formats a metric value for people: four significant decimals, no trailing noise. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(3);
  return v.toFixed(4);
}

/**
 * The standings on the private part, from a phase's reveal: each sealed record ranked by its
 * revealed scores, with the same rules as the public board.
 */
export function privateStandings(
  c: Competition,
  records: readonly ResultRecord[],
  reveal: { phase: string; records: { id: string; scores: ScoredResult['scores']['public'] }[] },
): PhaseStandings[] {
  const revealed = new Map(reveal.records.map((r) => [r.id, r.scores]));
  const swapped = records.flatMap((r): ResultRecord[] => {
    if (r.phase !== reveal.phase || r.status !== 'scored') return [];
    const scores = revealed.get(r.id);
    return scores ? [{ ...r, scores: { public: scores } }] : [];
  });
  return computeStandings(c, swapped);
}
