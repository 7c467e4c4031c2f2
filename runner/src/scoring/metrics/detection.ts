import { argsort } from './sort.js';
import { IntList } from './int-list.js';
import { MetricUndefinedError, need, type DetectionData, type Evaluator, type Metric, type ScoringInput } from './types.js';

/**
 * COCO's box detection metrics, as pycocotools' `COCOeval(iouType="bbox")` computes its
 * twelve `stats` (cocodataset/cocoapi, PythonAPI/pycocotools/cocoeval.py).
 *
 * Per image and category: detections ranked by score (equal scores in file order), the first
 * 100 kept; ground truth outside an area range, or a crowd region, is "ignored". At each IoU
 * threshold (.50:.05:.95) each detection in turn takes the unmatched ground truth box it
 * overlaps most (at least the threshold), preferring boxes not ignored; a crowd region may
 * take any number of detections, and its IoU divides by the detection's area only. A
 * detection matched to an ignored box, or unmatched and outside the area range, is left out.
 * Per category, area range and threshold, the detections of all images are ranked by score
 * (equal scores by image id, then rank in the image); precision at each of 101 recall levels
 * is the best precision at that recall or beyond, and AP is their mean. A stat averages over
 * categories with at least one ground truth box not ignored; recall is the share of those
 * boxes found. Where no category has one, the stat is undefined (pycocotools' -1).
 *
 * Bootstrap: the units are the images. A resample is evaluated as COCO would evaluate the
 * drawn images as a dataset (an image drawn twice is two images), without matching anything
 * again: matching is per image and category, so it is done once, and each resample only
 * accumulates weighted true and false positives over the same ranked lists. Equal scores
 * within one image of a drawn-twice image repeat as a block, as they would in the copy.
 */

/** IoU thresholds and recall levels, bit for bit numpy's `linspace` in pycocotools' Params. */
const IOU = Array.from({ length: 10 }, (_, i) => (i === 9 ? 0.95 : i * ((0.95 - 0.5) / 9) + 0.5));
const RECALL = Float64Array.from({ length: 101 }, (_, i) => (i === 100 ? 1 : i * 0.01));
const T = IOU.length;
const R = RECALL.length;
const ALL_T = (1 << T) - 1;
/** Area ranges all, small, medium, large, on the annotation's `area` (a detection's: w × h). */
const AREAS: readonly (readonly [number, number])[] = [
  [0, 1e10],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e10],
];
const A = AREAS.length;
/** numpy's np.spacing(1), which keeps pycocotools' precision defined with no detection. */
const EPS = 2 ** -52;

/** Each category's detections in COCO's global order, for one area range, ignored ones left out. */
interface Ranked {
  n: number;
  image: Int32Array;
  /** Bit t: a true positive at IoU threshold t. */
  tp: Uint16Array;
  /** Bit t: left out at threshold t. */
  ignored: Uint16Array;
  /** 1 where the next detection has the same score and image (a block a drawn-twice image repeats). */
  tied: Uint8Array;
}

/** What matching found, once per dataset. */
interface Matched {
  images: number;
  categories: number;
  /** Image and category of each (image, category) pair with a ground truth box. */
  pairImage: Int32Array;
  pairCategory: Int32Array;
  /** Per pair and area range: ground truth boxes not ignored. */
  notIgnored: Int32Array;
  /** Per pair and threshold: true positives among the first maxDets[0] and maxDets[1] detections (area all). */
  tpFirst: Int32Array;
  tpSecond: Int32Array;
  /** Per category × area range. */
  ranked: Ranked[];
  longest: number;
}

/** pycocotools' bbIou: intersection over union, or over the detection's area for a crowd region. */
function iou(dt: Float64Array, d: number, gt: Float64Array, g: number, crowd: boolean): number {
  const dx = dt[4 * d]!;
  const dy = dt[4 * d + 1]!;
  const dw = dt[4 * d + 2]!;
  const dh = dt[4 * d + 3]!;
  const gx = gt[4 * g]!;
  const gy = gt[4 * g + 1]!;
  const gw = gt[4 * g + 2]!;
  const gh = gt[4 * g + 3]!;
  const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
  if (w <= 0) return 0;
  const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
  if (h <= 0) return 0;
  const i = w * h;
  const da = dw * dh;
  return i / (crowd ? da : da + gw * gh - i);
}

