import { performance } from 'node:perf_hooks';
import { competitionForTask, scoringSpec } from '../competition/load.js';
import { boardKey, findBoard, type Board } from '../results/board.js';
import { entrantOf, validateSubmission, type SubmissionIdentity, type ValidationReport } from '../submission/validate.js';
import type { LoadedPredictions } from '../scoring/predictions.js';
import type { TableFormat } from '../scoring/table.js';
import type { ContainerProvenance } from '../sandbox/container/evaluate-container.js';
import type { Beside, ProgramInput } from '../sandbox/container/scoring-program.js';
import { sha256Hex } from '../files/tree.js';
import { recordKey, runnerInfo, SCORER } from '../results/record.js';
import type { ErrorInfo, Resources, ResultRecord, SubmissionInfo } from '../results/schema.js';
import type { EvaluateOptions } from './options.js';

/** What every record of one submission shares, and how to end it early. */
export interface RecordContext {
  report: ValidationReport;
  phaseId: string;
  /** The board the record goes to: post-challenge once the last phase has ended (competition.yml post_challenge). */
  board: Board;
  started: number;
  base(): Omit<ResultRecord, 'status' | 'error' | 'scores'>;
  reject(error: ErrorInfo): ResultRecord;
  fail(error: ErrorInfo, extra?: object): ResultRecord;
}

/** A submission run up to its predictions, or the record that ends it early. */
export type Ran =
  | { ok: false; record: ResultRecord }
  | {
      ok: true;
      ctx: RecordContext;
      /** Absent where the scoring program alone reads the predictions (no built-in metric). */
      predictions?: LoadedPredictions;
      file: string;
      /** Predictions handed whole to the scoring program as /app/input/res: a file or a folder. */
      handOver?: ProgramInput['predictions'];
      /** An ingestion program still to run, beside the scoring program (ingestion.during_scoring). */
      beside?: Beside;
      /** Removes what the run left for the scoring (an ingestion program's output). */
      cleanup?: () => Promise<void>;
      /** The predictions as text, for a shard to hand on. */
      text?: { text: string; format: TableFormat | 'json' };
      items: number;
      resources: Resources;
      containerProvenance?: ContainerProvenance;
    };

/**
 * The evaluation of a competition with tasks runs on the view of the task submission.yml names
 * (competitionForTask), so that every step reads that task's truth, metrics and kinds. Without a
 * known task it stays as it is, and validation refuses the submission saying which to name.
 */
export async function forTask(opts: EvaluateOptions): Promise<EvaluateOptions> {
  const c = opts.competition;
  if (!c.tasks) return opts;
  const task = (await entrantOf(c, opts.submissionDir))?.task;
  if (task === undefined || !c.tasks.some((v) => v.task?.id === task)) return opts;
  return { ...opts, competition: competitionForTask(c, task) };
}

/** Validates the submission and finds its phase: the start of every record of it. */
export async function recordContext(opts: EvaluateOptions, step: (s: string) => void): Promise<RecordContext & { phaseWhy?: string }> {
  const now = opts.now ?? new Date();
  const { competition: c } = opts;
  const started = performance.now();
  step('validating the submission');
  const report = await validateSubmission(c, opts.submissionDir, { now });
  const phase = findBoard(c, now, opts.phase);
  const phaseId = phase.ok ? phase.phase.id : (opts.phase ?? c.config.phases[0]!.id);
  const board = opts.board ?? (phase.ok ? phase.board : 'official');
  // How the texts were normalised decides text metrics' values: recorded with them.
  const normalise = scoringSpec(c).normalise;
  const base = () => {
    const submissionHash = report.hash ?? `sha256:${sha256Hex('')}`;
    return {
      schema_version: 1 as const,
      id: `${phaseId}/${report.identity.team}/${report.identity.name}/${opts.key ?? boardKey(board, recordKey(opts.commit, submissionHash))}`,
      competition: c.config.slug,
      phase: phaseId,
      ...(c.task ? { task: c.task.id } : {}),
      submission: submissionInfo(report, report.identity),
      created_at: now.toISOString(),
      ...(board === 'post-challenge' ? { board } : {}),
      provenance: {
        ...(opts.commit ? { commit: opts.commit } : {}),
        submission_hash: submissionHash,
        scorer: { ...SCORER },
        ...(normalise ? { text_normalise: [...normalise] } : {}),
        runner: runnerInfo(),
      },
    };
  };
  return {
    report,
    phaseId,
    board,
    started,
    base,
    reject: (error) => ({ ...base(), status: 'rejected', error }),
    fail: (error, extra = {}) => ({ ...base(), ...extra, status: 'failed', error }),
    ...(phase.ok ? {} : { phaseWhy: phase.why }),
  };
}

/** The error of a submission that failed validation. */
export function invalidSubmission(report: ValidationReport): ErrorInfo {
  const n = report.problems.length;
  return {
    // A Dockerfile refused before the build keeps the code the build step gives it.
    code: n === 1 && report.buildRefused ? report.buildRefused : 'invalid-submission',
    message: `the submission has ${n} problem${n === 1 ? '' : 's'}; fix ${n === 1 ? 'it' : 'them'} and submit again.`,
    problems: report.problems,
  };
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
    ...(s?.final ? { final: true } : {}),
    ...(s?.run ? { run: s.run } : {}),
  };
}

/** Seconds and other figures of a record, to the microsecond. */
export function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * The record of a scored run: its scores and detailed results, the resources the run used with
 * the wall time so far and the scoring's own time, and the provenance of the data and the image.
 */
export function scoredRecord(
  ctx: RecordContext,
  base: ReturnType<RecordContext['base']>,
  scored: {
    scores: Extract<ResultRecord, { status: 'scored' }>['scores'];
    detailed: string | undefined;
    resources: Resources;
    scoringStart: number;
    dataHash: string;
    containerProvenance: ContainerProvenance | undefined;
  },
): ResultRecord {
  const record: ResultRecord = {
    ...base,
    status: 'scored',
    scores: scored.scores,
    ...(scored.detailed !== undefined ? { detailed_results: scored.detailed } : {}),
    resources: {
      wall_time_s: round((performance.now() - ctx.started) / 1000),
      ...scored.resources,
      scoring_time_s: round((performance.now() - scored.scoringStart) / 1000),
    },
  };
  record.provenance.data_hash = scored.dataHash;
  if (scored.containerProvenance) {
    // The GPUs are part of the runner's description; the rest describes the image.
    const { gpus, gpu_driver, ...image } = scored.containerProvenance;
    Object.assign(record.provenance, image);
    if (gpus) record.provenance.runner = { ...record.provenance.runner, gpus, ...(gpu_driver ? { gpu_driver } : {}) };
  }
  return record;
}
