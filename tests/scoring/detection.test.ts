import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCocoResults, readCocoTruth } from '../../runner/src/scoring/coco.js';
import { COCO_STATS } from '../../runner/src/scoring/metrics/detection.js';
import { findMetric, MetricUndefinedError, type DetectionData, type ScoringInput } from '../../runner/src/scoring/metrics/registry.js';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/coco');

interface Case {
  max_detections: number;
  truth: { images: { id: number }[]; annotations: Record<string, unknown>[]; categories: { id: number }[] };
  results: Record<string, unknown>[];
  stats: (number | null)[];
  per_category_ap: Record<string, number | null>;
}

const cases = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(path.join(FIXTURES, f), 'utf8')) as Case] as const);

async function load(truth: unknown, results: unknown, maxDetections = 100): Promise<DetectionData> {
  const t = await readCocoTruth({ text: JSON.stringify(truth) });
  const r = await readCocoResults('results.json', { text: JSON.stringify(results) }, t, { maxDetections });
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return r.data;
}

const inputOf = (data: DetectionData): ScoringInput => ({ units: data.imageIds.length, detection: data });

/** Within an absolute 1e-9. */
function near(actual: number, expected: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(1e-9);
}

describe("COCO detection metrics: pycocotools' COCOeval stats", () => {
  it.each(cases)('%s: the twelve stats and per-category AP', async (_name, c) => {
    const data = await load(c.truth, c.results, c.max_detections);
    const input = inputOf(data);
    COCO_STATS.forEach((name, s) => {
      const evaluate = findMetric(name)!.prepare(input);
      const expected = c.stats[s];
      if (expected === null) expect(() => evaluate()).toThrow(MetricUndefinedError);
      else near(evaluate(), expected!);
    });
    const per = findMetric('coco_ap')!.prepare(input).perCategory!;
    per.names.forEach((id, k) => {
      const expected = c.per_category_ap[id];
      expect(per.counted[k], `category ${id}`).toBe(expected === null ? 0 : 1);
      if (expected !== null) near(per.values[k]!, expected!);
    });
    expect(per.names).toEqual(Object.keys(c.per_category_ap));
  });
});
