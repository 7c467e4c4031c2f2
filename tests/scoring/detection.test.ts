import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drawCounts } from '../../runner/src/scoring/bootstrap.js';
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

/** The resample as a dataset of its own: each drawn image once per draw, copies with new, adjacent ids. */
function duplicated(c: Case, weights: Uint32Array): { truth: Case['truth']; results: Case['results'] } {
  const ids = c.truth.images.map((im) => im.id).sort((a, b) => a - b);
  const copies = new Map<number, number[]>();
  let next = 1;
  ids.forEach((id, i) =>
    copies.set(
      id,
      Array.from({ length: weights[i]! }, () => next++),
    ),
  );
  let annId = 1;
  return {
    truth: {
      images: [...copies.values()].flat().map((id) => ({ id })),
      categories: c.truth.categories,
      annotations: c.truth.annotations.flatMap((a) => copies.get(a.image_id as number)!.map((id) => ({ ...a, id: annId++, image_id: id }))),
    },
    results: c.results.flatMap((r) => copies.get(r.image_id as number)!.map((id) => ({ ...r, image_id: id }))),
  };
}

describe('COCO metrics on bootstrap resamples', () => {
  const byName = new Map(cases);
  it.each(['random-ties', 'ties', 'crowd', 'many'])(
    '%s: a weighted resample equals pycocotools on the drawn images as a dataset',
    async (name) => {
      const c = byName.get(name)!;
      const data = await load(c.truth, c.results, c.max_detections);
      const input = inputOf(data);
      const evaluators = COCO_STATS.map((s) => findMetric(s)!.prepare(input));
      const n = data.imageIds.length;
      const draws = Array.from({ length: 4 }, (_, b) => {
        const w = new Uint32Array(n);
        drawCounts(n, 11, b, w);
        return w;
      });
      // And one where every image is drawn 3 times, or 2, or not at all, so that equal scores in an image repeat.
      draws.push(Uint32Array.from({ length: n }, (_, i) => [3, 0, 2][i % 3]!));
      for (let b = 0; b < draws.length; b++) {
        const w = draws[b]!;
        const copy = duplicated(c, w);
        const copyInput = inputOf(await load(copy.truth, copy.results, c.max_detections));
        COCO_STATS.forEach((s, k) => {
          let weighted: number | undefined;
          let plain: number | undefined;
          try {
            weighted = evaluators[k]!(w, b);
          } catch (e: unknown) {
            if (!(e instanceof MetricUndefinedError)) throw e;
          }
          try {
            plain = findMetric(s)!.prepare(copyInput)();
          } catch (e: unknown) {
            if (!(e instanceof MetricUndefinedError)) throw e;
          }
          expect(weighted === undefined, `${s} undefined on resample ${b}`).toBe(plain === undefined);
          if (weighted !== undefined) expect(Math.abs(weighted - plain!), `${s} on resample ${b}`).toBeLessThanOrEqual(1e-12);
        });
      }
    },
  );

  it('with every weight 1 gives the plain value bit for bit, and one resample is shared by the twelve', async () => {
    const c = new Map(cases).get('random')!;
    const input = inputOf(await load(c.truth, c.results));
    const ones = new Uint32Array(input.units).fill(1);
    for (const s of COCO_STATS) {
      const evaluate = findMetric(s)!.prepare(input);
      expect(evaluate(ones, 0)).toBe(evaluate());
    }
  });
});
