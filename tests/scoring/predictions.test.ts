import { describe, expect, it } from 'vitest';
import path from 'node:path';
import type { ScoringSpec } from '../../runner/src/scoring/spec.js';
import { loadPredictions } from '../../runner/src/scoring/predictions.js';
import { joinIds, type Reference } from '../../runner/src/scoring/join.js';
import { KeyColumn } from '../../runner/src/scoring/columns.js';
import type { Problem } from '../../runner/src/contracts/problems.js';

const labels: ScoringSpec = { id: 'id', target: 'label', score: 'score', reads: new Set(['label']), labels: ['cat', 'dog'] };
const scored: ScoringSpec = { id: 'id', target: 'label', score: 'score', reads: new Set(['score']) };
const regression: ScoringSpec = { id: 'id', target: 'label', score: 'score', reads: new Set(['number']) };

function ids(visibility: Reference['visibility'], ...xs: string[]): Reference {
  const col = new KeyColumn();
  for (const x of xs) col.pushString(x);
  return { ids: col.finish(), visibility };
}

async function check(text: string, spec = labels, reference?: Reference): Promise<Problem[]> {
  const loaded = await loadPredictions('p.csv', { text }, 'csv', spec);
  if (!loaded.ok) return loaded.problems;
  if (!reference) return [];
  const joined = joinIds('p.csv', loaded.predictions, reference);
  return joined.ok ? [] : joined.problems;
}

async function problems(text: string, spec = labels, reference?: Reference): Promise<Problem[]> {
  const p = await check(text, spec, reference);
  if (p.length === 0) throw new Error('expected problems');
  return p;
}

describe('predictions checks', () => {
  it('accepts a good file, byte-order mark and CRLF included', async () => {
    expect(await check('\uFEFFid,label\r\na,cat\r\nb,dog\r\n', labels, ids('public', 'a', 'b'))).toEqual([]);
  });

  it('names the missing column and the near miss in a wrong header', async () => {
    const [p] = await problems('id,lable\na,cat\n');
    expect(p!.line).toBe(1);
    expect(p!.message).toContain('no "label" column (found "lable": rename it to "label")');
    expect(p!.message).toContain('found "id,lable"');
  });

  it('counts duplicate ids and shows the participant rows with their lines', async () => {
    const [p] = await problems('id,label\na,cat\nb,dog\na,dog\nb,cat\n', labels, ids('public', 'a', 'b'));
    expect(p!.message).toContain('2 rows repeat an id');
    expect(p!.message).toContain('line 4: "a,dog"');
    expect(p!.message).toContain('line 5: "b,cat"');
    expect(p!.line).toBe(4);
  });

  it('shows at most three examples however many rows are wrong', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `x${i},cat`).join('\n');
    const all = await problems(`id,label\n${rows}\n`, labels, ids('public', 'a'));
    const unknown = all.find((p) => p.message.includes('not in the test set'))!;
    expect(unknown.message).toContain('50 rows have an id that is not in the test set');
    expect(unknown.message.match(/line \d+:/g)).toHaveLength(3);
  });

  it('names missing ids from a public list', async () => {
    const all = await problems('id,label\na,cat\n', labels, ids('public', 'a', 'b', 'c'));
    expect(all.map((p) => p.message).join()).toContain('2 test ids of 3 have no prediction (for example "b", "c")');
  });

  it('gives only a count for ids missing from hidden truth', async () => {
    const all = await problems('id,label\na,cat\n', labels, ids('hidden', 'a', 'secret-1', 'secret-2'));
    const text = all.map((p) => p.message).join();
    expect(text).toContain('2 test ids of 3 have no prediction');
    expect(text).not.toContain('secret');
  });

  it('reports empty values', async () => {
    const [p] = await problems('id,label\na,\n,dog\nc,cat\n');
    expect(p!.message).toContain('2 rows have an empty value (line 2: "a,"; line 3: ",dog")');
  });

  it('reports a label that is not a concept, with a suggestion', async () => {
    const [p] = await problems('id,label\na,cta\n');
    expect(p!.message).toContain('1 row has a "label" that is not one of the competition\'s labels');
    expect(p!.message).toContain('Did you mean "cat"?');
  });

  it.each([['NaN'], ['Infinity'], ['-inf'], ['1e999']])('reports %s in a score column as not finite', async (bad) => {
    const [p] = await problems(`id,score\na,0.5\nb,${bad}\n`, scored);
    expect(p!.message).toContain('NaN or an infinite value in "score"');
    expect(p!.message).toContain(`line 3: "b,${bad}"`);
  });

  it('reports text where a score should be', async () => {
    const [p] = await problems('id,score\na,high\n', scored);
    expect(p!.message).toContain('has a value in "score" that is not a number (line 2: "a,high")');
  });

  it('reads numeric targets for regression and refuses NaN there', async () => {
    expect(await check('id,label\na,1.5\nb,-2e3\n', regression)).toEqual([]);
    const [p] = await problems('id,label\na,NaN\n', regression);
    expect(p!.message).toContain('NaN or an infinite value in "label"');
  });

  it('refuses a file with a header and no rows', async () => {
    expect((await problems('id,label\n'))[0]!.message).toContain('header but no rows');
  });

  it('refuses a repeated header column', async () => {
    expect((await problems('id,label,label\na,cat,dog\n'))[0]!.message).toContain('repeats the column(s) "label"');
  });

  it('reports a ragged row with its line', async () => {
    const [p] = await problems('id,label\na,cat\nb,dog,extra\n');
    expect(p).toMatchObject({ line: 3, message: 'line 3 has 3 fields but the header has 2' });
  });

  it('reports every kind of problem at once', async () => {
    const all = await problems('id,label\na,cat\na,dog\nb,\n', labels);
    expect(all.map((p) => p.message.slice(0, 24))).toEqual(['1 row has an empty value', '1 row repeats an id alre']);
  });

  it('asks for per-class score columns when a metric reads them', async () => {
    const spec: ScoringSpec = { id: 'id', target: 'label', score: 'score', reads: new Set(['class-scores']), labels: ['cat', 'dog'] };
    const [p] = await problems('id,score_cat\na,0.5\n', spec);
    expect(p!.message).toContain('no "score_dog" column');
  });
});

