import path from 'node:path';
import { readsTables } from '../competition/load.js';
import { sendsWholeFolder, SUBMISSION_FILE } from '../submission/validate.js';
import { itemsOf } from '../scoring/predictions.js';
import type { Shard } from './shard.js';
import type { EvaluateOptions } from './options.js';
import type { Ran, RecordContext } from './record-context.js';

/**
 * A predictions submission's predictions: the file in the submission folder, read and checked at
 * validation. Where the scoring program alone scores, nothing is read: the file, or every file of
 * the folder but submission.yml, goes to the program as it is, in whatever form the competition's
 * participants send.
 */
export function fromPredictionsFile(opts: EvaluateOptions, ctx: RecordContext, shard?: Shard): Ran {
  const { report } = ctx;
  if (shard) {
    return {
      ok: false,
      record: ctx.reject({
        code: 'shard-not-supported',
        message: 'a predictions submission runs nothing, so there is nothing to shard; evaluate it without --shard.',
      }),
    };
  }
  const named = report.submission?.predictions;
  const whole = named === undefined || sendsWholeFolder({ predictions: named });
  if (!readsTables(opts.competition)) {
    return {
      ok: true,
      ctx,
      file: whole ? report.identity.path : `${report.identity.path}/${named}`,
      handOver: whole ? { dir: opts.submissionDir, leave: [SUBMISSION_FILE] } : { file: path.join(opts.submissionDir, named) },
      items: 0,
      resources: {},
    };
  }
  if (!report.predictions) throw new Error('a valid submission has predictions');
  return {
    ok: true,
    ctx,
    predictions: report.predictions,
    file: `${report.identity.path}/${named ?? ''}`,
    items: itemsOf(report.predictions),
    resources: {},
  };
}
