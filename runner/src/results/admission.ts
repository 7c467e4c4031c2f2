import { competitionForTask, type Competition, type Phase } from '../competition/load.js';
import { mayEnter, TEAMS_FILE, type Teams } from '../competition/teams.js';
import type { SubmissionKind } from '../contracts/common.js';
import { boardOf, findBoard, type Board } from './board.js';
import { currentRecords } from './supersede.js';
import { checkLimits, phaseLimits, type Usage } from './limits.js';
import type { ResultRecord } from './schema.js';

/*
 * The rules a submission must meet before it is evaluated, in one place for the Action and the
 * CLI: membership (teams.yml), the phase open now (or, after the last phase, the post-challenge
 * board when the organisers opened it), the kinds the phase takes, and the limits counted from
 * the results history of that board. The words of each refusal are the same wherever it is
 * shown: an annotation on the pull request, the job's failure, or the CLI's error.
 */

/** Evaluations under way, with no record yet, that count against the entrant's limits. */
export interface Pending {
  /** In the entrant's task, where their tasks were read (else all of the team's). */
  count: number;
  /** Of those, of the entrant's run type (else all of them). */
  ofType: number;
  /** Of those, the priorities declared by runs of the entrant's type, and which pull request declares each. */
  priorities?: { priority: number; what: string }[];
}

/** Which rule refused a submission. */
export type Rule = 'membership' | 'phase' | 'kind' | 'limits';

export type Admission =
  { ok: true; phase: Phase; board: Board; records: ResultRecord[]; usage?: Usage } | { ok: false; rule: Rule; why: string; phase?: Phase };

export interface Entrant {
  team: string;
  /**
   * The GitHub login that submits (pull requests). Without one (the CLI), the team must be one
   * of teams.yml's when the competition has a teams.yml.
   */
  login?: string;
  /** The submission's kind, when it is known (the Action's prepare job has not read the submission). */
  kind?: SubmissionKind;
  /** The run type submission.yml declares (run.type), when it is known: runs.max_per_type counts it. */
  runType?: string;
  /** The task submission.yml names (a competition with tasks): its kinds and limits apply, counted on its records. */
  task?: string;
  /** The run's priority among the team's runs of its type (run.priority): no two scored runs share one. */
  priority?: number;
  /** The submission's name (its folder): a new version of a run keeps its own priority. */
  name?: string;
}

export interface AdmissionOptions {
  now: Date;
  /** The competition's teams.yml (loadTeams), undefined when it has none. */
  teams: Teams | undefined;
  /** The results history; read only once membership, phase and kind have passed. */
  history: () => Promise<ResultRecord[]>;
  /**
   * A phase chosen by id (the CLI's --phase) instead of the one open now: the organiser's
   * deliberate choice, so its window is not checked. The id must be a phase of the competition.
   */
  phase?: string;
  /**
   * Evaluations under way that have no record yet (the Action's other open pull requests): how
   * many, and how many of them are of the entrant's run type where their types were read.
   */
  pending?: (records: ResultRecord[]) => Promise<number | Pending>;
  /** Skip the limits (the CLI's --ignore-limits, recorded in the record). */
  ignoreLimits?: boolean;
}

/** The kinds a phase takes: its own `kinds`, else the competition's `submissions.kinds`. */
export function kindsOf(c: Competition, phase: Phase): readonly SubmissionKind[] {
  return phase.kinds ?? c.config.submissions.kinds;
}

/** Whether a phase takes a kind of submission. */
export function checkKind(c: Competition, phase: Phase, kind: SubmissionKind): { ok: true } | { ok: false; why: string } {
  const kinds = kindsOf(c, phase);
  return kinds.includes(kind)
    ? { ok: true }
    : { ok: false, why: `phase ${phase.id} does not take "${kind}" submissions; it takes: ${kinds.join(', ')}.` };
}

/**
 * Whether a team may submit. With a login, the login must be a member of the team (mayEnter);
 * without one, a teams.yml must list the team.
 */
export function checkMembership(teams: Teams | undefined, entrant: Entrant): { ok: true } | { ok: false; why: string } {
  if (entrant.login !== undefined) return mayEnter(teams, entrant.login, entrant.team);
  if (!teams || [...teams.teamOf.values()].includes(entrant.team)) return { ok: true };
  return { ok: false, why: `team ${entrant.team} is not in ${TEAMS_FILE}; ask the organisers to add the team and its members.` };
}

