import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readsTables, scoringSpec, type Competition } from '../competition/load.js';
import { chmod, mkdtemp } from 'node:fs/promises';
import { harvest, outputRoot, removeOutput } from '../sandbox/container/harvest.js';
import { prepareIngestion } from './predictions-from-code.js';
import type { ErrorInfo } from '../results/schema.js';
import type { ContainerEngine } from '../sandbox/container/engine.js';
import { predictionsFromContainer, readOutputPredictions } from '../sandbox/container/evaluate-container.js';
import type { SubmissionConfig } from '../submission/schema.js';

export type DryRun =
  | { ran: false; why: string }
  | { ran: true; ok: true; items: number; /** What was counted. */ noun: 'predictions' | 'files'; seconds: number; logs: string }
  | { ran: true; ok: false; error: ErrorInfo; logs: string };

/**
 * Runs a container submission, or a code submission inside the ingestion program, on the
 * competition's public sample inputs (`data.sample_inputs`), with the same sandbox and limits as
 * the real evaluation but no GPU, and checks that it writes valid predictions (for a code
 * submission scored by the organiser's program alone: that it writes something). Nothing hidden
 * is involved, so its logs may be shown.
 */
export async function dryRun(
  c: Competition,
  submissionDir: string,
  sub: SubmissionConfig,
  engine: ContainerEngine,
  step: (s: string) => void = () => {},
): Promise<DryRun> {
  if (sub.kind !== 'container' && sub.kind !== 'code') return { ran: false, why: 'only container and code submissions get a dry run' };
  const sample = c.config.data.sample_inputs;
  if (!sample) return { ran: false, why: 'this competition has no public sample inputs (data.sample_inputs)' };
  if (!(await engine.ping())) return { ran: false, why: 'no container engine answers on this machine' };
  // No GPU on a validation runner: the dry run checks the contract, not the speed.
  const cpuOnly: Competition = { ...c, config: { ...c.config, runtime: { ...c.config.runtime, gpus: 0 } } };
  const started = performance.now();
  if (sub.kind === 'code') return dryRunCode(cpuOnly, submissionDir, engine, path.join(c.dir, c.config.data.public, sample), step, started);
  const ran = await predictionsFromContainer(cpuOnly, '', submissionDir, sub, scoringSpec(c), engine, step, {
    inputDir: path.join(c.dir, c.config.data.public, sample),
    // The sample is public: messages may quote what the container made of it.
    quote: true,
  });
  if (!ran.ok) return { ran: true, ok: false, error: ran.error, logs: ran.logs };
  return {
    ran: true,
    ok: true,
    items: ran.items,
    noun: 'predictions',
    seconds: (performance.now() - started) / 1000,
    logs: ran.logs,
  };
}

/** A code submission run by the ingestion program on the sample inputs. */
async function dryRunCode(
  c: Competition,
  submissionDir: string,
  engine: ContainerEngine,
  sample: string,
  step: (s: string) => void,
  started: number,
): Promise<DryRun> {
  if (c.config.ingestion?.during_scoring)
    return { ran: false, why: 'the ingestion program runs beside the scoring program, which needs the hidden reference data' };
  const prepared = await prepareIngestion(c, engine, submissionDir, sample, step);
  if (!prepared.ok) return { ran: true, ok: false, error: prepared.error, logs: '' };
  const outputDir = await mkdtemp(path.join(outputRoot(), 'podium-dry-run-'));
  try {
    await chmod(outputDir, 0o777);
    step('running the ingestion program on the public sample inputs');
    const m = await prepared.run(outputDir);
    if (!m.ok) return { ran: true, ok: false, error: m.error, logs: m.logs };
    if (readsTables(c)) {
      // The sample is public: messages may quote what the code made of it.
      const read = await readOutputPredictions(c, outputDir, scoringSpec(c), 'ingestion program', true);
      if (!read.ok) return { ran: true, ok: false, error: read.error, logs: m.logs };
      return { ran: true, ok: true, items: read.items, noun: 'predictions', seconds: (performance.now() - started) / 1000, logs: m.logs };
    }
    // What it wrote is the scoring program's to judge: here, only that it wrote something.
    const tree = await harvest(outputDir, { maxEntries: 100000, maxBytes: Number.MAX_SAFE_INTEGER, maxDepth: 64 });
    if (tree.files.length === 0)
      return {
        ran: true,
        ok: false,
        error: { code: 'invalid-output', message: 'the ingestion program running your code wrote nothing to /app/output.' },
        logs: m.logs,
      };
    return { ran: true, ok: true, items: tree.files.length, noun: 'files', seconds: (performance.now() - started) / 1000, logs: m.logs };
  } finally {
    await removeOutput(outputDir);
    await prepared.cleanup();
  }
}
