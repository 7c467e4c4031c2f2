import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CsvError } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTable, TableError, MissingColumnsError, type ColumnRequest, type Table } from '../../runner/src/scoring/table.js';
import { readWithCsvParse } from '../helpers/csv-oracle.js';

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

/** What Podium makes of csv-parse's fields: keys and labels without surrounding blanks, an empty number missing (NaN). */
const asPodium = ([id, label, score]: string[]): string[] => [
  id!.trim(),
  label!.trim(),
  String(score!.trim() === '' ? NaN : Number(score)),
];

/**
 * CSV text with the awkward parts: quoted fields holding commas, doubled quotes, LF and CRLF;
 * CRLF or LF line ends, blank lines, a byte-order mark, multi-byte characters that a chunk
 * boundary can cut, blanks around values, empty fields, and numbers the fast decimal path
 * reads and those it hands to Number. Unquoted fields hold no quote and no CR (see the
 * named differences below).
 */
const plainChar = fc.constantFrom('a', 'b', 'Z', '7', '0', '.', '-', '_', ' ', '\t', 'é', '日', '🙂');
const quotedChar = fc.oneof(plainChar, fc.constantFrom(',', '""', '\n', '\r\n', '\u00a0'));
const plainField = fc.string({ unit: plainChar, maxLength: 8 });
const quoted = (unit: fc.Arbitrary<string>) => fc.string({ unit, maxLength: 8 }).map((s) => `"${s}"`);
const quotedField = quoted(fc.oneof(quotedChar, fc.constant('\r')));
const field = fc.oneof(plainField, quotedField);
const decimal = fc
  .tuple(
    fc.constantFrom('', '-', '+'),
    fc.string({ unit: fc.constantFrom('0', '1', '5', '9'), maxLength: 20 }),
    fc.option(fc.string({ unit: fc.constantFrom('0', '3', '7'), maxLength: 24 })),
  )
  .map(([sign, whole, frac]) => `${sign}${whole}${frac === null ? '' : `.${frac}`}`);
const score = fc.oneof(
  decimal,
  fc.double().map(String),
  fc.constantFrom('', ' 2 ', '1e-3', '1E5', 'high', 'NaN', 'inf', '-Infinity', '0x10'),
  decimal.map((d) => `"${d}"`),
);
const label = fc.oneof(fc.constantFrom('cat', 'dog', ' cat ', '"dog"', '"cat\n"', ''), field);
const awkwardCsv = fc
  .record({
    header: fc.constantFrom('id,label,score', '"id","label","score"', ' id , label,score'),
    rows: fc.array(fc.tuple(field, label, score, fc.nat(19)), { maxLength: 60, size: 'medium' }),
    eol: fc.constantFrom('\n', '\r\n'),
    bom: fc.boolean(),
    finalEol: fc.boolean(),
  })
  .map(({ header, rows, eol, bom, finalEol }) => {
    // About one row in twenty is followed by a blank line.
    const lines = [header, ...rows.flatMap(([id, l, s, blank]) => (blank === 0 ? [`${id},${l},${s}`, ''] : [`${id},${l},${s}`]))];
    return (bom ? '\uFEFF' : '') + lines.join(eol) + (finalEol ? eol : '');
  });

