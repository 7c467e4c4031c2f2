import { toSlug } from '../contracts/common.js';
import type { Model, Report } from './model.js';

/** A phase as competition.yml has it. */
export interface PodiumPhase {
  id: string;
  name: string;
  start: string;
  end: string;
  description?: string;
}

export interface PhasePlan {
  phases: PodiumPhase[];
  /** Per phase, what competition.yml gives it beyond the above: its own limits, its own truth. */
  extra: Record<string, unknown>[];
  /** The competition's submission limits. */
  limits: { per_day?: number; total?: number };
}

const YEAR_MS = 365 * 86_400_000;

/**
 * The bundle's phases as Podium's: ids from their names, and dates, which Podium requires (a
 * missing start is the time of the import, a missing end a year after the start). Limits are
 * per competition in Podium: the first phase's are taken, and later phases with other limits
 * keep their own.
 */
export function mapPhases(m: Model, report: Report, now = new Date()): PhasePlan {
  const phases = m.phases.map((p, i): PodiumPhase => {
    const start = p.start ?? now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    let end = p.end;
    if (!end || Date.parse(end) <= Date.parse(start)) {
      end = new Date(Date.parse(start) + YEAR_MS).toISOString().replace('.000Z', 'Z');
      report.dropped.push(
        `Phase "${p.name}" has no end date in the bundle; it was set to ${end}, a year after its start. Change it in competition.yml.`,
      );
    }
    if (!p.start) report.dropped.push(`Phase "${p.name}" has no start date; it was set to the time of the import.`);
    return { id: toSlug(p.name, `phase-${i + 1}`), name: p.name, start, end, ...(p.description ? { description: p.description } : {}) };
  });
  const seen = new Set<string>();
  for (const [i, p] of phases.entries()) {
    while (seen.has(p.id)) p.id = `${p.id}-${i + 1}`;
    seen.add(p.id);
  }
  report.carried.push(`${phases.length} phase(s) with their dates: ${phases.map((p) => `${p.name} (${p.start} to ${p.end})`).join('; ')}.`);

  const first = m.phases[0]!;
  const limits = { ...(first.perDay ? { per_day: first.perDay } : {}), ...(first.total ? { total: first.total } : {}) };
  if (Object.keys(limits).length)
    report.carried.push(`Submission limits: ${first.perDay ?? '—'} per day, ${first.total ?? '—'} per phase.`);
  const extra: Record<string, unknown>[] = phases.map(() => ({}));
  m.phases.forEach((p, i) => {
    if (i === 0 || (p.perDay === first.perDay && p.total === first.total)) return;
    extra[i]!.limits = { ...(p.perDay ? { per_day: p.perDay } : {}), ...(p.total ? { total: p.total } : {}) };
    report.carried.push(`Phase "${p.name}" keeps its own limits: ${p.perDay ?? '—'} per day, ${p.total ?? '—'} in the phase.`);
  });
  return { phases, extra, limits };
}
