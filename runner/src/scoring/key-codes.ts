import type { FrozenKeys } from './columns.js';

/**
 * Small integer codes for the distinct keys of a column, for grouping rows by query: shared by
 * the (query, document) join, the ranked-list checks and the ranking input.
 */

/**
 * Small integer codes for distinct keys, in first-seen order, told apart by their bytes (two
 * ids that differ only in bytes that are not valid UTF-8 stay two), with each key's text.
 */
export class KeyCodes {
  private readonly index = new Map<string, number>();
  /** The text of each code's key. */
  readonly names: string[] = [];
  get size(): number {
    return this.names.length;
  }
  /** The code of key i, made when `add` (else -1 for a key not seen). */
  code(keys: FrozenKeys, i: number, add: boolean): number {
    // latin1 maps each byte to one character: a string that is the bytes, exactly.
    const raw = keys.bytes.toString('latin1', keys.starts[i]!, keys.starts[i + 1]!);
    let c = this.index.get(raw);
    if (c === undefined && add) {
      c = this.names.length;
      this.index.set(raw, c);
      this.names.push(keys.get(i));
    }
    return c ?? -1;
  }
}

/**
 * The code of each row's key. Rows of one query usually follow each other, so a row equal to
 * the one before costs a byte comparison and no string; `known` carries codes across columns.
 */
export function codesOf(keys: FrozenKeys, rows: ArrayLike<number> | undefined, known: KeyCodes, add: boolean): Int32Array {
  const n = rows ? rows.length : keys.length;
  const codes = new Int32Array(n);
  let last = -1;
  let lastCode = -1;
  for (let r = 0; r < n; r++) {
    const i = rows ? rows[r]! : r;
    if (last >= 0 && keys.equals(i, keys, last)) {
      codes[r] = lastCode;
      continue;
    }
    codes[r] = lastCode = known.code(keys, i, add);
    last = i;
  }
  return codes;
}
