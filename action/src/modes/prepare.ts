import path from 'node:path';
import { viewOf } from '../../../runner/src/competition/load.js';
import { MAX_SUBMISSION_YML_BYTES } from '../../../runner/src/submission/validate.js';
import { loadTeams } from '../../../runner/src/competition/teams.js';
import { ladderBest } from '../../../runner/src/results/ladder.js';
import { admissible, declaredAt, pendingOf } from '../admission.js';
import { openCompetition } from '../checkout.js';
import { workflowRunEvent } from '../event.js';
import type { GitHub, Repo } from '../github.js';
import { startHandoff, type Request } from '../handoff.js';
import { inert } from '../inert.js';
import type { PrepareInputs } from '../inputs.js';
import type { Io } from '../io.js';
import { checkPullFiles } from '../pull-files.js';

/**
 * prepare — on workflow_run, with read access: the pull request is found from what GitHub
 * reports for the run (head SHA, fork and branch; the validate run's artifact is not read), its
 * files, the team's membership and limits are checked again, and the request for the
 * evaluation is written. Nothing of the submission is fetched here: the evaluation job fetches it after an
 * organiser's approval, at that commit, once it has checked the pull request is still there.
 */
export async function prepare(inputs: PrepareInputs, io: Io, gh: GitHub, repo: Repo): Promise<void> {
  const run = await workflowRunEvent(io.env);
  io.output('ready', 'false');
  if (run.conclusion !== 'success') {
    io.info(`The validation run ended "${run.conclusion ?? 'unknown'}": nothing to evaluate.`);
    return;
  }
  // The pull request is the open one whose head is this commit on this fork's branch, as GitHub
  // reports the run (the validate run's artifact could say anything, and the same commit can be
  // the head of another pull request too: anyone can push a team's public commit to a fork).
  const open = await gh.paginate(gh.rest.pulls.list, { ...repo, state: 'open', per_page: 100 });
  const same = open.filter((p) => p.head.sha === run.headSha);
  const exact = same.filter(
    (p) =>
      (run.headRepository === undefined || p.head.repo?.full_name === run.headRepository) &&
      (run.headBranch === undefined || p.head.ref === run.headBranch),
  );
  if (same.length > 0 && exact.length === 0) {
    io.info(
      `No open pull request has ${run.headSha} as the head of ${run.headRepository ?? '?'}:${run.headBranch ?? '?'}: nothing to evaluate.`,
    );
    return;
  }
  const pr = exact.sort((a, b) => a.number - b.number)[0];
  const found = pr ? { number: pr.number, author: pr.user?.login ?? '' } : undefined;
  if (found === undefined) {
    io.info(`No open pull request has ${run.headSha} as its head (it was pushed to or closed since): nothing to evaluate.`);
    return;
  }
  const { number } = found;
  const changes = await checkPullFiles(gh, repo, number);
  if (!changes.ok) return io.fail(changes.why);
  const c = await openCompetition(io.workspace, inputs.competition);
  const teams = await loadTeams(c.dir);
  // Runs per run type are capped, and priorities kept apart, here too, not only at validation:
  // the run type and priority are read, as data, from the submission.yml of the commit to be
  // evaluated. So is the task of a competition with tasks, whose limits count that task's runs.
  const declared =
    c.config.runs?.types !== undefined || c.tasks !== undefined ? await declaredAt(gh, repo, run.headSha, changes.folder) : {};
  // Validation asked for both: one that cannot be read here now (a file past the size the
  // check allows, or no longer YAML) would be counted and laddered as nobody's task or type.
  const unreadable =
    c.tasks !== undefined && declared.task === undefined
      ? 'task'
      : c.config.runs?.types !== undefined && declared.runType === undefined
        ? 'run type'
        : undefined;
  if (unreadable)
    return io.fail(
      `the ${unreadable} of ${changes.folder}/submission.yml at ${run.headSha.slice(0, 12)} cannot be read (it must be YAML of at most ${MAX_SUBMISSION_YML_BYTES / 1024} KiB, naming it); nothing is evaluated. Fix submission.yml and push again.`,
    );
  const runType = declared.runType;
  const admitted = await admissible(
    c,
    changes.team,
    found.author,
    io.now,
    // Waiting pull requests count against this one's task, and its run type, where they declare theirs.
    async (records) =>
      pendingOf(gh, repo, open, changes.team, teams, number, records, { task: declared.task, runType, name: changes.name }),
    { runType, priority: declared.priority, task: declared.task, name: changes.name },
  );
  if (admitted.refused !== undefined) return io.fail(admitted.refused);
  // Reopening a pull request, or re-running the workflow, evaluates the same commit again:
  // that would be a new score for free, so the earlier record stands instead.
  const earlier = admitted.records.find(
    (r) =>
      r.provenance.commit === run.headSha &&
      r.submission.team === changes.team &&
      r.submission.name === changes.name &&
      !(r.status === 'failed' && r.error.platform_fault),
  );
  if (earlier) {
    const why = `commit ${run.headSha.slice(0, 12)} was evaluated already (record ${earlier.id}, ${earlier.status}); that record stands. Push a new commit to submit again.`;
    io.info(`Not evaluated again: ${why}`);
    await io.summary(`### Podium: ${inert(changes.folder)}\n\nNot evaluated again: ${inert(why, 2000)}\n`);
    return;
  }
  const request: Request = {
    pull_request: number,
    head_sha: run.headSha,
    folder: changes.folder,
    team: changes.team,
    name: changes.name,
    phase: admitted.phase,
    ...(admitted.board === 'post-challenge' ? { board: admitted.board } : {}),
  };
  if (c.config.leaderboard?.ladder) {
    // The evaluation runs with no history; the Ladder needs the team's best so far.
    // A task's submission climbs the task's own ladder, on its primary metric.
    const best = ladderBest(viewOf(c, { task: declared.task }), admitted.records, changes.team, admitted.phase, admitted.board);
    request.ladder = {
      phase: admitted.phase,
      ...(declared.task !== undefined ? { task: declared.task } : {}),
      ...(admitted.board === 'post-challenge' ? { board: admitted.board } : {}),
      ...(best !== undefined ? { best } : {}),
    };
  }
  const out = path.resolve(io.workspace, inputs['prepared-dir']);
  await startHandoff(out, request);
  io.info(`Pull request #${number} at ${run.headSha}: ${changes.folder}, waiting for an organiser's approval to be evaluated.`);
  io.output('pull-request', String(number));
  io.output('head-sha', run.headSha);
  io.output('prepared-dir', out);
  io.output('ready', 'true');
}
