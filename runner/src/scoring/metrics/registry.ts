import { classificationMetrics } from './classification.js';
import { detectionMetrics } from './detection.js';
import { rankingMetrics } from './ranking.js';
import { regressionMetrics } from './regression.js';
import { retrievalMetric } from './retrieval.js';
import { trecMetric, trecNames } from './trec.js';
import type { Metric } from './types.js';

export * from './types.js';

const fixed = new Map<string, Metric>([...classificationMetrics, ...rankingMetrics, ...regressionMetrics].map((m) => [m.name, m]));
for (const m of detectionMetrics) fixed.set(m.name, m);

/** Names to list and to suggest from; retrieval metrics take any cut-off (`map@k`, `P_k`). */
export function metricNames(): string[] {
  return [...fixed.keys(), 'map@k', 'ndcg@k', 'precision@k', 'recall@k', ...trecNames];
}

export function findMetric(name: string): Metric | undefined {
  return fixed.get(name) ?? retrievalMetric(name) ?? trecMetric(name);
}
