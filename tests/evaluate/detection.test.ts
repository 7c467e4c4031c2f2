import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCompetition } from '../../runner/src/competition/load.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { checkHiddenData } from '../../runner/src/evaluate/hidden-truth.js';
import { inPrivatePart } from '../../runner/src/evaluate/private-split.js';
import { detectionData, noisyDetector, type CocoDetection, type DetectionExample } from '../../runner/src/example/detection.js';
import { initCompetition } from '../../runner/src/init/init.js';
import { checkRecord } from '../../runner/src/results/record.js';
import { unseal } from '../../runner/src/results/seal.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { findMetric } from '../../runner/src/scoring/metrics/registry.js';
import { scoreFiles } from '../../runner/src/scoring/score.js';
import { validateSubmission } from '../../runner/src/submission/validate.js';
import { useTempDirs } from '../helpers/temp.js';
import { requireTool } from '../helpers/tools.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';

const available = requireTool('a Docker engine', await engineAvailable());

const temp = useTempDirs();
const KEY = randomBytes(32);
const ENV = { PODIUM_SEAL_KEY: KEY.toString('hex') };
const METRICS = ['coco_ap', 'coco_ap50', 'coco_ap75', 'coco_ap_small', 'coco_ar100'];

/** The detection example competition, its competition.yml edited, with a submission of these detections. */
async function detectionCompetition(edit: (yml: string) => string = (y) => y) {
  const root = await temp();
  const dir = path.join(root, 'competition');
  const hidden = path.join(root, 'hidden');
  await initCompetition({ dir, example: 'detection', hiddenDir: hidden, git: false });
  const yml = path.join(dir, 'competition.yml');
  await writeFile(yml, edit(await readFile(yml, 'utf8')));
  const competition = await loadCompetition(dir);
  const submit = async (name: string, detections: unknown) => {
    const sub = path.join(dir, 'submissions', 'team-a', name);
    await mkdir(sub, { recursive: true });
    await writeFile(path.join(sub, 'detections.json'), JSON.stringify(detections));
    await writeFile(path.join(sub, 'submission.yml'), `team: team-a\nname: ${name}\nkind: predictions\npredictions: detections.json\n`);
    return sub;
  };
  return { dir, hidden, competition, submit };
}

/** The metrics computed from scratch by `podium score`'s engine on these images alone: their own truth and results files. */
async function scoredOn(data: DetectionExample, detections: readonly CocoDetection[], keep: (imageId: number) => boolean) {
  const dir = await temp();
  const truth = {
    images: data.images.filter((i) => keep(i.id)),
    annotations: data.annotations.filter((a) => keep(a.image_id)),
    categories: [
      { id: 1, name: 'face' },
      { id: 2, name: 'logo' },
      { id: 3, name: 'caption' },
    ],
  };
  await writeFile(path.join(dir, 'truth.json'), JSON.stringify(truth));
  await writeFile(path.join(dir, 'results.json'), JSON.stringify(detections.filter((d) => keep(d.image_id))));
  const r = await scoreFiles({
    truth: path.join(dir, 'truth.json'),
    predictionsPath: path.join(dir, 'results.json'),
    predictionsName: 'results.json',
    spec: { id: 'id', target: 'label', score: 'score', reads: new Set(['boxes']) },
    metrics: METRICS.map((name) => ({ name, metric: findMetric(name)!, direction: 'maximize' as const })),
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return Object.fromEntries(Object.entries(r.values).map(([k, v]) => [k, v.value]));
}

const values = (scores: Record<string, { value: number }>) => Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, v.value]));

function scored(r: ResultRecord): Extract<ResultRecord, { status: 'scored' }> {
  if (r.status !== 'scored') throw new Error(`${r.status}: ${r.error.message}`);
  return r;
}

