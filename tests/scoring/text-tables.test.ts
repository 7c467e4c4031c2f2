import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompetition, type Competition } from '../../runner/src/competition/load.js';
import { specFrom } from '../../runner/src/cli/commands/score.js';
import { splitRows } from '../../runner/src/evaluate/private-split.js';
import { loadPredictions } from '../../runner/src/scoring/predictions.js';
import { buildInput } from '../../runner/src/scoring/scoring-input.js';
import { scoreFiles, scoreSlices, type NamedMetric } from '../../runner/src/scoring/score.js';
import { TruthError, type ScoringSpec } from '../../runner/src/scoring/spec.js';
import { subsetRows } from '../../runner/src/scoring/subset.js';
import type { TableFormat } from '../../runner/src/scoring/table.js';
import { normaliseText, type NormaliseStep } from '../../runner/src/scoring/text-normalise.js';
import { loadTruth, truthReference } from '../../runner/src/scoring/truth.js';
import { MetricUndefinedError, type Metric } from '../../runner/src/scoring/metrics/types.js';
import { findMetric } from '../../runner/src/scoring/metrics/registry.js';
import { exampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

interface Fixture {
  python: string;
  unicode: string;
  cases: { text: string; steps: NormaliseStep[]; expected: string }[];
  lower: Record<string, string>;
  punctuation: number[];
  whitespace: number[];
}
const fixture = JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/text-normalise.json'), 'utf8')) as Fixture;

/**
 * A test-only text metric, corpus-level as the real ones are: the share of reference words the
 * hypotheses contain, from weighted counts over the items.
 */
const wordsFound: Metric = {
  name: 'words_found',
  direction: 'maximize',
  reads: 'text',
  description: 'test only',
  prepare(input) {
    const text = input.text!;
    const found = new Float64Array(text.ids.length);
    const total = new Float64Array(text.ids.length);
    text.references.forEach((refs, u) => {
      const hyp = new Set(text.hypotheses[u]!.split(/\s+/).filter((w) => w !== ''));
      for (const r of refs)
        for (const w of r.split(/\s+/).filter((x) => x !== '')) {
          total[u]!++;
          if (hyp.has(w)) found[u]!++;
        }
    });
    return (w) => {
      let f = 0;
      let t = 0;
      for (let u = 0; u < found.length; u++) {
        const x = w ? w[u]! : 1;
        f += found[u]! * x;
        t += total[u]! * x;
      }
      if (t === 0) throw new MetricUndefinedError('words_found', 'no reference words');
      return f / t;
    };
  },
};
const named: NamedMetric[] = [{ name: 'words_found', metric: wordsFound, direction: 'maximize' }];

const spec = (extra: Partial<ScoringSpec> = {}): ScoringSpec => ({
  id: 'id',
  target: 'text',
  score: 'score',
  reads: new Set(['text']),
  ...extra,
});

async function input(truthText: string, predText: string, s = spec(), format: TableFormat = 'csv', predFormat: TableFormat = format) {
  const truth = await loadTruth({ text: truthText }, format, s);
  const loaded = await loadPredictions(`p.${predFormat}`, { text: predText }, predFormat, s, truthReference(truth, s, 'public'));
  if (!loaded.ok) return { problems: loaded.problems.map((p) => `${p.line}: ${p.message}`) };
  return { truth, loaded, input: buildInput(truth, loaded.predictions, loaded.rowOf!, s) };
}

const CAPTIONS = [
  'id,text,split,source',
  'img2,"A dog, running.",public,web',
  'img1,a cat on a mat,private,news',
  'img2,the dog runs,public,web',
  'img3,"two lines\nof text",public,web',
  'img1,  A cat sits  ,private,news',
  'img2,"""quoted"" dog",public,web',
  '',
].join('\n');

describe('text normalisation, as Python does it', () => {
  it(`equals Python ${fixture.python} (Unicode ${fixture.unicode}) on every case`, () => {
    expect(fixture.cases.length).toBeGreaterThan(100);
    for (const c of fixture.cases)
      expect(normaliseText(c.text, c.steps), `${JSON.stringify(c.text)} ${c.steps.join(',')}`).toBe(c.expected);
  });

  it('lower-cases every code point as str.lower() does', () => {
    const wrong: string[] = [];
    for (let c = 0; c < 0x110000; c++) {
      if (c >= 0xd800 && c < 0xe000) continue;
      const ch = String.fromCodePoint(c);
      const want = fixture.lower[String(c)] ?? ch;
      if (normaliseText(ch, ['lowercase']) !== want) wrong.push(c.toString(16));
    }
    expect(wrong).toEqual([]);
  });

  it('strips exactly the characters of category P*, and collapses exactly what str.isspace() takes', () => {
    const punctuation = new Set(fixture.punctuation);
    const space = new Set(fixture.whitespace);
    const wrong: string[] = [];
    for (let c = 0; c < 0x110000; c++) {
      if (c >= 0xd800 && c < 0xe000) continue;
      const ch = String.fromCodePoint(c);
      if ((normaliseText(ch, ['strip-punctuation']) === '') !== punctuation.has(c)) wrong.push(`P ${c.toString(16)}`);
      if ((normaliseText(`a${ch}${ch}b`, ['collapse-whitespace']) === 'a b') !== space.has(c)) wrong.push(`space ${c.toString(16)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('agrees with JavaScript on the Turkish, German and Greek cases', () => {
    // Where JavaScript's own toLowerCase gives the same as Python: the dotted capital I keeps
    // its dot as U+0307, ß stays, a capital sigma ending a word becomes ς.
    expect(normaliseText('İSTANBUL', ['lowercase'])).toBe('i\u0307stanbul');
    expect(normaliseText('STRAẞE Straße', ['lowercase'])).toBe('straße straße');
    expect(normaliseText('ΟΔΟΣ ΣΑΣ.', ['lowercase'])).toBe('οδος σας.');
  });
});

describe('texts from tables', () => {
  it('makes one unit per id, in first-appearance order, with its references in row order', async () => {
    const r = await input(CAPTIONS, 'id,text\nimg1,a cat\nimg3,\nimg2,a dog runs\n');
    expect(r.problems).toBeUndefined();
    expect(r.input!.units).toBe(3);
    expect(r.input!.text).toEqual({
      ids: ['img2', 'img1', 'img3'],
      hypotheses: ['a dog runs', 'a cat', ''],
      references: [['A dog, running.', 'the dog runs', '"quoted" dog'], ['a cat on a mat', '  A cat sits  '], ['two lines\nof text']],
    });
  });

  it('limits the units to the rows picked (a part, a slice)', async () => {
    const r = await input(CAPTIONS, 'id,text\nimg1,a cat\nimg3,\nimg2,a dog runs\n');
    const picked = buildInput(r.truth!, r.loaded!.predictions, r.loaded!.rowOf!, spec(), Int32Array.from([1, 3, 4]));
    expect(picked.text).toEqual({
      ids: ['img1', 'img3'],
      hypotheses: ['a cat', ''],
      references: [['a cat on a mat', '  A cat sits  '], ['two lines\nof text']],
    });
  });

  it('normalises hypotheses and references by the steps, in order', async () => {
    const r = await input(
      CAPTIONS,
      'id,text\nimg1,A  Cat!\nimg3,x\nimg2,"Dog, RUNS"\n',
      spec({ normalise: ['strip-punctuation', 'lowercase', 'collapse-whitespace'] }),
    );
    expect(r.input!.text!.hypotheses).toEqual(['dog runs', 'a cat', 'x']);
    expect(r.input!.text!.references[0]).toEqual(['a dog running', 'the dog runs', 'quoted dog']);
    expect(r.input!.text!.references[1]).toEqual(['a cat on a mat', 'a cat sits']);
  });

  it('reads JSON Lines, an empty text as a value', async () => {
    const truth = ['{"id": "u1", "text": "hello world"}', '{"id": "u2", "text": ""}', '{"id": "u1", "text": "hello, world"}'].join('\n');
    const r = await input(truth, '{"id": "u2", "text": "noise"}\n{"id": "u1", "text": ""}\n', spec(), 'jsonl');
    expect(r.input!.text).toEqual({ ids: ['u1', 'u2'], hypotheses: ['', 'noise'], references: [['hello world', 'hello, world'], ['']] });
  });

  it('refuses a text that is not a string in JSON Lines, with its line', async () => {
    const r = await input(
      '{"id": "u1", "text": "a"}\n{"id": "u2", "text": "b"}\n',
      '{"id": "u1", "text": "a"}\n{"id": "u2", "text": 42}\n',
      spec(),
      'jsonl',
    );
    expect(r.problems).toEqual(['2: line 2: "text" is a number, not a text; write it as a JSON string ("" for an empty one)']);
    const n = await input('{"id": "u1", "text": "a"}\n', '{"id": "u1", "text": null}\n', spec(), 'jsonl');
    expect(n.problems).toEqual(['1: line 1: "text" is null, not a text; write it as a JSON string ("" for an empty one)']);
    await expect(loadTruth({ text: '{"id": "u1", "text": "a"}\n{"id": "u1"}\n' }, 'jsonl', spec())).rejects.toThrow(
      /the truth file is malformed: line 2: "text" is missing, not a text/,
    );
  });

  it("keeps one prediction per id: a repeated or missing id is the participant's error, counted by id", async () => {
    const repeated = await input(CAPTIONS, 'id,text\nimg1,a\nimg2,b\nimg3,c\nimg1,d\n');
    expect(repeated.problems).toEqual([
      '5: 1 row repeats an id already given on an earlier line (line 5: "img1,d"). Give exactly one row per id.',
    ]);
    const missing = await input(CAPTIONS, 'id,text\nimg1,a\nimg3,c\n');
    expect(missing.problems).toEqual(['0: 1 test id of 3 has no prediction (for example "img2"). Give one row for every test id.']);
  });

  it('allows an id on several truth rows only when every metric reads text', async () => {
    await expect(loadTruth({ text: CAPTIONS }, 'csv', spec({ reads: new Set(['text', 'label']) }))).rejects.toThrow(TruthError);
    await expect(loadTruth({ text: CAPTIONS }, 'csv', spec({ reads: new Set(['text', 'label']) }))).rejects.toThrow(
      /the truth gives the id "img2" again on line 4 \(3 rows repeat an earlier id\); give one row per id \(only text metrics read several rows of an id, as its references\)/,
    );
  });

  it('scores end to end as a corpus, with intervals over the ids', async () => {
    const root = await temp();
    await writeFile(path.join(root, 'truth.csv'), CAPTIONS);
    await writeFile(
      path.join(root, 'pred.jsonl'),
      '{"id":"img2","text":"the dog"}\n{"id":"img1","text":"a cat"}\n{"id":"img3","text":""}\n',
    );
    const r = await scoreFiles({
      truth: path.join(root, 'truth.csv'),
      predictionsPath: path.join(root, 'pred.jsonl'),
      predictionsName: 'pred.jsonl',
      spec: spec(),
      metrics: named,
      bootstrap: { resamples: 50, seed: 1, level: 0.9 },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.units).toBe(3);
    // The same as on the texts given directly: the units are the ids, each with all its references.
    const direct = wordsFound.prepare({
      units: 3,
      text: {
        ids: ['img2', 'img1', 'img3'],
        hypotheses: ['the dog', 'a cat', ''],
        references: [['A dog, running.', 'the dog runs', '"quoted" dog'], ['a cat on a mat', '  A cat sits  '], ['two lines\nof text']],
      },
    })();
    expect(r.values.words_found!.value).toBe(direct);
    expect(r.values.words_found!.ci!.resamples).toBe(50);
  });

  it('slices by a truth column that is the same on all rows of an id, and refuses one that is not', async () => {
    const r = await input(CAPTIONS, 'id,text\nimg1,a cat\nimg3,of\nimg2,dog\n', spec());
    const s = spec();
    const truth = await loadTruth({ text: CAPTIONS }, 'csv', s, ['source', 'split']);
    const joined = await loadPredictions(
      'p.csv',
      { text: 'id,text\nimg1,a cat\nimg3,of\nimg2,dog\n' },
      'csv',
      s,
      truthReference(truth, s, 'public'),
    );
    if (!joined.ok) throw new Error('fine');
    const slices = scoreSlices(truth, joined.predictions, joined.rowOf!, s, named, ['source']);
    expect(slices.source!.groups.web!.n).toBe(2);
    expect(slices.source!.groups.news!.n).toBe(1);
    expect(r.input!.units).toBe(3);
    const mixed = CAPTIONS.replace('img2,the dog runs,public,web', 'img2,the dog runs,public,news');
    const t2 = await loadTruth({ text: mixed }, 'csv', s, ['source']);
    const j2 = await loadPredictions(
      'p.csv',
      { text: 'id,text\nimg1,a cat\nimg3,of\nimg2,dog\n' },
      'csv',
      s,
      truthReference(t2, s, 'public'),
    );
    if (!j2.ok) throw new Error('fine');
    expect(() => scoreSlices(t2, j2.predictions, j2.rowOf!, s, named, ['source'])).toThrow(
      /the truth column "source" holds both "web" and "news" for id img2; it must be the same on every row of an id/,
    );
  });

  it('splits the private part by id: all references of an id go to one part', async () => {
    const rows = ['id,text'];
    for (let i = 0; i < 200; i++) for (let k = 0; k < 1 + (i % 3); k++) rows.push(`c${i},reference ${k} of ${i}`);
    const s = spec();
    const truth = await loadTruth({ text: rows.join('\n') }, 'csv', s);
    const c = { config: { private: { fraction: 0.5, seed: 7 } } } as unknown as Competition;
    const parts = splitRows(c, truth, s)!;
    const ids = truth.columns.get('id')!;
    if (ids.kind !== 'key') throw new Error('key');
    const side = new Map<string, string>();
    for (const [name, part] of [
      ['public', parts.public],
      ['private', parts.private],
    ] as const)
      for (const row of part) {
        const id = ids.keys.get(row);
        expect(side.get(id) ?? name, id).toBe(name);
        side.set(id, name);
      }
    expect(side.size).toBe(200);
    expect(parts.public.length + parts.private.length).toBe(truth.n);
    // The rows a scoring program sees for a part are every reference of its ids.
    const keep = new Set([...parts.private].map((r) => ids.keys.get(r)));
    const subset = subsetRows(rows.join('\n') + '\n', 'csv', 'id', keep);
    expect(subset.trim().split('\n').length - 1).toBe(parts.private.length);
    // A split column must agree on all rows of an id.
    const split = { config: { private: { split_column: 'split' } } } as unknown as Competition;
    const t2 = await loadTruth({ text: CAPTIONS.replace('img1,  A cat sits  ,private', 'img1,  A cat sits  ,public') }, 'csv', s, [
      'split',
    ]);
    expect(() => splitRows(split, t2, s)).toThrow(/the truth column "split" holds both "private" and "public" for id img1/);
  });
});

describe('normalisation settings', () => {
  const values = (normalise?: string) =>
    ({
      'id-column': 'id',
      'label-column': 'text',
      'score-column': 'score',
      ...(normalise !== undefined ? { normalise } : {}),
    }) as Parameters<typeof specFrom>[0];

  it('podium score --normalise takes the named steps, in order', () => {
    expect(specFrom(values('collapse-whitespace,lowercase'), named).normalise).toEqual(['collapse-whitespace', 'lowercase']);
    expect(() => specFrom(values('lowercase,strip-punctuations'), named)).toThrow(
      /--normalise takes lowercase, strip-punctuation, collapse-whitespace, not "strip-punctuations"\. Did you mean "strip-punctuation"\?/,
    );
    expect(() => specFrom(values('lowercase,lowercase'), named)).toThrow(/names "lowercase" twice/);
    const accuracy: NamedMetric[] = [{ name: 'accuracy', metric: findMetric('accuracy')!, direction: 'maximize' }];
    expect(() => specFrom(values('lowercase'), accuracy)).toThrow(/--normalise is for text metrics/);
  });

  it('competition.yml: scoring.text.normalise names known steps, and only with text metrics', async () => {
    const c = await exampleCompetition(await temp());
    const yml = readFileSync(path.join(c.dir, 'competition.yml'), 'utf8');
    const withSteps = (steps: string) => `${yml}\nscoring:\n  text:\n    normalise: [${steps}]\n`;
    const notText = await checkCompetition(withSteps('lowercase'), c.dir);
    expect(notText.ok ? '' : notText.problems.map((p) => p.message).join('\n')).toMatch(/the normalisation steps are for text metrics/);
    const unknown = await checkCompetition(withSteps('lowercase, stem'), c.dir);
    expect(unknown.ok).toBe(false);
    expect(unknown.ok ? [] : unknown.problems.map((p) => p.path)).toContain('/scoring/text/normalise/1');
  });
});
