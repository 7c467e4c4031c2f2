import path from 'node:path';
import { parse, required } from '../args.js';
import { UsageError } from '../io.js';
import { compareReplicates, decodeReplicates } from '../../scoring/bootstrap.js';
import { formatValue } from '../../results/standings.js';
import { bootstrapFrom, parseMetrics, scoreOrExit, scoringHelp, scoringOptions, specFrom, truthOrExit } from './score.js';
import type { Command } from './command.js';

export const compare: Command = {
  name: 'compare',
  help: `Usage: podium compare --truth FILE --metric NAME A_FILE B_FILE [options]

Scores both predictions files on the same bootstrap resamples of the test set and reports
the difference A − B (in the metric's better direction), its confidence interval, and
whether A is better: only when the whole interval is above zero. Otherwise the two are
statistically tied at that level.

Options:
  --metric NAME         the metric to compare on
${scoringHelp}

Example:
  podium compare --truth truth.csv --metric accuracy ours.csv theirs.csv
`,
  async run(argv, io) {
    const { values, positionals } = parse('compare', argv, { ...scoringOptions, metric: { type: 'string' } });
    if (positionals.length !== 2) throw new UsageError('give exactly two predictions files, A and B.', 'compare');
    const metrics = parseMetrics('compare', required('compare', values.metric, '--metric'));
    if (metrics.length !== 1) throw new UsageError('--metric takes one metric.', 'compare');
    const metric = metrics[0]!;
    const spec = specFrom('compare', values, metrics);
    const bootstrap = bootstrapFrom('compare', values);
    if (bootstrap.resamples < 10) throw new UsageError('--resamples must be at least 10 for a comparison.', 'compare');
    // Read once: both files are scored against the same table, on the same resamples.
    const truth = await truthOrExit(io, 'compare', path.resolve(io.cwd, required('compare', values.truth, '--truth')), spec);
    const [a, b] = await Promise.all(
      positionals.map((file) =>
        scoreOrExit(io, 'compare', {
          truth,
          predictionsPath: path.resolve(io.cwd, file),
          predictionsName: file,
          spec,
          metrics,
          bootstrap,
          keepReplicates: new Set([metric.name]),
        }),
      ),
    );
    const va = a!.values[metric.name]!;
    const vb = b!.values[metric.name]!;
    const ra = va.ci?.replicates;
    const rb = vb.ci?.replicates;
    if (!ra || !rb) throw new UsageError(`${metric.name} is undefined on every resample; nothing to compare.`, 'compare');
    const c = compareReplicates(decodeReplicates(ra), decodeReplicates(rb), metric.direction, bootstrap.level);
    const verdict = c.aBetter ? 'A is better' : c.high < 0 ? 'B is better' : 'statistically tied';
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
          },
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    io.stdout(`${metric.name}: A ${formatValue(va.value)}, B ${formatValue(vb.value)}\n`);
    io.stdout(
      `A − B (better is positive): ${formatValue(c.meanDifference)}, ${Math.round(bootstrap.level * 100)}% interval ${formatValue(c.low)} to ${formatValue(c.high)}\n`,
    );
    io.stdout(`B at least as good as A on ${(c.pValue * 100).toFixed(1)}% of ${c.resamples} paired resamples.\n`);
    io.stdout(`Verdict: ${verdict}.\n`);
    return 0;
  },
};
