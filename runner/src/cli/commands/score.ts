import path from 'node:path';
import { markdownTable } from 'markdown-table';
import { parse, required } from '../args.js';
import { ExitCode, UsageError, type CliIO } from '../io.js';
import { didYouMean } from '../../contracts/problems.js';
import { findMetric, metricNames, MetricUndefinedError, type Reads } from '../../scoring/metrics/registry.js';
import { loadTruth, TruthError, type ScoringSpec } from '../../scoring/dataset.js';
import { sniffFormat, type Table, type TableFormat } from '../../scoring/table.js';
import { scoreFiles, type NamedMetric } from '../../scoring/score.js';
import { DEFAULT_BOOTSTRAP, type BootstrapSettings } from '../../scoring/bootstrap.js';
import { formatInterval, formatScore } from '../../format/units.js';
import { printProblems } from './shared.js';
import type { Command } from './command.js';

/** Options shared by `score` and `compare`. */
export const scoringOptions = {
  truth: { type: 'string' },
  'id-column': { type: 'string' },
  'label-column': { type: 'string' },
  'score-column': { type: 'string' },
  'query-column': { type: 'string' },
  format: { type: 'string' },
  complete: { type: 'boolean', short: 'c' },
  resamples: { type: 'string' },
  seed: { type: 'string' },
  level: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const scoringHelp = `  --truth FILE          CSV or JSON Lines (.jsonl) with the id and label columns
  --id-column NAME      default: id
  --label-column NAME   default: label
  --score-column NAME   default: score; per-class score columns are NAME_<class>
  --query-column NAME   the query of each row, for retrieval metrics (map@k, ndcg@k, …)
  --format FORMAT       csv, jsonl or trec (TREC qrels as truth, TREC runs as
                        predictions); by default from the file name, or its content
  -c, --complete        trec_eval's -c: average trec_eval's measures over every judged
                        query (an unretrieved one scores 0), not only those retrieved
  --resamples N         bootstrap resamples (default ${DEFAULT_BOOTSTRAP.resamples})
  --seed N              bootstrap seed (default ${DEFAULT_BOOTSTRAP.seed})
  --level X             confidence level (default ${DEFAULT_BOOTSTRAP.level})
  --json                machine-readable output on stdout`;

export function parseMetrics(command: string, list: string): NamedMetric[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((name) => {
      const metric = findMetric(name);
      if (!metric)
        throw new UsageError(`unknown metric "${name}".${didYouMean(name, metricNames())} Run "podium score --list" to see them.`, command);
      return { name, metric, direction: metric.direction };
    });
}

/** The format given with --format, else the truth file's (from its name, or its first line). */
export async function formatFrom(
  command: string,
  values: Record<string, string | boolean | undefined>,
  truth: string,
): Promise<TableFormat> {
  const given = values.format;
  if (typeof given === 'string') {
    if (given !== 'csv' && given !== 'jsonl' && given !== 'trec')
      throw new UsageError(`--format takes csv, jsonl or trec, not "${given}".`, command);
    return given;
  }
  try {
    return await sniffFormat(truth);
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`cannot read ${truth}.`, command);
    throw e;
  }
}

export function specFrom(
  command: string,
  values: Record<string, string | boolean | undefined>,
  metrics: readonly NamedMetric[],
  format: TableFormat = 'csv',
): ScoringSpec {
  const reads = new Set<Reads>(metrics.map((m) => m.metric.reads));
  if (format === 'trec') {
    if (!reads.has('ranking') || reads.size > 1)
      throw new UsageError(
        'TREC files hold ranked lists per query: score them with retrieval metrics only (map, ndcg_cut_10, P_10, …).',
        command,
      );
    // Names for messages only: a TREC file's fields are known by position.
    return { query: 'qid', id: 'docno', target: 'rel', score: 'sim', reads, ...(values.complete ? { trecComplete: true } : {}) };
  }
  if (reads.has('label') && reads.has('number'))
    throw new UsageError('these metrics read the label column both as classes and as numbers; score them separately.', command);
  if (reads.has('ranking') && reads.size > 1)
    throw new UsageError('retrieval metrics read ranked lists per query; score them separately from the others.', command);
  const query = values['query-column'];
  if (reads.has('ranking') && typeof query !== 'string') throw new UsageError('retrieval metrics need --query-column NAME.', command);
  const str = (k: string, d: string) => (typeof values[k] === 'string' ? (values[k] as string) : d);
  return {
    id: str('id-column', 'id'),
    target: str('label-column', 'label'),
    score: str('score-column', 'score'),
    ...(typeof query === 'string' ? { query } : {}),
    ...(values.complete ? { trecComplete: true } : {}),
    reads,
  };
}

export function bootstrapFrom(command: string, values: Record<string, string | boolean | undefined>): BootstrapSettings {
  const num = (k: string, d: number, ok: (v: number) => boolean, what: string) => {
    const raw = values[k];
    if (typeof raw !== 'string') return d;
    const v = Number(raw);
    if (!ok(v)) throw new UsageError(`--${k} takes ${what}.`, command);
    return v;
  };
  return {
    resamples: num(
      'resamples',
      DEFAULT_BOOTSTRAP.resamples,
      (v) => Number.isInteger(v) && v >= 0 && v <= 100000,
      'a whole number from 0 to 100000',
    ),
    seed: num(
      'seed',
      DEFAULT_BOOTSTRAP.seed,
      (v) => Number.isInteger(v) && v >= 0 && v <= 4294967295,
      'a whole number from 0 to 4294967295',
    ),
    level: num('level', DEFAULT_BOOTSTRAP.level, (v) => v >= 0.5 && v < 1, 'a number from 0.5 to 0.999'),
  };
}

