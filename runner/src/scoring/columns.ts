import { randomBytes } from 'node:crypto';
/**
 * Column stores for large tables: typed arrays that grow, and a byte arena for keys, so that
 * ten million rows cost a few hundred megabytes rather than a string object per field.
 */

type Typed = Float64Array | Int32Array;

/** A typed array that grows by doubling; `view()` is the filled part. */
class Growable<T extends Typed> {
  private data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

export class GrowableFloat64 extends Growable<Float64Array> {
  constructor() {
    super((n) => new Float64Array(n));
  }
}

export class GrowableInt32 extends Growable<Int32Array> {
  constructor() {
    super((n) => new Int32Array(n));
  }
}

/** Keys stored back to back in one buffer; key i is bytes[start[i], start[i+1]). */
export class KeyColumn {
  private bytes = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  private starts = new GrowableFloat64();

  get length(): number {
    return this.starts.length;
  }

  pushBytes(src: Uint8Array, s: number, e: number): void {
    this.reserve(e - s);
    this.starts.push(this.used);
    // A byte loop: ids are short, and subarray() would make an object per key.
    const bytes = this.bytes;
    let at = this.used;
    for (let i = s; i < e; i++) bytes[at++] = src[i]!;
    this.used = at;
  }

  pushString(v: string): void {
    const len = Buffer.byteLength(v);
    this.reserve(len);
    this.starts.push(this.used);
    this.used += this.bytes.write(v, this.used);
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.used + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.bytes.copy(next, 0, 0, this.used);
    this.bytes = next;
  }

  /** Frozen view for lookups. */
  finish(): FrozenKeys {
    const starts = new Float64Array(this.starts.length + 1);
    starts.set(this.starts.view());
    starts[this.starts.length] = this.used;
    return new FrozenKeys(this.bytes, starts);
  }
}

export class FrozenKeys {
  readonly bytes: Buffer;
  /** n + 1 offsets. */
  readonly starts: Float64Array;
  constructor(bytes: Buffer, starts: Float64Array) {
    this.bytes = bytes;
    this.starts = starts;
  }
  get length(): number {
    return this.starts.length - 1;
  }
  get(i: number): string {
    return this.bytes.toString('utf8', this.starts[i]!, this.starts[i + 1]!);
  }
  equals(i: number, other: FrozenKeys, j: number): boolean {
    const a = this.starts[i]!;
    const len = this.starts[i + 1]! - a;
    const b = other.starts[j]!;
    if (other.starts[j + 1]! - b !== len) return false;
    const x = this.bytes;
    const y = other.bytes;
    for (let k = 0; k < len; k++) if (x[a + k] !== y[b + k]) return false;
    return true;
  }
}

/** murmur3's finaliser: FNV-1a alone leaves the low bits, which pick the slot, poorly mixed. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Two independent 32-bit hashes of each key: together a 64-bit fingerprint. */
function fingerprints(keys: FrozenKeys): { h1: Int32Array; h2: Int32Array } {
  const n = keys.length;
  const h1 = new Int32Array(n);
  const h2 = new Int32Array(n);
  const b = keys.bytes;
  const st = keys.starts;
  for (let i = 0; i < n; i++) {
    let a = 0x811c9dc5;
    let c = 0x2545f491;
    const e = st[i + 1]!;
    for (let k = st[i]!; k < e; k++) {
      const x = b[k]!;
      a = Math.imul(a ^ x, 0x01000193);
      c = Math.imul(c ^ x, 0x5bd1e995);
    }
    h1[i] = fmix(a);
    h2[i] = fmix(c ^ (e - st[i]!));
  }
  return { h1, h2 };
}

/**
 * Open-addressing hash index over a key column. A probe compares a 64-bit fingerprint
 * only, which keeps the loop free of dependent memory reads; `join` then confirms every
 * match byte by byte in a separate pass (independent reads the processor overlaps), and
 * falls back to a byte-comparing probe in the astronomically rare case of a fingerprint
 * collision. Exact either way, and about five times faster than comparing bytes in the probe.
 */
export class KeyIndex {
  /** Four ints a slot: fingerprint low, row + 1 (0 = empty), fingerprint high, the key's offset in the arena. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  readonly keys: FrozenKeys;
  /** Rows whose key appeared on an earlier row (not indexed). */
  readonly duplicates: number[] = [];