/**
 * Every rule for one more submission of a team, in order: membership, phase, kind, limits.
 * The first that refuses says why; the history read is handed back for what else needs it.
 */
export async function admit(whole: Competition, entrant: Entrant, opts: AdmissionOptions): Promise<Admission> {
  // A submission to a task meets that task's rules; one naming no known task is refused by validation.
  const c =
    entrant.task !== undefined && whole.tasks?.some((v) => v.task?.id === entrant.task) ? competitionForTask(whole, entrant.task) : whole;
  const member = checkMembership(opts.teams, entrant);
  if (!member.ok) return { ok: false, rule: 'membership', why: member.why };
  const found = findBoard(c, opts.now, opts.phase);
  if (!found.ok) return { ok: false, rule: 'phase', why: found.why };
  const { phase, board } = found;
  if (entrant.kind !== undefined) {
    const kind = checkKind(c, phase, entrant.kind);
    if (!kind.ok) return { ok: false, rule: 'kind', why: kind.why, phase };
  }
  const records = await opts.history();
  if (opts.ignoreLimits) return { ok: true, phase, board, records };
  const under = opts.pending ? await opts.pending(records) : 0;
  const {
    count: pending,
    ofType: pendingOfType,
    priorities: waiting = [],
  } = typeof under === 'number' ? { count: under, ofType: under } : under;
  const limit = checkLimits(c, records, entrant.team, phase.id, opts.now, { pending, pendingOfType, board, runType: entrant.runType });
  if (!limit.ok) return { ok: false, rule: 'limits', why: limit.why, phase };
  const taken = priorityTaken(c, records, entrant, phase.id, board, waiting);
  return taken ? { ok: false, rule: 'limits', why: taken, phase } : { ok: true, phase, board, records, usage: limit.usage };
}

/**
 * Campaigns rank a team's runs of one type by priority (TRECVID's 1 to 4), and judge or pool the
 * first ones: two runs of one priority make that order ambiguous. A run is a submission folder
 * (its name): its newest scored record holds the priority it declares, so a new version of the
 * same run keeps or changes its own; a run that was refused or failed holds none; a record a
 * re-scoring superseded gives way to the one that superseded it. Why the entrant's priority is
 * taken by another run of the same team, type, phase, board (and task), or by a pull request of
 * the team still waiting to be evaluated; undefined if it is free.
 */
export function priorityTaken(
  c: Competition,
  records: readonly ResultRecord[],
  entrant: Entrant,
  phase: string,
  board: Board,
  waiting: readonly { priority: number; what: string }[] = [],
): string | undefined {
  const { priority, runType } = entrant;
  if (priority === undefined || runType === undefined || c.config.runs?.types === undefined) return undefined;
  const newest = new Map<string, ResultRecord>();
  for (const r of currentRecords(records)) {
    if (r.status !== 'scored' || r.phase !== phase || boardOf(r) !== board || r.submission.team !== entrant.team) continue;
    if (c.task !== undefined && r.task !== c.task.id) continue;
    if (entrant.name !== undefined && r.submission.name === entrant.name) continue;
    const was = newest.get(r.submission.name);
    if (!was || r.created_at > was.created_at) newest.set(r.submission.name, r);
  }
  const held = [...newest.values()].filter((r) => r.submission.run?.type === runType);
  const taken = [
    ...held.flatMap((r) =>
      r.submission.run?.priority !== undefined ? [{ priority: r.submission.run.priority, what: `run ${r.submission.name}` }] : [],
    ),
    ...waiting,
  ];
  const clash = taken.find((t) => t.priority === priority);
  if (!clash) return undefined;
  const max = c.config.runs?.max_per_type;
  const used = new Set(taken.map((t) => t.priority));
  const free = max !== undefined ? Array.from({ length: max }, (_, i) => i + 1).filter((p) => !used.has(p)) : [];
  return `team ${entrant.team}'s ${clash.what} already has priority ${priority} among its "${runType}" runs${c.task !== undefined ? ` in task ${c.task.id}` : ''}; give this run another priority${free.length > 0 ? ` (free: ${free.join(', ')})` : ''}.`;
}

/** Whether the competition limits a phase's submissions (on a board) at all (per day, in total or per run type). */
export function hasLimits(c: Competition, phase: Phase, board: Board = 'official'): boolean {
  const { perDay, total } = phaseLimits(c, phase.id, board);
  return perDay !== undefined || total !== undefined || c.config.runs?.max_per_type !== undefined;
}