describe('an object detection competition (data.format: coco)', () => {
  const data = detectionData();
  const detections = noisyDetector(data);

  it('scores COCO results as podium score does, with intervals over images, per-category values and a slice per image field', async () => {
    const c = await detectionCompetition();
    const sub = await c.submit('detector', detections);
    const record = scored(await evaluateSubmission({ competition: c.competition, hiddenDir: c.hidden, submissionDir: sub, env: ENV }));
    expect(checkRecord(record).ok).toBe(true);
    expect(values(record.scores.public)).toEqual(await scoredOn(data, detections, () => true));
    const ap = record.scores.public.coco_ap!;
    expect(ap.ci!.low).toBeLessThan(ap.value);
    expect(ap.ci!.high).toBeGreaterThan(ap.value);
    // The primary metric on each category, by category id.
    expect(Object.keys(ap.per_category!).sort()).toEqual(['1', '2', '3']);
    // Each genre's values are those of its images alone.
    const genres = record.scores.slices!.genre!;
    for (const genre of ['news', 'sport', 'talk-show']) {
      const ids = new Set(data.images.filter((i) => i.genre === genre).map((i) => i.id));
      expect(genres.groups[genre]!.metrics).toEqual(await scoredOn(data, detections, (id) => ids.has(id)));
      expect(genres.groups[genre]!.n).toBe(ids.size);
    }
  });

  it('withholds genres of fewer images than data.min_slice_size (control: the test above, under the default, scores each)', async () => {
    const c = await detectionCompetition((y) => y.replace('  slices: [genre]', '  slices: [genre]\n  min_slice_size: 100000'));
    const record = scored(
      await evaluateSubmission({
        competition: c.competition,
        hiddenDir: c.hidden,
        submissionDir: await c.submit('detector', detections),
        env: ENV,
      }),
    );
    const genres = record.scores.slices!.genre!;
    expect(genres.min_size).toBe(100000);
    for (const genre of ['news', 'sport', 'talk-show'])
      expect(genres.groups[genre]).toEqual({ n: data.images.filter((i) => i.genre === genre).length, metrics: {}, withheld: true });
    expect(genres.worst).toEqual({});
  });

  it('splits off a private part by image: public and sealed private values are each their images’ own', async () => {
    const c = await detectionCompetition((y) => `${y}\nprivate:\n  fraction: 0.4\n  seed: 5\n`);
    const sub = await c.submit('detector', detections);
    const record = scored(await evaluateSubmission({ competition: c.competition, hiddenDir: c.hidden, submissionDir: sub, env: ENV }));
    const isPrivate = (id: number) => inPrivatePart(5, 0.4, String(id));
    const [all, pub, priv] = await Promise.all([
      scoredOn(data, detections, () => true),
      scoredOn(data, detections, (id) => !isPrivate(id)),
      scoredOn(data, detections, isPrivate),
    ]);
    // Control: the parts differ from the whole, so the equalities below show the split was kept.
    expect(pub.coco_ap).not.toBe(all.coco_ap);
    expect(priv.coco_ap).not.toBe(pub.coco_ap);
    expect(values(record.scores.public)).toEqual(pub);
    const opened = unseal(record.id, record.scores.private as never, KEY);
    expect(values(opened.scores as Record<string, { value: number }>)).toEqual(priv);
    // Slices cover the public images only.
    const n = Object.values(record.scores.slices!.genre!.groups).reduce((s, g) => s + g.n, 0);
    expect(n).toBe(data.images.filter((i) => !isPrivate(i.id)).length);
  });

  it('refuses a results file whose detections do not fit the test images at validation, and names where (control: the file without the faults is accepted)', async () => {
    const c = await detectionCompetition();
    const bad = [...detections.slice(0, 5), { ...detections[0]!, image_id: 9999 }, { ...detections[1]!, bbox: [1, 2, 3] }];
    const refused = await validateSubmission(c.competition, await c.submit('bad', bad));
    expect(refused.ok).toBe(false);
    const messages = refused.problems.map((p) => `${p.file} ${p.path} ${p.message}`).join('\n');
    expect(messages).toContain(
      'submissions/team-a/bad/detections.json /5/image_id 1 detection has an "image_id" that is not an image of the test set (results[5]: 9999)',
    );
    expect(messages).toContain('/6/bbox');
    const accepted = await validateSubmission(c.competition, await c.submit('good', bad.slice(0, 5)));
    expect(accepted.ok, JSON.stringify(accepted.problems)).toBe(true);
    // Evaluated anyway (a runner does not trust validation), the record is a rejection with the same problems.
    const record = await evaluateSubmission({
      competition: c.competition,
      hiddenDir: c.hidden,
      submissionDir: await c.submit('bad2', bad),
      env: ENV,
    });
    expect(record.status).toBe('rejected');
    if (record.status === 'rejected') expect(record.error.problems?.map((p) => p.path)).toEqual(refused.problems.map((p) => p.path));
  });

  it("charges a truth that does not fit the public list of images or the slices to the organisers, found by the hidden-data check (control: the example's own truth fits)", async () => {
    const c = await detectionCompetition();
    expect(await checkHiddenData(c.competition, c.hidden, c.competition.config.phases)).toEqual([]);
    const file = path.join(c.hidden, 'instances.json');
    const truth = JSON.parse(await readFile(file, 'utf8')) as DetectionExample & { categories: unknown[] };
    // Fewer images than participants were given, and no genre to slice by.
    await writeFile(
      file,
      JSON.stringify({
        ...truth,
        images: truth.images.slice(0, 50).map(({ genre: _, ...i }) => i),
        annotations: truth.annotations.filter((a) => a.image_id <= 50),
      }),
    );
    const faults = await checkHiddenData(c.competition, c.hidden, c.competition.config.phases);
    expect(faults.map((f) => f.message).join('\n')).toContain('images[0] has no "genre"');
    await writeFile(
      file,
      JSON.stringify({ ...truth, images: truth.images.slice(0, 50), annotations: truth.annotations.filter((a) => a.image_id <= 50) }),
    );
    const [fault] = await checkHiddenData(c.competition, c.hidden, c.competition.config.phases);
    expect(fault!.message).toContain(
      'does not match data.ids, the public list of test images: 110 images of the public list (51, 52, 53, 54, 55, …) not in the truth.',
    );
    // Evaluated anyway, the baseline is not rejected for images the truth lacks: the run failed, on the platform's side.
    const record = await evaluateSubmission({
      competition: c.competition,
      hiddenDir: c.hidden,
      submissionDir: await c.submit('any', detections),
      env: ENV,
    });
    expect(record.status).toBe('failed');
    if (record.status === 'failed') expect(record.error).toMatchObject({ code: 'truth-invalid', platform_fault: true });
  });

  it('refuses, in competition.yml, detection metrics without COCO files and COCO files with other metrics or kinds', async () => {
    const problems = async (edit: (y: string) => string) => {
      try {
        await detectionCompetition(edit);
        return '';
      } catch (e: unknown) {
        return e instanceof Error ? e.message + JSON.stringify((e as { problems?: unknown }).problems ?? '') : String(e);
      }
    };
    // Control: the example as it is loads.
    expect(await problems((y) => y)).toBe('');
    expect(await problems((y) => y.replace('  format: coco ', '  # format: coco '))).toContain(
      'the detection metrics (coco_ap, …) read COCO files',
    );
    expect(await problems((y) => y.replace('  - name: coco_ap50\n', '  - name: accuracy\n'))).toContain(
      'COCO files are scored with the detection metrics',
    );
    expect(await problems((y) => y.replace('kinds: [predictions]', 'kinds: [predictions, api]'))).toContain(
      'object detection takes predictions files and containers',
    );
    expect(await problems((y) => y.replace(/^ {2}ids: .*$/m, ''))).toContain('name the test images in "data.ids"');
  });
});

