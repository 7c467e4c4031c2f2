import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seededRandom } from './data.js';
import { submissionYml } from './submission.js';

/**
 * The detection example: find the faces, channel logos and on-screen captions in frames of
 * broadcast video. The frames are synthetic (their boxes are generated, not drawn), in COCO's
 * instances format; faces come in every size, logos are small and sit in a corner, captions
 * are wide bands at the bottom, and a studio audience is marked as one crowd region, which
 * COCO's evaluation neither rewards nor penalises. The baseline's detections are the true
 * boxes seen through a noisy detector: shifted, sometimes missed, with false alarms.
 */

export const DETECTION_CATEGORIES = [
  { id: 1, name: 'face', supercategory: 'person' },
  { id: 2, name: 'logo', supercategory: 'graphics' },
  { id: 3, name: 'caption', supercategory: 'graphics' },
] as const;

const WIDTH = 1280;
const HEIGHT = 720;

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  /** The programme genre: a slice of the test set. */
  genre: string;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0 | 1;
}

export interface CocoDetection {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
}

export interface DetectionExample {
  images: CocoImage[];
  annotations: CocoAnnotation[];
}

const GENRES = ['news', 'sport', 'talk-show'];
const round1 = (x: number) => Math.round(x * 10) / 10;

export function detectionData(seed = 2028, count = 160): DetectionExample {
  const r = seededRandom(seed);
  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  const box = (category: number, x: number, y: number, w: number, h: number, crowd: 0 | 1 = 0) => {
    const b: [number, number, number, number] = [round1(x), round1(y), round1(w), round1(h)];
    annotations.push({
      id: annotations.length + 1,
      image_id: images.length,
      category_id: category,
      bbox: b,
      area: round1(b[2] * b[3]),
      iscrowd: crowd,
    });
  };
  for (let i = 0; i < count; i++) {
    const genre = GENRES[i % GENRES.length]!;
    images.push({ id: i + 1, file_name: `frame-${String(i + 1).padStart(5, '0')}.jpg`, width: WIDTH, height: HEIGHT, genre });
    // Some frames hold nothing to find (a title card, a wide landscape).
    if (r() < 0.08) continue;
    const faces = genre === 'talk-show' ? 1 + Math.floor(r() * 4) : Math.floor(r() * 3);
    for (let f = 0; f < faces; f++) {
      // Face widths from 12 px (far away) to 300 px (a close-up): small, medium and large.
      const w = 12 * Math.exp(r() * Math.log(25));
      const h = w * (1.2 + r() * 0.2);
      box(1, r() * (WIDTH - w), r() * (HEIGHT - h), w, h);
    }
    if (r() < 0.7) {
      const w = 40 + r() * 50;
      box(2, r() < 0.5 ? 24 : WIDTH - 24 - w, 20 + r() * 10, w, w * 0.6);
    }
    if (genre !== 'sport' ? r() < 0.6 : r() < 0.3) {
      const w = 500 + r() * 600;
      box(3, (WIDTH - w) / 2, HEIGHT - 150 + r() * 30, w, 60 + r() * 40);
    }
    if (genre === 'talk-show' && r() < 0.3) box(1, 0, HEIGHT * 0.55, WIDTH, HEIGHT * 0.3, 1);
  }
  return { images, annotations };
}

/** What a fair detector would give: most true boxes found, shifted a little, and some false alarms. */
export function noisyDetector(data: DetectionExample, seed = 7, { miss = 0.15, jitter = 0.08, falseAlarms = 1.2 } = {}): CocoDetection[] {
  const r = seededRandom(seed);
  const out: CocoDetection[] = [];
  for (const a of data.annotations) {
    if (a.iscrowd) {
      // A detector sees faces in the audience: some boxes inside the crowd region.
      for (let k = 0; k < 3; k++) {
        const [x, y, w, h] = a.bbox;
        out.push({
          image_id: a.image_id,
          category_id: 1,
          bbox: [round1(x + r() * (w - 40)), round1(y + r() * (h - 50)), 30, 40],
          score: round3(0.2 + r() * 0.4),
        });
      }
      continue;
    }
    const [x, y, w, h] = a.bbox;
    // Small objects are missed more often.
    if (r() < miss * (w < 32 ? 3 : 1)) continue;
    const dx = (r() - 0.5) * 2 * jitter * w;
    const dy = (r() - 0.5) * 2 * jitter * h;
    const sw = w * (1 + (r() - 0.5) * 2 * jitter);
    const sh = h * (1 + (r() - 0.5) * 2 * jitter);
    out.push({
      image_id: a.image_id,
      category_id: a.category_id,
      bbox: [round1(x + dx), round1(y + dy), round1(sw), round1(sh)],
      score: round3(0.5 + r() * 0.5),
    });
  }
  for (let i = 1; i <= data.images.length; i++) {
    const n = Math.floor(r() * falseAlarms * 2);
    for (let k = 0; k < n; k++) {
      const w = 20 + r() * 200;
      out.push({
        image_id: i,
        category_id: 1 + Math.floor(r() * DETECTION_CATEGORIES.length),
        bbox: [round1(r() * (WIDTH - w)), round1(r() * (HEIGHT - w)), round1(w), round1(w * 0.8)],
        score: round3(r() * 0.6),
      });
    }
  }
  return out;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export async function writeDetectionExample(dir: string, hidden: string): Promise<string> {
  const data = detectionData();
  const pub = path.join(dir, 'data', 'public');
  // What participants see of the test set: the frames and the categories, not the boxes.
  await writeFile(
    path.join(pub, 'test-images.json'),
    `${JSON.stringify({ images: data.images.map(({ genre: _, ...image }) => image), categories: DETECTION_CATEGORIES }, null, 1)}\n`,
  );
  await mkdir(hidden, { recursive: true });
  await writeFile(
    path.join(hidden, 'instances.json'),
    `${JSON.stringify({ images: data.images, annotations: data.annotations, categories: DETECTION_CATEGORIES })}\n`,
  );
  const sub = path.join(dir, 'submissions', 'baseline', 'noisy-detector');
  await mkdir(sub, { recursive: true });
  await writeFile(path.join(sub, 'detections.json'), `${JSON.stringify(noisyDetector(data))}\n`);
  await writeFile(
    path.join(sub, 'submission.yml'),
    submissionYml('noisy-detector', 'detections.json', [
      "Organisers' baseline: a simulated detector that finds most objects (small ones less",
      'often), with boxes a few per cent off and some false alarms at low scores.',
    ]),
  );
  return path.relative(dir, sub).split(path.sep).join('/');
}
