import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { markdownTable } from 'markdown-table';
import { required, type OptionSpecs, type OptionValues } from '../args.js';
import { ExitCode, UsageError, type CliIO } from '../io.js';
import { didYouMean, PodiumError } from '../../contracts/problems.js';
import { findMetric, metricNames, MetricUndefinedError, type Reads } from '../../scoring/metrics/registry.js';
import { TruthError, type ScoringSpec } from '../../scoring/spec.js';
import { isNormaliseStep, NORMALISE_STEPS, type NormaliseStep } from '../../scoring/text-normalise.js';
import { loadTruth } from '../../scoring/truth.js';
import type { Table } from '../../scoring/table.js';
import { scoreFiles, sniffScoreFormat, type NamedMetric, type ScoreFormat } from '../../scoring/score.js';
import { readCocoTruth, type CocoTruth } from '../../scoring/coco.js';
import { DEFAULT_BOOTSTRAP, type BootstrapSettings } from '../../scoring/bootstrap.js';
import { formatInterval, formatScore } from '../../format/units.js';
import { printProblems } from './shared.js';
import { sliceTables } from './slice-table.js';
import { perItemOutcomes, perItemText, perItemUnsupported, type PerItemTable } from '../../scoring/per-item.js';
import { defineCommand } from './command.js';

/** Options shared by `score` and `compare`. */
export const scoringOptions = {
  truth: {
    type: 'string',
    value: 'FILE',
    help: 'CSV or JSON Lines (.jsonl) with the id and label columns; TREC qrels; COCO instances JSON',
  },
  'id-column': { type: 'string', value: 'NAME', help: 'the id column', default: 'id' },
  'label-column': { type: 'string', value: 'NAME', help: 'the label column', default: 'label' },
  'score-column': {
    type: 'string',
    value: 'NAME',
    help: 'the score column; per-class score columns are NAME_<class>',
    default: 'score',
  },
  'query-column': { type: 'string', value: 'NAME', help: 'the query of each row, for retrieval metrics (map@k, ndcg@k, …)' },
  format: {
    type: 'string',
    value: 'FORMAT',
    help: 'csv, jsonl, trec (TREC qrels as truth, TREC runs as predictions) or coco (COCO instances JSON as truth, COCO results JSON as predictions); by default from the file name, or its content',
  },
  'max-detections': {
    type: 'string',
    value: 'N',
    help: 'COCO: most detections a predictions file may give per image',
    default: '100',
  },
  complete: {
    type: 'boolean',
    short: 'c',
    help: "trec_eval's -c: average trec_eval's measures over every judged query (an unretrieved one scores 0), not only those retrieved",
  },
  normalise: {
    type: 'string',
    value: 'STEPS',
    help: `text metrics: comma-separated steps applied to both sides in order: ${NORMALISE_STEPS.join(', ')}`,
  },
  resamples: { type: 'string', value: 'N', help: 'bootstrap resamples', default: String(DEFAULT_BOOTSTRAP.resamples) },
  seed: { type: 'string', value: 'N', help: 'bootstrap seed', default: String(DEFAULT_BOOTSTRAP.seed) },
  level: { type: 'string', value: 'X', help: 'confidence level', default: String(DEFAULT_BOOTSTRAP.level) },
  json: { type: 'boolean', help: 'machine-readable output on stdout' },
} as const satisfies OptionSpecs;

type ScoringValues = OptionValues<typeof scoringOptions>;

export function parseMetrics(list: string): NamedMetric[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((name) => {
      const metric = findMetric(name);
      if (!metric)
        throw new UsageError(`unknown metric "${name}".${didYouMean(name, metricNames())} Run "podium score --list" to see them.`);
      return { name, metric, direction: metric.direction };
    });
}

