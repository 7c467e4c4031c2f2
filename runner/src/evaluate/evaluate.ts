import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PodiumError } from '../contracts/problems.js';
import { bootstrapSettings, builtIn, findPhase, formatFor, scoringSpec, type Competition } from '../competition/load.js';
import { rankedListRules, validateSubmission, type SubmissionIdentity, type ValidationReport } from '../submission/validate.js';
import {
  buildInput,
  checkRankedLists,
  itemsOf,
  joinIds,
  loadPredictions,
  loadTruth,
  rankedListsMissTheTruth,
  sameWithinQueries,
  truthReference,
  wholeGrades,
  TruthError,
  type LoadedPredictions,
} from '../scoring/dataset.js';
import { predictionsFromEndpoint } from '../sandbox/api/evaluate-api.js';
import { predictionsFromContainer, type ContainerProvenance } from '../sandbox/container/evaluate-container.js';
import { runScoringProgram, type ProgramInput } from '../sandbox/container/scoring-program.js';
import type { ContainerEngine } from '../sandbox/container/engine.js';
import type { Smi } from '../sandbox/gpu/nvidia.js';
import type { CtkVersion } from '../sandbox/gpu/toolkit.js';
import { scoreInput, scoreSlices } from '../scoring/score.js';
import { MetricUndefinedError } from '../scoring/metrics/types.js';
import { trecMetric } from '../scoring/metrics/trec.js';
import { type Table, type TableFormat } from '../scoring/table.js';
import { subsetRows } from '../scoring/subset.js';
import { inShard, shardColumn, shardInputs, type Shard, type ShardFile } from './shard.js';
import { DEFAULT_KEY_ENV, exactSealId, seal, sealingKey, type Sealed } from '../results/seal.js';
import { ladderStep } from '../results/ladder.js';
import type { ScoringSpec } from '../scoring/dataset.js';
import { createHash } from 'node:crypto';
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
  /** How the NVIDIA Container Toolkit's version is read for GPU runs; default: nvidia-ctk (or PODIUM_NVIDIA_CTK). */
  toolkit?: CtkVersion;
  /** Where the sealing key is read from (competition.yml private.key_env); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Receives a container's logs (capped), for the organiser. */
  onLogs?: (logs: string) => void;
  /**
   * Under the Ladder (competition.yml leaderboard.ladder): the team's best shown score in a
   * phase so far, from the results history (ladderBest). Without it every submission is taken
   * as the team's first; `podium evaluate` and the Action always give it.
   */
  ladder?: { best(team: string, phase: string): number | undefined };
  /**
   * Stops the evaluation (a cancelled job): builds and containers are stopped and removed, and
   * the record says the evaluation was cancelled, the platform's doing, counting for nothing.
   */
  signal?: AbortSignal;
}

/** The error of a record whose evaluation was cancelled. */
export const CANCELLED = {
  code: 'cancelled',
  message: 'the evaluation was cancelled before it finished (the job was stopped); it does not count against the team.',
  platform_fault: true,
} as const;

/** A submission run up to its predictions, or the record that ends it early. */
type Ran =
  | { ok: false; record: ResultRecord }
  | {
      ok: true;
      ctx: RecordContext;
      predictions: LoadedPredictions;
      file: string;
      /** The predictions as text, for a shard to hand on. */
      text?: { text: string; format: TableFormat };
      items: number;
      resources: Resources;
      containerProvenance?: ContainerProvenance;
    };

/** What every record of one submission shares, and how to end it early. */
interface RecordContext {
  report: ValidationReport;
  phaseId: string;
  started: number;
  base(): Omit<ResultRecord, 'status' | 'error' | 'scores'>;
  reject(error: ErrorInfo): ResultRecord;
  fail(error: ErrorInfo, extra?: object): ResultRecord;
}

/**
 * Validate, score and describe one submission. Always returns a record, never throws for a
 * fault of the submission: the record's status and error say what went wrong.
 */
export async function evaluateSubmission(opts: EvaluateOptions): Promise<ResultRecord> {
  const ran = await runSubmission(opts);
  // A run stopped part way says so, whatever the stage it was stopped in made of it.
  if (opts.signal?.aborted) {
    if (!ran.ok) return ran.record.status === 'scored' ? ran.record : { ...ran.record, status: 'failed', error: { ...CANCELLED } };
    return ran.ctx.fail({ ...CANCELLED }, { resources: ran.resources });
  }
  return ran.ok ? scoreRun(opts, ran) : ran.record;
}

