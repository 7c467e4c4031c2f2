import { describe, expect, it } from 'vitest';
import { checkPredictions, type PredictionColumns } from '../../runner/src/scoring/predictions.js';
import { parseCsv, CsvError } from '../../runner/src/scoring/csv.js';

const labels: PredictionColumns = { id: 'id', target: 'label', numericTarget: false, labels: new Set(['cat', 'dog']) };
const scored: PredictionColumns = { id: 'id', target: 'label', score: 'score', numericTarget: false };
const regression: PredictionColumns = { id: 'id', target: 'label', numericTarget: true };
const ids = (...xs: string[]) => ({ ids: new Set(xs), visibility: 'public' as const });

function problems(text: string, cols = labels, expected?: ReturnType<typeof ids> | { ids: Set<string>; visibility: 'hidden' }) {
  const r = checkPredictions('p.csv', text, cols, expected);
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}

describe('csv reading', () => {
  it('accepts a byte-order mark and CRLF line ends', () => {
    const t = parseCsv('\uFEFFid,label\r\na,cat\r\nb,dog\r\n');
    expect(t.header).toEqual(['id', 'label']);
    expect(t.rows).toEqual([
      ['a', 'cat'],
      ['b', 'dog'],
    ]);
    expect(t.lines).toEqual([2, 3]);
  });

  it('reads quoted fields with commas, quotes and newlines, and counts lines', () => {
    const t = parseCsv('id,label\n"a,1","say ""hi"""\n"b\nc",dog\nd,cat');
    expect(t.rows).toEqual([
      ['a,1', 'say "hi"'],
      ['b\nc', 'dog'],
      ['d', 'cat'],
    ]);
    expect(t.lines).toEqual([2, 3, 5]);
  });

  it.each([
    ['', 'the file is empty'],
    ['id,label\na,cat,extra\n', 'line 2 has 3 fields but the header has 2'],
    ['id,label\n"a,cat\n', 'never closed'],
    ['id,label\n"a"x,cat\n', 'text after a closing quote'],
    ['id,label\na\0,cat\n', 'NUL bytes'],
  ])('rejects %j with a line-numbered message', (text, message) => {
    expect(() => parseCsv(text)).toThrow(CsvError);
    expect(() => parseCsv(text)).toThrow(message);
  });
});

describe('predictions checks', () => {
  it('accepts a good file, BOM and CRLF included', () => {
    const r = checkPredictions('p.csv', '\uFEFFid,label\r\na,cat\r\nb,dog\r\n', labels, ids('a', 'b'));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.predictions.ids).toEqual(['a', 'b']);
      expect(r.predictions.target).toEqual(['cat', 'dog']);
    }
  });

  it('names the missing column and the near miss in a wrong header', () => {
    const [p] = problems('id,lable\na,cat\n');
    expect(p!.line).toBe(1);
    expect(p!.message).toContain('no "label" column (found "lable": rename it to "label")');
    expect(p!.message).toContain('found "id,lable"');
  });

  it('counts duplicate ids and shows the participant rows with their lines', () => {
    const [p] = problems('id,label\na,cat\nb,dog\na,dog\nb,cat\n', labels, ids('a', 'b'));
    expect(p!.message).toContain('2 rows repeat an id');
    expect(p!.message).toContain('line 4: "a,dog"');
    expect(p!.message).toContain('line 5: "b,cat"');
    expect(p!.line).toBe(4);
  });

  it('shows at most three examples however many rows are wrong', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `x${i},cat`).join('\n');
    const [p] = problems(`id,label\n${rows}\n`, labels, ids('a'));
    expect(p!.message).toContain('50 rows have an id that is not in the test set');
    expect(p!.message.match(/line \d+:/g)).toHaveLength(3);
  });

  it('names missing ids from a public list', () => {
    const all = problems('id,label\na,cat\n', labels, ids('a', 'b', 'c'));
    expect(all.map((p) => p.message).join()).toContain('2 test ids of 3 have no prediction (for example "b", "c")');
  });

  it('gives only a count for ids missing from hidden truth', () => {
    const all = problems('id,label\na,cat\n', labels, { ids: new Set(['a', 'secret-1', 'secret-2']), visibility: 'hidden' });
    const text = all.map((p) => p.message).join();
    expect(text).toContain('2 test ids of 3 have no prediction');
    expect(text).not.toContain('secret');
  });

  it('reports empty values', () => {
    const [p] = problems('id,label\na,\n,dog\nc,cat\n', labels);
    expect(p!.message).toContain('2 rows have an empty value (line 2: "a,"; line 3: ",dog")');
  });

  it('reports a label that is not a concept, with a suggestion', () => {
    const [p] = problems('id,label\na,cta\n', labels);
    expect(p!.message).toContain("not one of the competition's labels");
    expect(p!.message).toContain('Did you mean "cat"?');
  });

  it.each([['NaN'], ['Infinity'], ['-inf'], ['1e999']])('reports %s in a score column as not finite', (bad) => {
    const [p] = problems(`id,label,score\na,cat,0.5\nb,dog,${bad}\n`, scored);
    expect(p!.message).toContain('NaN or an infinite value in "score"');
    expect(p!.message).toContain(`line 3: "b,dog,${bad}"`);
  });

  it('reports text where a score should be', () => {
    const [p] = problems('id,label,score\na,cat,high\n', scored);
    expect(p!.message).toContain('not a number');
  });

  it('reads numeric targets for regression and refuses NaN there', () => {
    expect(checkPredictions('p.csv', 'id,label\na,1.5\nb,-2e3\n', regression).ok).toBe(true);
    const [p] = problems('id,label\na,NaN\n', regression);
    expect(p!.message).toContain('NaN or an infinite value in "label"');
  });

  it('refuses a file with a header and no rows', () => {
    expect(problems('id,label\n')[0]!.message).toContain('header but no rows');
  });

  it('refuses a repeated header column', () => {
    expect(problems('id,label,label\na,cat,dog\n')[0]!.message).toContain('repeats the column(s) "label"');
  });

  it('reports every kind of problem at once', () => {
    const all = problems('id,label\na,cat\na,dog\nz,cat\nb,\n', labels, ids('a', 'b', 'c'));
    expect(all).toHaveLength(4); // empty, duplicate, unknown id, missing ids
  });
});
