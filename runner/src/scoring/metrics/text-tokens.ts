/**
 * Tokens for the text metrics, split exactly as the reference tools split them (Python's
 * notion of whitespace, code points rather than UTF-16 units), and interned to integers so
 * that n-grams are compared as numbers.
 */

/** The characters Python's `str.split()`, `str.strip()` and `re`'s `\s` treat as whitespace. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPACES = new RegExp(`[${PY_SPACE}]+`, 'u');
const ALL_SPACES = new RegExp(`[${PY_SPACE}]+`, 'gu');
const TWO_OR_MORE_SPACES = new RegExp(`[${PY_SPACE}][${PY_SPACE}]+`, 'gu');
const LEADING = new RegExp(`^[${PY_SPACE}]+`, 'u');
const TRAILING = new RegExp(`[${PY_SPACE}]+$`, 'u');

/** Python's `s.split()`: runs of whitespace separate words; no empty words. */
export function pySplit(s: string): string[] {
  const words = s.split(SPACES);
  if (words.length > 0 && words[0] === '') words.shift();
  if (words.length > 0 && words[words.length - 1] === '') words.pop();
  return words;
}

/** Python's `s.rstrip()`. */
export const pyRstrip = (s: string): string => s.replace(TRAILING, '');

/** Python's `s.strip()`. */
export const pyStrip = (s: string): string => s.replace(LEADING, '').replace(TRAILING, '');

/** Python's `''.join(s.split())`: the text without any whitespace. */
export const withoutSpaces = (s: string): string => s.replace(ALL_SPACES, '');

/** jiwer's default word transform: runs of two or more whitespace characters become one space, the ends are stripped, and the text is split on single spaces, empty words dropped. */
export function jiwerWords(s: string): string[] {
  return pyStrip(s.replace(TWO_OR_MORE_SPACES, ' '))
    .split(' ')
    .filter((w) => w.length > 0);
}

/** The code points of a string (Python's characters). */
export function codePoints(s: string, out?: Int32Array): Int32Array {
  const a = out && out.length >= s.length ? out : new Int32Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i)!;
    a[n++] = c;
    if (c > 0xffff) i++;
  }
  return a.subarray(0, n);
}

/** Strings to dense integer ids. */
export class Vocabulary {
  private readonly ids = new Map<string, number>();
  id(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(word, id);
    }
    return id;
  }
  /** The ids of words, or -1 for a word never seen (no id made). */
  find(word: string): number {
    return this.ids.get(word) ?? -1;
  }
  get size(): number {
    return this.ids.size;
  }
  ofWords(words: readonly string[]): Int32Array {
    const out = new Int32Array(words.length);
    for (let i = 0; i < words.length; i++) out[i] = this.id(words[i]!);
    return out;
  }
}

/**
 * Ids for pairs (prefix id, symbol), so that an n-gram's id is the id of (its (n-1)-gram
 * prefix's id, its last symbol): an open-addressing table over two Int32Arrays. `reset()`
 * forgets every pair in constant time (a generation stamp per slot), for per-segment use.
 */
export class PairIds {
  private prefix: Int32Array;
  private symbol: Int32Array;
  private value: Int32Array;
  private stamp: Uint32Array;
  private generation = 1;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let c = 16;
    while (c < capacity * 2) c *= 2;
    this.prefix = new Int32Array(c);
    this.symbol = new Int32Array(c);
    this.value = new Int32Array(c);
    this.stamp = new Uint32Array(c);
    this.mask = c - 1;
  }

  reset(): void {
    this.size = 0;
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.stamp.fill(0);
      this.generation = 1;
    }
  }

  private slot(p: number, s: number): number {
    let h = Math.imul(p ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(s, 0x85ebca6b);
    h ^= h >>> 15;
    return h & this.mask;
  }

  /** The pair's id, made (the next dense id) when new. */
  id(p: number, s: number): number {
    let i = this.slot(p, s);
    const g = this.generation;
    while (this.stamp[i] === g) {
      if (this.prefix[i] === p && this.symbol[i] === s) return this.value[i]!;
      i = (i + 1) & this.mask;
    }
    const id = this.size++;
    this.stamp[i] = g;
    this.prefix[i] = p;
    this.symbol[i] = s;
    this.value[i] = id;
    if (this.size * 2 > this.mask) this.grow();
    return id;
  }

  /** The pair's id, or -1 when it was never made. */
  find(p: number, s: number): number {
    let i = this.slot(p, s);
    const g = this.generation;
    while (this.stamp[i] === g) {
      if (this.prefix[i] === p && this.symbol[i] === s) return this.value[i]!;
      i = (i + 1) & this.mask;
    }
    return -1;
  }

  private grow(): void {
    const { prefix, symbol, value, stamp, generation } = this;
    const c = (this.mask + 1) * 2;
    this.prefix = new Int32Array(c);
    this.symbol = new Int32Array(c);
    this.value = new Int32Array(c);
    this.stamp = new Uint32Array(c);
    this.mask = c - 1;
    this.generation = 1;
    for (let j = 0; j < stamp.length; j++) {
      if (stamp[j] !== generation) continue;
      let i = this.slot(prefix[j]!, symbol[j]!);
      while (this.stamp[i] === 1) i = (i + 1) & this.mask;
      this.stamp[i] = 1;
      this.prefix[i] = prefix[j]!;
      this.symbol[i] = symbol[j]!;
      this.value[i] = value[j]!;
    }
  }
}

/** A growable Int32Array scratch that is all zero between uses (callers undo what they set). */
export class Scratch {
  a = new Int32Array(256);
  ensure(n: number): Int32Array {
    if (this.a.length < n) {
      let c = this.a.length;
      while (c < n) c *= 2;
      this.a = new Int32Array(c);
    }
    return this.a;
  }
}

/** Levenshtein distance between two integer sequences (unit costs), in one row of memory. */
export function editDistance(a: Int32Array, b: Int32Array, row?: Int32Array): number {
  if (a.length < b.length) [a, b] = [b, a];
  const m = b.length;
  if (m === 0) return a.length;
  const d = row && row.length > m ? row : new Int32Array(m + 1);
  for (let j = 0; j <= m; j++) d[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = d[0]!;
    d[0] = i;
    const ai = a[i - 1]!;
    for (let j = 1; j <= m; j++) {
      const up = d[j]!;
      const cost = b[j - 1] === ai ? diagonal : diagonal + 1;
      const best = Math.min(cost, up + 1, d[j - 1]! + 1);
      diagonal = up;
      d[j] = best;
    }
  }
  return d[m]!;
}
