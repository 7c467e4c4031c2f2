import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { markdownTable } from 'markdown-table';
import { parse, required } from '../args.js';
import { ExitCode, UsageError } from '../io.js';
import { didYouMean } from '../../contracts/problems.js';
import { findMetric, metricNames, MetricUndefinedError, type Metric } from '../../scoring/metrics.js';
import { CsvError, parseCsv } from '../../scoring/csv.js';
import { checkPredictions } from '../../scoring/predictions.js';
import { scoreAgainstTruth, TruthError } from '../../scoring/score.js';
import { formatValue } from '../../results/standings.js';
import { printProblems } from './shared.js';
import type { Command } from './command.js';

export const score: Command = {
  name: 'score',
  summary: 'score a predictions file against a truth file',
  help: `Usage: podium score --truth FILE --predictions FILE --metrics NAME[,NAME...] [options]

Scores predictions against the truth with built-in metrics, without a competition.

Options:
  --truth FILE          CSV with the id and label columns
  --predictions FILE    CSV with the id and label columns (and score, for ranking metrics)
  --metrics LIST        comma-separated metric names; "podium score --list" shows them
  --id-column NAME      default: id
  --label-column NAME   default: label
  --score-column NAME   default: score (read only by ranking metrics such as roc_auc)
  --list                list the built-in metrics and exit
  --json                print {"metrics": {name: value}} on stdout

Example:
  podium score --truth truth.csv --predictions predictions.csv --metrics accuracy,f1_macro
`,
  async run(argv, io) {
    const { values } = parse('score', argv, {
      truth: { type: 'string' },
      predictions: { type: 'string' },
      metrics: { type: 'string' },
      'id-column': { type: 'string' },
      'label-column': { type: 'string' },
      'score-column': { type: 'string' },
      list: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (values.list) {
      const rows = metricNames().map((n) => {
        const m = findMetric(n)!;
        return [m.name, m.direction, m.reads, m.description];
      });
      io.stdout(`${markdownTable([['metric', 'direction', 'reads', 'what it measures'], ...rows])}\n`);
      return 0;
    }
    const truthFile = path.resolve(io.cwd, required('score', values.truth, '--truth'));
    const predFile = path.resolve(io.cwd, required('score', values.predictions, '--predictions'));
    const metrics: Metric[] = required('score', values.metrics, '--metrics')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((name) => {
        const m = findMetric(name);
        if (!m)
          throw new UsageError(
            `unknown metric "${name}".${didYouMean(name, metricNames())} Run "podium score --list" to see them.`,
            'score',
          );
        return m;
      });
    const reads = new Set(metrics.map((m) => m.reads));
    if (reads.has('label') && reads.has('number'))
      throw new UsageError('these metrics read the label column both as classes and as numbers; score them separately.', 'score');
    const id = values['id-column'] ?? 'id';
    const target = values['label-column'] ?? 'label';
    const scoreCol = values['score-column'] ?? 'score';

    const predText = await readText(io, predFile, '--predictions');
    const checked = checkPredictions(path.basename(predFile), predText, {
      id,
      target,
      ...(reads.has('score') ? { score: scoreCol } : {}),
      numericTarget: reads.has('number'),
    });
    if (!checked.ok) {
      io.stderr(`✗ the predictions cannot be scored:\n`);
      printProblems(io, checked.problems);
      throw new ExitCode(1);
    }
    let result;
    try {
      const truth = parseCsv(await readText(io, truthFile, '--truth'));
      result = scoreAgainstTruth(truth, { id, target }, checked.predictions, metrics, path.basename(predFile));
    } catch (e: unknown) {
      if (e instanceof CsvError || e instanceof TruthError || e instanceof MetricUndefinedError) {
        io.stderr(`✗ ${e instanceof CsvError ? `${path.basename(truthFile)}: ` : ''}${e.message}\n`);
        throw new ExitCode(1);
      }
      throw e;
    }
    if (!result.ok) {
      io.stderr(`✗ the predictions do not match the truth:\n`);
      printProblems(io, result.problems);
      return 1;
    }
    if (values.json) io.stdout(`${JSON.stringify({ metrics: result.values }, null, 2)}\n`);
    else
      io.stdout(
        `${markdownTable([['metric', 'value'], ...Object.entries(result.values).map(([k, v]) => [k, formatValue(v)])], { align: ['l', 'r'] })}\n`,
      );
    return 0;
  },
};

async function readText(io: { cwd: string }, file: string, option: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`${option}: cannot read ${path.relative(io.cwd, file) || file}.`, 'score');
  }
}