/** A file the command was pointed at that the system would not read: which, and why. */
function unreadable(e: unknown, file?: string): PodiumError | undefined {
  const err = e as NodeJS.ErrnoException | undefined;
  if (typeof err?.syscall !== 'string' || !/^E[A-Z]+$/.test(err.code ?? '')) return undefined;
  const [why, fix] =
    err.code === 'ENOENT'
      ? ['there is no such file', 'check the path; a relative one starts from the current folder.']
      : err.code === 'EISDIR'
        ? ['it is a folder', 'give a file.']
        : [err.message, undefined];
  return new PodiumError(`cannot read ${file ?? err.path ?? 'a file it was given'}: ${why}.`, { cause: e, ...(fix ? { fix } : {}) });
}

/** The format given with --format, else the truth file's (from its name, or its content). */
export async function formatFrom(values: ScoringValues, truth: string): Promise<ScoreFormat> {
  const given = values.format;
  if (given !== undefined) {
    if (given !== 'csv' && given !== 'jsonl' && given !== 'trec' && given !== 'coco')
      throw new UsageError(`--format takes csv, jsonl, trec or coco, not "${given}".`);
    return given;
  }
  try {
    return await sniffScoreFormat(truth);
  } catch (e: unknown) {
    throw unreadable(e, truth) ?? e;
  }
}

export function specFrom(values: ScoringValues, metrics: readonly NamedMetric[], format: ScoreFormat = 'csv'): ScoringSpec {
  const reads = new Set<Reads>(metrics.map((m) => m.metric.reads));
  if (format === 'coco') {
    if (!reads.has('boxes') || reads.size > 1)
      throw new UsageError('COCO files hold boxes per image: score them with the COCO metrics only (coco_ap, coco_ap50, coco_ar100, …).');
    // Names for messages only: COCO's fields are fixed.
    return { id: 'image_id', target: 'bbox', score: 'score', reads };
  }
  if (reads.has('boxes'))
    throw new UsageError(
      'the COCO metrics read COCO files: give the truth as instances JSON and the predictions as results JSON (--format coco).',
    );
  if (format === 'trec') {
    if (!reads.has('ranking') || reads.size > 1)
      throw new UsageError('TREC files hold ranked lists per query: score them with retrieval metrics only (map, ndcg_cut_10, P_10, …).');
    // Names for messages only: a TREC file's fields are known by position.
    return { query: 'qid', id: 'docno', target: 'rel', score: 'sim', reads, ...(values.complete ? { trecComplete: true } : {}) };
  }
  if (reads.has('label') && reads.has('number'))
    throw new UsageError('these metrics read the label column both as classes and as numbers; score them separately.');
  if (reads.has('ranking') && reads.size > 1)
    throw new UsageError('retrieval metrics read ranked lists per query; score them separately from the others.');
  const query = values['query-column'];
  if (reads.has('ranking') && query === undefined) throw new UsageError('retrieval metrics need --query-column NAME.');
  if (reads.has('text') && reads.size > 1) throw new UsageError('text metrics read the label column as text; score them separately.');
  const normalise = normaliseFrom(values.normalise, reads);
  return {
    id: values['id-column'],
    target: values['label-column'],
    score: values['score-column'],
    ...(query !== undefined ? { query } : {}),
    ...(values.complete ? { trecComplete: true } : {}),
    ...(normalise ? { normalise } : {}),
    reads,
  };
}

/** The steps of --normalise, checked. */
function normaliseFrom(given: string | undefined, reads: ReadonlySet<Reads>): NormaliseStep[] | undefined {
  if (given === undefined) return undefined;
  if (!reads.has('text')) throw new UsageError('--normalise is for text metrics (bleu, wer, …).');
  const steps = given
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  for (const step of steps)
    if (!isNormaliseStep(step))
      throw new UsageError(`--normalise takes ${NORMALISE_STEPS.join(', ')}, not "${step}".${didYouMean(step, NORMALISE_STEPS)}`);
  const twice = steps.find((x, i) => steps.indexOf(x) !== i);
  if (twice !== undefined) throw new UsageError(`--normalise names "${twice}" twice; give each step once.`);
  return steps as NormaliseStep[];
}

