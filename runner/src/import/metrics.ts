import { findMetric } from '../scoring/metrics/registry.js';
import type { BundleColumn, Report } from './model.js';

/** A metric as competition.yml has it. */
export interface PodiumMetric {
  name: string;
  label: string;
  primary?: boolean;
  from?: 'program';
  /** The key in scores.json, where it is not the name. */
  key?: string;
  direction?: 'maximize' | 'minimize';
}

/** Column keys and titles the platforms use for Podium's built-in metrics. */
const NAMES: Record<string, string> = {
  accuracy: 'accuracy',
  acc: 'accuracy',
  balanced_accuracy: 'balanced_accuracy',
  bac: 'balanced_accuracy',
  f1: 'f1_macro',
  f1_score: 'f1_macro',
  f1_macro: 'f1_macro',
  macro_f1: 'f1_macro',
  f1_micro: 'f1_micro',
  auc: 'roc_auc',
  roc_auc: 'roc_auc',
  auroc: 'roc_auc',
  mcc: 'matthews_corrcoef',
  kappa: 'cohen_kappa',
  log_loss: 'log_loss',
  logloss: 'log_loss',
  mae: 'mean_absolute_error',
  mse: 'mean_squared_error',
  rmse: 'root_mean_squared_error',
  r2: 'r2',
  pearson: 'pearson',
  spearman: 'spearman',
  precision: 'precision_macro',
  recall: 'recall_macro',
};

/** A built-in metric for a leaderboard column, by its key or title. */
function metricFor(column: { key: string; title: string }): string | undefined {
  for (const candidate of [column.key, column.title]) {
    const k = candidate.toLowerCase().replace(/[\s-]+/g, '_');
    const name = NAMES[k] ?? (findMetric(k) ? k : undefined);
    if (name) return name;
  }
  return undefined;
}

/** A metric name from a column key: the key itself where it is a plain name. */
function nameOf(key: string): string {
  return /^[A-Za-z0-9][\w.-]*$/.test(key) ? key : key.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'score';
}

/**
 * The leaderboard columns as metrics. The bundle's scoring program is the source of truth:
 * where it has a command, every column is a score it writes (`from: program`, `key:` the column's
 * key), the first column primary. Podium's built-in metrics, which carry confidence intervals,
 * are added beside the columns they match only where the truth is a table with ids; a built-in
 * that takes a program metric's name pushes that one to `<key>_program`. Without a program,
 * the built-ins are all there is.
 */
export function mapColumns(columns: readonly BundleColumn[], can: { program: boolean; table: boolean }, report: Report): PodiumMetric[] {
  const program: PodiumMetric[] = [];
  const builtIn: { after: string; metric: PodiumMetric }[] = [];
  const seen = new Set<string>();
  for (const col of columns) {
    if (seen.has(col.key)) {
      report.dropped.push(`The leaderboard column "${col.title}" repeats the key ${col.key}; it is shown once.`);
      continue;
    }
    seen.add(col.key);
    if (col.computed) {
      report.dropped.push(
        `The leaderboard column "${col.title}" (${col.key}) is left out: Codabench computes it (${col.computed}) and Podium does not combine columns. To keep it, make the scoring program write ${col.key} to scores.json and add it to metrics with from: program.`,
      );
      continue;
    }
    const direction = col.sorting === 'asc' ? ('minimize' as const) : ('maximize' as const);
    if (can.program) {
      const name = nameOf(col.key);
      program.push({ name, label: col.title, from: 'program', ...(name === col.key ? {} : { key: col.key }), direction });
    }
    const name = can.table ? metricFor(col) : undefined;
    const metric = name ? findMetric(name) : undefined;
    if (name && metric && !builtIn.some((b) => b.metric.name === name)) {
      builtIn.push({ after: col.key, metric: { name, label: can.program ? `${col.title} (Podium)` : col.title } });
      if ((metric.direction === 'maximize') !== (col.sorting === 'desc'))
        report.dropped.push(
          `The column "${col.title}" sorts ${col.sorting}, but ${name} is ${metric.direction}d; Podium's ${name} uses its own direction.`,
        );
    } else if (!can.program) {
      report.dropped.push(
        `The leaderboard column "${col.title}" (${col.key}) is left out: the bundle has no scoring program with a command to compute it${can.table ? ', and no built-in metric matches it' : ''}.`,
      );
    }
  }
  const builtInNames = new Set(builtIn.map((b) => b.metric.name));
  for (const m of program) {
    if (!builtInNames.has(m.name)) continue;
    m.key = m.key ?? m.name;
    m.name = `${m.name}_program`;
  }
  const metrics: PodiumMetric[] = [];
  for (const m of program) {
    metrics.push(m);
    const key = m.key ?? m.name;
    for (const b of builtIn) if (b.after === key) metrics.push(b.metric);
  }
  if (program.length === 0) metrics.push(...builtIn.map((b) => b.metric));
  if (metrics[0]) metrics[0].primary = true;
  for (const m of metrics) {
    const col = columns.find((c) => c.key === (m.key ?? m.name));
    report.carried.push(
      m.from === 'program'
        ? `The leaderboard column "${m.label}" → the metric ${m.name}, the score the scoring program writes under "${m.key ?? m.name}" (${m.direction === 'minimize' ? 'lower' : 'higher'} is better${m.primary ? '; primary, as the first column' : ''}).`
        : `The leaderboard column "${col?.title ?? m.label}" → also Podium's built-in ${m.name}, with a confidence interval${m.primary ? ' (primary, as the first column)' : ''}.`,
    );
  }
  return metrics;
}

/** competition.yml needs a metric: accuracy when no column gave one. */
export function ensureMetric(metrics: PodiumMetric[], report: Report): void {
  if (metrics.length > 0) return;
  metrics.push({ name: 'accuracy', label: 'Accuracy', primary: true });
  report.dropped.push(
    'No leaderboard column maps to a built-in metric: accuracy was put in competition.yml to make it valid. Choose the metrics (podium score --list).',
  );
}
