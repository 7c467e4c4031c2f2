import { findMetric } from '../scoring/metrics/registry.js';
import type { BundleColumn, Report } from './model.js';
import type { ProgramCommand } from './program.js';

/** A metric as competition.yml has it. */
export interface PodiumMetric {
  name: string;
  label: string;
  primary?: boolean;
  from?: 'program';
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

/**
 * Leaderboard columns to built-in metrics (which get intervals); the other columns to scores the
 * scoring program writes, when it has a command to run; the first column is the primary metric.
 */
export function mapColumns(
  columns: readonly BundleColumn[],
  program: ProgramCommand | undefined,
  report: Report,
): { metrics: PodiumMetric[]; fromProgram: string[] } {
  const metrics: PodiumMetric[] = [];
  const fromProgram: string[] = [];
  for (const col of columns) {
    const name = metricFor(col);
    const metric = name ? findMetric(name) : undefined;
    if (!name || !metric) {
      if (program?.command && /^[\w.-]+$/.test(col.key) && !metrics.some((x) => x.name === col.key)) {
        metrics.push({
          name: col.key,
          label: col.title,
          from: 'program',
          direction: col.sorting === 'asc' ? 'minimize' : 'maximize',
          ...(metrics.length === 0 ? { primary: true } : {}),
        });
        fromProgram.push(col.key);
        report.carried.push(
          `The leaderboard column "${col.title}" → ${col.key}, a score the scoring program writes (${col.sorting === 'asc' ? 'lower' : 'higher'} is better)${metrics.length === 1 ? '; primary: the first column' : ''}.`,
        );
      } else report.dropped.push(`The leaderboard column "${col.title}" (${col.key}) is not a built-in metric; it is left out.`);
      continue;
    }
    if ((metric.direction === 'maximize') !== (col.sorting === 'desc'))
      report.dropped.push(
        `The column "${col.title}" sorts ${col.sorting}, but ${name} is ${metric.direction}d; Podium uses the metric's own direction.`,
      );
    if (metrics.some((x) => x.name === name)) continue;
    metrics.push({ name, label: col.title, ...(metrics.length === 0 ? { primary: true } : {}) });
    report.carried.push(
      `The leaderboard column "${col.title}" → the metric ${name}${metrics.length === 1 ? ' (primary: the first column)' : ''}.`,
    );
  }
  return { metrics, fromProgram };
}

/** competition.yml needs a metric: accuracy when no column gave one. */
export function ensureMetric(metrics: PodiumMetric[], report: Report): void {
  if (metrics.length > 0) return;
  metrics.push({ name: 'accuracy', label: 'Accuracy', primary: true });
  report.dropped.push(
    'No leaderboard column maps to a built-in metric: accuracy was put in competition.yml to make it valid. Choose the metrics (podium score --list).',
  );
}
