import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { drawCounts } from '../../runner/src/scoring/bootstrap.js';
import { looksLikeCoco, readCocoResults, readCocoTruth } from '../../runner/src/scoring/coco.js';
import { COCO_STATS } from '../../runner/src/scoring/metrics/detection.js';
import { TruthError } from '../../runner/src/scoring/spec.js';
import { findMetric, MetricUndefinedError, type DetectionData, type ScoringInput } from '../../runner/src/scoring/metrics/registry.js';
import { useTempDirs } from '../helpers/temp.js';

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

describe('COCO results are checked, each fault said with where and what to do', () => {
  const base = new Map(cases).get('sizes')!;
  const refused = async (results: unknown, maxDetections = 100) => {
    const t = await readCocoTruth({ text: JSON.stringify(base.truth) });
    const r = await readCocoResults('results.json', { text: typeof results === 'string' ? results : JSON.stringify(results) }, t, {
      maxDetections,
    });
    return r.ok ? [] : r.problems;
  };
  const good = base.results;
  const det = { image_id: 1, category_id: 1, bbox: [1, 2, 3, 4], score: 0.5 };

  it('accepts the file as it is (the control for each case below)', async () => {
    expect(await refused(good)).toEqual([]);
  });

  it.each([
    [
      'an image id not in the truth',
      { ...det, image_id: 99 },
      /1 detection has an "image_id" that is not an image of the test set \(results\[8\]: 99\)/,
      '/8/image_id',
    ],
    ['an image id as text', { ...det, image_id: '1' }, /"image_id" that is not an image.*results\[8\]: "1"/, '/8/image_id'],
    [
      'a category id not in the truth',
      { ...det, category_id: 7 },
      /"category_id" that is not one of the categories \(results\[8\]: 7\)\. Use the category ids of the truth: 1, 2\./,
      '/8/category_id',
    ],
    [
      'a bbox of 3 numbers',
      { ...det, bbox: [1, 2, 3] },
      /"bbox" that is not 4 finite numbers \(results\[8\]: \[1,2,3\]\)\. Write each box as \[x, y, width, height\]/,
      '/8/bbox',
    ],
    ['a bbox with text', { ...det, bbox: [1, 2, '3', 4] }, /"bbox" that is not 4 finite numbers/, '/8/bbox'],
    ['no bbox', { image_id: 1, category_id: 1, score: 0.5 }, /"bbox" that is not 4 finite numbers \(results\[8\]: undefined\)/, '/8/bbox'],
    [
      'a negative width',
      { ...det, bbox: [1, 2, -3, 4] },
      /"bbox" with a negative width or height \(results\[8\]: \[1,2,-3,4\]\)/,
      '/8/bbox',
    ],
    [
      'a score as text',
      { ...det, score: '0.5' },
      /"score" that is not a finite number \(results\[8\]: "0\.5"\)\. Give each detection a confidence score/,
      '/8/score',
    ],
    ['a score "NaN"', { ...det, score: 'NaN' }, /"score" that is not a finite number \(results\[8\]: "NaN"\)/, '/8/score'],
    ['a null score', { ...det, score: null }, /"score" that is not a finite number \(results\[8\]: null\)/, '/8/score'],
    ['a number instead of an object', 5, /1 detection has no object \(results\[8\]: 5\)/, '/8'],
  ])('refuses %s', async (_what, bad, message, where) => {
    const problems = await refused([...good, bad]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(message);
    expect(problems[0]!).toMatchObject({ file: 'results.json', path: where });
  });

  it('counts a fault found many times once, with the first entries', async () => {
    const problems = await refused([...good, ...Array.from({ length: 5 }, () => ({ ...det, score: 'high' }))]);
    expect(problems.map((p) => p.message)).toEqual([
      '5 detections have a "score" that is not a finite number (results[8]: "high"; results[9]: "high"; results[10]: "high"). Give each detection a confidence score, a number (not NaN, not a string); the detections are ranked by it.',
    ]);
  });

  it('describes a value nested too deeply to show rather than crash on it (control: a shallow one is quoted)', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const withBox = (box: string) => `${JSON.stringify(good).slice(0, -1)},{"image_id":1,"category_id":1,"bbox":${box},"score":0.5}]`;
    const problems = await refused(withBox(deep));
    expect(problems.map((p) => p.message)).toEqual([
      '1 detection has a "bbox" that is not 4 finite numbers (results[8]: a list nested too deeply to show). Write each box as [x, y, width, height], in pixels.',
    ]);
    expect((await refused(withBox('[[[]]]')))[0]!.message).toContain('(results[8]: [[[]]])');
  });

  it('quotes no value of results computed from hidden inputs', async () => {
    const t = await readCocoTruth({ text: JSON.stringify(base.truth) });
    const r = await readCocoResults('out.json', { text: JSON.stringify([...good, { ...det, score: 'SECRET' }]) }, t, { quote: false });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems[0]!.message).toMatch(/\(results\[8\]\)/);
      expect(JSON.stringify(r.problems)).not.toContain('SECRET');
    }
  });

  it('refuses NaN and Infinity, as Python writes them, at their line', async () => {
    const text = JSON.stringify(good, null, 1).replace('"score": 0.9', '"score": NaN');
    const problems = await refused(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(
      /^NaN is not a JSON number \(Python's json module writes it for a float that is not finite\); give finite numbers only/,
    );
    expect(problems[0]!.line).toBe(text.split('\n').findIndex((l) => l.includes('NaN')) + 1);
    expect(await refused(text.replace('NaN', '0.9'))).toEqual([]);
    expect((await refused('[{"image_id": 1,'))[0]!.message).toMatch(/^it is not valid JSON/);
    // A number too large for a double reads as Infinity.
    const huge = await refused(text.replace('NaN', '1e999'));
    expect(huge.map((p) => p.message)).toEqual([
      expect.stringMatching(/^1 detection has a "score" that is not a finite number \(results\[\d\]: Infinity\)/),
    ]);
  });

  it('refuses what is not a list of detections', async () => {
    expect((await refused({ detections: good }))[0]!.message).toMatch(
      /^COCO results are a JSON list of \{"image_id", "category_id", "bbox", "score"\}/,
    );
    expect((await refused(base.truth))[0]!.message).toMatch(/^this is a COCO instances file/);
    expect(await refused([])).toEqual([]);
  });

  it('refuses more than the limit of detections per image (100 unless the competition says), and accepts the limit', async () => {
    const many = (k: number) => [...good, ...Array.from({ length: k }, (_, i) => ({ ...det, image_id: 2, score: i / k }))];
    // Image 2 has 2 detections in the base file.
    expect(await refused(many(98))).toEqual([]);
    const problems = await refused(many(99));
    expect(problems.map((p) => p.message)).toEqual([
      '1 image has more than 100 detections (image 2: 101). Give at most 100 detections per image, the highest-scoring ones.',
    ]);
    expect(await refused(many(99), 101)).toEqual([]);
    expect((await refused(many(9), 10))[0]!.message).toMatch(/^1 image has more than 10 detections \(image 2: 11\)/);
  });
});

