import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderQueued, renderStarted, type QueueView } from '../comment.js';
import type { GitHub, Repo } from '../github.js';
import { parseRequest, REQUEST_FILE } from '../handoff.js';
import type { CountInputs, QueueInputs } from '../inputs.js';
import type { Io } from '../io.js';
import { estimateWait, evaluateJob, median, ownRun, queueOf, recentDurations } from '../queue.js';
import { stickyComment } from './report.js';

/**
 * queue — on a GitHub-hosted runner, beside the evaluate job while that job waits for an
 * organiser's approval and a runner: writes the sticky comment saying how many evaluations are
 * ahead and when this one should start (the median time of recent evaluations, times the number
 * ahead), keeps it current while it watches, and says when the evaluate job has started. It
 * reads the Actions API and writes the pull request's comment, nothing else; it never writes
 * once the evaluation has finished, so the result the report job writes stays.
 */
export async function queue(inputs: QueueInputs, io: Io, gh: GitHub, repo: Repo): Promise<void> {
  const request = parseRequest(await readFile(path.join(path.resolve(io.workspace, inputs['prepared-dir']), REQUEST_FILE), 'utf8'));
  const runId = Number(io.env.GITHUB_RUN_ID);
  if (!Number.isSafeInteger(runId) || runId <= 0)
    throw new Error('GITHUB_RUN_ID is not set: run the queue mode as a job of the evaluate workflow, where the runner sets it.');
  const own = await ownRun(gh, repo, runId);
  const durations = await recentDurations(gh, repo, own.workflowId);
  const history = { count: durations.length, ...(durations.length > 0 ? { medianS: median(durations)! } : {}) };
  io.info(
    durations.length > 0
      ? `Recent evaluations: ${durations.length}, median ${Math.round(history.medianS!)} s.`
      : 'No evaluation has finished yet: no estimate.',
  );
  const deadline = io.now().getTime() + Number(inputs['watch-minutes']) * 60_000;
  const pollMs = Number(inputs['poll-seconds']) * 1000;
  let last = '';
  for (;;) {
    const job = await evaluateJob(gh, repo, runId);
    if (job?.status === 'completed') {
      io.info('The evaluation has finished: the report job writes the result.');
      io.output('queue', 'finished');
      return;
    }
    if (job?.status === 'in_progress') {
      await stickyComment(gh, repo, inputs['bot-login'], request.pull_request, renderStarted(request, new Date(job.started_at)));
      io.info(`The evaluation started at ${job.started_at}.`);
      io.output('queue', 'started');
      return;
    }
    const q = await queueOf(gh, repo, own, runId);
    const at = io.now();
    const wait = estimateWait(q.ahead, durations);
    const view: QueueView = {
      ahead: q.ahead,
      ...(wait !== undefined ? { waitS: wait } : {}),
      history,
      stage: job?.status === 'waiting' ? 'approval' : job?.status === 'queued' ? 'runner' : 'unknown',
      at,
    };
    const body = renderQueued(request, view);
    // Rewritten only when what it says changes (the time it was read aside).
    const key = JSON.stringify({ ...view, at: undefined });
    if (key !== last) {
      const how = await stickyComment(gh, repo, inputs['bot-login'], request.pull_request, body);
      io.info(`${how === 'created' ? 'Commented' : 'Comment updated'}: ${q.ahead} ahead, ${q.waiting} waiting in all.`);
      last = key;
    }
    io.output('ahead', String(q.ahead));
    if (at.getTime() + pollMs > deadline || io.signal?.aborted) {
      io.info('Stopped watching the queue; the comment shows the result when the evaluation is done.');
      io.output('queue', 'waiting');
      return;
    }
    try {
      await sleep(pollMs, undefined, io.signal ? { signal: io.signal } : {});
    } catch {
      io.output('queue', 'waiting');
      return;
    }
  }
}

/**
 * count — after an evaluation, the number of runs of this workflow that have not finished, this
 * one excepted, as the output `waiting` for the publish job to show on the leaderboard. A count
 * that cannot be read leaves the output empty and the leaderboard silent: it never stops a publish.
 */
export async function count(_inputs: CountInputs, io: Io, gh: GitHub, repo: Repo): Promise<void> {
  io.output('waiting', '');
  const runId = Number(io.env.GITHUB_RUN_ID);
  if (!Number.isSafeInteger(runId) || runId <= 0) {
    io.info('GITHUB_RUN_ID is not set: no count of the evaluations waiting.');
    return;
  }
  try {
    const q = await queueOf(gh, repo, await ownRun(gh, repo, runId), runId);
    io.info(`Evaluations waiting: ${q.waiting}.`);
    io.output('waiting', String(q.waiting));
  } catch (e: unknown) {
    io.warn(`The evaluation queue could not be read (${e instanceof Error ? e.message : String(e)}): the leaderboard says nothing of it.`);
  }
}
