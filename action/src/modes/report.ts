import path from 'node:path';
import { viewOf, type Competition } from '../../../runner/src/competition/load.js';
import type { ResultRecord } from '../../../runner/src/results/schema.js';
import { boardOf } from '../../../runner/src/results/board.js';
import { computeStandings } from '../../../runner/src/results/standings.js';
import { openCompetition, resultsHistory } from '../checkout.js';
import { MARKER, renderComment, renderNotEvaluated, type Placement } from '../comment.js';
import type { GitHub, Repo } from '../github.js';
import { readEvaluation } from '../handoff.js';
import type { ReportInputs } from '../inputs.js';
import type { Io } from '../io.js';

/**
 * Where a record would stand against the other teams now (their records from the history): its
 * rank, or for a baseline no rank, and its verdict against the leader, as the leaderboard decides both.
 * A post-challenge record is placed on the post-challenge board, never in the official ranking.
 */
export function placement(whole: Competition, records: readonly ResultRecord[], record: ResultRecord): Placement | undefined {
  if (record.status !== 'scored') return undefined;
  // A record of a task is placed among that task's records.
  const c = viewOf(whole, record);
  const others = records.filter((r) => r.submission.team !== record.submission.team && r.id !== record.id);
  const board = boardOf(record);
  const phase = computeStandings(c, [...others, record], { board }).find((s) => s.phase === record.phase);
  const row = phase?.rows.find((r) => r.record.id === record.id);
  if (!row || !phase) return undefined;
  const of = phase.rows.filter((r) => !r.baseline).length;
  const versus = row.versusLeader ? { versusLeader: row.versusLeader } : {};
  const on = board === 'post-challenge' ? { board } : {};
  return row.baseline ? { baseline: true, of, ...versus, ...on } : { rank: row.rank, of, ...versus, ...on };
}

/** Finds the bot's sticky comment on the pull request and updates it, or creates it. */
export async function stickyComment(gh: GitHub, repo: Repo, bot: string, pr: number, body: string): Promise<'created' | 'updated'> {
  const comments = await gh.paginate(gh.rest.issues.listComments, { ...repo, issue_number: pr, per_page: 100 });
  const mine = comments.find((x) => x.user?.login === bot && (x.body ?? '').startsWith(MARKER));
  if (mine) await gh.rest.issues.updateComment({ ...repo, comment_id: mine.id, body });
  else await gh.rest.issues.createComment({ ...repo, issue_number: pr, body });
  return mine ? 'updated' : 'created';
}

/**
 * report — the sticky comment on the pull request (found by its marker among the bot's own
 * comments and updated in place), a commit status on the head SHA, and the job summary.
 */
export async function report(inputs: ReportInputs, io: Io, gh: GitHub, repo: Repo): Promise<void> {
  const evaluation = await readEvaluation(path.resolve(io.workspace, inputs['record-dir']));
  const { request } = evaluation;
  const bot = inputs['bot-login'];
  if (evaluation.skipped) {
    const body = renderNotEvaluated(request, evaluation.skipped);
    io.output('comment', await stickyComment(gh, repo, bot, request.pull_request, body));
    await gh.rest.repos.createCommitStatus({
      ...repo,
      sha: request.head_sha,
      state: 'error',
      context: 'podium/evaluation',
      description: {
        closed: 'not evaluated: the pull request was closed',
        moved: 'not evaluated: a newer commit was pushed',
        revealed: 'not evaluated: the phase was revealed before approval',
      }[evaluation.skipped.reason],
    });
    await io.summary(body.replace(MARKER, '') + '\n');
    return;
  }
  const { record } = evaluation;
  const c = await openCompetition(io.workspace, inputs.competition);
  let records: ResultRecord[] = [];
  try {
    records = await resultsHistory(c.dir);
  } catch (e: unknown) {
    // The ranking line is a courtesy: the comment goes out without it.
    io.info(
      `The results history cannot be read (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); the comment leaves out the rank.`,
    );
  }
  // A task's record is described with its task's metrics and primary.
  const view = viewOf(c, record);
  const body = renderComment(view, record, placement(c, records, record));
  // The same image from two teams is for the organisers to look at, not for the comment.
  const digest = record.provenance.image_digest;
  const shared = digest ? records.filter((r) => r.provenance.image_digest === digest && r.submission.team !== record.submission.team) : [];
  if (shared.length > 0) {
    const others = [...new Set(shared.map((r) => `${r.submission.team}/${r.submission.name}`))].join(', ');
    io.warn(
      `${record.submission.team}/${record.submission.name} ran the image ${digest}, which ${others} also submitted: check whether the teams share code.`,
    );
  }
  const made = await stickyComment(gh, repo, bot, request.pull_request, body);
  const state = record.status === 'scored' ? 'success' : record.status === 'failed' && record.error.platform_fault ? 'error' : 'failure';
  const primary = record.status === 'scored' ? record.scores.public[view.primary.name]?.value : undefined;
  const description =
    record.status === 'scored' ? `${view.primary.name} ${primary ?? ''}`.trim() : `${record.status}: ${record.error.code}`.slice(0, 140);
  await gh.rest.repos.createCommitStatus({ ...repo, sha: request.head_sha, state, context: 'podium/evaluation', description });
  await io.summary(body.replace(MARKER, '') + '\n');
  io.output('comment', made);
}