describe('readTable', () => {
  it.each([1, 2, 3, 7, 64, 4096])('reads the same rows as csv-parse whatever the chunk size (%i bytes)', async (chunk) => {
    await fc.assert(
      fc.asyncProperty(awkwardCsv, async (text) => {
        const oracle = readWithCsvParse(text);
        const t = await readTable({ text }, request, 'csv', chunk);
        expect(t.header).toEqual(oracle.header.map((h) => h.trim()));
        expect(rowsOf(t)).toEqual(oracle.rows.map(asPodium));
        expect(Array.from(t.lines)).toEqual(oracle.lines);
      }),
      { seed: 42, numRuns: 25 },
    );
  });

  it('refuses exactly the files csv-parse refuses, for the same reason', async () => {
    // Rows with the wrong number of fields, a quote never closed, text after a closing quote.
    // (A lone CR after a closing quote, which both refuse, is a named case below.)
    const sound = fc.oneof(plainField, quoted(quotedChar));
    const broken = fc.oneof(
      fc.tuple(sound, sound).map(([a, b]) => `${a},${b}`),
      fc.tuple(sound, sound, sound, sound).map((fs) => fs.join(',')),
      fc.tuple(sound, fc.string({ unit: quotedChar, maxLength: 8 })).map(([a, b]) => `${a},"${b}`),
      fc
        .tuple(
          quoted(quotedChar),
          plainField.filter((p) => p !== ''),
          sound,
        )
        .map(([q, after, b]) => `${q}${after},${b},1`),
    );
    const row = fc.oneof({ arbitrary: fc.tuple(sound, sound, score).map((r) => r.join(',')), weight: 4 }, broken);
    const text = fc
      .tuple(fc.array(row, { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), fc.nat(63))
      .map(([rows, eol, chunk]) => ({ text: ['id,label,score', ...rows].join(eol) + eol, chunk: chunk + 1 }));
    const reason: Record<string, RegExp> = {
      CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: /^line \d+ has \d+ fields? but the header has 3$/,
      CSV_QUOTE_NOT_CLOSED: /^a quoted field opened on line \d+ is never closed$/,
      CSV_INVALID_CLOSING_QUOTE: /^line \d+: text after a closing quote; quote the whole field$/,
    };
    await fc.assert(
      fc.asyncProperty(text, async ({ text, chunk }) => {
        let refusal: string | undefined;
        let oracle: ReturnType<typeof readWithCsvParse> | undefined;
        try {
          oracle = readWithCsvParse(text);
        } catch (e: unknown) {
          if (!(e instanceof CsvError)) throw e;
          refusal = e.code;
        }
        // A quote that an unclosed one pushes inside an unquoted field: a difference named below.
        fc.pre(refusal !== 'INVALID_OPENING_QUOTE');
        const read = readTable({ text }, request, 'csv', chunk);
        if (refusal === undefined) expect(rowsOf(await read)).toEqual(oracle!.rows.map(asPodium));
        else await expect(read).rejects.toThrow(reason[refusal] ?? refusal);
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('parses every decimal as Number does, through the fast path or around it', async () => {
    const decimals = fc.array(
      fc.oneof(
        decimal,
        fc.double({ noNaN: true }).map(String),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((d) => d.toFixed(6)),
      ),
      { minLength: 1, maxLength: 30 },
    );
    await fc.assert(
      fc.asyncProperty(decimals, async (values) => {
        const text = `id,label,score\n${values.map((v, i) => `x${i},a,${v}`).join('\n')}\n`;
        const col = (await readTable({ text }, request)).columns.get('score')!;
        expect(col.kind === 'number' && Array.from(col.values)).toEqual(values.map((v) => (v === '' ? NaN : Number(v))));
      }),
      { seed: 42, numRuns: 100 },
    );
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
    // A lone CR after a closing quote is text, not a line end (csv-parse refuses it too).
    ['id,label,score\n"a",cat,1\n"b"\rc,dog,2\n', 'line 3: text after a closing quote'],
    ['id,label,score\na\0,cat,1\n', 'NUL bytes'],
  ])('refuses %j', async (text, message) => {
    await expect(readTable({ text }, request, 'csv', 3)).rejects.toThrow(TableError);
    await expect(readTable({ text }, request)).rejects.toThrow(message);
  });

  describe('where Podium reads differently from csv-parse, on purpose', () => {
    it('an empty file: csv-parse reads no records, Podium asks for the header', async () => {
      expect(readWithCsvParse('')).toEqual({ header: [], rows: [], lines: [] });
      await expect(readTable({ text: '' }, request)).rejects.toThrow('the file is empty; the first line must be a header');
    });

    it('NUL bytes: csv-parse reads them as text, Podium refuses a file that is not text', async () => {
      const text = 'id,label,score\na\0,cat,1\n';
      expect(readWithCsvParse(text).rows).toEqual([['a\0', 'cat', '1']]);
      await expect(readTable({ text }, request)).rejects.toThrow('the file contains NUL bytes');
    });

    it('a quote inside an unquoted field: text to Podium, as to csv-parse with relax_quotes; strict csv-parse refuses it', async () => {
      const text = 'id,label,score\nx"y, "cat" ,1\n';
      expect(() => readWithCsvParse(text)).toThrow(expect.objectContaining({ code: 'INVALID_OPENING_QUOTE' }));
      const relaxed = readWithCsvParse(text, { relax_quotes: true });
      expect(relaxed.rows).toEqual([['x"y', ' "cat" ', '1']]);
      expect(rowsOf(await readTable({ text }, request))).toEqual(relaxed.rows.map(asPodium));
    });

    it('a CR at the very end of the file ends the last row for Podium; csv-parse keeps it in the last field', async () => {
      const text = 'id,score,label\na,1,cat\r';
      expect(readWithCsvParse(text).rows).toEqual([['a', '1', 'cat\r']]);
      expect(rowsOf(await readTable({ text }, request))).toEqual([['a', 'cat', '1']]);
    });
  });

  it('names missing columns', async () => {
    const err = await readTable({ text: 'id,lable\n' }, request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingColumnsError);
    expect((err as MissingColumnsError).missing).toEqual(['label', 'score']);
    expect((err as MissingColumnsError).semicolons).toBe(false);
  });

  it.each([
    ['one field holding semicolons', 'id;label;score\na;cat;0,5\n'],
    ['columns found once split on semicolons', 'id;label,score\na;cat,1\n'],
  ])('says a header looks separated by semicolons: %s', async (_, text) => {
    const err = await readTable({ text }, request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingColumnsError);
    expect((err as MissingColumnsError).semicolons).toBe(true);
    expect((err as MissingColumnsError).message).toContain('looks separated by semicolons');
    expect((err as MissingColumnsError).fix).toContain('Save it as CSV with commas');
  });

  it('a semicolon inside one of several columns that does not hide a missing one is no sign of semicolons', async () => {
    const err = await readTable({ text: 'id,lab;el,notes\n' }, request).catch((e: unknown) => e);
    expect((err as MissingColumnsError).semicolons).toBe(false);
  });

  it('counts numbers written with a decimal comma among those that are not numbers', async () => {
    const t = await readTable({ text: 'id,label,score\na,cat,"0,75"\nb,dog," -1,5 "\nc,cat,x\nd,dog,0.5\n' }, request);
    const score = t.columns.get('score')!;
    if (score.kind !== 'number') throw new Error('score must be a number column');
    expect(score.notNumber.count).toBe(3);
    expect(score.decimalComma.count).toBe(2);
    expect(score.decimalComma.examples.map((e) => e.text)).toEqual(['0,75', '-1,5']);
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

  it('refuses a JSON Lines value nested too deeply to read, at its line (control: a shallow list is read as its JSON text)', async () => {
    const line = (id: string) => `{"id":${id},"label":"x","score":1}`;
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    await expect(readTable({ text: `${line('"a"')}\n${line(deep)}\n` }, request, 'jsonl')).rejects.toThrow(
      'line 2: "id" is nested too deeply to read; give a text or a number',
    );
    expect(rowsOf(await readTable({ text: `${line('"a"')}\n${line('[[1]]')}\n` }, request, 'jsonl'))[1]![0]).toBe('[[1]]');
  });

  it.each([['not json'], ['[1,2]']])('refuses a JSON line that is %s', async (line) => {
    await expect(readTable({ text: `{"id":"a","label":"x","score":1}\n${line}\n` }, request, 'jsonl')).rejects.toThrow(/line 2 is not/);
  });
});
