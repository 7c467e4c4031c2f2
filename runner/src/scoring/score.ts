import { bootstrapIntervals, encodeReplicates, type BootstrapSettings } from './bootstrap.js';
import { TruthError, type ScoringSpec } from './spec.js';
import { loadPredictions, type LoadedPredictions } from './predictions.js';
import { loadTruth, sameWithinQueries, truthReference } from './truth.js';
import { buildInput } from './scoring-input.js';
import { sniffFormat, type TableFormat } from './table.js';
import type { Problem } from '../contracts/problems.js';
import { MetricUndefinedError, type Direction, type Evaluator, type Metric, type ScoringInput } from './metrics/types.js';
import type { Table } from './table.js';
import { detectionSubset, isCocoTruth, looksLikeCoco, readCocoResults, readCocoTruth, type CocoTruth } from './coco.js';

export interface NamedMetric {
  name: string;
  metric: Metric;
  direction: Direction;
}

export interface ScoredValue {
  value: number;
  ci?: {
    low: number;
    high: number;
    level: number;
    method: 'bootstrap-percentile';
    resamples: number;
    seed: number;
    /** On hidden data: the draws came from a key derived from the truth (BootstrapSettings.drawKey). */
    draws?: 'keyed-by-truth';
    undefined_resamples?: number;
    /** float32 replicates, base64: lets anyone run a paired comparison from the records. */
    replicates?: string;
  };
  /** Retrieval: each query's value (those counted in the mean), as trec_eval -q gives them. */
  per_query?: Record<string, number>;
  /** COCO: each category's value (those with ground truth), by category id, as pycocotools' per-category precision gives it. */
  per_category?: Record<string, number>;
}

/**
 * Every metric's value, and with bootstrap settings a percentile interval for each, all
 * metrics sharing each resample's draw. Replicates are kept for the metrics named in
 * `keepReplicates` (the primary one), for paired comparisons between submissions.
 */
export function scoreInput(
  input: ScoringInput,
  metrics: readonly NamedMetric[],
  bootstrap: BootstrapSettings | undefined,
  keepReplicates: ReadonlySet<string> = new Set(),
  /** Metrics whose per-query values to keep (retrieval), or per-category values (COCO). */
  keepPerQuery: ReadonlySet<string> = new Set(),
): Record<string, ScoredValue> {
  const evaluators = new Map<string, Evaluator>();
  const out: Record<string, ScoredValue> = {};
  for (const m of metrics) {
    const evaluate = m.metric.prepare(input);
    out[m.name] = { value: evaluate() };
    const per = evaluate.perQuery;
    if (per && input.ranking && keepPerQuery.has(m.name)) out[m.name]!.per_query = perQueryValues(input.ranking.queries, per);
    const perCategory = evaluate.perCategory;
    if (perCategory && keepPerQuery.has(m.name)) out[m.name]!.per_category = perQueryValues(perCategory.names, perCategory);
    evaluators.set(m.name, evaluate);
  }
  if (bootstrap && bootstrap.resamples > 0) {
    const intervals = bootstrapIntervals(evaluators, input.units, bootstrap);
    for (const [name, ci] of intervals) {
      if (Number.isNaN(ci.low)) continue; // undefined on every resample: no interval to give
      out[name]!.ci = {
        low: ci.low,
        high: ci.high,
        level: bootstrap.level,
        method: 'bootstrap-percentile',
        resamples: bootstrap.resamples,
        seed: bootstrap.seed,
        ...(bootstrap.drawKey !== undefined ? { draws: 'keyed-by-truth' as const } : {}),
        ...(ci.undefinedResamples > 0 ? { undefined_resamples: ci.undefinedResamples } : {}),
        ...(keepReplicates.has(name) ? { replicates: encodeReplicates(ci.replicates) } : {}),
      };
    }
  }
  return out;
}

/** Query id to value, for the queries counted in the mean. */
export function perQueryValues(queries: readonly string[], per: { values: Float64Array; counted: Uint8Array }): Record<string, number> {
  // No prototype: a query may be called "__proto__".
  const out = Object.create(null) as Record<string, number>;
  for (let q = 0; q < queries.length; q++) if (per.counted[q]) out[queries[q]!] = per.values[q]!;
  return out;
}