describe('COCO truth faults are the organiser’s', () => {
  const base = new Map(cases).get('sizes')!.truth;
  const read = (truth: unknown) => readCocoTruth({ text: JSON.stringify(truth) });
  const withAnn = (change: Record<string, unknown>) => ({
    ...base,
    annotations: base.annotations.map((a, i) => (i === 2 ? { ...a, ...change } : a)),
  });

  it('reads the truth as it is (the control)', async () => {
    const t = await read(base);
    expect([...t.imageIds]).toEqual([1, 2, 3]);
    expect([...t.categoryIds]).toEqual([1, 2]);
    expect(t.gt.start.length).toBe(4);
  });

  it.each([
    ['no area', { area: undefined }, /^the truth's annotations\[2\] needs an "area", a number 0 or more/],
    ['no iscrowd', { iscrowd: undefined }, /^the truth's annotations\[2\] needs "iscrowd": 0, or 1 for a crowd region/],
    ['annotation id 0', { id: 0 }, /^the truth's annotations\[2\] needs a numeric "id" other than 0/],
    ['a repeated annotation id', { id: 1 }, /^the truth's annotations\[2\] repeats the annotation id 1/],
    [
      'an unknown image',
      { image_id: 9 },
      /^the truth's annotations\[2\] has an "image_id" that is not the id of one of the truth's images/,
    ],
    [
      'an unknown category',
      { category_id: 9 },
      /^the truth's annotations\[2\] has a "category_id" that is not the id of one of the truth's categories/,
    ],
    ['a malformed bbox', { bbox: [1, 2, 3] }, /^the truth's annotations\[2\]\.bbox is not 4 finite numbers \[x, y, width, height\]/],
  ])('refuses an annotation with %s', async (_what, change, message) => {
    await expect(read(withAnn(change))).rejects.toThrow(TruthError);
    await expect(read(withAnn(change))).rejects.toThrow(message);
  });

  it('refuses a file that is not instances JSON, and repeated images or categories', async () => {
    await expect(read([])).rejects.toThrow(/must be a JSON object with the lists "images", "annotations" and "categories"/);
    await expect(read({ ...base, images: [], annotations: [] })).rejects.toThrow(/^the COCO truth lists no images/);
    await expect(read({ ...base, images: [...base.images, { id: 1 }] })).rejects.toThrow(/lists an image id twice/);
    await expect(read({ ...base, categories: [...base.categories, { id: 2 }] })).rejects.toThrow(/lists a category id twice/);
  });
});

describe('podium score on COCO files', () => {
  const temp = useTempDirs();
  const bin = path.join(import.meta.dirname, '../../bin/podium.js');
  const podium = (...args: string[]) =>
    promisify(execFile)(process.execPath, [bin, ...args]).catch((e: { code: number; stdout: string; stderr: string }) => e);

  async function files(name: string, results?: unknown): Promise<{ truth: string; results: string; c: Case }> {
    const c = new Map(cases).get(name)!;
    const dir = await temp();
    const out = { truth: path.join(dir, 'instances_val.json'), results: path.join(dir, 'detections'), c };
    await writeFile(out.truth, JSON.stringify(c.truth, null, 2));
    await writeFile(out.results, JSON.stringify(results ?? c.results));
    return out;
  }

  it('knows COCO files from their content', async () => {
    const f = await files('sizes');
    expect(await looksLikeCoco(f.truth)).toBe(true);
    expect(await looksLikeCoco(f.results)).toBe(true);
    const dir = await temp();
    await writeFile(path.join(dir, 'rows'), '{"id": "a", "images": 3}\n{"id": "b", "images": 4}\n');
    await writeFile(path.join(dir, 'list'), '[1, 2, 3]');
    expect(await looksLikeCoco(path.join(dir, 'rows'))).toBe(false);
    expect(await looksLikeCoco(path.join(dir, 'list'))).toBe(false);
  });

  it("prints pycocotools' twelve stats, with intervals over the images, and each category's AP", async () => {
    const f = await files('random');
    const all = COCO_STATS.join(',');
    const out = await podium(
      'score',
      '--truth',
      f.truth,
      '--predictions',
      f.results,
      '--metrics',
      all,
      '--json',
      '--ci',
      '--resamples',
      '200',
      '-q',
    );
    expect(out).toMatchObject({ stderr: '' });
    const json = JSON.parse(out.stdout) as {
      metrics: Record<string, number>;
      intervals: Record<string, { low: number; high: number; resamples: number }>;
      per_category: Record<string, Record<string, number>>;
    };
    COCO_STATS.forEach((s, k) => {
      near(json.metrics[s]!, f.c.stats[k]!);
      expect(json.intervals[s]!.resamples).toBe(200);
      expect(json.intervals[s]!.low).toBeLessThan(json.intervals[s]!.high);
    });
    for (const [id, ap] of Object.entries(f.c.per_category_ap))
      if (ap === null) expect(json.per_category.coco_ap![id]).toBeUndefined();
      else near(json.per_category.coco_ap![id]!, ap);
    const table = await podium('score', '--format', 'coco', '--truth', f.truth, '--predictions', f.results, '--metrics', 'coco_ap', '--ci');
    expect(table.stdout).toMatch(/\| coco_ap +\| +0\.3028 \| +0\.\d{4} – 0\.\d{4} \|/);
    expect(table.stdout).toContain('Intervals: percentile bootstrap over 300 images, 1000 resamples, seed 20260101.');
  });

  it('says which stat is undefined, and refuses a faulty results file with where and what', async () => {
    const f = await files('no-small');
    const undef = await podium('score', '--truth', f.truth, '--predictions', f.results, '--metrics', 'coco_ap_small');
    expect(undef).toMatchObject({ code: 1 });
    expect(undef.stderr).toContain('coco_ap_small is undefined here: no category has a small ground truth box that is not a crowd region');
    const bad = await files('sizes', [
      ...new Map(cases).get('sizes')!.results,
      { image_id: 4, category_id: 1, bbox: [0, 0, 1, 1], score: 1 },
    ]);
    const refused = await podium('score', '--truth', bad.truth, '--predictions', bad.results, '--metrics', 'coco_ap');
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.stderr).toContain('✗ detections cannot be scored:');
    expect(refused.stderr).toContain('detections: 1 detection has an "image_id" that is not an image of the test set (results[8]: 4).');
    const mixed = await podium('score', '--truth', bad.truth, '--predictions', bad.results, '--metrics', 'coco_ap,accuracy');
    expect(mixed.stderr).toContain('score them with the COCO metrics only');
    const limit = await podium('score', '--truth', f.truth, '--predictions', f.results, '--metrics', 'coco_ap', '--max-detections', '1');
    expect(limit.stderr).toContain('1 image has more than 1 detections (image 1: 2)');
  });

  it('compares two results files on the same resamples of the images', async () => {
    const f = await files('random');
    const worse = path.join(path.dirname(f.results), 'worse.json');
    await writeFile(worse, JSON.stringify(f.c.results.map((r, i) => (i % 3 === 0 ? { ...r, score: 0.01 } : r))));
    const out = await podium('compare', '--truth', f.truth, '--metric', 'coco_ap', '--resamples', '200', '--json', f.results, worse);
    expect(out).toMatchObject({ stderr: '' });
    const json = JSON.parse(out.stdout) as { a: { value: number }; difference: { low: number; high: number } };
    near(json.a.value, f.c.stats[0]!);
    expect(json.difference.low).toBeLessThanOrEqual(json.difference.high);
  });
});
