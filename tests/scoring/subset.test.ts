import { describe, expect, it } from 'vitest';
import { csvRecords, subsetRows } from '../../runner/src/scoring/subset.js';
import { readTable } from '../../runner/src/scoring/table.js';

describe('one part of a table, rows kept as written', () => {
  it('keeps the header and the chosen rows of a CSV, quotes, line ends and extra columns untouched', () => {
    const text = '\ufeffid,label,note\r\na,x,"one, two"\r\n\r\n"b",y,"two\nlines"\r\nc,x,"say ""hi"""\r\n d ,y,last';
    expect(subsetRows(text, 'csv', 'id', new Set(['b', 'd']))).toBe('id,label,note\r\n"b",y,"two\nlines"\r\n d ,y,last\n');
    expect(subsetRows(text, 'csv', 'id', new Set(['a', 'c']))).toBe('id,label,note\r\na,x,"one, two"\r\nc,x,"say ""hi"""\r\n');
    expect(subsetRows('id,label\n', 'csv', 'id', new Set(['a']))).toBe('id,label\n');
    expect(() => subsetRows('key,label\na,x\n', 'csv', 'id', new Set(['a']))).toThrow('no column "id" in the header');
  });

  it('splits CSV records the way Podium reads them', async () => {
    const text = 'id,v\n1,"a\n""b"",c"\n2,\n3,"x"\r\n';
    const fields = [...csvRecords(text)].map((r) => r.fields);
    expect(fields).toEqual([
      ['id', 'v'],
      ['1', 'a\n"b",c'],
      ['2', ''],
      ['3', 'x'],
    ]);
    const table = await readTable({ text }, [{ name: 'id', kind: 'key' }]);
    expect(table.n).toBe(fields.length - 1);
    expect([...csvRecords(text)].map((r) => r.raw).join('')).toBe(text);
  });

  it('keeps JSON Lines rows by their id, numbers compared as text', () => {
    const text = '{"id": 1, "label": "x"}\n\n{"id": "2", "label": "y"}\n{"id": 3, "label": "x"}';
    expect(subsetRows(text, 'jsonl', 'id', new Set(['1', '3']))).toBe('{"id": 1, "label": "x"}\n{"id": 3, "label": "x"}\n');
    expect(subsetRows(text, 'jsonl', 'id', new Set(['2']))).toBe('{"id": "2", "label": "y"}\n');
  });
});
