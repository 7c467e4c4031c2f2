import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { bootstrapSettings, findPhase, scoringSpec, type Competition } from '../competition/load.js';
import { validateSubmission, type SubmissionIdentity, type ValidationReport } from '../submission/validate.js';
import { buildInput, joinIds, loadTruth, truthIds, TruthError } from '../scoring/dataset.js';
import { predictionsFromEndpoint } from '../sandbox/api/evaluate-api.js';
import { predictionsFromContainer, type ContainerProvenance } from '../sandbox/container/evaluate-container.js';
import type { ContainerEngine } from '../sandbox/container/engine.js';
import type { Smi } from '../sandbox/gpu/nvidia.js';
import { scoreInput, scoreSlices } from '../scoring/score.js';
import { MetricUndefinedError } from '../scoring/metrics/types.js';
import { formatOf, type Table } from '../scoring/table.js';
import { hashFile, sha256Hex } from '../files/tree.js';
import { recordKey, runnerInfo, SCORER } from '../results/record.js';
import type { ErrorInfo, Resources, ResultRecord, SubmissionInfo } from '../results/schema.js';

export interface EvaluateOptions {
  competition: Competition;
  /** Folder with the hidden truth on this runner. */
  hiddenDir: string;
  submissionDir: string;
  /** Commit of the submission, when it comes from git. */
  commit?: string;
  /** Phase id; default: the phase open at `now`. */
  phase?: string;
  now?: Date;
  /** Told each step, for a progress line on a terminal. */
  onStep?: (step: string) => void;
  /** The container engine; default: the local Docker engine. */
  engine?: ContainerEngine;
  /** How GPUs are read; default: nvidia-smi on the PATH (or PODIUM_NVIDIA_SMI). */
  smi?: Smi;
  /** Receives a container's logs (capped), for the organiser. */
  onLogs?: (logs: string) => void;
}

/**
 * Validate, score and describe one submission. Always returns a record, never throws for a
 * fault of the submission: the record's status and error say what went wrong.
 */
