import { itemsOf } from '../scoring/predictions.js';
import type { Shard } from './shard.js';
import type { Ran, RecordContext } from './record-context.js';

/** A predictions submission's predictions: the file in the submission folder, read and checked at validation. */
export function fromPredictionsFile(ctx: RecordContext, shard?: Shard): Ran {
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
  if (!report.predictions) throw new Error('a valid submission has predictions');
  return {
    ok: true,
    ctx,
    predictions: report.predictions,
    file: `${report.identity.path}/${report.submission?.predictions ?? ''}`,
    items: itemsOf(report.predictions),
    resources: {},
  };
}
