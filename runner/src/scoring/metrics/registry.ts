import { classificationMetrics } from './classification.js';
import { detectionMetrics } from './detection.js';
import { labelSetMetrics } from './label-sets.js';
import { rankingMetrics } from './ranking.js';
import { regressionMetrics } from './regression.js';
import { retrievalMetric } from './retrieval.js';
import { textMetrics } from './text.js';
import { trecMetric, trecNames } from './trec.js';
import type { Metric } from './types.js';

export * from './types.js';

const fixed = new Map<string, Metric>(
  [
    ...classificationMetrics,
    ...rankingMetrics,
    ...regressionMetrics,
    // Multi-label metrics on predicted label sets.
    ...labelSetMetrics,
    // Captions and transcripts: BLEU, chrF, CIDEr-D, ROUGE-L, WER, CER.
    ...textMetrics,
    // Object detection: pycocotools' twelve bbox stats.
    ...detectionMetrics,
  ].map((m) => [m.name, m]),
);

/** Names to list and to suggest from; retrieval metrics take any cut-off (`map@k`, `P_k`). */
export function metricNames(): string[] {
  return [...fixed.keys(), 'map@k', 'ndcg@k', 'precision@k', 'recall@k', ...trecNames];
}

export function findMetric(name: string): Metric | undefined {
  return fixed.get(name) ?? retrievalMetric(name) ?? trecMetric(name);
}