function match(d: DetectionData): Matched {
  const images = d.imageIds.length;
  const categories = d.categoryIds.length;
  const [m0, m1, maxDet] = d.maxDetections as [number, number, number];
  const { gt, dt } = d;
  const pairImage = new IntList();
  const pairCategory = new IntList();
  const notIgnored = new IntList();
  const tpFirst = new IntList();
  const tpSecond = new IntList();
  // Entries: the detections kept (first maxDet of their image and category), in image order.
  const entDetection = new IntList();
  const entFlags: IntList[] = Array.from({ length: A }, () => new IntList());
  const entImage = new IntList();

  let ious = new Float64Array(1024);
  let gtm = new Uint8Array(64);
  let sorted = new Int32Array(64);
  let ign = new Uint8Array(64);
  /** Per detection of the pair: bit t a true positive at threshold t, bit T + t left out. */
  let dtFlags = new Int32Array(1024);
  for (let i = 0; i < images; i++) {
    const gs = gt.start[i]!;
    const ge = gt.start[i + 1]!;
    const ds = dt.start[i]!;
    const de = dt.start[i + 1]!;
    if (gs === ge && ds === de) continue;
    // The image's rows by category; detections by score, highest first, equal scores in file order.
    const gRows = Array.from({ length: ge - gs }, (_, k) => gs + k).sort((a, b) => gt.category[a]! - gt.category[b]!);
    const dRows = Array.from({ length: de - ds }, (_, k) => ds + k).sort(
      (a, b) => dt.category[a]! - dt.category[b]! || dt.score[b]! - dt.score[a]!,
    );
    let gp = 0;
    let dp = 0;
    while (gp < gRows.length || dp < dRows.length) {
      const c = Math.min(gp < gRows.length ? gt.category[gRows[gp]!]! : Infinity, dp < dRows.length ? dt.category[dRows[dp]!]! : Infinity);
      const g0 = gp;
      while (gp < gRows.length && gt.category[gRows[gp]!] === c) gp++;
      const d0 = dp;
      while (dp < dRows.length && dt.category[dRows[dp]!] === c) dp++;
      const G = gp - g0;
      const D = Math.min(dp - d0, maxDet);
      if (ious.length < G * D) ious = new Float64Array(G * D * 2);
      if (gtm.length < G) {
        gtm = new Uint8Array(G * 2);
        ign = new Uint8Array(G * 2);
      }
      if (sorted.length < G) sorted = new Int32Array(G * 2);
      if (dtFlags.length < D) dtFlags = new Int32Array(D * 2);
      for (let k = 0; k < D; k++)
        for (let g = 0; g < G; g++) ious[k * G + g] = iou(dt.box, dRows[d0 + k]!, gt.box, gRows[g0 + g]!, gt.crowd[gRows[g0 + g]!] === 1);
      // Without ground truth a pair has no true positive and nothing to find: only its detections count.
      if (G > 0) {
        pairImage.push(i);
        pairCategory.push(c);
      }
      for (let k = 0; k < D; k++) {
        entDetection.push(dRows[d0 + k]!);
        entImage.push(i);
      }
      for (let a = 0; a < A; a++) {
        const [lo, hi] = AREAS[a]!;
        // Ground truth not ignored first, ignored last, each in file order.
        let s = 0;
        for (let g = 0; g < G; g++) {
          const row = gRows[g0 + g]!;
          const ar = gt.area[row]!;
          if (!(gt.crowd[row] === 1 || ar < lo || ar > hi)) sorted[s++] = g;
        }
        const kept = s;
        for (let g = 0; g < G; g++) {
          const row = gRows[g0 + g]!;
          const ar = gt.area[row]!;
          if (gt.crowd[row] === 1 || ar < lo || ar > hi) sorted[s++] = g;
        }
        for (let s2 = 0; s2 < G; s2++) ign[s2] = s2 >= kept ? 1 : 0;
        if (G > 0) notIgnored.push(kept);
        const tpAt = new Int32Array(2 * T);
        for (let k = 0; k < D; k++) dtFlags[k] = 0;
        for (let t = 0; t < T; t++) {
          gtm.fill(0, 0, G);
          const bit = 1 << t;
          for (let k = 0; k < D; k++) {
            let best = Math.min(IOU[t]!, 1 - 1e-10);
            let m = -1;
            for (let s2 = 0; s2 < G; s2++) {
              const g = sorted[s2]!;
              const crowd = gt.crowd[gRows[g0 + g]!] === 1;
              if (gtm[s2] && !crowd) continue;
              if (m > -1 && ign[m] === 0 && ign[s2] === 1) break;
              const v = ious[k * G + g]!;
              if (v < best) continue;
              best = v;
              m = s2;
            }
            const row = dRows[d0 + k]!;
            const da = dt.box[4 * row + 2]! * dt.box[4 * row + 3]!;
            if (m === -1) {
              if (da < lo || da > hi) dtFlags[k]! |= bit << T;
              continue;
            }
            gtm[m] = 1;
            if (ign[m]) dtFlags[k]! |= bit << T;
            else {
              dtFlags[k]! |= bit;
              if (a === 0) {
                if (k < m0) tpAt[t]!++;
                if (k < m1) tpAt[T + t]!++;
              }
            }
          }
        }
        for (let k = 0; k < D; k++) entFlags[a]!.push(dtFlags[k]!);
        if (a === 0 && G > 0)
          for (let t = 0; t < T; t++) {
            tpFirst.push(tpAt[t]!);
            tpSecond.push(tpAt[T + t]!);
          }
      }
    }
  }

  // Per category, its detections in COCO's global order: by score, equal scores in entry order.
  const detection = entDetection.done();
  const image = entImage.done();
  const flags = entFlags.map((f) => f.done());
  const byCategory: number[][] = Array.from({ length: categories }, () => []);
  for (let e = 0; e < detection.length; e++) byCategory[dt.category[detection[e]!]!]!.push(e);
  const ranked: Ranked[] = [];
  let longest = 0;
  for (let c = 0; c < categories; c++) {
    const entries = byCategory[c]!;
    const neg = Float64Array.from(entries, (e) => -dt.score[detection[e]!]!);
    const ord = argsort(neg);
    for (let a = 0; a < A; a++) {
      const f = flags[a]!;
      const keep = [];
      for (const o of ord) {
        const e = entries[o]!;
        if (f[e]! >> T !== ALL_T) keep.push(e);
      }
      const n = keep.length;
      const r: Ranked = {
        n,
        image: new Int32Array(n),
        tp: new Uint16Array(n),
        ignored: new Uint16Array(n),
        tied: new Uint8Array(n),
      };
      for (let j = 0; j < n; j++) {
        const e = keep[j]!;
        r.image[j] = image[e]!;
        r.tp[j] = f[e]! & ALL_T;
        r.ignored[j] = f[e]! >> T;
        if (j + 1 < n) {
          const next = keep[j + 1]!;
          r.tied[j] = image[next] === image[e] && dt.score[detection[next]!] === dt.score[detection[e]!] ? 1 : 0;
        }
      }
      ranked.push(r);
      longest = Math.max(longest, n);
    }
  }
  return {
    images,
    categories,
    pairImage: pairImage.done(),
    pairCategory: pairCategory.done(),
    notIgnored: notIgnored.done(),
    tpFirst: tpFirst.done(),
    tpSecond: tpSecond.done(),
    ranked,
    longest,
  };
}

