import { createHash } from 'node:crypto';
import { MetricUndefinedError, type Direction, type Evaluator } from './metrics/types.js';

/**
 * Bootstrap confidence intervals and paired comparisons.
 *
 * Resample b draws `units` items with replacement; it is represented as a count per item
 * (how often the item was drawn), so a metric evaluates a resample in one weighted pass
 * without copying data. The draws depend only on (seed, units, b): two submissions scored
 * on the same truth with the same seed see the very same resamples, which makes their
 * stored replicates a paired bootstrap.
 *
 * On hidden data the draws must not be known: each replicate is a known weighting of the
 * items' outcomes, so a thousand replicates drawn from a published seed are a thousand
 * equations from which anyone solves every item's outcome (and, for two classes, its label).
 * The evaluation then draws from `drawKey`, 256 bits derived from the seed and the hidden
 * truth itself (keyOfFile): the same for every submission on that truth, so pairing
 * still holds, and unknowable without the truth. Each resample's generator state is 128 bits
 * of SHA-256(key, b), so neither a 32-bit seed to try every value of nor one resample's state
 * leads to another's.
 */
export interface BootstrapSettings {
  resamples: number;
  /** The seed competition.yml gives, recorded with each interval. */
  seed: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
  /** The key the draws come from when they must stay secret (32 bytes); default: from `seed`. */
  drawKey?: Uint8Array;
}

export const DEFAULT_BOOTSTRAP: BootstrapSettings = { resamples: 1000, seed: 20260101, level: 0.95 };

/** A resample's generator state from the public seed, through splitmix32. */
function seededState(seed: number, b: number): [number, number, number, number] {
  const seeded = random32((seed ^ Math.imul(b + 1, 0x27d4eb2d)) >>> 0);
  return [seeded(), seeded(), seeded(), seeded()];
}

/** A resample's generator state from a secret key: 128 bits of SHA-256(key, b), never all zero. */
function keyedState(key: Uint8Array, b: number): [number, number, number, number] {
  const index = Buffer.alloc(4);
  index.writeUInt32BE(b >>> 0);
  const d = createHash('sha256').update(key).update(index).digest();
  const s: [number, number, number, number] = [d.readUInt32LE(0), d.readUInt32LE(4), d.readUInt32LE(8), d.readUInt32LE(12)];
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  return s;
}

