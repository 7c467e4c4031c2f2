import { readFile } from 'node:fs/promises';
import { jsonText, plural, truncate, type Problem } from '../contracts/problems.js';
import { headOf, type TableSource } from './table.js';
import { TruthError } from './spec.js';
import type { QuoteOptions } from './shown-rows.js';
import type { DetectionData } from './metrics/types.js';

/**
 * COCO object detection files: the truth as COCO's instances JSON (`images`, `annotations`,
 * `categories`), the predictions as COCO's results JSON (a list of `{image_id, category_id,
 * bbox, score}`), read into the flat arrays the COCO metrics evaluate. Everything
 * pycocotools would read differently, or fail on, is refused with where it is and what to do.
 */

/** Most detections a participant may give per image, as the COCO challenges allow. */
export const DEFAULT_MAX_DETECTIONS = 100;

/** COCO's cut-offs on detections per image and category: AR@1, AR@10, and everything else @100. */
export const COCO_MAX_DETS = [1, 10, 100] as const;

/** The organiser's truth, read and checked once, for any number of results files. */
export interface CocoTruth {
  format: 'coco';
  /** Image ids, ascending. */
  imageIds: Float64Array;
  /** Category ids, ascending: the categories evaluated. */
  categoryIds: Float64Array;
  /** Category names by index into categoryIds (the id as text where the truth names none). */
  categoryNames: string[];
  /** The `DetectionData.gt` arrays: ground truth boxes grouped by image, file order within an image. */
  gt: DetectionData['gt'];
  /** Per field asked for (slices, the private split), each image's value as text, in imageIds order. */
  imageFields: Record<string, string[]>;
}

export function isCocoTruth(t: object): t is CocoTruth {
  return (t as Partial<CocoTruth>).format === 'coco';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A bbox as COCO writes it: four finite numbers, width and height not negative. Why not, or undefined. */
function boxFault(b: unknown): string | undefined {
  if (!Array.isArray(b) || b.length !== 4 || !b.every(finite)) return 'is not 4 finite numbers [x, y, width, height]';
  if ((b[2] as number) < 0 || (b[3] as number) < 0) return 'has a negative width or height';
  return undefined;
}

/** Line and column (1-based) of an offset into a text. */
function lineAt(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, pos);
  return { line: before.split('\n').length, column: pos - before.lastIndexOf('\n') };
}

/** JSON text parsed, or where it stops being JSON. `quote`: whether the message may show the text. */
function parseJson(
  text: string,
  quote = true,
): { ok: true; value: unknown } | { ok: false; line: number; column: number; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e: unknown) {
    // Python's json module writes NaN and Infinity, which JSON has no words for: find the first outside a string.
    const words = /"(?:[^"\\]|\\.)*"|-?(?:NaN|Infinity)/g;
    for (let m = words.exec(text); m; m = words.exec(text))
      if (!m[0].startsWith('"'))
        return {
          ok: false,
          ...lineAt(text, m.index),
          message: `${m[0]} is not a JSON number (Python's json module writes it for a float that is not finite); give finite numbers only`,
        };
    const message = e instanceof Error ? e.message : String(e);
    const at = /position (\d+)/.exec(message);
    const where = at ? lineAt(text, Number(at[1])) : { line: 0, column: 0 };
    return { ok: false, ...where, message: `it is not valid JSON${quote ? ` (${truncate(message, 120)})` : ''}` };
  }
}

async function textOf(source: TableSource): Promise<string> {
  const text = 'text' in source ? source.text : await readFile(source.path, 'utf8');
  return text.replace(/^\uFEFF/, '');
}