/** The twelve stats, in pycocotools' order. */
export const COCO_STATS = [
  'coco_ap',
  'coco_ap50',
  'coco_ap75',
  'coco_ap_small',
  'coco_ap_medium',
  'coco_ap_large',
  'coco_ar1',
  'coco_ar10',
  'coco_ar100',
  'coco_ar_small',
  'coco_ar_medium',
  'coco_ar_large',
] as const;
const S = COCO_STATS.length;

/** Per stat and category, the category's value (NaN where it has no ground truth in the area range). */
interface Evaluated {
  perCategory: Float64Array;
}

/**
 * Scratch for one evaluation: the detections of the resample that are not false positives at
 * every threshold (with their weight, bits, and the weight of those false positives before
 * them), and per threshold the precision at each true positive and the true positives so far.
 */
let scratch = {
  weight: new Float64Array(0),
  tp: new Uint16Array(0),
  ignored: new Uint16Array(0),
  fpBefore: new Float64Array(0),
  block: new Uint8Array(0),
  pr: new Float64Array(0),
  tpAt: new Float64Array(0),
};

function evaluateAll(m: Matched, w: Uint32Array | undefined): Evaluated {
  const K = m.categories;
  const weight = w ?? new Uint32Array(m.images).fill(1);
  const npig = new Float64Array(K * A);
  const tp1 = new Float64Array(K * T);
  const tp10 = new Float64Array(K * T);
  for (let p = 0; p < m.pairImage.length; p++) {
    const wi = weight[m.pairImage[p]!]!;
    if (wi === 0) continue;
    const c = m.pairCategory[p]!;
    for (let a = 0; a < A; a++) npig[c * A + a]! += wi * m.notIgnored[p * A + a]!;
    for (let t = 0; t < T; t++) {
      tp1[c * T + t]! += wi * m.tpFirst[p * T + t]!;
      tp10[c * T + t]! += wi * m.tpSecond[p * T + t]!;
    }
  }
  if (scratch.pr.length < m.longest) {
    const n = m.longest;
    scratch = {
      weight: new Float64Array(n),
      tp: new Uint16Array(n),
      ignored: new Uint16Array(n),
      fpBefore: new Float64Array(n),
      block: new Uint8Array(n),
      pr: new Float64Array(n),
      tpAt: new Float64Array(n),
    };
  }
  const out = new Float64Array(S * K).fill(NaN);
  const apT = new Float64Array(T);
  const recT = new Float64Array(T);
  for (let c = 0; c < K; c++) {
    for (let a = 0; a < A; a++) {
      const n = npig[c * A + a]!;
      if (n === 0) continue;
      accumulate(m.ranked[c * A + a]!, weight, n, apT, recT);
      let ap = 0;
      let rec = 0;
      for (let t = 0; t < T; t++) {
        ap += apT[t]!;
        rec += recT[t]!;
      }
      if (a === 0) {
        out[0 * K + c] = ap / (T * R);
        out[1 * K + c] = apT[0]! / R;
        out[2 * K + c] = apT[5]! / R;
        let r1 = 0;
        let r10 = 0;
        for (let t = 0; t < T; t++) {
          r1 += tp1[c * T + t]! / n;
          r10 += tp10[c * T + t]! / n;
        }
        out[6 * K + c] = r1 / T;
        out[7 * K + c] = r10 / T;
        out[8 * K + c] = rec / T;
      } else {
        out[(2 + a) * K + c] = ap / (T * R);
        out[(8 + a) * K + c] = rec / T;
      }
    }
  }
  return { perCategory: out };
}

