import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable, TableError, MissingColumnsError, type ColumnRequest, type Table } from '../../runner/src/scoring/table.js';
import { parseCsv } from '../helpers/csv-oracle.js';
import { seededRandom } from '../../runner/src/example/data.js';

const request: ColumnRequest[] = [
  { name: 'id', kind: 'key' },
  { name: 'label', kind: 'category' },
  { name: 'score', kind: 'number' },
];

function rowsOf(t: Table): string[][] {
  const id = t.columns.get('id')!;
  const label = t.columns.get('label')!;
  const score = t.columns.get('score')!;
  if (id.kind !== 'key' || label.kind !== 'category' || score.kind !== 'number') throw new Error('kinds');
  return Array.from({ length: t.n }, (_, i) => [id.keys.get(i), label.values[label.codes[i]!]!, String(score.values[i])]);
}

/** A CSV with the awkward parts: quotes, commas and newlines inside fields, CRLF, blank lines, unicode. */
function awkwardCsv(seed: number, rows: number): string {
  const r = seededRandom(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const eol = r() < 0.5 ? '\r\n' : '\n';
  const lines = ['id,label,score'];
  for (let i = 0; i < rows; i++) {
    const id = pick([`a${i}`, `"q,${i}"`, `"line${i}\nbreak"`, `"say ""${i}"""`, `é${i}`]);
    const label = pick(['cat', 'dog', '"dog"', ' cat ']);
    const score = pick(['0.5', '-1.25', '1e-3', '3', '0.1234567890123456789', '.5', '7.']);
    lines.push(`${id},${label},${score}`);
    if (r() < 0.05) lines.push('');
  }
  return (r() < 0.5 ? '\uFEFF' : '') + lines.join(eol) + (r() < 0.5 ? eol : '');
}

describe('readTable', () => {
  it.each([1, 2, 3, 7, 64, 4096])('reads the same rows whatever the chunk size (%i bytes)', async (chunk) => {
    for (let seed = 1; seed <= 5; seed++) {
      const text = awkwardCsv(seed, 60);
      const oracle = parseCsv(text);
      const t = await readTable({ text }, request, 'csv', chunk);
      expect(t.header).toEqual(['id', 'label', 'score']);
      expect(rowsOf(t)).toEqual(oracle.rows.map((r) => [r[0]!.trim(), r[1]!.trim(), String(Number(r[2]))]));
      expect(Array.from(t.lines)).toEqual(oracle.lines);
    }
  });

  it('parses decimals exactly as Number does', async () => {
    const values = [
      '0.1',
      '0.2',
      '0.3',
      '-0.7',
      '123456789012345',
      '0.000001',
      '1.7976931348623157',
      '9007199254740993',
      '00012.50',
      '+4',
      '1e5',
      '0.1234567890123456789',
    ];
    const text = `id,label,score\n${values.map((v, i) => `x${i},a,${v}`).join('\n')}\n`;
    const t = await readTable({ text }, request);
    const col = t.columns.get('score')!;
    expect(col.kind === 'number' && Array.from(col.values)).toEqual(values.map(Number));
  });

  it('tallies empty, non-numeric and non-finite values with the first rows', async () => {
    const text = 'id,label,score\na,cat,\nb,,0.1\nc,dog,high\nd,dog,NaN\ne,dog,1e999\nf,cat,-inf\n';
    const t = await readTable({ text }, request);
    expect(t.empty).toEqual({
      count: 2,
      examples: [
        { line: 2, text: 'a,cat,' },
        { line: 3, text: 'b,,0.1' },
      ],
    });
    const col = t.columns.get('score')!;
    if (col.kind !== 'number') throw new Error('kind');
    expect(col.notNumber.examples).toEqual([{ line: 4, text: 'c,dog,high' }]);
    expect(col.notFinite.count).toBe(3);
  });

  it('reads JSON Lines with the same columns', async () => {
    const text = '{"id": "a", "label": "cat", "score": 0.5}\r\n\n{"id": 2, "label": "dog", "score": "1"}\n';
    const t = await readTable({ text }, request, 'jsonl', 5);
    expect(rowsOf(t)).toEqual([
      ['a', 'cat', '0.5'],
      ['2', 'dog', '1'],
    ]);
    expect(Array.from(t.lines)).toEqual([1, 3]);
  });

  it.each([
    ['', 'the file is empty'],
    ['id,label,score\na,cat\n', 'line 2 has 2 fields but the header has 3'],
    ['id,label,score\n"a,cat,1\n', 'never closed'],
    ['id,label,score\n"a"b,cat,1\n', 'text after a closing quote'],
    ['id,label,score\na\0,cat,1\n', 'NUL bytes'],
  ])('refuses %j', async (text, message) => {
    await expect(readTable({ text }, request, 'csv', 3)).rejects.toThrow(TableError);
    await expect(readTable({ text }, request)).rejects.toThrow(message);
  });

  it('names missing columns', async () => {
    const err = await readTable({ text: 'id,lable\n' }, request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingColumnsError);
    expect((err as MissingColumnsError).missing).toEqual(['label', 'score']);
  });

  it('closes the file when a table turns out to be unusable', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'podium-table-'));
    try {
      const file = path.join(dir, 'p.csv');
      writeFileSync(file, 'id,lable\na,b\n');
      const open = () => readdirSync('/proc/self/fd').length;
      const before = open();
      for (let i = 0; i < 5; i++) await expect(readTable({ path: file }, request)).rejects.toThrow(MissingColumnsError);
      expect(open()).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([['not json'], ['[1,2]']])('refuses a JSON line that is %s', async (line) => {
    await expect(readTable({ text: `{"id":"a","label":"x","score":1}\n${line}\n` }, request, 'jsonl')).rejects.toThrow(/line 2 is not/);
  });
});
