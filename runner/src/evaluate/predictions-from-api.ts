import type { ScoringSpec } from '../scoring/spec.js';
import { itemsOf } from '../scoring/predictions.js';
import { predictionsFromEndpoint } from '../sandbox/api/evaluate-api.js';
import { inShard, type Shard } from './shard.js';
import type { EvaluateOptions } from './options.js';
import type { Ran, RecordContext } from './record-context.js';

/** An API submission's predictions: the endpoint is called on the test inputs (a shard's share of them when sharded). */
export async function fromEndpoint(
  opts: EvaluateOptions,
  ctx: RecordContext,
  endpoint: string,
  spec: ScoringSpec,
  step: (s: string) => void,
  shard?: Shard,
): Promise<Ran> {
  const called = await predictionsFromEndpoint(
    opts.competition,
    opts.hiddenDir,
    endpoint,
    spec,
    step,
    shard ? (id) => inShard(id, shard) : undefined,
    opts.signal,
  );
  const resources = { ...called.resources };
  if (!called.ok)
    return { ok: false, record: called.status === 'failed' ? ctx.fail(called.error, { resources }) : ctx.reject(called.error) };
  return {
    ok: true,
    ctx,
    predictions: called.predictions,
    file: called.file,
    text: { text: called.text, format: 'jsonl' },
    items: itemsOf(called.predictions),
    resources,
  };
}