/** xoshiro128** : fast, small state, good statistical quality; seeded through splitmix32. */
export function random32(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Counts of a multinomial draw of `units` items out of `units`, for resample b: from `seed`, or,
 * with a key, from a state only the key's holder can know.
 */
export function drawCounts(units: number, seed: number, b: number, out: Uint32Array, key?: Uint8Array): void {
  out.fill(0);
  // xoshiro128** inlined (this loop runs units × resamples times), seeded per resample.
  let [s0, s1, s2, s3] = key ? keyedState(key, b) : seededState(seed, b);
  const scale = units / 4294967296;
  for (let i = 0; i < units; i++) {
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    // Multiply-shift maps 32 random bits to [0, units) without division (bias below units / 2^32).
    out[Math.floor(r * scale)]!++;
  }
}

export interface Interval {
  low: number;
  high: number;
  /** Resamples on which the metric was undefined (left out). */
  undefinedResamples: number;
  /** The value on each resample, NaN where undefined. */
  replicates: Float64Array;
}

/** Percentile intervals for several metrics, sharing each resample's draw. */
export function bootstrapIntervals(
  evaluators: ReadonlyMap<string, Evaluator>,
  units: number,
  settings: BootstrapSettings,
): Map<string, Interval> {
  const reps = new Map<string, Float64Array>();
  for (const name of evaluators.keys()) reps.set(name, new Float64Array(settings.resamples));
  const counts = new Uint32Array(units);
  for (let b = 0; b < settings.resamples; b++) {
    drawCounts(units, settings.seed, b, counts, settings.drawKey);
    for (const [name, evaluate] of evaluators) {
      let v: number;
      try {
        v = evaluate(counts, b);
      } catch (e: unknown) {
        if (!(e instanceof MetricUndefinedError)) throw e;
        v = NaN;
      }
      reps.get(name)![b] = v;
    }
  }
  const out = new Map<string, Interval>();
  for (const [name, r] of reps) out.set(name, percentileInterval(r, settings.level));
  return out;
}

export function percentileInterval(replicates: Float64Array, level: number): Interval {
  const defined = replicates.filter((v) => !Number.isNaN(v)).sort();
  const undefinedResamples = replicates.length - defined.length;
  if (defined.length === 0) return { low: NaN, high: NaN, undefinedResamples, replicates };
  const alpha = (1 - level) / 2;
  return { low: quantile(defined, alpha), high: quantile(defined, 1 - alpha), undefinedResamples, replicates };
}

/** Linear interpolation between order statistics (numpy's default percentile). */
export function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface Comparison {
  /** Mean of (a − b) in the better direction over the resamples: > 0 means a is better. */
  meanDifference: number;
  /** Percentile interval of that difference. */
  low: number;
  high: number;
  /** Share of resamples on which b was at least as good as a. */
  pValue: number;
  /** a is better than b: the whole interval is above 0. */
  aBetter: boolean;
  /** b is better than a: the whole interval is below 0. */
  bBetter: boolean;
  /** Resamples compared (defined for both). */
  resamples: number;
}

/** The one decision between two submissions, wherever it is shown: a side is better, or they are tied. */
export type PairedVerdict = 'a-better' | 'b-better' | 'tied';

export function pairedVerdict(c: Comparison): PairedVerdict {
  return c.aBetter ? 'a-better' : c.bBetter ? 'b-better' : 'tied';
}

/**
 * Paired bootstrap from two submissions' replicates on the same resamples. Swapping a and b
 * negates the interval exactly (the upper bound is read from the top of the sorted
 * differences, mirroring the lower one), so the verdict never depends on which is given first.
 */
export function compareReplicates(a: Float64Array, b: Float64Array, direction: Direction, level: number): Comparison {
  const sign = direction === 'maximize' ? 1 : -1;
  const diffs: number[] = [];
  let notBetter = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (Number.isNaN(a[i]!) || Number.isNaN(b[i]!)) continue;
    const d = sign * (a[i]! - b[i]!);
    diffs.push(d);
    if (d <= 0) notBetter++;
  }
  const sorted = Float64Array.from(diffs).sort();
  if (sorted.length === 0) return { meanDifference: NaN, low: NaN, high: NaN, pValue: NaN, aBetter: false, bBetter: false, resamples: 0 };
  const alpha = (1 - level) / 2;
  const low = positiveZero(quantile(sorted, alpha));
  const high = positiveZero(upperQuantile(sorted, alpha));
  const mean = diffs.reduce((s, d) => s + d, 0) / diffs.length;
  return {
    meanDifference: mean,
    low,
    high,
    pValue: notBetter / diffs.length,
    aBetter: low > 0,
    bBetter: high < 0,
    resamples: diffs.length,
  };
}

/** −0 as 0: they compare equal, and one zero keeps the two orientations' results equal too. */
function positiveZero(x: number): number {
  return x === 0 ? 0 : x;
}

/**
 * The (1 − q) quantile, computed as the q quantile counted from the top: the exact negation of
 * the q quantile of the negated values, which (1 − q) · (n − 1) rounded in floating point is not.
 */
function upperQuantile(sorted: Float64Array, q: number): number {
  const top = sorted.length - 1;
  const pos = q * top;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[top - lo]! - (sorted[top - lo]! - sorted[top - hi]!) * (pos - lo);
}

/** Replicates stored compactly in a record: float32, little-endian, base64. */
export function encodeReplicates(r: Float64Array): string {
  return Buffer.from(Float32Array.from(r).buffer).toString('base64');
}

export function decodeReplicates(s: string): Float64Array {
  // Copied first: a decoded Buffer may sit at an offset that Float32Array cannot view.
  const bytes = new Uint8Array(Buffer.from(s, 'base64'));
  return Float64Array.from(new Float32Array(bytes.buffer, 0, Math.floor(bytes.byteLength / 4)));
}