/** Reads COCO ground truth: every category of the file is evaluated. Any fault is the organiser's: a TruthError. */
export async function readCocoTruth(
  source: TableSource,
  {
    fields = [],
    imagesOnly = false,
  }: {
    /** Fields of each entry of "images" to keep (a slice, the private split column): each image must have them. */
    fields?: readonly string[];
    /** The public list of the test images: "annotations" may be left out. */
    imagesOnly?: boolean;
  } = {},
): Promise<CocoTruth> {
  const parsed = parseJson(await textOf(source));
  if (!parsed.ok)
    throw new TruthError(`the COCO truth file is malformed${parsed.line ? ` at line ${parsed.line}` : ''}: ${parsed.message}`);
  const doc = parsed.value;
  if (isObject(doc) && imagesOnly && doc.annotations === undefined) doc.annotations = [];
  if (!isObject(doc) || !Array.isArray(doc.images) || !Array.isArray(doc.annotations) || !Array.isArray(doc.categories))
    throw new TruthError(
      imagesOnly
        ? 'the list of test images must be a JSON object with the lists "images" and "categories" (COCO instances JSON without annotations)'
        : 'the COCO truth must be a JSON object with the lists "images", "annotations" and "categories" (instances JSON)',
    );
  const idsOf = (list: unknown[], what: string): number[] =>
    list.map((x, i) => {
      if (!isObject(x) || !finite(x.id)) throw new TruthError(`the truth's ${what}[${i}] has no numeric "id"`);
      return x.id;
    });
  if (doc.images.length === 0) throw new TruthError('the COCO truth lists no images; the images are what is scored');
  const imageList = idsOf(doc.images, 'images');
  const categoryList = idsOf(doc.categories, 'categories');
  const imageIds = Float64Array.from(new Set(imageList)).sort();
  if (imageIds.length !== imageList.length) throw new TruthError('the truth lists an image id twice in "images"; give each image once');
  const allCategories = Float64Array.from(new Set(categoryList)).sort();
  if (allCategories.length !== categoryList.length)
    throw new TruthError('the truth lists a category id twice in "categories"; give each category once');
  const known = new Set(allCategories);
  const categoryIds = allCategories;
  const imageIndex = new Map<number, number>();
  imageIds.forEach((id, i) => imageIndex.set(id, i));
  const categoryIndex = new Map<number, number>();
  categoryIds.forEach((id, i) => categoryIndex.set(id, i));
  const nameOf = new Map<number, string>();
  for (const c of doc.categories as Record<string, unknown>[])
    nameOf.set(c.id as number, typeof c.name === 'string' ? c.name : String(c.id));

  const anns = doc.annotations;
  const n = anns.length;
  const image = new Int32Array(n);
  const category = new Int32Array(n);
  const box = new Float64Array(4 * n);
  const area = new Float64Array(n);
  const crowd = new Uint8Array(n);
  const annIds = new Set<number>();
  for (let i = 0; i < n; i++) {
    const a = anns[i];
    const where = `the truth's annotations[${i}]`;
    if (!isObject(a)) throw new TruthError(`${where} is not an object`);
    // pycocotools keys annotations by id: a repeated id loads one annotation twice, and a
    // detection matched to annotation 0 counts as unmatched.
    if (!finite(a.id) || a.id === 0) throw new TruthError(`${where} needs a numeric "id" other than 0`);
    if (annIds.has(a.id)) throw new TruthError(`${where} repeats the annotation id ${a.id}; give each annotation its own id`);
    annIds.add(a.id);
    const img = finite(a.image_id) ? imageIndex.get(a.image_id) : undefined;
    if (img === undefined) throw new TruthError(`${where} has an "image_id" that is not the id of one of the truth's images`);
    if (!finite(a.category_id) || !known.has(a.category_id))
      throw new TruthError(`${where} has a "category_id" that is not the id of one of the truth's categories`);
    const fault = boxFault(a.bbox);
    if (fault) throw new TruthError(`${where}.bbox ${fault}`);
    if (!finite(a.area) || a.area < 0)
      throw new TruthError(`${where} needs an "area", a number 0 or more (COCO's small, medium and large are ranges of it)`);
    if (a.iscrowd !== 0 && a.iscrowd !== 1 && a.iscrowd !== true && a.iscrowd !== false)
      throw new TruthError(`${where} needs "iscrowd": 0, or 1 for a crowd region`);
    image[i] = img;
    category[i] = categoryIndex.get(a.category_id)!;
    const b = a.bbox as number[];
    for (let k = 0; k < 4; k++) box[4 * i + k] = b[k]!;
    area[i] = a.area;
    crowd[i] = a.iscrowd === 1 || a.iscrowd === true ? 1 : 0;
  }
  const imageFields: Record<string, string[]> = {};
  for (const field of fields) {
    const values = new Array<string>(imageIds.length);
    for (const [i, entry] of (doc.images as Record<string, unknown>[]).entries()) {
      const v = entry[field];
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
        throw new TruthError(`the truth's images[${i}] has no "${field}" (a text or a number), which the competition slices or splits by`);
      values[imageIndex.get(entry.id as number)!] = String(v);
    }
    imageFields[field] = values;
  }
  const kept = grouped(image, imageIds.length);
  return {
    format: 'coco',
    imageIds,
    categoryIds,
    categoryNames: [...categoryIds].map((id) => nameOf.get(id)!),
    imageFields,
    gt: {
      start: kept.start,
      category: pick(category, kept.order),
      box: pick4(box, kept.order),
      area: pick(area, kept.order),
      crowd: pick(crowd, kept.order),
    },
  };
}

