import { chmod, lstat, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { formatFor, readsTables, type Competition } from '../competition/load.js';
import { copyPlainFiles } from '../files/tree.js';
import type { ScoringSpec } from '../scoring/spec.js';
import { SUBMISSION_FILE } from '../submission/validate.js';
import type { ErrorInfo } from '../results/schema.js';
import type { ContainerEngine, RunSpec } from '../sandbox/container/engine.js';
import { readOutputPredictions, runMeasured, type ContainerProvenance, type MeasuredRun } from '../sandbox/container/evaluate-container.js';
import { outputRoot, removeOutput } from '../sandbox/container/harvest.js';
import { buildProgramImage } from '../sandbox/container/program-image.js';
import type { Smi } from '../sandbox/gpu/nvidia.js';
import type { CtkVersion } from '../sandbox/gpu/toolkit.js';
import { round, type Ran, type RecordContext } from './record-context.js';
import { engineOf, type EvaluateOptions } from './options.js';
import type { Shard } from './shard.js';

/**
 * A code submission's predictions (kind: code), the way Codabench runs code: the organiser's
 * ingestion program (competition.yml `ingestion`) runs with the participant's folder at
 * /app/ingested_program, the phase's hidden inputs at /app/input_data, and writes to
 * /app/output. It runs in the sandbox of container submissions, under the same limits, measured
 * the same way (time, CPU, memory, GPU energy, probes): the participant's code runs inside it.
 *
 * What it writes is then scored: the predictions file (runtime.output) where Podium reads
 * tables, else the whole folder, handed to the scoring program as /app/input/res. With
 * `during_scoring` nothing runs here: the ingestion program runs later, beside the scoring
 * program, the two sharing /app/shared.
 */
export async function fromCode(
  opts: EvaluateOptions,
  ctx: RecordContext,
  spec: ScoringSpec,
  step: (s: string) => void,
  shard?: Shard,
): Promise<Ran> {
  const { competition: c } = opts;
  const failed = (error: ErrorInfo, extra: object = {}): Ran => ({ ok: false, record: ctx.fail(error, extra) });
  if (shard)
    return {
      ok: false,
      record: ctx.reject({
        code: 'shard-not-supported',
        message: 'a code submission runs in the ingestion program on all the inputs at once; evaluate it without --shard.',
      }),
    };
  // The phase's inputs, if the competition has any: an ingestion program may need none.
  const inputs = c.config.phases.find((p) => p.id === ctx.phaseId)?.inputs ?? c.config.data.inputs;
  const prepared = await prepareIngestion(c, await engineOf(opts), opts.submissionDir, inputs && path.join(opts.hiddenDir, inputs), step, {
    ...(opts.smi ? { smi: opts.smi } : {}),
    ...(opts.toolkit ? { toolkit: opts.toolkit } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!prepared.ok) return failed(prepared.error);
  const { run, provenance } = prepared;
  let handedOver = false;
  try {
    const withLogs = (error: ErrorInfo, logs: string): ErrorInfo =>
      // Logs of runs on hidden data stay with the organiser unless competition.yml says otherwise.
      c.config.runtime?.show_logs && logs ? { ...error, message: `${error.message}\n--- logs ---\n${logs.slice(-4000)}` } : error;

    if (c.config.ingestion?.during_scoring) {
      handedOver = true;
      return {
        ok: true,
        ctx,
        file: '/app/output',
        items: 0,
        resources: {},
        containerProvenance: provenance,
        beside: async (shared, signal) => {
          const out = await mkdtemp(path.join(outputRoot(), 'podium-ingestion-out-'));
          try {
            await chmod(out, 0o777);
            step('running the ingestion program beside the scoring program');
            const m = await run(out, { shared, signal });
            opts.onLogs?.(m.logs);
            return m.ok ? m : { ...m, error: withLogs(m.error, m.logs) };
          } finally {
            await removeOutput(out);
          }
        },
        cleanup: prepared.cleanup,
      };
    }

    const outputDir = await mkdtemp(path.join(outputRoot(), 'podium-ingestion-out-'));
    const cleanup = async () => {
      await removeOutput(outputDir);
      await prepared.cleanup();
    };
    let kept = false;
    try {
      await chmod(outputDir, 0o777);
      step('running the ingestion program on the test inputs');
      const m = await run(outputDir);
      opts.onLogs?.(m.logs);
      if (!m.ok) return failed(withLogs(m.error, m.logs), { resources: m.resources });
      const resources = { ...m.resources };
      if (readsTables(c)) {
        // Podium reads the predictions file it wrote, as a container's.
        const read = await readOutputPredictions(c, outputDir, spec, 'ingestion program', false);
        if (!read.ok) return { ok: false, record: ctx.reject(read.error) };
        if (read.items > 0) resources.per_sample_ms = round((m.wallSeconds * 1000) / read.items);
        return {
          ok: true,
          ctx,
          predictions: read.predictions,
          file: read.file,
          text: { text: read.text, format: formatFor(c, read.file) },
          items: read.items,
          resources,
          containerProvenance: provenance,
        };
      }
      kept = handedOver = true;
      return {
        ok: true,
        ctx,
        file: '/app/output',
        handOver: { dir: outputDir },
        items: 0,
        resources,
        containerProvenance: provenance,
        cleanup,
      };
    } finally {
      if (!kept) await removeOutput(outputDir);
    }
  } finally {
    if (!handedOver) await prepared.cleanup();
  }
}

export type PreparedIngestion =
  | {
      ok: true;
      provenance: ContainerProvenance;
      /** One run of the ingestion program on the participant's code, measured. */
      run(outputDir: string, beside?: { shared?: string; signal?: AbortSignal }): Promise<MeasuredRun>;
      /** Removes the copy of the code and any folder made for the inputs. */
      cleanup(): Promise<void>;
    }
  | { ok: false; error: ErrorInfo };

/**
 * The ingestion program ready to run a participant's folder: the engine answers, the inputs
 * folder is there (an empty one where the competition has none), the participant's files are
 * copied to a folder of their own (plain files only, readable by the sandbox's user, without
 * submission.yml), and the organiser's image is built. Shared by the evaluation and the dry run
 * on the public sample inputs.
 */
export async function prepareIngestion(
  c: Competition,
  engine: ContainerEngine,
  submissionDir: string,
  inputDir: string | undefined,
  step: (s: string) => void,
  options: { smi?: Smi; toolkit?: CtkVersion; signal?: AbortSignal } = {},
): Promise<PreparedIngestion> {
  const failed = (error: ErrorInfo): PreparedIngestion => ({ ok: false, error });
  const ingestion = c.config.ingestion;
  if (!ingestion)
    return failed({
      code: 'no-ingestion-program',
      message: 'competition.yml has no ingestion program to run code submissions; tell the organisers.',
      platform_fault: true,
    });
  if (!(await engine.ping()))
    return failed({ code: 'no-engine', message: 'the runner has no container engine running; tell the organisers.', platform_fault: true });
  if (inputDir !== undefined && !(await lstat(inputDir).catch(() => undefined))?.isDirectory())
    return failed({
      code: 'inputs-unavailable',
      message: `the runner has no test inputs folder ${path.basename(inputDir)}; tell the organisers.`,
      platform_fault: true,
    });
  const temps: string[] = [];
  const cleanup = async () => {
    for (const d of temps.splice(0)) await removeOutput(d);
  };
  try {
    let inputs = inputDir;
    if (inputs === undefined) {
      inputs = await mkdtemp(path.join(outputRoot(), 'podium-no-inputs-'));
      temps.push(inputs);
      await chmod(inputs, 0o755);
    }
    const code = await mkdtemp(path.join(outputRoot(), 'podium-code-'));
    temps.push(code);
    await copyPlainFiles(submissionDir, code, [SUBMISSION_FILE]);

    step('building the ingestion program');
    const built = await buildProgramImage(c, engine, ingestion.build, `podium-ingestion/${c.config.slug}:latest`, options.signal);
    if (!built.ok) {
      await cleanup();
      return failed({
        code: 'ingestion-build-failed',
        message: `the ingestion program did not build (${built.why}); tell the organisers.`,
        platform_fault: true,
      });
    }
    const provenance: ContainerProvenance = { image_digest: built.id, engine: await engine.describe() };
    const inputFolder = inputs;
    return {
      ok: true,
      provenance,
      cleanup,
      run(outputDir, beside = {}) {
        const signal = beside.signal ?? options.signal;
        const spec: Pick<RunSpec, 'image' | 'inputDir' | 'outputDir' | 'alsoAt' | 'mounts'> = {
          image: built.id,
          inputDir: inputFolder,
          outputDir,
          alsoAt: { input: '/app/input_data', output: '/app/output' },
          mounts: [
            { source: code, target: '/app/ingested_program', readOnly: true },
            // Held here to the participant's limits; the scoring program's side keeps it free of links.
            ...(beside.shared ? [{ source: beside.shared, target: '/app/shared', readOnly: false, watched: true }] : []),
          ],
        };
        return runMeasured(c, engine, spec, provenance.engine, {
          ...(options.smi ? { smi: options.smi } : {}),
          ...(options.toolkit ? { toolkit: options.toolkit } : {}),
          ...(signal ? { signal } : {}),
          who: 'the ingestion program running your code',
        });
      },
    };
  } catch (e: unknown) {
    await cleanup();
    throw e;
  }
}