export function bootstrapFrom(values: ScoringValues): BootstrapSettings {
  const num = (k: 'resamples' | 'seed' | 'level', ok: (v: number) => boolean, what: string) => {
    const v = Number(values[k]);
    if (!ok(v)) throw new UsageError(`--${k} takes ${what}.`);
    return v;
  };
  return {
    resamples: num('resamples', (v) => Number.isInteger(v) && v >= 0 && v <= 100000, 'a whole number from 0 to 100000'),
    seed: num('seed', (v) => Number.isInteger(v) && v >= 0 && v <= 4294967295, 'a whole number from 0 to 4294967295'),
    level: num('level', (v) => v >= 0.5 && v < 1, 'a number from 0.5 to 0.999'),
  };
}

/** Runs scoring work; a fault of the files becomes a message and exit status 1. */
async function orExit<T>(io: CliIO, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e: unknown) {
    if (e instanceof TruthError || e instanceof MetricUndefinedError) {
      io.stderr(`✗ ${e.message}\n`);
      throw new ExitCode(1);
    }
    throw unreadable(e) ?? e;
  }
}

/** The truth, read once for scoring several files against it. */
export function truthOrExit(io: CliIO, file: string, spec: ScoringSpec, format: ScoreFormat): Promise<Table | CocoTruth> {
  return orExit<Table | CocoTruth>(io, () => (format === 'coco' ? readCocoTruth({ path: file }) : loadTruth({ path: file }, format, spec)));
}

/** --max-detections, for COCO results. */
export function maxDetectionsFrom(values: ScoringValues): number {
  const v = Number(values['max-detections']);
  if (!Number.isInteger(v) || v < 1) throw new UsageError('--max-detections takes a whole number, 1 or more.');
  return v;
}

export function scoreOrExit(io: CliIO, opts: Parameters<typeof scoreFiles>[0]) {
  return orExit(io, async () => {
    const result = await scoreFiles(opts);
    if (!result.ok) {
      io.stderr(`✗ ${opts.predictionsName} cannot be scored:\n`);
      printProblems(io, result.problems);
      throw new ExitCode(1);
    }
    return result;
  });
}

