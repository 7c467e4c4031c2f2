import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { scoringSpec, type Competition } from '../competition/load.js';
import type { ErrorInfo } from '../results/schema.js';
import { itemsOf } from '../scoring/predictions.js';
import type { ContainerEngine } from '../sandbox/container/engine.js';
import { predictionsFromContainer } from '../sandbox/container/evaluate-container.js';
import type { SubmissionConfig } from '../submission/schema.js';

export type DryRun =
  | { ran: false; why: string }
  | { ran: true; ok: true; items: number; seconds: number; logs: string }
  | { ran: true; ok: false; error: ErrorInfo; logs: string };

/**
 * Runs a container submission on the competition's public sample inputs (`data.sample_inputs`),
 * with the same sandbox and limits as the real evaluation but no GPU, and checks that it
 * writes valid predictions. Nothing hidden is involved, so its logs may be shown.
 */
export async function dryRun(
  c: Competition,
  submissionDir: string,
  sub: SubmissionConfig,
  engine: ContainerEngine,
  step: (s: string) => void = () => {},
): Promise<DryRun> {
  if (sub.kind !== 'container') return { ran: false, why: 'only container submissions get a dry run' };
  const sample = c.config.data.sample_inputs;
  if (!sample) return { ran: false, why: 'this competition has no public sample inputs (data.sample_inputs)' };
  if (!(await engine.ping())) return { ran: false, why: 'no container engine answers on this machine' };
  // No GPU on a validation runner: the dry run checks the contract, not the speed.
  const cpuOnly: Competition = { ...c, config: { ...c.config, runtime: { ...c.config.runtime, gpus: 0 } } };
  const started = performance.now();
  const ran = await predictionsFromContainer(cpuOnly, '', submissionDir, sub, scoringSpec(c), engine, step, {
    inputDir: path.join(c.dir, c.config.data.public, sample),
    // The sample is public: messages may quote what the container made of it.
    quote: true,
  });
  if (!ran.ok) return { ran: true, ok: false, error: ran.error, logs: ran.logs };
  return { ran: true, ok: true, items: itemsOf(ran.predictions), seconds: (performance.now() - started) / 1000, logs: ran.logs };
}
