import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { bootstrapSettings, minSliceSize, builtIn, maxDetectionsOf } from '../competition/load.js';
import { detectionSubset, readCocoResults, readCocoTruth, type CocoTruth } from '../scoring/coco.js';
import { scoreInput, sliceReport, withheldAcross, type SliceReport } from '../scoring/score.js';
import { TruthError } from '../scoring/spec.js';
import { MetricUndefinedError, type DetectionData, type ScoringInput } from '../scoring/metrics/types.js';
import { hashFile, keyOfFile } from '../files/tree.js';
import { PodiumError } from '../contracts/problems.js';
import type { ScoreMap } from '../results/seal.js';
import type { ErrorInfo, ResultRecord } from '../results/schema.js';
import type { Competition } from '../competition/load.js';
import type { EvaluateOptions } from './options.js';
import { scoredRecord, type Ran } from './record-context.js';
import { cocoFields, cocoMismatch, truthFileOf, truthInvalid, truthUnavailable } from './hidden-truth.js';
import { publicImages } from '../submission/validate.js';
import { splitUnits, type Parts } from './private-split.js';
import { publishScores, readSealingKey } from './seal-scores.js';

/**
 * Object detection (`data.format: coco`): the truth is COCO instances JSON, the predictions
 * COCO results JSON, both read by scoring/coco.ts rather than as tables. The units are the
 * images: the private part is a set of images (a seeded hash of each image id, or an image
 * field), a slice groups images by a field of each, and the bootstrap draws images.
 */
export async function scoreDetection(opts: EvaluateOptions, ran: Extract<Ran, { ok: true }>): Promise<ResultRecord> {
  const { competition: c } = opts;
  const step = opts.onStep ?? (() => {});
  const { ctx, resources, containerProvenance } = ran;
  step('reading the hidden truth');
  const hidden = await readHiddenCoco(opts, ctx.phaseId);
  if (!hidden.ok) return ctx.fail(hidden.error);
  const { truth, dataHash, drawKey } = hidden;
  // The draws of the bootstrap on hidden data are keyed by the truth: see BootstrapSettings.
  const bootstrap = { ...bootstrapSettings(c), drawKey };

  step('scoring');
  const scoringStart = performance.now();
  // A participant's own file may be quoted back; what a container made from hidden inputs may not.
  const quote = ctx.report.submission?.kind === 'predictions';
  const source = ran.handOver && 'file' in ran.handOver ? { path: ran.handOver.file } : ran.text ? { text: ran.text.text } : undefined;
  if (!source) throw new Error('a detection run hands over one results file');
  const read = await readCocoResults(ran.file, source, truth, { maxDetections: maxDetectionsOf(c), quote });
  if (!read.ok)
    return ctx.reject({
      code: 'invalid-predictions',
      message: `the detections do not fit the test set: ${read.problems.length} problem(s).`,
      problems: read.problems,
    });
  try {
    const parts = splitImages(c, truth);
    const ladder = c.config.leaderboard?.ladder;
    const sealing = readSealingKey(opts, Boolean((parts && !opts.publicOnly) || ladder));
    if (!sealing.ok) return ctx.fail(sealing.error);
    const { key } = sealing;
    const metrics = builtIn(c.metrics).map((m) => ({ name: m.name, metric: m.metric, direction: m.direction }));
    const primary = new Set([c.primary.name]);
    // Each category's value of the primary metric, as retrieval keeps each query's.
    const perCategory = new Set(c.config.leaderboard?.per_query === false ? [] : [c.primary.name]);
    const input = (images?: Int32Array): ScoringInput => {
      const detection: DetectionData = images ? detectionSubset(read.data, images) : read.data;
      return { units: detection.imageIds.length, detection };
    };
    step('bootstrap confidence intervals');
    const values = scoreInput(input(parts?.public), metrics, bootstrap, primary, perCategory);
    // Per-slice scores would show what the Ladder hides: not computed under it.
    const slices =
      c.config.data.slices && !ladder
        ? sliceImages(truth, c.config.data.slices, metrics, input, parts?.public, minSliceSize(c))
        : undefined;
    let hiddenScores: ScoreMap | undefined;
    if (parts && key && !opts.publicOnly) hiddenScores = scoreInput(input(parts.private), metrics, bootstrap, primary, perCategory);
    const base = ctx.base();
    const published = publishScores(opts, ctx, base.id, values, hiddenScores, key);
    return scoredRecord(ctx, base, {
      scores: { ...published.scores, ...(slices ? { slices } : {}) },
      detailed: undefined,
      resources,
      scoringStart,
      dataHash,
      containerProvenance,
    });
  } catch (e: unknown) {
    if (e instanceof MetricUndefinedError) return ctx.fail({ code: 'metric-undefined', message: e.message });
    if (e instanceof TruthError) return ctx.fail(truthInvalid(e));
    throw e;
  }
}

