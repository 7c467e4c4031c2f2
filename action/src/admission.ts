import type { Competition } from '../../runner/src/competition/load.js';
import { loadTeams, mayEnter, type Teams } from '../../runner/src/competition/teams.js';
import type { SubmissionKind } from '../../runner/src/contracts/common.js';
import { admit } from '../../runner/src/results/admission.js';
import type { Board } from '../../runner/src/results/board.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { checkChanges } from './changes.js';
import type { GitHub, Repo } from './github.js';
import { resultsHistory } from './checkout.js';
import { changedFiles } from './pull-files.js';

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
  pending: (records: ResultRecord[]) => Promise<number> = async () => 0,
  kind?: SubmissionKind,
  runType?: string,
  task?: string,
): Promise<{ refused: string } | { refused?: undefined; phase: string; board: Board; records: ResultRecord[] }> {
  const admitted = await admit(
    c,
    { team, login, ...(kind ? { kind } : {}), ...(runType ? { runType } : {}), ...(task ? { task } : {}) },
    { now: now(), teams: await loadTeams(c.dir), history: () => resultsHistory(c.dir), pending },
  );
  return admitted.ok ? { phase: admitted.phase.id, board: admitted.board, records: admitted.records } : { refused: admitted.why };
}

/**
 * Evaluations of a team still under way: its open pull requests opened before this one whose
 * head commit has no record yet. Counting them keeps a team that opens many pull requests at
 * once within its limits; counting only the earlier ones lets the first of them through. Only
 * pull requests whose author may enter for the team count, so nobody can use up another
 * team's limits by opening pull requests in its folder.
 */
export async function pendingOf(
  gh: GitHub,
  repo: Repo,
  open: readonly { number: number; head: { sha: string }; user?: { login: string } | null }[],
  team: string,
  teams: Teams | undefined,
  before: number,
  records: readonly ResultRecord[],
): Promise<number> {
  const recorded = new Set(records.flatMap((r) => (r.provenance.commit ? [r.provenance.commit] : [])));
  let n = 0;
  for (const p of open) {
    if (p.number >= before || recorded.has(p.head.sha)) continue;
    if (!mayEnter(teams, p.user?.login ?? '', team).ok) continue;
    const changes = checkChanges(await changedFiles(gh, repo, p.number));
    if (changes.ok && changes.team === team) n++;
  }
  return n;
}
