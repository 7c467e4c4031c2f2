import { findPhase, type Competition } from '../../runner/src/competition/load.js';
import { loadTeams, mayEnter, type Teams } from '../../runner/src/competition/teams.js';
import { checkLimits } from '../../runner/src/results/limits.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { checkChanges } from './changes.js';
import type { GitHub, Repo } from './github.js';
import { resultsHistory } from './checkout.js';
import { changedFiles } from './pull-files.js';

/**
 * Membership, phase and limits for one more submission of a team, from teams.yml and the
 * results history; the history read is handed back for what else needs it.
 */
export async function admissible(
  c: Competition,
  team: string,
  login: string,
  now: () => Date,
  pending: (records: ResultRecord[]) => Promise<number> = async () => 0,
): Promise<{ refused: string } | { refused?: undefined; phase: string; records: ResultRecord[] }> {
  const member = mayEnter(await loadTeams(c.dir), login, team);
  if (!member.ok) return { refused: member.why };
  const phase = findPhase(c, now());
  if (!phase.ok) return { refused: phase.why };
  const records = await resultsHistory(c.dir);
  const limit = checkLimits(c, records, team, phase.phase.id, now(), await pending(records));
  return limit.ok ? { phase: phase.phase.id, records } : { refused: limit.why };
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