/**
 * One category and area range, at every threshold: the sum over recall levels of the
 * interpolated precision (apT) and the recall (recT), the detections weighted by how often
 * their image was drawn.
 */
function accumulate(r: Ranked, weight: Uint32Array, npig: number, apT: Float64Array, recT: Float64Array): void {
  const { pr, tpAt, weight: mw, tp: mtp, ignored: mig, fpBefore, block } = scratch;
  const { image, tp: tpBits, ignored, tied, n } = r;
  // Detections false at every threshold (most of them) only add to the false positives: summed
  // once here, for all thresholds; the others are kept, in order, for the pass per threshold.
  let fpAll = 0;
  let kept = 0;
  for (let j = 0; j < n; j++) {
    const w = weight[image[j]!]!;
    if (w === 0) continue;
    if (w > 1 && tied[j]) {
      // Equal scores in one image drawn w times: a block that repeats w times, as in the copy.
      let e = j;
      while (tied[e]) e++;
      for (let k = j; k <= e; k++, kept++) {
        mw[kept] = w;
        mtp[kept] = tpBits[k]!;
        mig[kept] = ignored[k]!;
        fpBefore[kept] = fpAll;
        block[kept] = k < e ? 1 : 0;
      }
      j = e;
      continue;
    }
    const b = tpBits[j]!;
    const g = ignored[j]!;
    if (b === 0 && g === 0) {
      fpAll += w;
      continue;
    }
    mw[kept] = w;
    mtp[kept] = b;
    mig[kept] = g;
    fpBefore[kept] = fpAll;
    block[kept++] = 0;
  }
  for (let t = 0; t < T; t++) {
    const bit = 1 << t;
    let tp = 0;
    let fp = 0;
    let points = 0;
    for (let k = 0; k < kept; k++) {
      const w = mw[k]!;
      if (block[k]) {
        let e = k;
        while (block[e]) e++;
        for (let rep = 0; rep < w; rep++)
          for (let q = k; q <= e; q++) {
            if (mig[q]! & bit) continue;
            if (mtp[q]! & bit) {
              tp++;
              pr[points] = tp / (fpBefore[q]! + fp + tp + EPS);
              tpAt[points++] = tp;
            } else fp++;
          }
        k = e;
        continue;
      }
      if (mig[k]! & bit) continue;
      if (mtp[k]! & bit) {
        // w copies in a row: only the last one's precision can be the best at any recall.
        tp += w;
        pr[points] = tp / (fpBefore[k]! + fp + tp + EPS);
        tpAt[points++] = tp;
      } else fp += w;
    }
    recT[t] = tp / npig;
    // Interpolated precision at recall level x: the best precision where recall ≥ x (0 where none).
    let sum = 0;
    let level = R - 1;
    const last = points > 0 ? tpAt[points - 1]! / npig : -Infinity;
    while (level >= 0 && RECALL[level]! > last) level--;
    let best = 0;
    for (let j = points - 1; j >= 0 && level >= 0; j--) {
      if (pr[j]! > best) best = pr[j]!;
      const before = j > 0 ? tpAt[j - 1]! / npig : -Infinity;
      while (level >= 0 && RECALL[level]! > before) {
        sum += best;
        level--;
      }
    }
    apT[t] = sum;
  }
}