export const score = defineCommand({
  name: 'score',
  usage: ['score --truth FILE --predictions FILE --metrics NAME[,NAME...] [options]'],
  description: 'Scores predictions against the truth with built-in metrics, without a competition.',
  options: {
    predictions: {
      type: 'string',
      value: 'FILE',
      help: 'CSV or JSON Lines with the id and label columns (and scores); or a TREC run, or COCO results JSON',
    },
    metrics: { type: 'string', value: 'LIST', help: 'comma-separated metric names; "podium score --list" shows them' },
    ci: { type: 'boolean', help: 'add bootstrap confidence intervals' },
    'per-query': {
      type: 'boolean',
      short: 'q',
      help: "retrieval: each query's value too, as trec_eval -q; COCO: each category's value",
    },
    slice: {
      type: 'string',
      value: 'COLUMN',
      help: "every metric on each group of this truth column (COCO: this field of each image), as a competition's data.slices",
    },
    'per-item': {
      type: 'string',
      value: 'FILE',
      help: "write each item's outcome here (CSV, or JSON Lines for a .jsonl name): id, predicted, true, correct or error; for text, each item's value of WER, CER, ROUGE-L and CIDEr-D",
    },
    ...scoringOptions,
    list: { type: 'boolean', help: 'list the built-in metrics and exit' },
  },
  notes: `With --json it prints {"metrics": {name: value}}, with --ci also
{"intervals": {name: {"low", "high", "level", "resamples", "seed"}}}, and with
--per-query {"per_query": {name: {query: value}}} (for COCO files {"per_category": {name:
{category id: value}}}), and with --slice {"slices": {column: {"groups", "worst", "gap"}}}
as a record's scores.slices. --per-item is for your own data (a validation split whose
labels you have): it writes every item's label, which a competition never shows for its
hidden test items.`,
  examples: [
    'podium score --truth truth.csv --predictions predictions.csv --metrics accuracy,f1_macro --ci',
    'podium score --truth qrels.txt --predictions run.txt --metrics map,ndcg_cut_10,P_10 -c',
    'podium score --truth instances.json --predictions results.json --metrics coco_ap,coco_ap50,coco_ar100 --ci',
    'podium score --truth valid.csv --predictions predictions.csv --metrics accuracy,f1_macro --slice source --per-item outcomes.csv',
  ],
  async run({ values }, io) {
    if (values.list) {
      const rows = metricNames().map((n) => {
        const m = findMetric(n.replace(/([@_])k$/, '$110'))!;
        return [n, m.direction, m.reads, m.description.replace('first 10', 'first k')];
      });
      io.stdout(`${markdownTable([['metric', 'direction', 'reads', 'what it measures'], ...rows])}\n`);
      return 0;
    }
    const truthPath = path.resolve(io.cwd, required(values.truth, '--truth'));
    const predictionsPath = path.resolve(io.cwd, required(values.predictions, '--predictions'));
    const metrics = parseMetrics(required(values.metrics, '--metrics'));
    const bootstrap = values.ci ? bootstrapFrom(values) : undefined;
    const format = await formatFrom(values, truthPath);
    const spec = specFrom(values, metrics, format);
    const perQuery = values['per-query'] === true;
    const coco = spec.reads.has('boxes');
    if (perQuery && !spec.reads.has('ranking') && !coco)
      throw new UsageError('--per-query is for retrieval metrics, scored per query, and COCO metrics, per category.');
    const slice = sliceFrom(values, spec, format);
    const perItem = await perItemFrom(values, io, spec, truthPath, predictionsPath);
    const result = await scoreOrExit(io, {
      truth: truthPath,
      predictionsPath,
      predictionsName: path.basename(predictionsPath),
      spec,
      metrics,
      ...(values.format !== undefined ? { format } : {}),
      ...(bootstrap ? { bootstrap } : {}),
      ...(perQuery ? { keepPerQuery: new Set(metrics.map((m) => m.name)) } : {}),
      ...(coco ? { maxDetections: maxDetectionsFrom(values) } : {}),
      ...(slice !== undefined ? { slices: [slice] } : {}),
    });
    let written = '';
    if (perItem) {
      const t = perItemOutcomes(result.input, result.truth as Table, spec, metrics);
      await writePerItem(perItem, t);
      written = `Per-item outcomes of ${t.n} item(s) written to ${path.relative(io.cwd, perItem)}.\n`;
      if (values.json) io.stderr(written);
    }
    const primary = metrics[0]!;
    const entries = Object.entries(result.values).map(
      ([k, v]) => [k, coco ? { ...v, per_query: v.per_category } : v] as [string, typeof v],
    );
    if (values.json) {
      const out: Record<string, unknown> = { metrics: Object.fromEntries(entries.map(([k, v]) => [k, v.value])) };
      if (perQuery) out[coco ? 'per_category' : 'per_query'] = Object.fromEntries(entries.map(([k, v]) => [k, v.per_query ?? {}]));
      if (result.slices) out.slices = result.slices;
      if (bootstrap) {
        out.intervals = Object.fromEntries(
          entries
            .filter(([, v]) => v.ci)
            .map(([k, v]) => [k, { low: v.ci!.low, high: v.ci!.high, level: v.ci!.level, resamples: v.ci!.resamples, seed: v.ci!.seed }]),
        );
      }
      io.stdout(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    const head = bootstrap ? ['metric', 'value', `${Math.round(bootstrap.level * 100)}% interval`] : ['metric', 'value'];
    const rows = entries.map(([k, v]) => [k, formatScore(v.value), ...(bootstrap ? [v.ci ? formatInterval(v.ci) : 'undefined'] : [])]);
    io.stdout(`${markdownTable([head, ...rows], { align: ['l', 'r', 'r'] })}\n`);
    if (perQuery) io.stdout(`\n${perQueryTable(entries, coco ? 'category' : 'query')}\n`);
    if (bootstrap)
      io.stdout(
        `Intervals: percentile bootstrap over ${result.units} ${coco ? 'images' : 'items'}, ${bootstrap.resamples} resamples, seed ${bootstrap.seed}.\n`,
      );
    if (result.slices) io.stdout(`\n${sliceTables(result.slices, metrics, primary)}`);
    io.stdout(written);
    return 0;
  },
});

/** The column of --slice, checked: one the scoring does not already read as something else. */
function sliceFrom(values: ScoringValues & { slice?: string | undefined }, spec: ScoringSpec, format: ScoreFormat): string | undefined {
  const column = values.slice;
  if (column === undefined) return undefined;
  if (column.trim() === '') throw new UsageError('--slice takes the name of a truth column, such as --slice source.');
  if (format === 'trec')
    throw new UsageError('TREC qrels have no other columns to slice by: give the truth as CSV (query, document, grade and the column).');
  if (format !== 'coco') {
    const taken = [spec.id, spec.target, spec.score, spec.query].filter((c) => c !== undefined);
    if (taken.includes(column))
      throw new UsageError(`--slice ${column}: that column is already read as the id, label, score or query; name another truth column.`);
  }
  return column;
}

/**
 * The file of --per-item, checked. Item outcomes are for data whose labels the participant
 * has: the truth must be a file on this machine, read by this command, and neither input is
 * overwritten.
 */
async function perItemFrom(
  values: ScoringValues & { 'per-item'?: string | undefined },
  io: CliIO,
  spec: ScoringSpec,
  truthPath: string,
  predictionsPath: string,
): Promise<string | undefined> {
  const given = values['per-item'];
  if (given === undefined) return undefined;
  const unsupported = perItemUnsupported(spec);
  if (unsupported) throw new UsageError(`--per-item: ${unsupported}`);
  const truth = await stat(truthPath).catch(() => undefined);
  if (!truth?.isFile())
    throw new PodiumError(`--per-item needs the truth as a file on this machine; ${truthPath} is not one.`, {
      fix: 'give --truth the labelled file of your own validation split.',
    });
  const file = path.resolve(io.cwd, given);
  const target = await stat(file).catch(() => undefined);
  if (target?.isDirectory()) throw new PodiumError(`--per-item ${given} is a folder.`, { fix: 'give a file name, such as outcomes.csv.' });
  // The same file under another name (a link, a hard link, another case) is the same file.
  const predictions = await stat(predictionsPath).catch(() => undefined);
  const same = (other: typeof target) =>
    target !== undefined && other !== undefined && target.dev === other.dev && target.ino === other.ino;
  if (file === truthPath || file === predictionsPath || same(truth) || same(predictions))
    throw new UsageError(
      `--per-item ${given} is the ${file === truthPath || same(truth) ? 'truth' : 'predictions'} file; name a new file for the outcomes.`,
    );
  return file;
}

/** Writes the per-item table, chunk by chunk (a million items need not be one string). */
async function writePerItem(file: string, t: PerItemTable): Promise<void> {
  // Written beside the target and renamed once whole: never half a file, and a link at the
  // target's name is replaced, not written through.
  const part = `${file}.${process.pid}.part`;
  const handle = await open(part, 'wx');
  try {
    for (const chunk of perItemText(t, /\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'csv')) await handle.write(chunk);
  } catch (e: unknown) {
    await handle.close();
    await rm(part, { force: true });
    throw e;
  }
  await handle.close();
  await rename(part, file);
}

/** One row per query (or COCO category), one column per metric, as TREC campaigns hand them to participants. */
function perQueryTable(entries: [string, { per_query?: Record<string, number> }][], unit: string): string {
  const queries: string[] = [];
  const seen = new Set<string>();
  for (const [, v] of entries)
    for (const q of Object.keys(v.per_query ?? {}))
      if (!seen.has(q)) {
        seen.add(q);
        queries.push(q);
      }
  const rows = queries.map((q) => [q, ...entries.map(([, v]) => (v.per_query?.[q] !== undefined ? formatScore(v.per_query[q]) : '–'))]);
  return markdownTable([[unit, ...entries.map(([k]) => k)], ...rows], { align: ['l', ...entries.map(() => 'r' as const)] });
}
