import type { ShardFile, Shard } from './shard.js';
import type { EvaluateOptions } from './options.js';
import type { Ran } from './record-context.js';

/** What one shard hands to `podium merge`: its predictions as written, or the error that ended it. */
export function shardFileOf(opts: EvaluateOptions, shard: Shard, ran: Ran): ShardFile {
  const c = opts.competition;
  const common = {
    schema: 'podium-shard/1' as const,
    competition: c.config.slug,
    shard,
    created_at: (opts.now ?? new Date()).toISOString(),
    ...(opts.commit ? { commit: opts.commit } : {}),
  };
  if (!ran.ok) {
    const r = ran.record;
    return {
      ...common,
      phase: r.phase,
      team: r.submission.team,
      name: r.submission.name,
      submission_hash: r.provenance.submission_hash,
      status: r.status === 'scored' ? 'failed' : r.status,
      items: 0,
      ...(r.status !== 'scored' ? { error: r.error } : {}),
      resources: r.resources ?? {},
    };
  }
  const base = ran.ctx.base();
  const format = ran.text!.format;
  // Object detection is not sharded (fromContainer refuses it): its results are one JSON list.
  if (format === 'json') throw new Error('COCO results are not sharded');
  return {
    ...common,
    phase: base.phase,
    team: base.submission.team,
    name: base.submission.name,
    submission_hash: base.provenance.submission_hash,
    status: 'predicted',
    items: ran.items,
    predictions: { file: ran.file, format, text: ran.text!.text },
    resources: ran.resources,
    ...(ran.containerProvenance ? { provenance: { ...ran.containerProvenance } } : {}),
  };
}