const matchedOf = new WeakMap<DetectionData, Matched>();
/** The last evaluation of each dataset: the twelve metrics of one resample share it. */
const lastOf = new WeakMap<DetectionData, { resample: number; result: Evaluated }>();

function evaluated(d: DetectionData, w: Uint32Array | undefined, resample: number | undefined): Evaluated {
  let m = matchedOf.get(d);
  if (!m) {
    m = match(d);
    matchedOf.set(d, m);
  }
  const key = w ? resample : -1;
  const last = lastOf.get(d);
  if (key !== undefined && last && last.resample === key) return last.result;
  const result = evaluateAll(m, w);
  if (key !== undefined) lastOf.set(d, { resample: key, result });
  return result;
}

const descriptions: Record<(typeof COCO_STATS)[number], string> = {
  coco_ap: 'COCO AP: precision averaged over 101 recall levels, IoU .50:.05:.95 and categories',
  coco_ap50: 'COCO AP at IoU .50 (PASCAL VOC style)',
  coco_ap75: 'COCO AP at IoU .75',
  coco_ap_small: 'COCO AP on small objects (area below 32²)',
  coco_ap_medium: 'COCO AP on medium objects (area 32² to 96²)',
  coco_ap_large: 'COCO AP on large objects (area above 96²)',
  coco_ar1: 'COCO AR with 1 detection per image and category',
  coco_ar10: 'COCO AR with 10 detections per image and category',
  coco_ar100: 'COCO AR with 100 detections per image and category: recall averaged over IoU .50:.05:.95 and categories',
  coco_ar_small: 'COCO AR on small objects (area below 32²)',
  coco_ar_medium: 'COCO AR on medium objects (area 32² to 96²)',
  coco_ar_large: 'COCO AR on large objects (area above 96²)',
};

const areaWords = ['', '', '', 'small', 'medium', 'large', '', '', '', 'small', 'medium', 'large'];

function cocoStat(s: number): Metric {
  const name = COCO_STATS[s]!;
  return {
    name,
    direction: 'maximize',
    reads: 'boxes',
    description: `${descriptions[name]} (pycocotools' stats[${s}])`,
    prepare(input: ScoringInput): Evaluator {
      const d = need(name, input.detection, 'COCO boxes (--format coco)');
      const K = d.categoryIds.length;
      const value = (w?: Uint32Array, resample?: number): number => {
        const per = evaluated(d, w, resample).perCategory;
        let sum = 0;
        let counted = 0;
        for (let c = 0; c < K; c++) {
          const v = per[s * K + c]!;
          if (Number.isNaN(v)) continue;
          sum += v;
          counted++;
        }
        if (counted === 0)
          throw new MetricUndefinedError(
            name,
            areaWords[s]
              ? `no category has a ${areaWords[s]} ground truth box that is not a crowd region`
              : 'no category has a ground truth box that is not a crowd region',
          );
        return sum / counted;
      };
      const evaluate: Evaluator = (w, resample) => value(w, resample);
      const per = evaluated(d, undefined, undefined).perCategory.slice(s * K, (s + 1) * K);
      evaluate.perCategory = {
        names: [...d.categoryIds].map(String),
        values: per.map((v) => (Number.isNaN(v) ? 0 : v)),
        counted: Uint8Array.from(per, (v) => (Number.isNaN(v) ? 0 : 1)),
      };
      return evaluate;
    },
  };
}

export const detectionMetrics: Metric[] = COCO_STATS.map((_, s) => cocoStat(s));