/**
 * The phase's COCO truth from the hidden folder, with the image fields the slices and the split
 * read. A truth whose images or categories are not those of the public list is the organisers'
 * to fix: scored as it is, it would charge their mistake to participants.
 */
async function readHiddenCoco(
  opts: EvaluateOptions,
  phaseId: string | undefined,
): Promise<{ ok: true; truth: CocoTruth; dataHash: string; drawKey: Buffer } | { ok: false; error: ErrorInfo }> {
  const { competition: c } = opts;
  const { truthName, file } = truthFileOf(opts, phaseId);
  if (!(await stat(file).catch(() => undefined))?.isFile()) return { ok: false, error: truthUnavailable(truthName) };
  try {
    const truth = await readCocoTruth({ path: file }, { fields: cocoFields(c) });
    const mismatch = cocoMismatch(truth, await publicImages(c));
    if (mismatch) return { ok: false, error: truthInvalid(new TruthError(`the truth ${mismatch.replace(/\.$/, '')}`)) };
    return { ok: true, truth, dataHash: await hashFile(file), drawKey: await keyOfFile(file, bootstrapSettings(c).seed) };
  } catch (e: unknown) {
    if (e instanceof TruthError) return { ok: false, error: truthInvalid(e) };
    // The public list of test images cannot be read: the organisers' to fix too.
    if (e instanceof PodiumError) return { ok: false, error: { code: 'truth-invalid', message: e.message, platform_fault: true } };
    throw e;
  }
}

/** The images (indices into the truth's) of the public and the private part, when there is a private part. */
export function splitImages(c: Competition, truth: CocoTruth): Parts | undefined {
  const p = c.config.private;
  if (!p) return undefined;
  const values = p.split_column ? truth.imageFields[p.split_column]! : undefined;
  return splitUnits(
    p,
    truth.imageIds.length,
    (i) => String(truth.imageIds[i]),
    values ? { name: `the images' "${p.split_column}"`, valueOf: (i) => values[i]! } : undefined,
  );
}

/** Every metric on the images of each group of each slice field (within the public part, when there is one). */
function sliceImages(
  truth: CocoTruth,
  fields: readonly string[],
  metrics: Parameters<typeof sliceReport>[1],
  input: (images: Int32Array) => ScoringInput,
  within: Int32Array | undefined,
  minSize: number,
): Record<string, SliceReport> {
  const out: Record<string, SliceReport> = {};
  const images = within ?? Int32Array.from(truth.imageIds, (_, i) => i);
  const columns = fields.map((field) => {
    const values = truth.imageFields[field]!;
    const members = new Map<string, number[]>();
    for (const i of images) {
      const group = values[i]!;
      if (!members.has(group)) members.set(group, []);
      members.get(group)!.push(i);
    }
    // The images are the units: a group's size is its images.
    return { field, groups: [...members].map(([name, list]) => ({ name, items: Int32Array.from(list), n: list.length })) };
  });
  // Withheld over every field together (withheldAcross).
  const withheld = minSize > 1 ? withheldAcross(columns, minSize, truth.imageIds.length) : undefined;
  columns.forEach(({ field, groups }, i) => {
    out[field] = sliceReport(
      groups.map((g) => [g.name, () => input(g.items)] as const),
      metrics,
      minSize,
      withheld?.[i],
    );
  });
  return out;
}
