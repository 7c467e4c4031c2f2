import { PodiumError } from '../contracts/problems.js';
import { scoringSpec } from '../competition/load.js';
import { itemsOf, loadPredictions } from '../scoring/predictions.js';
import type { TableFormat } from '../scoring/table.js';
import type { ContainerProvenance } from '../sandbox/container/evaluate-container.js';
import type { ErrorInfo } from '../results/schema.js';
import type { ShardFile } from './shard.js';
import type { EvaluateOptions } from './options.js';
import type { Ran, RecordContext } from './record-context.js';
import { mergeResources } from './shard-resources.js';

export class MergeError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

/**
 * The predictions of a sharded run, joined: the shards must be of this submission (its files
 * hash the same), at one commit, in one phase, and all N of them, each once. A shard that failed
 * fails the whole; the predictions, joined in shard order, are checked again as one file.
 */
export async function fromShards(opts: EvaluateOptions, ctx: RecordContext, shards: readonly ShardFile[]): Promise<Ran> {
  const count = checkShards(opts, ctx, shards);
  const ordered = [...shards].sort((a, b) => a.shard.index - b.shard.index);
  const resources = mergeResources(ordered);
  const failedShard = ordered.find((s) => s.status !== 'predicted');
  if (failedShard) {
    const error: ErrorInfo = {
      code: failedShard.error?.code ?? 'shard-failed',
      message: `shard ${failedShard.shard.index}/${count}: ${failedShard.error?.message ?? 'failed'}`,
      ...(failedShard.error?.platform_fault ? { platform_fault: true } : {}),
    };
    return { ok: false, record: failedShard.status === 'rejected' ? ctx.reject(error) : ctx.fail(error, { resources }) };
  }
  const formats = new Set(ordered.map((s) => s.predictions!.format));
  if (formats.size !== 1)
    throw new MergeError(
      'the shards wrote predictions in different formats; they must all be in one format (CSV, JSON Lines or a TREC run).',
    );
  const format = [...formats][0]!;
  const text = joinTexts(
    ordered.map((s) => s.predictions!.text),
    format,
  );
  if (text === undefined)
    return {
      ok: false,
      record: ctx.reject({ code: 'invalid-predictions', message: 'the shards wrote predictions with different header lines.' }),
    };
  const file = ordered[0]!.predictions!.file;
  // The shards' predictions were made by the participant's container or endpoint from the
  // inputs: quoted only when those inputs are public.
  const quote = ctx.report.submission?.kind === 'api' && opts.competition.config.api?.inputs_from === 'public';
  const loaded = await loadPredictions(file, { text }, format, scoringSpec(opts.competition), undefined, { quote });
  if (!loaded.ok)
    return {
      ok: false,
      record: ctx.reject({
        code: 'invalid-predictions',
        message: `the shards' predictions together are not valid: ${loaded.problems.length} problem(s).`,
        problems: loaded.problems,
      }),
    };
  const provenance = ordered[0]!.provenance as ContainerProvenance | undefined;
  return {
    ok: true,
    ctx,
    predictions: loaded.predictions,
    file,
    items: itemsOf(loaded.predictions),
    // Kept as text, like a container's own predictions: a scoring program reads this file.
    text: { text, format },
    resources,
    ...(provenance ? { containerProvenance: provenance } : {}),
  };
}

/** Throws unless the shards are all N shards of this submission's evaluation, each once; returns N. */
function checkShards(opts: EvaluateOptions, ctx: RecordContext, shards: readonly ShardFile[]): number {
  if (shards.length === 0) throw new MergeError('give the shard files to merge.');
  const count = shards[0]!.shard.count;
  const seen = new Set<number>();
  for (const s of shards) {
    const what = `shard ${s.shard.index}/${s.shard.count}`;
    if (s.shard.count !== count) throw new MergeError(`${what} is one of ${s.shard.count} shards, the others of ${count}.`);
    if (seen.has(s.shard.index)) throw new MergeError(`${what} is given twice.`);
    seen.add(s.shard.index);
    if (s.submission_hash !== ctx.report.hash)
      throw new MergeError(`${what} was run on other files than ${ctx.report.identity.path} (submission hash ${s.submission_hash}).`);
    if ((s.commit ?? '') !== (opts.commit ?? ''))
      throw new MergeError(`${what} is of commit ${s.commit ?? 'none'}, not ${opts.commit ?? 'none'}.`);
    if (s.phase !== ctx.phaseId) throw new MergeError(`${what} is of phase ${s.phase}, not ${ctx.phaseId}.`);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0)
    throw new MergeError(`shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')} missing; merge needs all ${count}.`);
  return count;
}

/**
 * The shards' predictions as one file, in shard order: CSV keeps one header line (undefined
 * when the shards' headers differ), JSON Lines and TREC runs are concatenated line for line.
 */
function joinTexts(texts: readonly string[], format: TableFormat): string | undefined {
  if (format === 'csv') {
    const split = texts.map((raw) => {
      const t = raw.replace(/^\uFEFF/, '');
      const nl = t.indexOf('\n');
      return { header: (nl < 0 ? t : t.slice(0, nl)).replace(/\r$/, ''), body: nl < 0 ? '' : t.slice(nl + 1) };
    });
    if (new Set(split.map((x) => x.header)).size !== 1) return undefined;
    return `${split[0]!.header}\n${split.map((x) => (x.body && !x.body.endsWith('\n') ? `${x.body}\n` : x.body)).join('')}`;
  }
  return texts.map((t) => (t.endsWith('\n') || !t ? t : `${t}\n`)).join('');
}
