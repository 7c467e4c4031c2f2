import type { Competition } from '../../runner/src/competition/load.js';
import { loadTeams, mayEnter, type Teams } from '../../runner/src/competition/teams.js';
import type { SubmissionKind } from '../../runner/src/contracts/common.js';
import { admit, type Pending } from '../../runner/src/results/admission.js';
import { MAX_SUBMISSION_YML_BYTES } from '../../runner/src/submission/validate.js';
import type { Board } from '../../runner/src/results/board.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { checkChanges } from './changes.js';
import type { GitHub, Repo } from './github.js';
import { resultsHistory } from './checkout.js';
import { changedFiles } from './pull-files.js';
import { readFileAt } from './fetch.js';
import { parse } from 'yaml';

/**
 * Membership, phase, kind (when known) and limits (per run type when the run type is known) for one more submission of a team, from
 * teams.yml and the results history (the engine's rules, as the CLI applies them); the history
 * read is handed back for what else needs it.
 */
export async function admissible(
  c: Competition,
  team: string,
  login: string,
  now: () => Date,
  pending: (records: ResultRecord[]) => Promise<number | Pending> = async () => 0,
  declared: {
    kind?: SubmissionKind | undefined;
    runType?: string | undefined;
    priority?: number | undefined;
    task?: string | undefined;
    name?: string | undefined;
  } = {},
): Promise<{ refused: string } | { refused?: undefined; phase: string; board: Board; records: ResultRecord[] }> {
  const { kind, runType, priority, task, name } = declared;
  const admitted = await admit(
    c,
    {
      team,
      login,
      ...(kind ? { kind } : {}),
      ...(runType ? { runType } : {}),
      ...(priority !== undefined ? { priority } : {}),
      ...(task ? { task } : {}),
      ...(name ? { name } : {}),
    },
    { now: now(), teams: await loadTeams(c.dir), history: () => resultsHistory(c.dir), pending },
  );
  return admitted.ok ? { phase: admitted.phase.id, board: admitted.board, records: admitted.records } : { refused: admitted.why };
}

/**
 * Evaluations of a team still under way: its open pull requests opened before this one whose
 * head commit has no record yet. Counting them keeps a team that opens many pull requests at
 * once within its limits; counting only the earlier ones lets the first of them through. Only
 * pull requests whose author may enter for the team count, so nobody can use up another
 * team's limits by opening pull requests in its folder. Given the task and run type of the
 * submission being prepared, each waiting one's submission.yml is read at its head: one of
 * another task does not count, and one of another run type counts only in the total; one whose
 * task or type cannot be read counts as of this one's, so that no limit is ever passed.
 */
export async function pendingOf(
  gh: GitHub,
  repo: Repo,
  open: readonly { number: number; head: { sha: string }; user?: { login: string } | null }[],
  team: string,
  teams: Teams | undefined,
  before: number,
  records: readonly ResultRecord[],
  want: { task?: string | undefined; runType?: string | undefined; name?: string | undefined } = {},
): Promise<Pending> {
  const recorded = new Set(records.flatMap((r) => (r.provenance.commit ? [r.provenance.commit] : [])));
  let count = 0;
  let ofType = 0;
  const priorities: { priority: number; what: string }[] = [];
  for (const p of open) {
    if (p.number >= before || recorded.has(p.head.sha)) continue;
    if (!mayEnter(teams, p.user?.login ?? '', team).ok) continue;
    const changes = checkChanges(await changedFiles(gh, repo, p.number));
    if (!changes.ok || changes.team !== team) continue;
    const declared = want.task !== undefined || want.runType !== undefined ? await declaredAt(gh, repo, p.head.sha, changes.folder) : {};
    if (want.task !== undefined && declared.task !== undefined && declared.task !== want.task) continue;
    count++;
    if (want.runType === undefined || declared.runType === undefined || declared.runType === want.runType) ofType++;
    // Another version of the same run does not hold a priority against it.
    if (declared.priority !== undefined && declared.runType === want.runType && changes.name !== want.name)
      priorities.push({ priority: declared.priority, what: `pull request #${p.number}, still waiting to be evaluated,` });
  }
  return { count, ofType, priorities };
}

/** The run type (`run.type`), its priority and the task submission.yml declares at a commit, read as data; each undefined when it declares none. */
export async function declaredAt(
  gh: GitHub,
  repo: Repo,
  sha: string,
  folder: string,
): Promise<{ runType?: string; priority?: number; task?: string }> {
  const text = await readFileAt(gh, repo, sha, `${folder}/submission.yml`, MAX_SUBMISSION_YML_BYTES);
  if (!text) return {};
  try {
    const doc = parse(text.toString('utf8')) as { run?: { type?: unknown; priority?: unknown }; task?: unknown } | null;
    return {
      ...(typeof doc?.run?.type === 'string' ? { runType: doc.run.type } : {}),
      ...(Number.isInteger(doc?.run?.priority) ? { priority: doc!.run!.priority as number } : {}),
      ...(typeof doc?.task === 'string' ? { task: doc.task } : {}),
    };
  } catch {
    return {};
  }
}