export async function evaluateSubmission(opts: EvaluateOptions): Promise<ResultRecord> {
  const now = opts.now ?? new Date();
  const { competition: c } = opts;
  const step = opts.onStep ?? (() => {});
  const started = performance.now();

  step('validating the submission');
  const report = await validateSubmission(c, opts.submissionDir);
  const phase = findPhase(c, now, opts.phase);
  const base = (hash: string | undefined, identity: SubmissionIdentity) => {
    const submissionHash = hash ?? `sha256:${sha256Hex('')}`;
    const phaseId = phase.ok ? phase.phase.id : (opts.phase ?? c.config.phases[0]!.id);
    return {
      schema_version: 1 as const,
      id: `${phaseId}/${identity.team}/${identity.name}/${recordKey(opts.commit, submissionHash)}`,
      competition: c.config.slug,
      phase: phaseId,
      submission: submissionInfo(report, identity),
      created_at: now.toISOString(),
      provenance: {
        ...(opts.commit ? { commit: opts.commit } : {}),
        submission_hash: submissionHash,
        scorer: { ...SCORER },
        runner: runnerInfo(),
      },
    };
  };
  const reject = (error: ErrorInfo): ResultRecord => ({ ...base(report.hash, report.identity), status: 'rejected', error });
  const fail = (error: ErrorInfo, extra: object = {}): ResultRecord => ({
    ...base(report.hash, report.identity),
    ...extra,
    status: 'failed',
    error,
  });

  if (!phase.ok) return reject({ code: 'outside-phase', message: phase.why });
  if (!report.ok || !report.submission) {
    return reject({ code: 'invalid-submission', message: summary(report), problems: report.problems });
  }
  const spec = scoringSpec(c);
  let predictions = report.predictions;
  let file = `${report.identity.path}/${report.submission.predictions ?? ''}`;
  const resources: Resources = {};
  let containerProvenance: ContainerProvenance | undefined;
  if (report.submission.kind === 'container') {
    const engine = opts.engine ?? (await import('../sandbox/container/docker.js')).dockerEngine();
    const ran = await predictionsFromContainer(c, opts.hiddenDir, opts.submissionDir, report.submission, spec, engine, step, opts.smi);
    opts.onLogs?.(ran.logs);
    Object.assign(resources, ran.resources);
    if (!ran.ok) {
      // Logs of runs on hidden data stay with the organiser unless competition.yml says otherwise.
      const error =
        c.config.runtime?.show_logs && ran.logs
          ? { ...ran.error, message: `${ran.error.message}\n--- logs ---\n${ran.logs.slice(-4000)}` }
          : ran.error;
      return ran.status === 'failed' ? fail(error, { resources }) : reject(error);
    }
    predictions = ran.predictions;
    file = ran.file;
    containerProvenance = ran.provenance;
  }
  if (report.submission.kind === 'api') {
    const called = await predictionsFromEndpoint(c, opts.hiddenDir, report.submission.endpoint!, spec, step);
    Object.assign(resources, called.resources);
    if (!called.ok) return called.status === 'failed' ? fail(called.error, { resources }) : reject(called.error);
    predictions = called.predictions;
    file = called.file;
  }

  step('reading the hidden truth');
  const truthFile = path.join(opts.hiddenDir, c.config.data.truth);
  let truth: Table;
  let dataHash: string;
  try {
    dataHash = await hashFile(truthFile);
    truth = await loadTruth({ path: truthFile }, formatOf(truthFile), spec, c.config.data.slices ?? []);
  } catch (e: unknown) {
    if (e instanceof TruthError)
      return fail({ code: 'truth-invalid', message: `${e.message}; tell the organisers.`, platform_fault: true });
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return fail({
        code: 'truth-unavailable',
        message: `the runner has no truth file at ${c.config.data.truth} in its hidden data folder; tell the organisers.`,
        platform_fault: true,
      });
    }
    throw e;
  }

  step('scoring');
  const scoringStart = performance.now();
  if (!predictions) throw new Error('a valid submission has predictions');
  const joined = joinIds(file, predictions, { ids: truthIds(truth, spec), visibility: 'hidden' });
  if (!joined.ok) {
    return reject({
      code: 'invalid-predictions',
      message: `the predictions do not match the test set: ${joined.problems.length} problem(s).`,
      problems: joined.problems,
    });
  }
  try {
    const input = buildInput(truth, predictions, joined.rowOf, spec);
    const metrics = c.metrics.map((m) => ({ name: m.name, metric: m.metric, direction: m.direction }));
    step('bootstrap confidence intervals');
    const values = scoreInput(input, metrics, bootstrapSettings(c), new Set([c.primary.name]));
    const slices = c.config.data.slices ? scoreSlices(truth, predictions, joined.rowOf, spec, metrics, c.config.data.slices) : undefined;
    const record: ResultRecord = {
      ...base(report.hash, report.identity),
      status: 'scored',
      scores: { public: values, ...(slices ? { slices } : {}) },
      resources: {
        wall_time_s: round((performance.now() - started) / 1000),
        ...resources,
        scoring_time_s: round((performance.now() - scoringStart) / 1000),
      },
    };
    record.provenance.data_hash = dataHash;
    if (containerProvenance) {
      // The GPUs are part of the runner's description; the rest describes the image.
      const { gpus, gpu_driver, ...image } = containerProvenance;
      Object.assign(record.provenance, image);
      if (gpus) record.provenance.runner = { ...record.provenance.runner, gpus, ...(gpu_driver ? { gpu_driver } : {}) };
    }
    return record;
  } catch (e: unknown) {
    if (e instanceof MetricUndefinedError) return fail({ code: 'metric-undefined', message: e.message });
    if (e instanceof TruthError)
      return fail({ code: 'truth-invalid', message: `${e.message}; tell the organisers.`, platform_fault: true });
    throw e;
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function summary(report: ValidationReport): string {
  const n = report.problems.length;
  return `the submission has ${n} problem${n === 1 ? '' : 's'}; fix ${n === 1 ? 'it' : 'them'} and push again.`;
}

function submissionInfo(report: ValidationReport, identity: SubmissionIdentity): SubmissionInfo {
  const s = report.submission;
  return {
    team: identity.team,
    name: identity.name,
    path: identity.path,
    ...(s?.kind ? { kind: s.kind } : {}),
    ...(s?.description ? { description: s.description } : {}),
    ...(s?.authors ? { authors: s.authors } : {}),
    ...(s?.paper ? { paper: s.paper } : {}),
    ...(s?.code ? { code: s.code } : {}),
  };
}
