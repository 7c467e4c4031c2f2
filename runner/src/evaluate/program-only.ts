import { lstat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { hashFile, hashFiles, walkTree } from '../files/tree.js';
import { runScoringProgram, wantedScores, type ProgramInput } from '../sandbox/container/scoring-program.js';
import type { ScoreMap } from '../results/seal.js';
import type { ResultRecord } from '../results/schema.js';
import { CANCELLED, engineOf, type EvaluateOptions } from './options.js';
import { scoredRecord, type Ran } from './record-context.js';
import { publishScores, readSealingKey } from './seal-scores.js';

/**
 * A competition whose every metric comes from the organiser's scoring program (an imported
 * Codabench competition, most often): Podium reads neither the truth nor the predictions as a
 * table. The phase's reference data, a file or a whole folder of the hidden folder, goes to the
 * program as /app/input/ref, and the predictions as the participant sent them (or as the
 * ingestion program wrote them) as /app/input/res. With ingestion.during_scoring, the ingestion
 * program runs now, beside the scoring program; the record's resources are its run's.
 */
export async function scoreByProgram(opts: EvaluateOptions, ran: Extract<Ran, { ok: true }>): Promise<ResultRecord> {
  const { competition: c } = opts;
  const step = opts.onStep ?? (() => {});
  const { ctx } = ran;
  const phase = c.config.phases.find((p) => p.id === ctx.phaseId);
  const truthName = phase?.truth ?? c.config.data.truth;
  let truth: ProgramInput['truth'];
  let dataHash: string;
  if (truthName === undefined) {
    // No reference data: the program gets an empty /app/input/ref, as on Codabench.
    truth = { nothing: true };
    dataHash = await hashFiles(opts.hiddenDir, []);
  } else {
    const at = path.join(opts.hiddenDir, truthName);
    step('finding the reference data');
    const info = await lstat(at).catch(() => undefined);
    if (!info || !(info.isFile() || info.isDirectory()))
      return ctx.fail({
        code: 'truth-unavailable',
        message: `the runner has no reference data at ${truthName} in its hidden data folder; tell the organisers.`,
        platform_fault: true,
      });
    truth = info.isDirectory() ? { dir: at } : { file: at };
    dataHash = info.isDirectory()
      ? await hashFiles(at, (await walkTree(at, { maxFiles: 1_000_000, maxFileBytes: Number.MAX_SAFE_INTEGER })).files)
      : await hashFile(at);
  }
  const predictions: ProgramInput['predictions'] | undefined =
    ran.handOver ?? (ran.text ? { name: `predictions.${ran.text.format}`, text: ran.text.text } : undefined);
  if (!predictions && !ran.beside) throw new Error('a run scored by the program alone hands over its predictions');

  const scoringStart = performance.now();
  const engine = await engineOf(opts);
  // With an ingestion beside it, /app/input/res stays empty: the two meet in /app/shared.
  const input: ProgramInput = { truth, predictions: predictions ?? { nothing: true } };
  const program = await runScoringProgram(c, engine, [input], wantedScores(c), step, opts.signal, ran.beside);
  if (opts.signal?.aborted) return ctx.fail({ ...CANCELLED });
  opts.onLogs?.(program.logs);
  let resources = ran.resources;
  if (ran.beside) {
    const beside = program.beside;
    // Not run at all: whatever stopped the scoring program first (its build, no engine) says why.
    if (!beside)
      return ctx.fail(
        program.ok
          ? { code: 'ingestion-not-run', message: 'the ingestion program did not run; tell the organisers.', platform_fault: true }
          : program.error,
      );
    resources = beside.resources;
    // The participant's code failing is the participant's: said before what the program made of it.
    if (!beside.ok) return ctx.fail(beside.error, { resources });
  }
  if (!program.ok) return ctx.fail(program.error, { resources });

  const values: ScoreMap = Object.fromEntries(Object.entries(program.runs[0]!.scores).map(([k, v]) => [k, { value: v }]));
  const sealing = readSealingKey(opts, Boolean(c.config.leaderboard?.ladder));
  if (!sealing.ok) return ctx.fail(sealing.error);
  const base = ctx.base();
  const published = publishScores(opts, ctx, base.id, values, undefined, sealing.key);
  const detailed = published.laddered ? undefined : program.runs[0]!.detailed;
  return scoredRecord(ctx, base, {
    scores: published.scores,
    detailed,
    resources,
    scoringStart,
    dataHash,
    containerProvenance: ran.containerProvenance,
  });
}
