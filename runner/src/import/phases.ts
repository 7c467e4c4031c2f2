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
  if (m.tasks)
    report.carried.push(
      `Every phase has the same ${m.tasks.length} tasks → competition.yml tasks: ${m.tasks.map((t) => `"${t.name}" (${t.id})`).join(', ')}, each with its own reference data and its own leaderboard; a submission names its task (task: in submission.yml).`,
    );
  for (const p of m.phases)
    if (p.leftOut?.length)
      report.dropped.push(
        `Phase "${p.name}" has several tasks; its first, "${p.task}", was taken, and ${p.leftOut.map((t) => `"${t}"`).join(', ')} left out: several tasks become competition.yml's tasks only where every phase lists the same ones and they share their scoring program, ingestion program and input data.`,
      );
  report.carried.push(`${phases.length} phase(s) with their dates: ${phases.map((p) => `${p.name} (${p.start} to ${p.end})`).join('; ')}.`);

  const first = m.phases[0]!;
  const limits = { ...(first.perDay ? { per_day: first.perDay } : {}), ...(first.total ? { total: first.total } : {}) };
  if (Object.keys(limits).length)
    report.carried.push(`Submission limits: ${first.perDay ?? '—'} per day, ${first.total ?? '—'} per phase.`);
  for (const p of m.phases) {
    const none = [
      ...(p.perDay ? [] : ['max_submissions_per_day (Codabench: 5 when absent)']),
      ...(p.total ? [] : ['max_submissions (Codabench: 100 when absent)']),
      ...(p.timeLimit ? [] : ["execution_time_limit (Codabench: 600 s when absent; Podium's runtime default applies)"]),
    ];
    if (none.length) report.carried.push(`Phase "${p.name}" sets no (or 0) ${none.join(', ')}: no such limit was written for it.`);
  }
  const extra: Record<string, unknown>[] = phases.map(() => ({}));
  m.phases.forEach((p, i) => {
    if (i === 0 || (p.perDay === first.perDay && p.total === first.total)) return;
    const own = { ...(p.perDay ? { per_day: p.perDay } : {}), ...(p.total ? { total: p.total } : {}) };
    if (Object.keys(own).length) {
      extra[i]!.limits = own;
      report.carried.push(`Phase "${p.name}" keeps its own limits: ${p.perDay ?? '—'} per day, ${p.total ?? '—'} in the phase.`);
    }
    if (!p.perDay !== !first.perDay || !p.total !== !first.total)
      report.dropped.push(
        `Phase "${p.name}" has no limit where the first phase has one; Podium cannot lift a competition's limit for one phase, so the first phase's applies to it (${first.perDay ?? '—'} per day, ${first.total ?? '—'} in the phase). Change limits in competition.yml if that is wrong.`,
      );
  });
  return { phases, extra, limits };
}

/** Codabench's submission rules, as Podium's leaderboard.rule. */
const RULES: Record<string, { rule: 'best-per-team' | 'last-per-team' | 'chosen-per-team' | 'all'; choose?: number; why: string }> = {
  Force_Last: { rule: 'last-per-team', why: "each team's last submission counts" },
  Force_Best: { rule: 'best-per-team', why: "each team's best submission counts" },
  Force_Latest_Multiple: { rule: 'all', why: 'every submission is on the leaderboard' },
  Add: { rule: 'chosen-per-team', choose: 1, why: 'each team chooses the submission that counts (final: true in its submission.yml)' },
  Add_And_Delete: {
    rule: 'chosen-per-team',
    choose: 1,
    why: 'each team chooses the submission that counts (final: true in its submission.yml)',
  },
  Add_And_Delete_Multiple: {
    rule: 'chosen-per-team',
    why: 'each team chooses the submissions that count (final: true), up to leaderboard.choose (2 unless changed)',
  },
};

/** The leaderboard rule from the bundle's submission rule; Podium's own default where it names none. */
export function mapRule(m: Model, report: Report): { rule?: string; choose?: number } {
  if (!m.rule) {
    report.carried.push(
      "The bundle names no submission rule (Codabench would let each participant add one submission by hand); the leaderboard keeps each team's best submission, Podium's default.",
    );
    return {};
  }
  const key = Object.keys(RULES).find((k) => k.toLowerCase() === m.rule!.toLowerCase().replace(/\s+/g, '_'));
  const found = key ? RULES[key] : undefined;
  if (!found) {
    report.dropped.push(`The submission rule "${m.rule}" is not one Codabench defines; the leaderboard keeps each team's best submission.`);
    return {};
  }
  report.carried.push(
    `The submission rule ${key} → leaderboard.rule ${found.rule}${found.choose ? ` (choose: ${found.choose})` : ''}: ${found.why}.`,
  );
  return { rule: found.rule, ...(found.choose ? { choose: found.choose } : {}) };
}