export interface SliceReport {
  /** Per group of the slice column: its size and every metric's value (absent where undefined). */
  groups: Record<string, { n: number; metrics: Record<string, number>; withheld?: true }>;
  /** Per metric: the group where it is worst. */
  worst: Record<string, { group: string; value: number }>;
  /** Per metric: best group's value minus worst group's, in the metric's units (≥ 0). */
  gap: Record<string, number>;
  /** Groups of fewer items than this have their size only, no values (data.min_slice_size); absent: every group is scored. */
  min_size?: number;
}

/**
 * Every metric on each group (a group's input made when it is scored), the group where each
 * metric is worst, and the gap between its best and worst group.
 */
export function sliceReport(
  groups: readonly [string, () => ScoringInput][],
  metrics: readonly NamedMetric[],
  /** Groups of fewer items are not scored: a score on a few hidden items tells their outcomes. */
  minSize = 1,
  /** The groups not scored apart, with their sizes, where the caller decided them (withheldAcross); default: this column's own rule. */
  given?: ReadonlyMap<string, number>,
): SliceReport {
  // No prototype: a group may be called "__proto__".
  const report: SliceReport = { groups: Object.create(null), worst: Object.create(null), gap: Object.create(null) };
  if (minSize > 1) report.min_size = minSize;
  const withheld =
    given ??
    (minSize > 1
      ? withheldGroups(
          groups.map(([group, inputOf]) => [group, inputOf().units]),
          minSize,
        )
      : new Map<string, number>());
  for (const [group, inputOf] of groups) {
    const values: Record<string, number> = {};
    const small = withheld.get(group);
    if (small !== undefined) {
      report.groups[group] = { n: small, metrics: values, withheld: true };
      continue;
    }
    const input = inputOf();
    for (const m of metrics) {
      try {
        values[m.name] = m.metric.prepare(input)();
      } catch (e: unknown) {
        if (!(e instanceof MetricUndefinedError)) throw e;
      }
    }
    report.groups[group] = { n: input.units, metrics: values };
  }
  for (const m of metrics) {
    const sign = m.direction === 'maximize' ? 1 : -1;
    let worst: { group: string; value: number } | undefined;
    let best: number | undefined;
    for (const [group, { metrics: values }] of Object.entries(report.groups)) {
      const v = values[m.name];
      if (v === undefined) continue;
      if (!worst || sign * v < sign * worst.value) worst = { group, value: v };
      if (best === undefined || sign * v > sign * best) best = v;
    }
    if (worst && best !== undefined) {
      report.worst[m.name] = worst;
      report.gap[m.name] = Math.abs(best - worst.value);
    }
  }
  return report;
}

/**
 * The groups not scored apart, with their sizes: each of fewer than `minSize` items, and then,
 * while that leaves fewer than two groups or fewer than `minSize` items withheld, the smallest
 * of the others too. A per-item metric on the whole and on every other group would otherwise
 * give a lone small group's value by subtraction (the whole's total less the others').
 */
export function withheldGroups(sizes: readonly (readonly [string, number])[], minSize: number): Map<string, number> {
  const small = new Map(sizes.filter(([, n]) => n < minSize));
  if (small.size === 0) return small;
  const rest = sizes.filter(([g]) => !small.has(g)).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let items = [...small.values()].reduce((a, b) => a + b, 0);
  for (const [group, n] of rest) {
    if (small.size >= 2 && items >= minSize) break;
    small.set(group, n);
    items += n;
  }
  return small;
}

/** One slice column's groups, for withheldAcross: each group's items (rows, images) and its size in units. */
export interface ColumnGroups {
  groups: readonly { name: string; items: ArrayLike<number>; n: number }[];
}

/**
 * The groups withheld in each column, decided over all columns together: each column's own rule
 * (withheldGroups), then, until nothing changes, every group that shares an item with a withheld
 * group of any column, and in a column that withholds anything, the smallest others until two
 * groups and the minimum of items are withheld. Then every column withholds exactly the same
 * items, and every group shown holds none of them: from the whole's score and any published
 * groups, subtraction gives those items together, never fewer (a small group of one column
 * would otherwise follow from a larger group of another, less the groups shown beside it).
 */
