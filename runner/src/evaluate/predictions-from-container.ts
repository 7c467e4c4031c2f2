import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatFor, readsBoxes } from '../competition/load.js';
import { unitColumn, type ScoringSpec } from '../scoring/spec.js';
import { predictionsFromContainer } from '../sandbox/container/evaluate-container.js';
import type { SubmissionConfig } from '../submission/schema.js';
import { shardInputs, type Shard } from './shard.js';
import { engineOf, type EvaluateOptions } from './options.js';
import type { Ran, RecordContext } from './record-context.js';

/**
 * A container submission's predictions: the container runs on the phase's hidden inputs (a
 * shard's share of them when sharded), in the sandbox, and its logs go to the organiser.
 */
export async function fromContainer(
  opts: EvaluateOptions,
  ctx: RecordContext,
  sub: SubmissionConfig,
  spec: ScoringSpec,
  step: (s: string) => void,
  shard?: Shard,
): Promise<Ran> {
  const { competition: c } = opts;
  if (shard && readsBoxes(c))
    return {
      ok: false,
      record: ctx.reject({
        code: 'shard-not-supported',
        message: 'object detection is not sharded: its results are one COCO JSON list; evaluate it without --shard.',
      }),
    };
  const engine = await engineOf(opts);
  let shardDir: string | undefined;
  try {
    // A phase may have inputs of its own.
    const phaseInputs = c.config.phases.find((p) => p.id === ctx.phaseId)?.inputs;
    let inputDir: string | undefined = phaseInputs ? path.join(opts.hiddenDir, phaseInputs) : undefined;
    const inputs = phaseInputs ?? c.config.data.inputs;
    if (shard && inputs) {
      step(`preparing the inputs of shard ${shard.index}/${shard.count}`);
      shardDir = await mkdtemp(path.join(os.tmpdir(), 'podium-shard-'));
      inputDir = path.join(shardDir, 'inputs');
      await shardInputs(path.join(opts.hiddenDir, inputs), inputDir, unitColumn(spec), shard);
    }
    const ran = await predictionsFromContainer(c, opts.hiddenDir, opts.submissionDir, sub, spec, engine, step, {
      ...(opts.smi ? { smi: opts.smi } : {}),
      ...(opts.toolkit ? { toolkit: opts.toolkit } : {}),
      ...(inputDir ? { inputDir } : {}),
      ...(opts.image ? { image: opts.image } : {}),
      keepText: shard !== undefined || c.metrics.some((m) => m.program),
      // The inputs are hidden: messages about the output quote none of it.
      quote: false,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    opts.onLogs?.(ran.logs);
    const resources = { ...ran.resources };
    if (!ran.ok) {
      // Logs of runs on hidden data stay with the organiser unless competition.yml says otherwise.
      const error =
        c.config.runtime?.show_logs && ran.logs
          ? { ...ran.error, message: `${ran.error.message}\n--- logs ---\n${ran.logs.slice(-4000)}` }
          : ran.error;
      return { ok: false, record: ran.status === 'failed' ? ctx.fail(error, { resources }) : ctx.reject(error) };
    }
    return {
      ok: true,
      ctx,
      ...(ran.predictions ? { predictions: ran.predictions } : {}),
      file: ran.file,
      // COCO results go to the scoring as the container wrote them.
      ...(ran.text !== undefined ? { text: { text: ran.text, format: readsBoxes(c) ? 'json' : formatFor(c, ran.file) } } : {}),
      items: ran.items,
      resources,
      containerProvenance: ran.provenance,
    };
  } finally {
    if (shardDir) await rm(shardDir, { recursive: true, force: true });
  }
}
