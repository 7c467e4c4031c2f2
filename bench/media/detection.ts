/**
 * `node build/bench/media/detection.js`: `podium score --format coco` against pycocotools'
 * COCOeval on 5,000 images, 35,000 ground truth boxes, 235,000 detections and 80 categories.
 *
 * Generates, from a fixed seed, a COCO instances file and a results file: boxes of every
 * size range, about 1% crowd regions, detections near the boxes with jitter (some in another
 * category) and false positives elsewhere, scores with three decimals (so some are equal),
 * at most 100 detections per image. Then alternates the two sides several times, each a
 * whole process under GNU time: `podium score` for the twelve stats without intervals, and
 * `/usr/bin/python3` running pycocotools' loadRes, evaluate, accumulate and summarize.
 * Prints each side's median wall time and peak memory, the ratios against the targets
 * (≤ 0.1× the time, ≤ 0.25× the memory) and the largest difference between the two sides'
 * stats; then the time of `podium score --ci` with the default 1,000 resamples.
 *
 * pycocotools comes from PYCOCOTOOLS, a folder holding the built `pycocotools` package
 * (cocodataset/cocoapi's PythonAPI after `python3 setup.py build_ext --inplace`); without
 * it the bench times Podium alone.
 *
 * Options: --images=N (default 5000), --runs=N (default 3), --resamples=N (default 1000; 0 skips the interval timing).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../runner/src/example/data.js';
import { COCO_STATS } from '../../runner/src/scoring/metrics/detection.js';
import { median, option, TIME, timed, writeLines, type Run } from '../measure.js';

const IMAGES = option('images', 5000);
const RUNS = option('runs', 3);
const RESAMPLES = option('resamples', 1000);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(root, 'bin', 'podium.js');

/** pycocotools as its README runs it, printing the twelve stats as JSON on the last line. */
const PYTHON = `
import json, sys, types
sys.path.insert(0, sys.argv[1])
import numpy as np
np.float = float  # removed in NumPy 1.24; this pycocotools release still names it
try:
    import matplotlib
except ImportError:  # pycocotools.coco imports it for drawing only
    for m, names in (("matplotlib", ()), ("matplotlib.pyplot", ()), ("matplotlib.collections", ("PatchCollection",)), ("matplotlib.patches", ("Polygon",))):
        stub = types.ModuleType(m)
        for n in names:
            setattr(stub, n, None)
        sys.modules[m] = stub
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
gt = COCO(sys.argv[2])
dt = gt.loadRes(sys.argv[3])
e = COCOeval(gt, dt, iouType="bbox")
e.evaluate()
e.accumulate()
e.summarize()
print(json.dumps([float(s) for s in e.stats]))
`;

const round = (x: number) => Math.round(x * 100) / 100;

/** The instances and results files, from a fixed seed. */
export async function generate(dir: string): Promise<{ truth: string; results: string; boxes: number; detections: number }> {
  const r = seededRandom(20261201);
  const categories = Array.from({ length: 80 }, (_, i) => i + 1 + Math.floor(i / 10)); // ids with gaps, as COCO's
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const sized = (): number[] => {
    const u = r();
    // About 40% small, 35% medium, 25% large, as in COCO val.
    const side = u < 0.4 ? 4 + r() * 27 : u < 0.75 ? 33 + r() * 60 : 97 + r() * 250;
    const w = side * (0.6 + r() * 0.8);
    const h = (side * side) / w;
    return [round(r() * (640 - Math.min(w, 600))), round(r() * (480 - Math.min(h, 440))), round(w), round(h)];
  };
  const jitter = (b: number[], a: number) => [
    round(b[0]! + (r() - 0.5) * 2 * a * b[2]!),
    round(b[1]! + (r() - 0.5) * 2 * a * b[3]!),
    round(Math.max(0.5, b[2]! * (1 + (r() - 0.5) * 2 * a))),
    round(Math.max(0.5, b[3]! * (1 + (r() - 0.5) * 2 * a))),
  ];
  const ids = Array.from({ length: IMAGES }, (_, i) => 100_000 + i * 3);
  const images = ids.map((id) => JSON.stringify({ id, width: 640, height: 480, file_name: `${id}.jpg` }));
  const annotations: string[] = [];
  const perImage: string[][] = ids.map(() => []);
  const BOXES = Math.round((35_000 * IMAGES) / 5000);
  const DETECTIONS = Math.round((235_000 * IMAGES) / 5000);
  let detections = 0;
  for (let k = 0; k < BOXES; k++) {
    const i = Math.floor(r() * IMAGES);
    const cat = pick(categories);
    const b = sized();
    const crowd = r() < 0.01 ? 1 : 0;
    // A polygon's area is below its box's; COCO's area ranges read the annotation's area.
    const area = round(b[2]! * b[3]! * (r() < 0.5 ? 1 : 0.55 + r() * 0.45));
    annotations.push(JSON.stringify({ id: k + 1, image_id: ids[i], category_id: cat, bbox: b, area, iscrowd: crowd, segmentation: [] }));
    // Near each box: 0 to 7 detections (3.5 on average), some in another category.
    for (let d = Math.floor(r() * 8); d > 0 && perImage[i]!.length < 100; d--, detections++)
      perImage[i]!.push(
        JSON.stringify({
          image_id: ids[i],
          category_id: r() < 0.1 ? pick(categories) : cat,
          bbox: jitter(b, pick([0.03, 0.08, 0.15, 0.3])),
          score: Math.round((0.3 + r() * 0.7) * 1000) / 1000,
        }),
      );
  }
  // False positives anywhere, up to the total, never more than 100 in an image.
  while (detections < DETECTIONS) {
    const i = Math.floor(r() * IMAGES);
    if (perImage[i]!.length >= 100) continue;
    perImage[i]!.push(
      JSON.stringify({ image_id: ids[i], category_id: pick(categories), bbox: sized(), score: Math.round(r() * 600) / 1000 }),
    );
    detections++;
  }
  const results = perImage.flat();
  const truth = path.join(dir, 'instances.json');
  const res = path.join(dir, 'results.json');
  const cats = categories.map((c) => JSON.stringify({ id: c, name: `category ${c}`, supercategory: 'thing' }));
  await writeLines(truth, [
    `{"info": {"description": "podium bench"}, "images": [`,
    images.join(',\n'),
    '], "annotations": [',
    annotations.join(',\n'),
    '], "categories": [',
    cats.join(',\n'),
    ']}',
  ]);
  await writeLines(res, ['[', ...results.map((l, i) => (i + 1 < results.length ? `${l},` : l)), ']']);
  return { truth, results: res, boxes: annotations.length, detections: results.length };
}

