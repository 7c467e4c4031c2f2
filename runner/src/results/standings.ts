import type { Competition, CompetitionMetric } from '../competition/load.js';
import type { ResultRecord, ScoredResult } from './schema.js';

export interface Standing {
  rank: number;
  record: ScoredResult;
  /** Primary metric value. */
  value: number;
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
export function computeStandings(c: Competition, records: readonly ResultRecord[]): PhaseStandings[] {
  const rule = c.config.leaderboard?.rule ?? 'best-per-team';
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
      rows.push({ rank, record, value: value(record) });
    });
    return { phase: phase.id, phaseName: phase.name, metrics, rows, unscored: inPhase.length - scored.length };
  });
}

/** Formats a metric value for people: four significant decimals, no trailing noise. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(3);
  return v.toFixed(4);
}
