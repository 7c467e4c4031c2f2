/**
 * Column stores for large tables: typed arrays that grow, and a byte arena for keys, so that
 * ten million rows cost a few hundred megabytes rather than a string object per field.
 */

export class GrowableFloat64 {
  private data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

export class GrowableInt32 {
  private data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
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
    this.bytes.set(src.subarray(s, e), this.used);
    this.used += e - s;
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
  hash(i: number): number {
    return hashBytes(this.bytes, this.starts[i]!, this.starts[i + 1]!);
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

/** FNV-1a over bytes, 32 bits. */
export function hashBytes(buf: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) {
    h ^= buf[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Open-addressing hash index over a key column: finds a key's row, and finds repeated keys
 * while it is built.
 */
export class KeyIndex {
  private readonly slots: Int32Array;
  private readonly mask: number;
  readonly keys: FrozenKeys;
  /** Rows whose key appeared on an earlier row (not indexed). */
  readonly duplicates: number[] = [];

  constructor(keys: FrozenKeys) {
    this.keys = keys;
    let size = 16;
    while (size < keys.length * 2) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let i = 0; i < keys.length; i++) {
      let slot = keys.hash(i) & this.mask;
      for (;;) {
        const at = this.slots[slot]!;
        if (at === -1) {
          this.slots[slot] = i;
          break;
        }
        if (keys.equals(at, keys, i)) {
          this.duplicates.push(i);
          break;
        }
        slot = (slot + 1) & this.mask;
      }
    }
  }

  /** Row of key j of `other` in this index, or -1. */
  find(other: FrozenKeys, j: number): number {
    let slot = other.hash(j) & this.mask;
    for (;;) {
      const at = this.slots[slot]!;
      if (at === -1) return -1;
      if (this.keys.equals(at, other, j)) return at;
      slot = (slot + 1) & this.mask;
    }
  }
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