const fmt = (x: number, d = 2) => x.toFixed(d);

export async function run(): Promise<void> {
  if (!existsSync(TIME)) {
    console.error('the detection bench needs GNU time for peak memory: apt-get install time');
    process.exit(2);
  }
  const coco = process.env.PYCOCOTOOLS;
  if (!coco) console.log('No PYCOCOTOOLS (a folder holding the built pycocotools package): timing Podium alone.');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'podium-bench-'));
  try {
    const f = await generate(dir);
    console.log(
      `${IMAGES.toLocaleString('en')} images, ${f.boxes.toLocaleString('en')} boxes, ${f.detections.toLocaleString('en')} detections, 80 categories`,
    );
    const podiumArgs = [
      bin,
      'score',
      '--format',
      'coco',
      '--truth',
      f.truth,
      '--predictions',
      f.results,
      '--metrics',
      COCO_STATS.join(','),
      '--json',
    ];
    const pythonArgs = ['-c', PYTHON, coco ?? '', f.truth, f.results];
    const podium: Run[] = [];
    const reference: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      podium.push(timed(process.execPath, podiumArgs));
      if (coco) reference.push(timed('/usr/bin/python3', pythonArgs));
    }
    console.log(
      `\nmachine: ${os.cpus()[0]?.model.trim()} × ${os.cpus().length}, Node ${process.version}; median of ${RUNS} alternating runs`,
    );
    const pTime = median(podium.map((x) => x.seconds));
    const pMem = median(podium.map((x) => x.peakKiB)) / 1024;
    console.log(`  podium score     ${fmt(pTime)} s   ${fmt(pMem, 0)} MiB peak`);
    if (coco) {
      const rTime = median(reference.map((x) => x.seconds));
      const rMem = median(reference.map((x) => x.peakKiB)) / 1024;
      console.log(`  pycocotools      ${fmt(rTime)} s   ${fmt(rMem, 0)} MiB peak`);
      console.log(
        `  ratio (podium / pycocotools): time ${fmt(pTime / rTime, 3)}× (target ≤ 0.1×), memory ${fmt(pMem / rMem, 3)}× (target ≤ 0.25×)`,
      );
      const ours = (JSON.parse(podium[0]!.stdout) as { metrics: Record<string, number> }).metrics;
      const theirs = JSON.parse(reference[0]!.stdout.trim().split('\n').pop()!) as number[];
      let worst = 0;
      COCO_STATS.forEach((s, k) => (worst = Math.max(worst, Math.abs(ours[s]! - theirs[k]!))));
      console.log(`  largest difference between the two sides' twelve stats: ${worst.toExponential(2)}`);
    }
    if (RESAMPLES > 0) {
      const ci = timed(process.execPath, [...podiumArgs, '--ci', '--resamples', String(RESAMPLES)]);
      console.log(
        `  podium score --ci, ${RESAMPLES} resamples: ${fmt(ci.seconds)} s   ${fmt(ci.peakKiB / 1024, 0)} MiB peak (${fmt(ci.seconds / pTime, 1)}× one scoring)`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