async function recordContext(opts: EvaluateOptions, step: (s: string) => void): Promise<RecordContext & { phaseWhy?: string }> {
  const now = opts.now ?? new Date();
  const { competition: c } = opts;
  const started = performance.now();
  step('validating the submission');
  const report = await validateSubmission(c, opts.submissionDir);
  const phase = findPhase(c, now, opts.phase);
  const phaseId = phase.ok ? phase.phase.id : (opts.phase ?? c.config.phases[0]!.id);
  const base = () => {
    const submissionHash = report.hash ?? `sha256:${sha256Hex('')}`;
    return {
      schema_version: 1 as const,
      id: `${phaseId}/${report.identity.team}/${report.identity.name}/${recordKey(opts.commit, submissionHash)}`,
      competition: c.config.slug,
      phase: phaseId,
      submission: submissionInfo(report, report.identity),
      created_at: now.toISOString(),
      provenance: {
        ...(opts.commit ? { commit: opts.commit } : {}),
        submission_hash: submissionHash,
        scorer: { ...SCORER },
        runner: runnerInfo(),
      },
    };
  };
  return {
    report,
    phaseId,
    started,
    base,
    reject: (error) => ({ ...base(), status: 'rejected', error }),
    fail: (error, extra = {}) => ({ ...base(), ...extra, status: 'failed', error }),
    ...(phase.ok ? {} : { phaseWhy: phase.why }),
  };
}

