import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyColumn, KeyIndex, type FrozenKeys } from '../../runner/src/scoring/columns.js';

function keys(...xs: string[]): FrozenKeys {
  const col = new KeyColumn();
  for (const x of xs) col.pushString(x);
  return col.finish();
}

describe('the key index', () => {
  it('finds each key, reports repeated keys, and misses what is absent', () => {
    const ref = keys('a', 'bb', 'é', 'a', '', 'ccc');
    const index = new KeyIndex(ref);
    expect(index.duplicates).toEqual([3]);
    const probe = keys('ccc', 'a', 'zz', 'é', '', 'b');
    expect(Array.from(index.join(probe))).toEqual([5, 0, -1, 2, 4, -1]);
  });

  it('gives the same answers through the exact, byte-comparing path', () => {
    const ref = keys(...Array.from({ length: 2000 }, (_, i) => `id-${i}`));
    const index = new KeyIndex(ref);
    const probe = keys('id-1999', 'id-0', 'id-2000', 'id-10');
    expect([0, 1, 2, 3].map((j) => index.find(probe, j))).toEqual(Array.from(index.join(probe)));
    expect(Array.from(index.join(probe))).toEqual([1999, 0, -1, 10]);
  });

  it('agrees with a Map on any keys: first rows, repeats, misses; the exact path agrees with the fast one', () => {
    // Few letters make repeats and prefixes common; multi-byte ones make byte lengths differ from string lengths.
    const key = fc.string({ unit: fc.constantFrom('a', 'b', 'é', '日', '🙂', ' '), maxLength: 9 });
    fc.assert(
      fc.property(fc.array(key, { maxLength: 200 }), fc.array(key, { maxLength: 50 }), (ref, probe) => {
        const first = new Map<string, number>();
        ref.forEach((k, i) => first.set(k, first.get(k) ?? i));
        const index = new KeyIndex(keys(...ref));
        expect(index.duplicates).toEqual(ref.flatMap((k, i) => (first.get(k) === i ? [] : [i])));
        const p = keys(...probe);
        const joined = Array.from(index.join(p));
        expect(joined).toEqual(probe.map((k) => first.get(k) ?? -1));
        expect(probe.map((_, j) => index.find(p, j))).toEqual(joined);
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('stores the same keys from bytes as from strings', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 100 }), (xs) => {
        const fromBytes = new KeyColumn();
        const line = Buffer.from(xs.join('\n'));
        let s = 0;
        for (const x of xs) {
          const e = s + Buffer.byteLength(x);
          fromBytes.pushBytes(line, s, e);
          s = e + 1;
        }
        const frozen = fromBytes.finish();
        expect(Array.from({ length: frozen.length }, (_, i) => frozen.get(i))).toEqual(xs);
        const strings = keys(...xs);
        expect(xs.every((_, i) => frozen.equals(i, strings, i))).toBe(true);
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('keeps keys of every length apart, including prefixes of each other', () => {
    const words = ['x', 'xx', 'xxx', 'xxxx', 'xxxxx', 'xxxxxxxxx', 'xxxxxxxxxx'];
    const index = new KeyIndex(keys(...words));
    expect(Array.from(index.join(keys(...[...words].reverse())))).toEqual([6, 5, 4, 3, 2, 1, 0]);
  });
});