export function withheldAcross(columns: readonly ColumnGroups[], minSize: number, items: number): Map<string, number>[] {
  const out = columns.map((c) =>
    withheldGroups(
      c.groups.map((g) => [g.name, g.n] as const),
      minSize,
    ),
  );
  if (columns.length < 2 || out.every((m) => m.size === 0)) return out;
  const held = new Uint8Array(items);
  const hold = (g: ColumnGroups['groups'][number]) => {
    for (let k = 0; k < g.items.length; k++) held[g.items[k]!] = 1;
  };
  columns.forEach((c, i) => c.groups.forEach((g) => out[i]!.has(g.name) && hold(g)));
  for (let changed = true; changed;) {
    changed = false;
    columns.forEach((c, i) => {
      const withheld = out[i]!;
      for (const g of c.groups) {
        if (withheld.has(g.name)) continue;
        let overlaps = false;
        for (let k = 0; k < g.items.length && !overlaps; k++) overlaps = held[g.items[k]!] === 1;
        if (overlaps) {
          withheld.set(g.name, g.n);
          hold(g);
          changed = true;
        }
      }
      if (withheld.size === 0) return;
      // Still two groups and the minimum of items withheld in this column.
      const rest = c.groups.filter((g) => !withheld.has(g.name)).sort((a, b) => a.n - b.n || (a.name < b.name ? -1 : 1));
      let total = [...withheld.values()].reduce((a, b) => a + b, 0);
      for (const g of rest) {
        if (withheld.size >= 2 && total >= minSize) break;
        withheld.set(g.name, g.n);
        total += g.n;
        hold(g);
        changed = true;
      }
    });
  }
  return out;
}

/** Every metric on each group of each slice column of the truth. */
export function scoreSlices(
  truth: Table,
  predictions: LoadedPredictions,
  rowOf: Int32Array,
  spec: ScoringSpec,
  metrics: readonly NamedMetric[],
  sliceColumns: readonly string[],
  /** Only these truth rows (the public part, when a private part is sealed). */
  within?: Int32Array,
  /** Groups of fewer items get their size only (sliceReport). */
  minSize = 1,
): Record<string, SliceReport> {
  const out: Record<string, SliceReport> = {};
  const columns: { column: string; groups: { name: string; items: Int32Array; n: number; inputOf: () => ScoringInput }[] }[] = [];
  for (const column of sliceColumns) {
    const col = truth.columns.get(column);
    if (!col || col.kind !== 'category') continue;
    // Retrieval is sliced by query: a query's rows must agree on the group.
    if (spec.query && spec.reads.has('ranking')) sameWithinQueries(truth, spec.query, column);
    // Text is sliced by id: the rows of an id (its references) must agree too.
    if (spec.reads.has('text')) sameWithinQueries(truth, spec.id, column, 'id');
    const members = col.values.map(() => [] as number[]);
    if (within) for (const i of within) members[col.codes[i]!]!.push(i);
    else for (let i = 0; i < truth.n; i++) members[col.codes[i]!]!.push(i);
    // Groups with no row here are left out: a group of the private part alone would name it.
    columns.push({
      column,
      groups: col.values.flatMap((group, g) => {
        if (members[g]!.length === 0) return [];
        const rows = Int32Array.from(members[g]!);
        const inputOf = () => buildInput(truth, predictions, rowOf, spec, rows);
        return [{ name: group, items: rows, n: minSize > 1 ? inputOf().units : 0, inputOf }];
      }),
    });
  }
  const withheld = minSize > 1 ? withheldAcross(columns, minSize, truth.n) : undefined;
  columns.forEach(({ column, groups }, i) => {
    out[column] = sliceReport(
      groups.map((g) => [g.name, g.inputOf] as const),
      metrics,
      minSize,
      withheld?.[i],
    );
  });
  return out;
}

/** What `podium score` reads: a table format, or COCO's instances and results JSON. */
export type ScoreFormat = TableFormat | 'coco';

/** A file's format from its name (.csv, .jsonl), else its content: COCO JSON, a TREC file, CSV. */
export async function sniffScoreFormat(file: string): Promise<ScoreFormat> {
  if (/\.(csv|jsonl|ndjson)$/i.test(file)) return sniffFormat(file);
  return (await looksLikeCoco(file)) ? 'coco' : sniffFormat(file);
}

