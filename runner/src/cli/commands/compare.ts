import path from 'node:path';
import { required } from '../args.js';
import { UsageError } from '../io.js';
import { compareReplicates, decodeReplicates, pairedVerdict } from '../../scoring/bootstrap.js';
import { formatScore } from '../../format/units.js';
import { bootstrapFrom, formatFrom, maxDetectionsFrom, parseMetrics, scoreOrExit, scoringOptions, specFrom, truthOrExit } from './score.js';
import { markdownTable } from 'markdown-table';
import { defineCommand } from './command.js';
import { PodiumError } from '../../contracts/problems.js';
import { keyOfFile } from '../../files/tree.js';

export const compare = defineCommand({
  name: 'compare',
  usage: ['compare --truth FILE --metric NAME A_FILE B_FILE [options]'],
  description: `Scores both predictions files on the same bootstrap resamples of the test set and reports
the difference A − B (in the metric's better direction), its confidence interval, and
whether A is better: only when the whole interval is above zero (B is better when it is
all below). Otherwise the two are statistically tied at that level. It is the leaderboard's
tie test: with --keyed, on the competition's truth file (records of a competition without a
private part), with the competition's seed, resamples and level, it gives the verdict the
leaderboard shows for A against the leader B.`,
  options: {
    metric: { type: 'string', value: 'NAME', help: 'the metric to compare on' },
    'per-query': { type: 'boolean', short: 'q', help: 'retrieval: both values and the difference on each query' },
    keyed: {
      type: 'boolean',
      help: "draw the resamples as an evaluation on hidden data does, from a seed keyed by the truth file's bytes (the records' draws: keyed-by-truth)",
    },
    ...scoringOptions,
  },
  notes: 'For retrieval the resamples draw queries, so the comparison is paired by query.',
  examples: [
    'podium compare --truth truth.csv --metric accuracy ours.csv theirs.csv',
    'podium compare --truth qrels.txt --metric ndcg_cut_10 --per-query ours.run theirs.run',
  ],
  async run({ values, positionals }, io) {
    if (positionals.length !== 2) throw new UsageError('give exactly two predictions files, A and B.');
    const metrics = parseMetrics(required(values.metric, '--metric'));
    if (metrics.length !== 1) throw new UsageError('--metric takes one metric.');
    const metric = metrics[0]!;
    const truthPath = path.resolve(io.cwd, required(values.truth, '--truth'));
    const bootstrap = {
      ...bootstrapFrom(values),
      ...(values.keyed ? { drawKey: await keyOfFile(truthPath, bootstrapFrom(values).seed) } : {}),
    };
    if (bootstrap.resamples < 10) throw new UsageError('--resamples must be at least 10 for a comparison.');
    const format = await formatFrom(values, truthPath);
    const spec = specFrom(values, metrics, format);
    const perQuery = values['per-query'] === true;
    if (perQuery && !spec.reads.has('ranking')) throw new UsageError('--per-query is for retrieval metrics, scored per query.');
    // Read once: both files are scored against the same table, on the same resamples.
    const truth = await truthOrExit(io, truthPath, spec, format);
    const [a, b] = await Promise.all(
      positionals.map((file) =>
        scoreOrExit(io, {
          truth,
          predictionsPath: path.resolve(io.cwd, file),
          predictionsName: file,
          spec,
          metrics,
          bootstrap,
          keepReplicates: new Set([metric.name]),
          keepPerQuery: new Set([metric.name]),
          ...(values.format !== undefined ? { format } : {}),
          ...(spec.reads.has('boxes') ? { maxDetections: maxDetectionsFrom(values) } : {}),
        }),
      ),
    );
    const va = a!.values[metric.name]!;
    const vb = b!.values[metric.name]!;
    const ra = va.ci?.replicates;
    const rb = vb.ci?.replicates;
    if (!ra || !rb)
      throw new PodiumError(`${metric.name} is undefined on every resample; nothing to compare.`, {
        fix: 'compare on a metric that has a value on this test set.',
      });
    const c = compareReplicates(decodeReplicates(ra), decodeReplicates(rb), metric.direction, bootstrap.level);
    // The leaderboard's tie test: the same function on the same float32 replicates a record stores.
    const verdict = { 'a-better': 'A is better', 'b-better': 'B is better', tied: 'statistically tied' }[pairedVerdict(c)];
    if (values.json) {
      io.stdout(
        `${JSON.stringify(
          {
            metric: metric.name,
            a: { file: positionals[0], value: va.value },
            b: { file: positionals[1], value: vb.value },
            difference: { mean: c.meanDifference, low: c.low, high: c.high, level: bootstrap.level },
            p_value: c.pValue,
            verdict,
            resamples: c.resamples,
            seed: bootstrap.seed,
            ...(perQuery ? { per_query: topics(va.per_query ?? {}, vb.per_query ?? {}, metric.direction).rows } : {}),
          },
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    io.stdout(`${metric.name}: A ${formatScore(va.value)}, B ${formatScore(vb.value)}\n`);
    io.stdout(
      `A − B (better is positive): ${formatScore(c.meanDifference)}, ${Math.round(bootstrap.level * 100)}% interval ${formatScore(c.low)} to ${formatScore(c.high)}\n`,
    );
    io.stdout(`B at least as good as A on ${(c.pValue * 100).toFixed(1)}% of ${c.resamples} paired resamples.\n`);
    io.stdout(`Verdict: ${verdict}.\n`);
    if (perQuery) {
      const t = topics(va.per_query ?? {}, vb.per_query ?? {}, metric.direction);
      io.stdout(`\nPer query: A better on ${t.a}, B better on ${t.b}, equal on ${t.equal}.\n\n`);
      const rows = t.rows.map((r) => [r.query, fmt(r.a), fmt(r.b), r.difference === null ? '–' : formatScore(r.difference)]);
      io.stdout(`${markdownTable([['query', 'A', 'B', 'A − B'], ...rows], { align: ['l', 'r', 'r', 'r'] })}\n`);
    }
    return 0;
  },
});

const fmt = (v: number | null) => (v === null ? '–' : formatScore(v));

/** Query by query: both values and A − B in the better direction (null where one side does not count the query). */
function topics(a: Record<string, number>, b: Record<string, number>, direction: 'maximize' | 'minimize') {
  const queries = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const sign = direction === 'maximize' ? 1 : -1;
  let betterA = 0;
  let betterB = 0;
  let equal = 0;
  const rows = queries.map((query) => {
    const va = a[query] ?? null;
    const vb = b[query] ?? null;
    const difference = va !== null && vb !== null ? sign * (va - vb) : null;
    if (difference !== null) {
      if (difference > 0) betterA++;
      else if (difference < 0) betterB++;
      else equal++;
    }
    return { query, a: va, b: vb, difference };
  });
  return { rows, a: betterA, b: betterB, equal };
}