/** Validates the submission and obtains its predictions: read them, run the container, or call the API. */
async function runSubmission(opts: EvaluateOptions, shard?: Shard): Promise<Ran> {
  const { competition: c } = opts;
  const step = opts.onStep ?? (() => {});
  const ctx = await recordContext(opts, step);
  const { report, reject, fail } = ctx;
  const end = (record: ResultRecord): Ran => ({ ok: false, record });
  if (ctx.phaseWhy) return end(reject({ code: 'outside-phase', message: ctx.phaseWhy }));
  if (!report.ok || !report.submission) {
    return end(reject({ code: 'invalid-submission', message: summary(report), problems: report.problems }));
  }
  const spec = scoringSpec(c);
  const resources: Resources = {};
  if (report.submission.kind === 'container') {
    const engine = opts.engine ?? (await import('../sandbox/container/docker.js')).dockerEngine();
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
        await shardInputs(path.join(opts.hiddenDir, inputs), inputDir, shardColumn(spec), shard);
      }
      const ran = await predictionsFromContainer(c, opts.hiddenDir, opts.submissionDir, report.submission, spec, engine, step, {
        ...(opts.smi ? { smi: opts.smi } : {}),
        ...(opts.toolkit ? { toolkit: opts.toolkit } : {}),
        ...(inputDir ? { inputDir } : {}),
        keepText: shard !== undefined || c.metrics.some((m) => m.program),
        // The inputs are hidden: messages about the output quote none of it.
        quote: false,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      opts.onLogs?.(ran.logs);
      Object.assign(resources, ran.resources);
      if (!ran.ok) {
        // Logs of runs on hidden data stay with the organiser unless competition.yml says otherwise.
        const error =
          c.config.runtime?.show_logs && ran.logs
            ? { ...ran.error, message: `${ran.error.message}\n--- logs ---\n${ran.logs.slice(-4000)}` }
            : ran.error;
        return end(ran.status === 'failed' ? fail(error, { resources }) : reject(error));
      }
      return {
        ok: true,
        ctx,
        predictions: ran.predictions,
        file: ran.file,
        ...(ran.text !== undefined ? { text: { text: ran.text, format: formatFor(c, ran.file) } } : {}),
        items: itemsOf(ran.predictions),
        resources,
        containerProvenance: ran.provenance,
      };
    } finally {
      if (shardDir) await rm(shardDir, { recursive: true, force: true });
    }
  }
  if (report.submission.kind === 'api') {
    const called = await predictionsFromEndpoint(
      c,
      opts.hiddenDir,
      report.submission.endpoint!,
      spec,
      step,
      shard ? (id) => inShard(id, shard) : undefined,
      opts.signal,
    );
    Object.assign(resources, called.resources);
    if (!called.ok) return end(called.status === 'failed' ? fail(called.error, { resources }) : reject(called.error));
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
  if (shard) {
    return end(
      reject({
        code: 'shard-not-supported',
        message: 'a predictions submission runs nothing, so there is nothing to shard; evaluate it without --shard.',
      }),
    );
  }
  if (!report.predictions) throw new Error('a valid submission has predictions');
  return {
    ok: true,
    ctx,
    predictions: report.predictions,
    file: `${report.identity.path}/${report.submission.predictions ?? ''}`,
    items: itemsOf(report.predictions),
    resources,
  };
}

/** Reads the truth, joins, scores with intervals and slices, and writes the record. */
async function scoreRun(opts: EvaluateOptions, ran: Extract<Ran, { ok: true }>): Promise<ResultRecord> {
  const { competition: c } = opts;
  const step = opts.onStep ?? (() => {});
  const { ctx, predictions, file, resources, containerProvenance } = ran;
  const { reject, fail } = ctx;
  const spec = scoringSpec(c);
  step('reading the hidden truth');
  const phase = c.config.phases.find((p) => p.id === ctx.phaseId);
  const truthName = phase?.truth ?? c.config.data.truth;
  const truthFile = path.join(opts.hiddenDir, truthName);
  let truth: Table;
  let dataHash: string;
  try {
    dataHash = await hashFile(truthFile);
    const split = c.config.private?.split_column;
    truth = await loadTruth({ path: truthFile }, formatFor(c, truthFile), spec, [
      ...(c.config.data.slices ?? []),
      ...(split ? [split] : []),
    ]);
    // Not the participant's fault, and no grade named: the truth is hidden.
    if (spec.reads.has('ranking') && builtIn(c.metrics).some((m) => trecMetric(m.name)) && !wholeGrades(truth, spec))
      throw new TruthError("the truth's relevance grades are not all whole numbers, which trec_eval's measures need");
  } catch (e: unknown) {
    if (e instanceof TruthError)
      return fail({ code: 'truth-invalid', message: `${e.message}; tell the organisers.`, platform_fault: true });
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return fail({
        code: 'truth-unavailable',
        message: `the runner has no truth file at ${truthName} in its hidden data folder; tell the organisers.`,
        platform_fault: true,
      });
    }
    throw e;
  }

  step('scoring');
  const scoringStart = performance.now();
  // A participant's own file may be quoted back; what a container or endpoint made from hidden
  // inputs may not, or it becomes a channel for those inputs.
  const kind = ctx.report.submission?.kind;
  const quote = kind === 'predictions' || (kind === 'api' && c.config.api?.inputs_from === 'public');
  // Ranked lists made by a container or an endpoint meet the same rules as a file checked at
  // validation: no more documents per query than allowed, no query or document outside the lists.
  const rules = kind !== 'predictions' ? await rankedListRules(c) : undefined;
  const ranked = rules ? checkRankedLists(file, predictions, spec, rules, { quote }).problems : [];
  if (ranked.length > 0)
    return reject({
      code: 'invalid-predictions',
      message: `the ranked lists break the competition's rules: ${ranked.length} problem(s).`,
      problems: ranked,
    });
  const joined = joinIds(file, predictions, truthReference(truth, spec, 'hidden'), { quote });
  if (!joined.ok) {
    return reject({
      code: 'invalid-predictions',
      message: `the predictions do not match the test set: ${joined.problems.length} problem(s).`,
      problems: joined.problems,
    });
  }
  try {
    // With a private part, everything shown is computed on the public rows only; the private
    // scores are computed now, from the same predictions, and sealed.
    const parts = splitRows(c, truth, spec);
    // Judged against the public part only: what the private part holds must not decide anything shown.
    const missed = spec.reads.has('ranking')
      ? rankedListsMissTheTruth(predictions, truth, spec, joined.rowOf, parts?.public, { quote })
      : undefined;
    if (missed) return reject({ code: 'invalid-predictions', message: `the ranked lists match nothing in the test set: ${missed}` });
    const ladder = c.config.leaderboard?.ladder;
    let key: Buffer | undefined;
    if (parts || ladder) {
      try {
        key = sealingKey(opts.env ?? process.env, c.config.private?.key_env ?? DEFAULT_KEY_ENV);
      } catch (e: unknown) {
        return fail({
          code: 'no-seal-key',
          message: `${e instanceof Error ? e.message : String(e)} Tell the organisers.`,
          platform_fault: true,
        });
      }
    }
    const input = buildInput(truth, predictions, joined.rowOf, spec, parts?.public);
    const metrics = builtIn(c.metrics).map((m) => ({ name: m.name, metric: m.metric, direction: m.direction }));
    step('bootstrap confidence intervals');
    // Retrieval keeps the primary metric's value on each query, for the per-topic tables.
    const perQuery = new Set(c.config.leaderboard?.per_query === false ? [] : [c.primary.name]);
    const values = scoreInput(input, metrics, bootstrapSettings(c), new Set([c.primary.name]), perQuery);
    // Per-slice scores would show what the Ladder hides: not computed under it.
    const slices =
      c.config.data.slices && !ladder
        ? scoreSlices(truth, predictions, joined.rowOf, spec, metrics, c.config.data.slices, parts?.public)
        : undefined;
    // Scores the organiser's scoring program writes, next to Podium's own (no interval: the
    // program gives one number per metric). With a private part it runs on each part apart, so
    // that what is shown comes from the public rows only; the private run's scores are sealed.
    let detailed: string | undefined;
    let privateFromProgram: Record<string, number> | undefined;
    const fromProgram = c.metrics.filter((m) => m.program).map((m) => m.name);
    if (fromProgram.length > 0) {
      const sub = ctx.report.submission!;
      const text = ran.text?.text ?? (await readFile(path.join(opts.submissionDir, sub.predictions ?? ''), 'utf8'));
      const name = ran.text ? `predictions.${ran.text.format}` : path.basename(sub.predictions ?? 'predictions.csv');
      let inputs: ProgramInput[] = [{ truth: { file: truthFile }, predictions: { name, text } }];
      if (parts) {
        // Retrieval parts are sets of queries: the program sees those queries' rows whole.
        const by = spec.query && spec.reads.has('ranking') ? spec.query : spec.id;
        const ids = truth.columns.get(by);
        if (ids?.kind !== 'key') throw new TruthError(`the truth has no column "${by}"`);
        const truthText = await readFile(truthFile, 'utf8');
        inputs = [parts.public, parts.private].map((rows) => {
          const keep = new Set(Array.from(rows, (i) => ids.keys.get(i)));
          return {
            truth: { name: path.basename(truthFile), text: subsetRows(truthText, formatFor(c, truthFile), by, keep) },
            predictions: { name, text: subsetRows(text, ran.text?.format ?? formatFor(c, name), by, keep) },
          };
        });
      }
      const engine = opts.engine ?? (await import('../sandbox/container/docker.js')).dockerEngine();
      const program = await runScoringProgram(c, engine, inputs, fromProgram, step, opts.signal);
      if (opts.signal?.aborted) return fail({ ...CANCELLED }, { resources });
      opts.onLogs?.(program.logs);
      if (!program.ok) return fail(program.error, { resources });
      for (const [k, v] of Object.entries(program.runs[0]!.scores)) values[k] = { value: v };
      detailed = program.runs[0]!.detailed;
      privateFromProgram = program.runs[1]?.scores;
    }
    const base = ctx.base();
    let sealed: Sealed | undefined;
    if (parts && key) {
      // Replicates of the primary metric too, so the revealed board can mark ties with the leader.
      const hidden = scoreInput(
        buildInput(truth, predictions, joined.rowOf, spec, parts.private),
        metrics,
        bootstrapSettings(c),
        new Set([c.primary.name]),
        perQuery,
      );
      for (const [k, v] of Object.entries(privateFromProgram ?? {})) hidden[k] = { value: v };
      sealed = seal(base.id, hidden, key);
    }
    let shown = values;
    let laddered: { exact: Sealed; ladder: { metric: string; step: number; improved: boolean } } | undefined;
    if (ladder && key) {
      // Only the Ladder's value of the primary metric is shown; the exact public scores, slices
      // and detailed results would tell what the Ladder hides, so they are sealed or left out.
      const best = opts.ladder?.best(ctx.report.identity.team, ctx.phaseId);
      const step = ladderStep(values[c.primary.name]!.value, best, ladder.step, c.primary.direction);
      shown = { [c.primary.name]: { value: step.shown } };
      laddered = {
        exact: seal(exactSealId(base.id), values, key),
        ladder: { metric: c.primary.name, step: ladder.step, improved: step.improved },
      };
      detailed = undefined;
    }
    const record: ResultRecord = {
      ...base,
      status: 'scored',
      scores: {
        public: shown,
        ...(sealed ? { private: sealed } : {}),
        ...(laddered ?? {}),
        ...(slices ? { slices } : {}),
      },
      ...(detailed !== undefined ? { detailed_results: detailed } : {}),
      resources: {
        wall_time_s: round((performance.now() - ctx.started) / 1000),
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

/**
 * The truth rows of the public and the private part, when competition.yml has a private part:
 * by a seeded hash of each id (`private.fraction`), or by a truth column (`private.split_column`).
 */
export function splitRows(c: Competition, truth: Table, spec: ScoringSpec): { public: Int32Array; private: Int32Array } | undefined {
  const p = c.config.private;
  if (!p) return undefined;
  const pub: number[] = [];
  const priv: number[] = [];
  if (p.split_column) {
    const col = truth.columns.get(p.split_column);
    if (!col || col.kind !== 'category') throw new TruthError(`the truth has no column "${p.split_column}" (private.split_column)`);
    const bad = col.values.filter((v) => v !== 'public' && v !== 'private');
    if (bad.length > 0)
      throw new TruthError(
        `the truth column "${p.split_column}" holds ${bad.map((b) => `"${b}"`).join(', ')}; only "public" and "private" are allowed`,
      );
    const privateCode = col.values.indexOf('private');
    for (let i = 0; i < truth.n; i++) (col.codes[i] === privateCode ? priv : pub).push(i);
    if (spec.query && spec.reads.has('ranking')) sameWithinQueries(truth, spec.query, p.split_column);
  } else {
    // Retrieval is split by query: all of a query's judgements go to the same part.
    const by = spec.query && spec.reads.has('ranking') ? spec.query : spec.id;
    const ids = truth.columns.get(by);
    if (!ids || ids.kind !== 'key') throw new TruthError(`the truth has no column "${by}"`);
    const seed = p.seed ?? 1;
    const side = new Map<string, boolean>();
    for (let i = 0; i < truth.n; i++) {
      const id = ids.keys.get(i);
      let isPrivate = side.get(id);
      if (isPrivate === undefined) {
        const h = createHash('sha256').update(`${seed}:${id}`).digest().readUInt32BE(0);
        side.set(id, (isPrivate = h / 2 ** 32 < p.fraction!));
      }
      (isPrivate ? priv : pub).push(i);
    }
  }
  if (pub.length === 0 || priv.length === 0)
    throw new TruthError(
      `the split leaves the ${pub.length === 0 ? 'public' : 'private'} part empty; change private.fraction or the split column`,
    );
  return { public: Int32Array.from(pub), private: Int32Array.from(priv) };
}

/**
 * One shard of an evaluation: the submission runs on the shard's share of the inputs and its
 * predictions are kept for `mergeShards`; nothing is scored, the truth is not read.
 */
export async function evaluateShard(opts: EvaluateOptions, shard: Shard): Promise<ShardFile> {
  const ran = await runSubmission(opts, shard);
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
  return {
    ...common,
    phase: base.phase,
    team: base.submission.team,
    name: base.submission.name,
    submission_hash: base.provenance.submission_hash,
    status: 'predicted',
    items: ran.items,
    predictions: { file: ran.file, format: ran.text!.format, text: ran.text!.text },
    resources: ran.resources,
    ...(ran.containerProvenance ? { provenance: { ...ran.containerProvenance } } : {}),
  };
}

export class MergeError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

/**
 * Joins the shards of one evaluation and scores the whole: the same predictions, truth and
 * bootstrap as an unsharded run, so the same scores. The shards must be of this submission (its
 * files hash the same), at one commit, in one phase, and all N of them, each once.
 */
export async function mergeShards(opts: EvaluateOptions, shards: readonly ShardFile[]): Promise<ResultRecord> {
  const step = opts.onStep ?? (() => {});
  const ctx = await recordContext(opts, step);
  if (!ctx.report.ok || !ctx.report.hash)
    return ctx.reject({ code: 'invalid-submission', message: summary(ctx.report), problems: ctx.report.problems });
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

  const ordered = [...shards].sort((a, b) => a.shard.index - b.shard.index);
  const resources = mergeResources(ordered);
  const failedShard = ordered.find((s) => s.status !== 'predicted');
  if (failedShard) {
    const error: ErrorInfo = {
      code: failedShard.error?.code ?? 'shard-failed',
      message: `shard ${failedShard.shard.index}/${count}: ${failedShard.error?.message ?? 'failed'}`,
      ...(failedShard.error?.platform_fault ? { platform_fault: true } : {}),
    };
    return failedShard.status === 'rejected' ? ctx.reject(error) : ctx.fail(error, { resources });
  }
  const formats = new Set(ordered.map((s) => s.predictions!.format));
  if (formats.size !== 1)
    throw new MergeError('the shards wrote predictions in different formats; they must all be CSV or all JSON Lines.');
  const format = [...formats][0]!;
  let text: string;
  if (format === 'csv') {
    const split = ordered.map((s) => {
      const t = s.predictions!.text.replace(/^\uFEFF/, '');
      const nl = t.indexOf('\n');
      return { header: (nl < 0 ? t : t.slice(0, nl)).replace(/\r$/, ''), body: nl < 0 ? '' : t.slice(nl + 1) };
    });
    if (new Set(split.map((x) => x.header)).size !== 1)
      return ctx.reject({ code: 'invalid-predictions', message: 'the shards wrote predictions with different header lines.' });
    text = `${split[0]!.header}\n${split.map((x) => (x.body && !x.body.endsWith('\n') ? `${x.body}\n` : x.body)).join('')}`;
  } else {
    text = ordered
      .map((s) => (s.predictions!.text.endsWith('\n') || !s.predictions!.text ? s.predictions!.text : `${s.predictions!.text}\n`))
      .join('');
  }
  const file = ordered[0]!.predictions!.file;
  // The shards' predictions were made by the participant's container or endpoint from the
  // inputs: quoted only when those inputs are public.
  const quote = ctx.report.submission?.kind === 'api' && opts.competition.config.api?.inputs_from === 'public';
  const loaded = await loadPredictions(file, { text }, format, scoringSpec(opts.competition), undefined, { quote });
  if (!loaded.ok)
    return ctx.reject({
      code: 'invalid-predictions',
      message: `the shards' predictions together are not valid: ${loaded.problems.length} problem(s).`,
      problems: loaded.problems,
    });
  const provenance = ordered[0]!.provenance as ContainerProvenance | undefined;
  return scoreRun(opts, {
    ok: true,
    ctx,
    predictions: loaded.predictions,
    file,
    items: itemsOf(loaded.predictions),
    resources,
    ...(provenance ? { containerProvenance: provenance } : {}),
  });
}

/**
 * The resources of a sharded run: compute adds up over shards (time, CPU, energy, requests),
 * peaks are the largest shard's, per-item time is the total time over all items, and the
 * latency percentiles, which cannot be merged exactly, are the worst shard's.
 */
function mergeResources(shards: readonly ShardFile[]): Resources {
  const rs = shards.map((s) => s.resources as Resources);
  const sum = (k: 'wall_time_s' | 'startup_s' | 'cpu_time_s' | 'energy_j' | 'requests' | 'retries') =>
    rs.every((r) => r[k] !== undefined) ? { [k]: round(rs.reduce((t, r) => t + r[k]!, 0)) } : {};
  const max = (k: 'peak_memory_bytes') => (rs.every((r) => r[k] !== undefined) ? { [k]: Math.max(...rs.map((r) => r[k]!)) } : {});
  const items = shards.reduce((t, s) => t + s.items, 0);
  const wall = rs.every((r) => r.wall_time_s !== undefined) ? rs.reduce((t, r) => t + r.wall_time_s!, 0) : undefined;
  const latency = rs.every((r) => r.latency_ms)
    ? {
        latency_ms: {
          p50: Math.max(...rs.map((r) => r.latency_ms!.p50)),
          p95: Math.max(...rs.map((r) => r.latency_ms!.p95)),
          p99: Math.max(...rs.map((r) => r.latency_ms!.p99)),
        },
      }
    : {};
  const gpu = rs.every((r) => r.gpu)
    ? {
        gpu: {
          ...rs[0]!.gpu!,
          ...(rs.every((r) => r.gpu!.peak_memory_bytes !== undefined)
            ? { peak_memory_bytes: Math.max(...rs.map((r) => r.gpu!.peak_memory_bytes!)) }
            : {}),
        },
      }
    : {};
  return {
    ...sum('wall_time_s'),
    ...sum('startup_s'),
    ...(wall !== undefined && items > 0 ? { per_sample_ms: round((wall * 1000) / items) } : {}),
    ...sum('cpu_time_s'),
    ...max('peak_memory_bytes'),
    ...gpu,
    ...sum('energy_j'),
    ...(rs.every((r) => r.energy_j !== undefined) && rs[0]!.energy_method ? { energy_method: rs[0]!.energy_method } : {}),
    ...sum('requests'),
    ...sum('retries'),
    ...latency,
  };
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
    ...(s?.final ? { final: true } : {}),
  };
}