/** Rows grouped by image, file order within an image: a stable counting sort. */
function grouped(image: Int32Array, images: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(images + 1);
  for (let i = 0; i < image.length; i++) start[image[i]! + 1]!++;
  for (let i = 0; i < images; i++) start[i + 1]! += start[i]!;
  const next = start.slice(0, images);
  const order = new Int32Array(image.length);
  for (let i = 0; i < image.length; i++) order[next[image[i]!]!++] = i;
  return { start, order };
}

function pick<T extends Int32Array | Float64Array | Uint8Array>(a: T, order: Int32Array): T {
  const out = new (a.constructor as new (n: number) => T)(order.length);
  for (let i = 0; i < order.length; i++) out[i] = a[order[i]!]!;
  return out;
}

function pick4(a: Float64Array, order: Int32Array): Float64Array {
  const out = new Float64Array(4 * order.length);
  for (let i = 0; i < order.length; i++) for (let k = 0; k < 4; k++) out[4 * i + k] = a[4 * order[i]! + k]!;
  return out;
}

/** Faults of one kind among the results: how many, and the first few. */
class Faults {
  count = 0;
  readonly examples: { index: number; text: string }[] = [];
  constructor(readonly path: string) {}
  add(index: number, text: string): void {
    if (this.count++ < 3) this.examples.push({ index, text });
  }
}

const shown = (v: unknown): string =>
  truncate(
    typeof v === 'number' || v === undefined
      ? String(v)
      : (jsonText(v) ?? `${Array.isArray(v) ? 'a list' : 'an object'} nested too deeply to show`),
    60,
  );

/**
 * Reads a COCO results file against the truth and checks it: an unknown image or category,
 * a malformed box, a score that is not a finite number, or more than `maxDetections`
 * detections for one image (default 100, the COCO challenges' limit) are reported, each
 * kind once with a count and the first entries. With `quote: false` (results computed from
 * hidden inputs) messages name entries by position only.
 */
