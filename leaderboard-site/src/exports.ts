import type { Competition, CompetitionMetric } from '../../runner/src/competition/load.js';
import { csvField, spreadsheetSafe } from '../../runner/src/format/csv.js';
import { formatScore } from '../../runner/src/format/units.js';
import type { PhaseStandings, Standing } from '../../runner/src/results/standings.js';
import { COSTS, recordPage, type Cost, type MetricInfo, type PhaseData, type Row } from './table.js';

/**
 * What the site writes beside its pages for programs to read: each phase's whole table for the
 * page's script (data/<phase>.json), the standings as JSON and CSV, and shields.io badges.
 */

export function metricInfo(m: CompetitionMetric): MetricInfo {
  return { name: m.name, label: m.label, dir: m.direction === 'maximize' ? 'max' : 'min', primary: m.primary === true };
}

/** The cost columns a phase shows: those some record of it has. */
export function phaseCosts(all: PhaseStandings): Cost[] {
  return COSTS.filter((col) => all.rows.some((r) => r.record.resources?.[col.key] !== undefined));
}

/** data/<phase>.json: every scored submission of the phase, marked with its rank in each view. */
export function phaseData(best: PhaseStandings, all: PhaseStandings, costs: readonly Cost[]): PhaseData {
  return {
    metrics: all.metrics.map(metricInfo),
    costs: costs.map((x) => ({ key: x.key, label: x.label, unit: x.unit })),
    rows: tableRows(best, all, costs),
  };
}

function tableRows(b: PhaseStandings, a: PhaseStandings, costs: readonly Cost[]): Row[] {
  const bestRank = new Map(b.rows.map((r) => [r.record.id, r]));
  return a.rows.map((row) => {
    const rec = row.record;
    const inBest = bestRank.get(rec.id);
    const v: (number | null)[] = [];
    const lo: (number | null)[] = [];
    const hi: (number | null)[] = [];
    for (const m of a.metrics) {
      const s = rec.scores.public[m.name];
      v.push(s ? digits(s.value) : null);
      lo.push(s?.ci ? digits(s.ci.low) : null);
      hi.push(s?.ci ? digits(s.ci.high) : null);
    }
    return {
      ...(inBest ? { p: 1 as const } : {}),
      ...(inBest && !inBest.baseline ? { r: inBest.rank } : {}),
      ...(row.baseline ? {} : { ra: row.rank }),
      t: rec.submission.team,
      n: rec.submission.name,
      k: rec.id.split('/')[3]!,
      d: rec.created_at.slice(0, 10),
      ...(row.baseline ? { b: 1 as const } : {}),
      ...(shownVersus(inBest ?? row) ? { vs: shownVersus(inBest ?? row) } : {}),
      v,
      lo,
      hi,
      c: costs.map((col) => {
        const x = rec.resources?.[col.key];
        return x === undefined ? null : digits(x);
      }),
    };
  });
}

/** The verdict against the leader that the table marks: better or tied; nothing for the usual "behind". */
function shownVersus(row: Standing): Row['vs'] {
  return row.versusLeader === 'behind' ? undefined : row.versusLeader;
}

/** Seven significant digits: more than any column shows, and the phase's JSON stays small. */
function digits(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(7)) : x;
}

/** leaderboard.json: the standings under the competition's rule, with intervals and resources. */
export function exportJson(c: Competition, standings: readonly PhaseStandings[], generated: string) {
  return {
    competition: c.config.slug,
    generated_at: generated,
    phases: standings.map((s) => ({
      phase: s.phase,
      primary: c.primary.name,
      rows: s.rows.map((r) => ({
        rank: r.baseline ? null : r.rank,
        ...(r.baseline ? { baseline: true } : {}),
        ...(r.averageRank !== undefined ? { average_rank: r.averageRank } : {}),
        ...(r.versusLeader ? { versus_leader: r.versusLeader } : {}),
        team: r.record.submission.team,
        submission: r.record.submission.name,
        id: r.record.id,
        page: recordPage(r.record),
        scores: Object.fromEntries(s.metrics.map((m) => [m.name, r.record.scores.public[m.name]?.value ?? null])),
        intervals: Object.fromEntries(
          s.metrics.map((m) => {
            const ci = r.record.scores.public[m.name]?.ci;
            return [m.name, ci ? [ci.low, ci.high] : null];
          }),
        ),
        resources: r.record.resources ?? {},
        created_at: r.record.created_at,
      })),
    })),
  };
}

export function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  return csvField(typeof v === 'string' ? spreadsheetSafe(v) : String(v));
}

/**
 * leaderboard.csv: every scored submission of every phase, one row each. With a board (the
 * post-challenge board's own export), each row says so in a first column.
 */
export function exportCsv(c: Competition, all: readonly PhaseStandings[], board?: 'post-challenge'): string {
  const metrics = all[0]?.metrics ?? c.metrics;
  const header = [
    ...(board ? ['board'] : []),
    'phase',
    'rank_all',
    'team',
    'submission',
    ...metrics.flatMap((m) => [m.name, `${m.name}_low`, `${m.name}_high`]),
    ...COSTS.map((x) => x.key),
    'created_at',
    'record',
  ];
  const lines = [header.join(',')];
  for (const s of all) {
    for (const r of s.rows) {
      const rec = r.record;
      lines.push(
        [
          ...(board ? [board] : []),
          s.phase,
          r.baseline ? '' : r.rank,
          rec.submission.team,
          rec.submission.name,
          ...metrics.flatMap((m) => {
            const v = rec.scores.public[m.name];
            return [v?.value ?? null, v?.ci?.low ?? null, v?.ci?.high ?? null];
          }),
          ...COSTS.map((x) => rec.resources?.[x.key] ?? null),
          rec.created_at,
          rec.id,
        ]
          .map(csvCell)
          .join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface Badge {
  schemaVersion: 1;
  label: string;
  message: string;
  color: string;
}

/** shields.io "endpoint" badges: each team's best rank in the latest phase that has scores. */
export function badges(c: Competition, best: readonly PhaseStandings[]): Map<string, Badge> {
  const out = new Map<string, Badge>();
  for (const s of [...best].reverse()) {
    for (const r of s.rows) {
      const team = r.record.submission.team;
      if (out.has(team) || r.baseline) continue;
      out.set(team, {
        schemaVersion: 1,
        label: c.config.slug,
        message: `#${r.rank} · ${c.primary.name} ${formatScore(r.value)}`,
        color: r.rank === 1 ? 'brightgreen' : r.rank <= 3 ? 'green' : 'blue',
      });
    }
  }
  return out;
}
