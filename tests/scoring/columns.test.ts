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

  it('keeps keys of every length apart, including prefixes of each other', () => {
    const words = ['x', 'xx', 'xxx', 'xxxx', 'xxxxx', 'xxxxxxxxx', 'xxxxxxxxxx'];
    const index = new KeyIndex(keys(...words));
    expect(Array.from(index.join(keys(...[...words].reverse())))).toEqual([6, 5, 4, 3, 2, 1, 0]);
  });
});