export async function readCocoResults(
  file: string,
  source: TableSource,
  truth: CocoTruth,
  { maxDetections = DEFAULT_MAX_DETECTIONS, quote = true }: { maxDetections?: number } & QuoteOptions = {},
): Promise<{ ok: true; data: DetectionData } | { ok: false; problems: Problem[] }> {
  const whole = (message: string, line = 0, column = 0, path = ''): Problem => ({ file, line, column, path, message });
  const parsed = parseJson(await textOf(source), quote);
  if (!parsed.ok) return { ok: false, problems: [whole(`${parsed.message}.`, parsed.line, parsed.column)] };
  const list = parsed.value;
  if (!Array.isArray(list)) {
    const instances = isObject(list) && 'annotations' in list;
    return {
      ok: false,
      problems: [
        whole(
          instances
            ? 'this is a COCO instances file (an object with "annotations"), not results: give a JSON list of {"image_id", "category_id", "bbox", "score"}.'
            : 'COCO results are a JSON list of {"image_id", "category_id", "bbox", "score"}, one per detection; this file holds something else.',
        ),
      ],
    };
  }
  const imageIndex = new Map<number, number>();
  truth.imageIds.forEach((id, i) => imageIndex.set(id, i));
  const categoryIndex = new Map<number, number>();
  truth.categoryIds.forEach((id, i) => categoryIndex.set(id, i));

  const n = list.length;
  const image = new Int32Array(n);
  const category = new Int32Array(n);
  const box = new Float64Array(4 * n);
  const score = new Float64Array(n);
  const notObject = new Faults('');
  const badImage = new Faults('image_id');
  const badCategory = new Faults('category_id');
  const badBox = new Faults('bbox');
  const negative = new Faults('bbox');
  const badScore = new Faults('score');
  for (let i = 0; i < n; i++) {
    const r: unknown = list[i];
    if (!isObject(r)) {
      notObject.add(i, shown(r));
      continue;
    }
    const img = finite(r.image_id) ? imageIndex.get(r.image_id) : undefined;
    if (img === undefined) badImage.add(i, shown(r.image_id));
    const cat = finite(r.category_id) ? categoryIndex.get(r.category_id) : undefined;
    if (cat === undefined) badCategory.add(i, shown(r.category_id));
    const fault = boxFault(r.bbox);
    if (fault) (fault.startsWith('has a negative') ? negative : badBox).add(i, shown(r.bbox));
    if (!finite(r.score)) badScore.add(i, shown(r.score));
    image[i] = img ?? 0;
    category[i] = cat ?? 0;
    if (!fault) {
      const b = r.bbox as number[];
      box[4 * i] = b[0]!;
      box[4 * i + 1] = b[1]!;
      box[4 * i + 2] = b[2]!;
      box[4 * i + 3] = b[3]!;
    }
    score[i] = finite(r.score) ? r.score : 0;
  }
  const problems: Problem[] = [];
  const report = (f: Faults, what: string, fix: string) => {
    if (f.count === 0) return;
    const first = f.examples[0]!;
    const examples = f.examples.map((e) => (quote ? `results[${e.index}]: ${e.text}` : `results[${e.index}]`)).join('; ');
    problems.push(
      whole(
        `${plural(f.count, 'detection')} ${f.count === 1 ? 'has' : 'have'} ${what} (${examples}). ${fix}`,
        0,
        0,
        `/${first.index}${f.path ? `/${f.path}` : ''}`,
      ),
    );
  };
  report(notObject, 'no object', 'Write each detection as {"image_id", "category_id", "bbox", "score"}.');
  report(
    badImage,
    'an "image_id" that is not an image of the test set',
    'Use the ids of the test set\'s images (the "id" of each entry of "images"), as numbers.',
  );
  report(
    badCategory,
    'a "category_id" that is not one of the categories',
    `Use the category ids of the truth: ${truncate([...truth.categoryIds].join(', '), 120)}.`,
  );
  report(badBox, 'a "bbox" that is not 4 finite numbers', 'Write each box as [x, y, width, height], in pixels.');
  report(negative, 'a "bbox" with a negative width or height', 'Write each box as [x, y, width, height], width and height 0 or more.');
  report(
    badScore,
    'a "score" that is not a finite number',
    'Give each detection a confidence score, a number (not NaN, not a string); the detections are ranked by it.',
  );
  if (notObject.count + badImage.count > 0) return { ok: false, problems };

  // Per image, the detections given: more than the limit is refused, not cut silently.
  const perImage = new Int32Array(truth.imageIds.length);
  for (let i = 0; i < n; i++) perImage[image[i]!]!++;
  let over = 0;
  const named: string[] = [];
  for (let i = 0; i < perImage.length; i++) {
    if (perImage[i]! <= maxDetections) continue;
    over++;
    if (named.length < 3) named.push(`image ${truth.imageIds[i]}: ${perImage[i]}`);
  }
  if (over > 0)
    problems.push(
      whole(
        `${plural(over, 'image')} ${over === 1 ? 'has' : 'have'} more than ${maxDetections} detections (${named.join('; ')}). ` +
          `Give at most ${maxDetections} detections per image, the highest-scoring ones.`,
      ),
    );
  if (problems.length > 0) return { ok: false, problems };

  const { start, order } = grouped(image, truth.imageIds.length);
  return {
    ok: true,
    data: {
      imageIds: truth.imageIds,
      categoryIds: truth.categoryIds,
      gt: truth.gt,
      dt: { start, category: pick(category, order), box: pick4(box, order), score: pick(score, order) },
      maxDetections: COCO_MAX_DETS,
    },
  };
}

/**
 * Whether a file's content is COCO: a JSON object with "images" or "annotations" lists (the
 * truth), or a JSON list of objects with a "bbox" (results). Reads the first 64 KiB only.
 */
export async function looksLikeCoco(file: string): Promise<boolean> {
  const head = (await headOf(file, 1 << 16)).replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('[')) return /^\[\s*(\]|\{)/.test(head) && (/"bbox"\s*:/.test(head) || /^\[\s*\]/.test(head));
  if (!head.startsWith('{')) return false;
  return /"(images|annotations)"\s*:\s*\[/.test(head);
}

/**
 * The images at these indices (ascending) with their boxes and detections: a part of the test
 * set (the public or the private part, a slice) as a test set of its own.
 */
export function detectionSubset(data: DetectionData, images: Int32Array): DetectionData {
  const part = <T extends DetectionData['gt'] | DetectionData['dt']>(rows: T): T => {
    let n = 0;
    for (const i of images) n += rows.start[i + 1]! - rows.start[i]!;
    const order = new Int32Array(n);
    const start = new Int32Array(images.length + 1);
    let k = 0;
    images.forEach((img, j) => {
      for (let r = rows.start[img]!; r < rows.start[img + 1]!; r++) order[k++] = r;
      start[j + 1] = k;
    });
    const out: Record<string, unknown> = { start };
    for (const [name, values] of Object.entries(rows)) {
      if (name === 'start') continue;
      out[name] = name === 'box' ? pick4(values as Float64Array, order) : pick(values as Int32Array, order);
    }
    return out as T;
  };
  return {
    imageIds: Float64Array.from(images, (i) => data.imageIds[i]!),
    categoryIds: data.categoryIds,
    gt: part(data.gt),
    dt: part(data.dt),
    maxDetections: data.maxDetections,
  };
}