/** Scores a predictions file against a truth file: the engine of `podium score` and `podium compare`. */
export async function scoreFiles(opts: {
  /** The truth file, or its table (COCO truth) when several predictions files are scored against it. */
  truth: string | Table | CocoTruth;
  predictionsPath: string;
  /** How the predictions file is named in messages. */
  predictionsName: string;
  spec: ScoringSpec;
  metrics: readonly NamedMetric[];
  bootstrap?: BootstrapSettings;
  keepReplicates?: ReadonlySet<string>;
  keepPerQuery?: ReadonlySet<string>;
  /** The files' format; by default from each file's name, or its content where the name says nothing. */
  format?: ScoreFormat;
  /** COCO: most detections per image (default 100). */
  maxDetections?: number;
  /** Truth columns (COCO: fields of each image) to score every metric on each group of, as `data.slices` does. */
  slices?: readonly string[];
}): Promise<ScoredFiles | { ok: false; problems: Problem[] }> {
  const given = opts.truth;
  const slices = opts.slices ?? [];
  if (typeof given === 'string' ? (opts.format ?? (await sniffScoreFormat(given))) === 'coco' : isCocoTruth(given))
    return scoreCoco({
      ...opts,
      truth: typeof given === 'string' ? await readCocoTruth({ path: given }, { fields: slices }) : (given as CocoTruth),
    });
  const format = opts.format === 'coco' ? undefined : opts.format;
  const truth =
    typeof given === 'string'
      ? await loadTruth({ path: given }, format ?? (await sniffFormat(given)), opts.spec, slices)
      : (given as Table);
  const reference = truthReference(truth, opts.spec, 'public');
  const loaded = await loadPredictions(
    opts.predictionsName,
    { path: opts.predictionsPath },
    format ?? (await sniffFormat(opts.predictionsPath)),
    opts.spec,
    reference,
  );
  if (!loaded.ok) return loaded;
  const input = buildInput(truth, loaded.predictions, loaded.rowOf!, opts.spec);
  return {
    ok: true,
    values: scoreInput(input, opts.metrics, opts.bootstrap, opts.keepReplicates, opts.keepPerQuery),
    units: input.units,
    input,
    truth,
    ...(slices.length > 0 ? { slices: scoreSlices(truth, loaded.predictions, loaded.rowOf!, opts.spec, opts.metrics, slices) } : {}),
  };
}

/** What scoring a predictions file gives: the values, and what they were computed from. */
export interface ScoredFiles {
  ok: true;
  values: Record<string, ScoredValue>;
  /** The bootstrap units: items, queries, or images. */
  units: number;
  /** The metrics' input, units in the truth's order. */
  input: ScoringInput;
  /** The truth read (a table, or COCO's instances). */
  truth: Table | CocoTruth;
  /** Per slice column asked for: every metric per group. */
  slices?: Record<string, SliceReport>;
}

/** COCO results against COCO truth: the images are the units. */
async function scoreCoco(opts: Omit<Parameters<typeof scoreFiles>[0], 'truth'> & { truth: CocoTruth }): ReturnType<typeof scoreFiles> {
  const read = await readCocoResults(opts.predictionsName, { path: opts.predictionsPath }, opts.truth, {
    ...(opts.maxDetections !== undefined ? { maxDetections: opts.maxDetections } : {}),
  });
  if (!read.ok) return read;
  const input: ScoringInput = { units: read.data.imageIds.length, detection: read.data };
  const slices: Record<string, SliceReport> = {};
  for (const field of opts.slices ?? []) {
    const values = opts.truth.imageFields[field];
    if (!values) throw new TruthError(`the truth's images have no field "${field}" to slice by`);
    const members = new Map<string, number[]>();
    for (let i = 0; i < values.length; i++) (members.get(values[i]!) ?? members.set(values[i]!, []).get(values[i]!)!).push(i);
    slices[field] = sliceReport(
      [...members].map(([group, images]) => {
        const subset = (): ScoringInput => {
          const detection = detectionSubset(read.data, Int32Array.from(images));
          return { units: detection.imageIds.length, detection };
        };
        return [group, subset] as const;
      }),
      opts.metrics,
    );
  }
  return {
    ok: true,
    values: scoreInput(input, opts.metrics, opts.bootstrap, opts.keepReplicates, opts.keepPerQuery),
    units: input.units,
    input,
    truth: opts.truth,
    ...(opts.slices && opts.slices.length > 0 ? { slices } : {}),
  };
}