describe.skipIf(!available)('an object detection competition on the real engine', () => {
  it("scores a container's /output/predictions.json as the same detections sent as a file (control: a container that writes no list is rejected)", async () => {
    await ensureBaseImage();
    const runtime = `runtime:\n  timeout_seconds: 20\n  memory_mb: 64\n  base_images: [${BASE_IMAGE}]\n`;
    const c = await detectionCompetition((y) =>
      y
        .replace('kinds: [predictions]', 'kinds: [predictions, container]')
        .replace('leaderboard:', `${runtime}leaderboard:`)
        .replace('  truth: instances.json', '  truth: instances.json\n  inputs: frames'),
    );
    // What a detector would read: here, the list of frames.
    await mkdir(path.join(c.hidden, 'frames'));
    await writeFile(
      path.join(c.hidden, 'frames', 'test-images.json'),
      await readFile(path.join(c.dir, 'data', 'public', 'test-images.json')),
    );
    const detections = noisyDetector(detectionData());
    const asFile = scored(
      await evaluateSubmission({
        competition: c.competition,
        hiddenDir: c.hidden,
        submissionDir: await c.submit('file', detections),
        env: ENV,
      }),
    );
    const container = async (name: string, command: string) => {
      const sub = await c.submit(name, detections);
      await writeFile(
        path.join(sub, 'Dockerfile'),
        `FROM ${BASE_IMAGE}\nCOPY detections.json /app/detections.json\nCMD ["/bin/sh", "-c", "${command}"]\n`,
      );
      await writeFile(path.join(sub, 'submission.yml'), `team: team-a\nname: ${name}\nkind: container\nbuild: .\n`);
      return evaluateSubmission({ competition: c.competition, hiddenDir: c.hidden, submissionDir: sub, env: ENV });
    };
    const ran = scored(await container('boxed', 'cp /app/detections.json /output/predictions.json'));
    expect(values(ran.scores.public)).toEqual(values(asFile.scores.public));
    expect(ran.resources?.per_sample_ms).toBeGreaterThan(0);
    const wrong = await container('not-a-list', 'echo {} > /output/predictions.json');
    expect(wrong.status).toBe('rejected');
    if (wrong.status === 'rejected') expect(JSON.stringify(wrong.error)).toContain('COCO results are a JSON list');
  }, 120_000);
});