/** Runs scoring work; a fault of the files becomes a message and exit status 1 (2 for an unreadable file). */
async function orExit<T>(io: CliIO, command: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e: unknown) {
    if (e instanceof TruthError || e instanceof MetricUndefinedError) {
      io.stderr(`✗ ${e.message}\n`);
      throw new ExitCode(1);
    }
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`cannot read ${(e as NodeJS.ErrnoException).path}.`, command);
    throw e;
  }
}

/** The truth, read once for scoring several files against it. */
export function truthOrExit(io: CliIO, command: string, file: string, spec: ScoringSpec, format: TableFormat): Promise<Table> {
  return orExit(io, command, () => loadTruth({ path: file }, format, spec));
}

export function scoreOrExit(io: CliIO, command: string, opts: Parameters<typeof scoreFiles>[0]) {
  return orExit(io, command, async () => {
    const result = await scoreFiles(opts);
    if (!result.ok) {
      io.stderr(`✗ ${opts.predictionsName} cannot be scored:\n`);
      printProblems(io, result.problems);
      throw new ExitCode(1);
    }
    return result;
  });
}

export const score: Command = {
  name: 'score',
  help: `Usage: podium score --truth FILE --predictions FILE --metrics NAME[,NAME...] [options]

Scores predictions against the truth with built-in metrics, without a competition.

Options:
  --predictions FILE    CSV or JSON Lines with the id and label columns (and scores)
  --metrics LIST        comma-separated metric names; "podium score --list" shows them
  --ci                  add bootstrap confidence intervals
  -q, --per-query       retrieval: each query's value too, as trec_eval -q
${scoringHelp}
  --list                list the built-in metrics and exit

With --json it prints {"metrics": {name: value}}, with --ci also
{"intervals": {name: {"low", "high", "level", "resamples", "seed"}}}, and with
--per-query {"per_query": {name: {query: value}}}.

Examples:
  podium score --truth truth.csv --predictions predictions.csv --metrics accuracy,f1_macro --ci
  podium score --truth qrels.txt --predictions run.txt --metrics map,ndcg_cut_10,P_10 -c
`,
  async run(argv, io) {
    const { values } = parse('score', argv, {
      ...scoringOptions,
      predictions: { type: 'string' },
      metrics: { type: 'string' },
      ci: { type: 'boolean' },
      'per-query': { type: 'boolean', short: 'q' },
      list: { type: 'boolean' },
    });
    if (values.list) {
      const rows = metricNames().map((n) => {
        const m = findMetric(n.replace(/([@_])k$/, '$110'))!;
        return [n, m.direction, m.reads, m.description.replace('first 10', 'first k')];
      });
      io.stdout(`${markdownTable([['metric', 'direction', 'reads', 'what it measures'], ...rows])}\n`);
      return 0;
    }
    const truthPath = path.resolve(io.cwd, required('score', values.truth, '--truth'));
    const predictionsPath = path.resolve(io.cwd, required('score', values.predictions, '--predictions'));
    const metrics = parseMetrics('score', required('score', values.metrics, '--metrics'));
    const bootstrap = values.ci ? bootstrapFrom('score', values) : undefined;
    const format = await formatFrom('score', values, truthPath);
    const spec = specFrom('score', values, metrics, format);
    const perQuery = values['per-query'] === true;
    if (perQuery && !spec.reads.has('ranking')) throw new UsageError('--per-query is for retrieval metrics, scored per query.', 'score');
    const result = await scoreOrExit(io, 'score', {
      truth: truthPath,
      predictionsPath,
      predictionsName: path.basename(predictionsPath),
      spec,
      metrics,
      ...(typeof values.format === 'string' ? { format } : {}),
      ...(bootstrap ? { bootstrap } : {}),
      ...(perQuery ? { keepPerQuery: new Set(metrics.map((m) => m.name)) } : {}),
    });
    const entries = Object.entries(result.values);
    if (values.json) {
      const out: Record<string, unknown> = { metrics: Object.fromEntries(entries.map(([k, v]) => [k, v.value])) };
      if (perQuery) out.per_query = Object.fromEntries(entries.map(([k, v]) => [k, v.per_query ?? {}]));
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
    if (perQuery) io.stdout(`\n${perQueryTable(entries)}\n`);
    if (bootstrap)
      io.stdout(`Intervals: percentile bootstrap over ${result.units} items, ${bootstrap.resamples} resamples, seed ${bootstrap.seed}.\n`);
    return 0;
  },
};

/** One row per query, one column per metric, as TREC campaigns hand them to participants. */
function perQueryTable(entries: [string, { per_query?: Record<string, number> }][]): string {
  const queries: string[] = [];
  const seen = new Set<string>();
  for (const [, v] of entries)
    for (const q of Object.keys(v.per_query ?? {}))
      if (!seen.has(q)) {
        seen.add(q);
        queries.push(q);
      }
  const rows = queries.map((q) => [q, ...entries.map(([, v]) => (v.per_query?.[q] !== undefined ? formatScore(v.per_query[q]) : '–'))]);
  return markdownTable([['query', ...entries.map(([k]) => k)], ...rows], { align: ['l', ...entries.map(() => 'r' as const)] });
}