  constructor(keys: FrozenKeys) {
    if (keys.bytes.length > 0x7fffffff) throw new Error('keys larger than 2 GiB are not supported');
    this.keys = keys;
    let size = 16;
    while (size < keys.length * 2) size *= 2;
    this.slots = new Int32Array(size * 4);
    this.mask = size - 1;
    const { h1, h2 } = fingerprints(keys);
    const slots = this.slots;
    for (let i = 0; i < keys.length; i++) {
      const a = h1[i]!;
      const c = h2[i]!;
      let slot = a & this.mask;
      for (;;) {
        const base = slot << 2;
        const row = slots[base + 1]!;
        if (row === 0) {
          slots[base] = a;
          slots[base + 1] = i + 1;
          slots[base + 2] = c;
          slots[base + 3] = keys.starts[i]!;
          break;
        }
        if (slots[base] === a && slots[base + 2] === c && keys.equals(row - 1, keys, i)) {
          this.duplicates.push(i);
          break;
        }
        slot = (slot + 1) & this.mask;
      }
    }
  }

  /** For each key of `other`, its row here or -1. */
  join(other: FrozenKeys): Int32Array {
    const { h1, h2 } = fingerprints(other);
    const out = new Int32Array(other.length);
    const offsets = new Int32Array(other.length);
    const slots = this.slots;
    const mask = this.mask;
    for (let j = 0; j < other.length; j++) {
      const a = h1[j]!;
      const c = h2[j]!;
      let slot = a & mask;
      let found = -1;
      for (;;) {
        const base = slot << 2;
        const row = slots[base + 1]!;
        if (row === 0) break;
        if (slots[base] === a && slots[base + 2] === c) {
          found = row - 1;
          offsets[j] = slots[base + 3]!;
          break;
        }
        slot = (slot + 1) & mask;
      }
      out[j] = found;
    }
    // Confirm each match. The slot gave the key's offset, so each read here depends on no
    // other random read, and words of four bytes keep the loop short.
    const mine = this.keys;
    const mineView = new DataView(mine.bytes.buffer, mine.bytes.byteOffset, mine.bytes.byteLength);
    const theirs = other.bytes;
    const theirView = new DataView(theirs.buffer, theirs.byteOffset, theirs.byteLength);
    for (let j = 0; j < other.length; j++) {
      const r = out[j]!;
      if (r < 0) continue;
      const a = offsets[j]!;
      const b = other.starts[j]!;
      const len = other.starts[j + 1]! - b;
      let same = mine.starts[r + 1]! - a === len;
      let k = 0;
      for (; same && k + 4 <= len; k += 4) same = mineView.getInt32(a + k) === theirView.getInt32(b + k);
      for (; same && k < len; k++) same = mine.bytes[a + k] === theirs[b + k];
      if (!same) out[j] = this.find(other, j);
    }
    return out;
  }

  /** Row of key j of `other` in this index, or -1, comparing bytes (the exact, slow path). */
  find(other: FrozenKeys, j: number): number {
    // Probing starts where the first fingerprint put the key.
    let slot = fingerprintOf(other, j) & this.mask;
    for (;;) {
      const base = slot << 2;
      const row = this.slots[base + 1]!;
      if (row === 0) return -1;
      if (this.keys.equals(row - 1, other, j)) return row - 1;
      slot = (slot + 1) & this.mask;
    }
  }
}

/** A seed drawn per process, so that nobody can choose ids that all land in one slot. */
const HASH_SEED = randomBytes(4).readInt32LE(0);

/** One 32-bit hash per key: FNV-1a from a random seed, then murmur3's finaliser. */
export function hashesOf(keys: FrozenKeys): Int32Array {
  const n = keys.length;
  const out = new Int32Array(n);
  const b = keys.bytes;
  const st = keys.starts;
  for (let i = 0; i < n; i++) {
    let a = 0x811c9dc5 ^ HASH_SEED;
    const e = st[i + 1]!;
    for (let k = st[i]!; k < e; k++) a = Math.imul(a ^ b[k]!, 0x01000193);
    out[i] = fmix(a);
  }
  return out;
}

function fingerprintOf(keys: FrozenKeys, i: number): number {
  let a = 0x811c9dc5;
  const b = keys.bytes;
  for (let k = keys.starts[i]!; k < keys.starts[i + 1]!; k++) a = Math.imul(a ^ b[k]!, 0x01000193);
  return fmix(a);
}

/** Distinct text values coded as small integers, in first-seen order. */
export class CategoryColumn {
  private readonly index = new Map<string, number>();
  readonly values: string[] = [];
  private readonly codes = new GrowableInt32();

  push(v: string): void {
    let c = this.index.get(v);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(v);
      this.index.set(v, c);
    }
    this.codes.push(c);
  }
  pushCode(c: number): void {
    this.codes.push(c);
  }
  codeOf(v: string): number | undefined {
    return this.index.get(v);
  }
  get length(): number {
    return this.codes.length;
  }
  view(): Int32Array {
    return this.codes.view();
  }
}
