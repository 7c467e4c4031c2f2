import type { ResultRecord } from '../results/schema.js';
import { CANCELLED, type EvaluateOptions } from './options.js';
import { forTask, invalidSubmission, recordContext } from './record-context.js';
import { runSubmission } from './run-submission.js';
import { fromShards } from './predictions-from-shards.js';
import { scoreRun } from './score-run.js';
import { shardFileOf } from './shard-output.js';
import type { Shard, ShardFile } from './shard.js';

export type { EvaluateOptions } from './options.js';

/*
 * The evaluation of one submission, step by step:
 *   record-context      validate the submission, find its phase: what every record of it shares
 *   run-submission      obtain its predictions, by kind: predictions-from-file, -container, -api,
 *                       -code (the organiser's ingestion program running the participant's code)
 *   score-run           read the hidden truth (hidden-truth), join, split off the private part
 *                       (private-split), score with Podium's metrics and the organiser's scoring
 *                       program (program-scores), seal and apply the Ladder (seal-scores); with
 *                       no built-in metric, the scoring program alone (program-only)
 * A sharded evaluation stops after run-submission (shard-output); `mergeShards` joins the shards'
 * predictions (predictions-from-shards, shard-resources) and goes on to score-run.
 */

/**
 * Validate, score and describe one submission. Always returns a record, never throws for a
 * fault of the submission: the record's status and error say what went wrong.
 */
export async function evaluateSubmission(whole: EvaluateOptions): Promise<ResultRecord> {
  const opts = await forTask(whole);
  const ran = await runSubmission(opts);
  try {
    // A run stopped part way says so, whatever the stage it was stopped in made of it.
    if (opts.signal?.aborted) {
      if (!ran.ok) return ran.record.status === 'scored' ? ran.record : { ...ran.record, status: 'failed', error: { ...CANCELLED } };
      return ran.ctx.fail({ ...CANCELLED }, { resources: ran.resources });
    }
    return ran.ok ? await scoreRun(opts, ran) : ran.record;
  } finally {
    // What the run left for the scoring (an ingestion program's output) goes, however it ended.
    if (ran.ok) await ran.cleanup?.();
  }
}

/**
 * One shard of an evaluation: the submission runs on the shard's share of the inputs and its
 * predictions are kept for `mergeShards`; nothing is scored, the truth is not read.
 */
export async function evaluateShard(whole: EvaluateOptions, shard: Shard): Promise<ShardFile> {
  const opts = await forTask(whole);
  return shardFileOf(opts, shard, await runSubmission(opts, shard));
}

/**
 * Joins the shards of one evaluation and scores the whole: the same predictions, truth and
 * bootstrap as an unsharded run, so the same scores. The shards must be of this submission (its
 * files hash the same), at one commit, in one phase, and all N of them, each once.
 */
export async function mergeShards(whole: EvaluateOptions, shards: readonly ShardFile[]): Promise<ResultRecord> {
  const opts = await forTask(whole);
  const ctx = await recordContext(opts, opts.onStep ?? (() => {}));
  if (!ctx.report.ok || !ctx.report.hash) return ctx.reject(invalidSubmission(ctx.report));
  const ran = await fromShards(opts, ctx, shards);
  return ran.ok ? scoreRun(opts, ran) : ran.record;
}