describe('files saved by a spreadsheet in a locale with decimal commas (scripts/golden/spreadsheet-csv.py)', () => {
  const both: ScoringSpec = { id: 'id', target: 'label', score: 'score', reads: new Set(['label', 'score']), labels: ['cat', 'dog'] };
  const fixture = (name: string) => path.join(import.meta.dirname, '..', 'fixtures', 'spreadsheet', name);
  const load = (name: string) => loadPredictions(name, { path: fixture(name) }, 'csv', both);

  it.each(['excel-semicolon.csv', 'excel-semicolon-utf8.csv'])(
    '%s: one problem naming the semicolons and the decimal comma',
    async (name) => {
      const loaded = await load(name);
      expect(loaded.ok).toBe(false);
      const problems = loaded.ok ? [] : loaded.problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]!.message).toContain('looks separated by semicolons, not commas');
      expect(problems[0]!.message).toContain('decimal comma ("0,75")');
      expect(problems[0]!.message).toContain('Save it as CSV with commas');
      expect(problems[0]!.message).toContain('LibreOffice');
    },
  );

  it('a semicolon file with decimal points: the semicolons only', async () => {
    const loaded = await load('semicolon-points.csv');
    const problems = loaded.ok ? [] : loaded.problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('looks separated by semicolons');
    expect(problems[0]!.message).not.toContain('decimal comma');
  });

  it('quoted decimal commas in a comma file: one problem that says so', async () => {
    const loaded = await load('comma-decimal-comma.csv');
    const problems = loaded.ok ? [] : loaded.problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(2);
    expect(problems[0]!.message).toContain('4 rows have a value in "score" that is not a number');
    expect(problems[0]!.message).toContain('They use a decimal comma ("0,75"): write a decimal point');
    expect(problems[0]!.message).not.toContain('semicolons');
  });

  it('control: the same rows with commas and points are accepted', async () => {
    expect((await load('comma-points.csv')).ok).toBe(true);
  });

  it('control: a wrong header without semicolons gets one problem per missing column, no semicolon hint', async () => {
    const all = await problems('id,lable,scor\na,cat,0.5\n', both);
    expect(all).toHaveLength(2);
    for (const p of all) expect(p.message).not.toContain('semicolon');
  });

  it('a decimal comma among other bad numbers is counted apart', async () => {
    const [p] = await problems('id,label,score\na,cat,"0,5"\nb,dog,high\n', both);
    expect(p!.message).toContain('2 rows have a value in "score" that is not a number');
    expect(p!.message).toContain('1 of them use a decimal comma ("0,5")');
  });

  it('per-class score columns in a semicolon file: the semicolons are named', async () => {
    const classes: ScoringSpec = { id: 'id', target: 'label', score: 'score', reads: new Set(['class-scores']) };
    const [p] = await problems('id;score_cat;score_dog\na;0,5;0,5\n', classes);
    expect(p!.message).toContain('looks separated by semicolons');
  });
});
