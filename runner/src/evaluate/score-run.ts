import { performance } from 'node:perf_hooks';
import { bootstrapSettings, builtIn, minSliceSize, readsBoxes, readsTables, scoringSpec } from '../competition/load.js';
import { rankedListRules } from '../submission/validate.js';
import { TruthError, type ScoringSpec } from '../scoring/spec.js';
import { joinIds } from '../scoring/join.js';
import { truthReference } from '../scoring/truth.js';
import { buildInput } from '../scoring/scoring-input.js';
import { checkRankedLists, rankedListsMissTheTruth } from '../scoring/ranked-lists.js';
import { scoreInput, scoreSlices } from '../scoring/score.js';
import { MetricUndefinedError } from '../scoring/metrics/types.js';
import type { Table } from '../scoring/table.js';
import type { ScoreMap } from '../results/seal.js';
import type { ResultRecord } from '../results/schema.js';
import type { EvaluateOptions } from './options.js';
import { scoredRecord, type Ran } from './record-context.js';
import { readHiddenTruth, truthInvalid } from './hidden-truth.js';
import { splitRows } from './private-split.js';
import { programScores } from './program-scores.js';
import { publishScores, readSealingKey } from './seal-scores.js';
import { scoreByProgram } from './program-only.js';
import { scoreDetection } from './score-detection.js';
import { wantedScores } from '../sandbox/container/scoring-program.js';
import type { LoadedPredictions } from '../scoring/predictions.js';

/** Reads the truth, joins, scores with intervals and slices, and writes the record. */
export async function scoreRun(opts: EvaluateOptions, run: Extract<Ran, { ok: true }>): Promise<ResultRecord> {
  const { competition: c } = opts;
  if (readsBoxes(c)) return scoreDetection(opts, run);
  if (!readsTables(c)) return scoreByProgram(opts, run);
  const { predictions } = run;
  if (!predictions) throw new Error('a run scored by built-in metrics has its predictions read');
  const ran = { ...run, predictions };
  const step = opts.onStep ?? (() => {});
  const { ctx, resources, containerProvenance } = ran;
  const { reject, fail } = ctx;
  const spec = scoringSpec(c);
  step('reading the hidden truth');
  const hidden = await readHiddenTruth(opts, ctx, spec);
  if (!hidden.ok) return hidden.record;
  const { truth, dataHash, drawKey } = hidden;
  // The draws of the bootstrap on hidden data are keyed by the truth: see BootstrapSettings.
  const bootstrap = { ...bootstrapSettings(c), drawKey };

  step('scoring');
  const scoringStart = performance.now();
  // A participant's own file may be quoted back; what a container or endpoint made from hidden
  // inputs may not, or it becomes a channel for those inputs.
  const kind = ctx.report.submission?.kind;
  const quote = kind === 'predictions' || (kind === 'api' && c.config.api?.inputs_from === 'public');
  const joined = await joinWithTruth(opts, ran, truth, spec, quote);
  if (!joined.ok) return joined.record;
  const { rowOf } = joined;
  try {
    // With a private part, everything shown is computed on the public rows only; the private
    // scores are computed now, from the same predictions, and sealed.
    const parts = splitRows(c, truth, spec);
    // Judged against the public part only: what the private part holds must not decide anything shown.
    const missed = spec.reads.has('ranking')
      ? rankedListsMissTheTruth(predictions, truth, spec, rowOf, parts?.public, { quote })
      : undefined;
    if (missed) return reject({ code: 'invalid-predictions', message: `the ranked lists match nothing in the test set: ${missed}` });
    const ladder = c.config.leaderboard?.ladder;
    const sealing = readSealingKey(opts, Boolean((parts && !opts.publicOnly) || ladder));
    if (!sealing.ok) return fail(sealing.error);
    const { key } = sealing;
    const input = buildInput(truth, predictions, rowOf, spec, parts?.public);
    const metrics = builtIn(c.metrics).map((m) => ({ name: m.name, metric: m.metric, direction: m.direction }));
    step('bootstrap confidence intervals');
    // Retrieval keeps the primary metric's value on each query, for the per-topic tables.
    const perQuery = new Set(c.config.leaderboard?.per_query === false ? [] : [c.primary.name]);
    const values = scoreInput(input, metrics, bootstrap, new Set([c.primary.name]), perQuery);
    // Per-slice scores would show what the Ladder hides: not computed under it.
    const slices =
      c.config.data.slices && !ladder
        ? scoreSlices(truth, predictions, rowOf, spec, metrics, c.config.data.slices, parts?.public, minSliceSize(c))
        : undefined;
    let detailed: string | undefined;
    let privateFromProgram: Record<string, number> | undefined;
    const wanted = wantedScores(c);
    if (wanted.length > 0) {
      const program = await programScores(opts, ran, wanted, hidden, parts, spec, step);
      if (!program.ok) return fail(program.error, { resources });
      for (const [k, v] of Object.entries(program.scores)) values[k] = { value: v };
      detailed = program.detailed;
      privateFromProgram = program.privateScores;
    }
    const base = ctx.base();
    let hiddenScores: ScoreMap | undefined;
    if (parts && key && !opts.publicOnly) {
      // Replicates of the primary metric too, so the revealed board can mark ties with the leader.
      hiddenScores = scoreInput(
        buildInput(truth, predictions, rowOf, spec, parts.private),
        metrics,
        bootstrap,
        new Set([c.primary.name]),
        perQuery,
      );
      for (const [k, v] of Object.entries(privateFromProgram ?? {})) hiddenScores[k] = { value: v };
    }
    const published = publishScores(opts, ctx, base.id, values, hiddenScores, key);
    if (published.laddered) detailed = undefined;
    return scoredRecord(ctx, base, {
      scores: { ...published.scores, ...(slices ? { slices } : {}) },
      detailed,
      resources,
      scoringStart,
      dataHash,
      containerProvenance,
    });
  } catch (e: unknown) {
    if (e instanceof MetricUndefinedError) return fail({ code: 'metric-undefined', message: e.message });
    if (e instanceof TruthError) return fail(truthInvalid(e));
    throw e;
  }
}

/**
 * Joins the predictions to the truth by id. Ranked lists made by a container or an endpoint
 * first meet the same rules as a file checked at validation: no more documents per query than
 * allowed, no query or document outside the lists.
 */
async function joinWithTruth(
  opts: EvaluateOptions,
  ran: Extract<Ran, { ok: true }> & { predictions: LoadedPredictions },
  truth: Table,
  spec: ScoringSpec,
  quote: boolean,
): Promise<{ ok: true; rowOf: Int32Array } | { ok: false; record: ResultRecord }> {
  const { ctx, file, predictions } = ran;
  const rules = ctx.report.submission?.kind !== 'predictions' ? await rankedListRules(opts.competition) : undefined;
  const ranked = rules ? checkRankedLists(file, predictions, spec, rules, { quote }).problems : [];
  if (ranked.length > 0)
    return {
      ok: false,
      record: ctx.reject({
        code: 'invalid-predictions',
        message: `the ranked lists break the competition's rules: ${ranked.length} problem(s).`,
        problems: ranked,
      }),
    };
  const joined = joinIds(file, predictions, truthReference(truth, spec, 'hidden'), { quote });
  if (!joined.ok) {
    return {
      ok: false,
      record: ctx.reject({
        code: 'invalid-predictions',
        message: `the predictions do not match the test set: ${joined.problems.length} problem(s).`,
        problems: joined.problems,
      }),
    };
  }
  return { ok: true, rowOf: joined.rowOf };
}
