import type { GitHub, Repo } from './github.js';

/**
 * The evaluation queue as GitHub Actions shows it: the runs of the evaluate workflow that have
 * not finished, and how long recent evaluations took. Read through the documented Actions REST
 * endpoints (list workflow runs of a workflow, get a workflow run, list the jobs of a run) with a
 * token that may read Actions. Only counts and durations leave this module: nothing of another
 * team's run (its pull request, branch, actor or title) is kept.
 */

/** The job of the evaluate workflow that runs an evaluation; its start and end time one. */
export const EVALUATE_JOB = 'evaluate';
/** How many recent evaluations the estimate takes the median of. */
export const HISTORY = 10;
/** How many recently completed runs are looked at to find them (runs that evaluated nothing are passed over). */
const HISTORY_RUNS = 30;
/** Run statuses of a run that has not finished: waiting for an approval, for a runner, or running. */
const UNFINISHED = ['waiting', 'queued', 'in_progress'] as const;

export interface Queue {
  /** Unfinished runs of the evaluate workflow created before this one. */
  ahead: number;
  /** Unfinished runs of the evaluate workflow, this one excepted. */
  waiting: number;
}

export interface OwnRun {
  workflowId: number;
  createdAt: string;
}

/** This run's workflow and creation time. */
export async function ownRun(gh: GitHub, repo: Repo, runId: number): Promise<OwnRun> {
  const { data } = await gh.rest.actions.getWorkflowRun({ ...repo, run_id: runId, exclude_pull_requests: true });
  return { workflowId: data.workflow_id, createdAt: data.created_at };
}

/**
 * The unfinished runs of the workflow other than `runId`, and those of them created before it
 * (GitHub starts queued jobs in order, so those are the ones ahead).
 */
export async function queueOf(gh: GitHub, repo: Repo, run: OwnRun, runId: number): Promise<Queue> {
  const seen = new Map<number, string>();
  for (const status of UNFINISHED) {
    const runs = await gh.paginate(gh.rest.actions.listWorkflowRuns, {
      ...repo,
      workflow_id: run.workflowId,
      status,
      exclude_pull_requests: true,
      per_page: 100,
    });
    for (const r of runs) if (r.id !== runId) seen.set(r.id, r.created_at);
  }
  const mine = Date.parse(run.createdAt);
  let ahead = 0;
  for (const [id, created] of seen) {
    const t = Date.parse(created);
    if (t < mine || (t === mine && id < runId)) ahead++;
  }
  return { ahead, waiting: seen.size };
}

/** Seconds each of the last `HISTORY` evaluations ran, newest first: the evaluate job's start to its end. */
export async function recentDurations(gh: GitHub, repo: Repo, workflowId: number): Promise<number[]> {
  const { data } = await gh.rest.actions.listWorkflowRuns({
    ...repo,
    workflow_id: workflowId,
    status: 'completed',
    exclude_pull_requests: true,
    per_page: HISTORY_RUNS,
  });
  const out: number[] = [];
  for (const r of data.workflow_runs) {
    if (out.length >= HISTORY) break;
    const job = await evaluateJob(gh, repo, r.id);
    // A run that evaluated nothing skipped the job; a cancelled one says nothing of the time an evaluation takes.
    if (!job || !job.started_at || !job.completed_at || (job.conclusion !== 'success' && job.conclusion !== 'failure')) continue;
    const s = (Date.parse(job.completed_at) - Date.parse(job.started_at)) / 1000;
    if (Number.isFinite(s) && s >= 0) out.push(s);
  }
  return out;
}

export interface EvaluateJob {
  status: string;
  conclusion: string | null;
  started_at: string;
  completed_at: string | null;
}

/** The evaluate job of a run, or undefined when the run has none (yet). */
export async function evaluateJob(gh: GitHub, repo: Repo, runId: number): Promise<EvaluateJob | undefined> {
  const { data } = await gh.rest.actions.listJobsForWorkflowRun({ ...repo, run_id: runId, filter: 'latest', per_page: 100 });
  return data.jobs.find((j) => j.name === EVALUATE_JOB);
}

/** The median of the values, or undefined when there are none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = Float64Array.from(values).sort();
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Seconds until the evaluation starts: the evaluations ahead, each taking the median of the
 * recent ones, one after the other. Undefined when there is no history to go by.
 */
export function estimateWait(ahead: number, durations: readonly number[]): number | undefined {
  const m = median(durations);
  return m === undefined ? undefined : ahead * m;
}
