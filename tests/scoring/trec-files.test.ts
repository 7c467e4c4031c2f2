import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScoringSpec } from '../../runner/src/scoring/spec.js';
import { loadPredictions } from '../../runner/src/scoring/predictions.js';
import { loadTruth } from '../../runner/src/scoring/truth.js';
import { findMetric } from '../../runner/src/scoring/metrics/registry.js';
import { scoreFiles } from '../../runner/src/scoring/score.js';
import { readTable, sniffFormat, TableError, type ColumnRequest } from '../../runner/src/scoring/table.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();
const QRELS: ColumnRequest[] = [
  { name: 'qid', kind: 'key' },
  { name: 'docno', kind: 'key' },
  { name: 'rel', kind: 'number' },
];
const SPEC: ScoringSpec = { query: 'qid', id: 'docno', target: 'rel', score: 'sim', reads: new Set(['ranking']) };

const keys = (t: Awaited<ReturnType<typeof readTable>>, name: string) => {
  const c = t.columns.get(name)!;
  if (c.kind !== 'key') throw new Error('not keys');
  return Array.from({ length: c.keys.length }, (_, i) => c.keys.get(i));
};
const numbers = (t: Awaited<ReturnType<typeof readTable>>, name: string) => {
  const c = t.columns.get(name)!;
  if (c.kind !== 'number') throw new Error('not numbers');
  return [...c.values];
};

describe('TREC qrels and runs', () => {
  const run =
    '\uFEFF301 Q0 FT911-3 1 12.5 bm25\n301\tQ0\tLA0101-9\t2\t-1.25e1\tbm25 extra ignored\r\n\n# a comment\n302 Q0 FT911-3 1 7 bm25';
  it.each([1, 2, 5, 13, 4096])(
    'reads a run the same whatever the chunk size (%i bytes): query, document, score by position',
    async (chunk) => {
      const t = await readTable({ text: run }, [QRELS[0]!, QRELS[1]!, { name: 'sim', kind: 'number' }], 'trec', chunk);
      expect(t.trec).toBe('run');
      expect(keys(t, 'qid')).toEqual(['301', '301', '302']);
      expect(keys(t, 'docno')).toEqual(['FT911-3', 'LA0101-9', 'FT911-3']);
      expect(numbers(t, 'sim')).toEqual([12.5, -12.5, 7]);
      expect([...t.lines]).toEqual([1, 2, 5]);
    },
  );

  it('reads qrels, with whole-number grades only, and tells a run from qrels by the field count', async () => {
    const t = await readTable({ text: '1 0 d1 2\n1 0 d2 -1\n2 0 d1 0\n' }, QRELS, 'trec');
    expect(t.trec).toBe('qrels');
    expect(numbers(t, 'rel')).toEqual([2, -1, 0]);
    // A grade that is not whole is the truth's fault, said without quoting it; a run is not checked so.
    await expect(loadTruth({ text: '1 0 d1 2\n1 0 d2 0.5\n1 0 d3 x\n' }, 'trec', SPEC)).rejects.toThrow(
      /^2 relevance grades of the qrels are not a whole number \(first on line 2\)/,
    );
    const hidden = await loadPredictions('out', { text: 'q1 0 d1 1\nq1 0 d2 SECRET-INPUT\n' }, 'trec', SPEC, undefined, { quote: false });
    expect(hidden.ok).toBe(false);
    if (!hidden.ok) {
      expect(hidden.problems[0]!.message).toMatch(/TREC qrels file/);
      expect(JSON.stringify(hidden.problems)).not.toContain('SECRET');
    }
  });

  it('says which line breaks the shape, and what the shape is', async () => {
    await expect(readTable({ text: '1 Q0 d1 1 0.5 run\n1 Q0 d2 0.4 run\n' }, QRELS, 'trec')).rejects.toThrow(
      'line 2 has 5 fields, where a run line is "qid Q0 docno rank score tag"',
    );
    await expect(readTable({ text: '1 0 d1 1\n1 0 d2 1 x\n' }, QRELS, 'trec')).rejects.toThrow(/line 2 has 5 fields, where a qrels line/);
    await expect(readTable({ text: 'd1,0.5\n' }, QRELS, 'trec')).rejects.toThrow(TableError);
    await expect(readTable({ text: '# only a comment\n' }, QRELS, 'trec')).rejects.toThrow(/no lines/);
  });

  it('refuses a run given as the truth and qrels given as the run, saying which is which', async () => {
    await expect(loadTruth({ text: '1 Q0 d1 1 0.5 run\n' }, 'trec', SPEC)).rejects.toThrow(/the truth file is a TREC run/);
    const r = await loadPredictions('run.txt', { text: '1 0 d1 1\n' }, 'trec', SPEC);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.message).toMatch(/TREC qrels file .* not a run/);
    // Control: the same lines in the right roles are read.
    await expect(loadTruth({ text: '1 0 d1 1\n' }, 'trec', SPEC)).resolves.toMatchObject({ n: 1 });
    expect((await loadPredictions('run.txt', { text: '1 Q0 d1 1 0.5 run\n' }, 'trec', SPEC)).ok).toBe(true);
  });

  it('reports a document ranked twice for one query, and scores that are not numbers, with their lines', async () => {
    const r = await loadPredictions(
      'run.txt',
      { text: '1 Q0 d1 1 0.5 r\n1 Q0 d2 2 abc r\n1 Q0 d1 3 0.2 r\n2 Q0 d1 1 0.1 r\n' },
      'trec',
      SPEC,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.problems.map((p) => `${p.line}: ${p.message}`).join('\n');
    expect(text).toMatch(/^2: 1 row has a value in "sim" that is not a number \(line 2: "1 Q0 d2 2 abc r"\)/m);
    expect(text).toMatch(/^3: 1 row repeats a query and document already given on an earlier line \(line 3: "1 d1 0.2"\)/m);
  });

  it('detects the format from the name, else from the first line', async () => {
    const dir = await temp();
    const write = async (name: string, text: string) => {
      await writeFile(path.join(dir, name), text);
      return sniffFormat(path.join(dir, name));
    };
    expect(await write('qrels.txt', '# judged by assessors\n401 0 FBIS3-1 1\n')).toBe('trec');
    expect(await write('run', '401 Q0 FBIS3-1 1 3.2 myrun\n')).toBe('trec');
    expect(await write('truth.txt', 'query,doc,grade\n1,d1,2\n')).toBe('csv');
    expect(await write('a.run.csv', '401 Q0 FBIS3-1 1 3.2 myrun\n')).toBe('csv');
    expect(await write('preds', '{"id":"a","label":"b"}\n')).toBe('jsonl');
  });
});

describe('ids are told apart by their bytes', () => {
  it('keeps two queries whose ids differ only in bytes that are not UTF-8, as trec_eval does', async () => {
    const dir = await temp();
    const latin = (s: string) => Buffer.from(s, 'latin1');
    // "q\xe9" and "q\xe8" both decode to "q\ufffd"; as bytes they are two queries.
    await writeFile(path.join(dir, 'qrels'), latin('q\xe9 0 d1 1\nq\xe9 0 d2 0\nq\xe8 0 d1 0\nq\xe8 0 d2 1\n'));
    await writeFile(path.join(dir, 'run'), latin('q\xe9 Q0 d1 1 2 r\nq\xe9 Q0 d2 2 1 r\nq\xe8 Q0 d1 1 2 r\nq\xe8 Q0 d2 2 1 r\n'));
    await writeFile(path.join(dir, 'qrels-ascii'), 'qa 0 d1 1\nqa 0 d2 0\nqb 0 d1 0\nqb 0 d2 1\n');
    await writeFile(path.join(dir, 'run-ascii'), 'qa Q0 d1 1 2 r\nqa Q0 d2 2 1 r\nqb Q0 d1 1 2 r\nqb Q0 d2 2 1 r\n');
    const score = async (q: string, r: string) => {
      const out = await scoreFiles({
        truth: path.join(dir, q),
        predictionsPath: path.join(dir, r),
        predictionsName: r,
        spec: SPEC,
        metrics: [{ name: 'map', metric: findMetric('map')!, direction: 'maximize' }],
      });
      if (!out.ok) throw new Error(JSON.stringify(out.problems));
      return out.values.map!.value;
    };
    // The same as under ASCII ids, where nothing can merge (read as strings, the two would be one
    // query judging each document twice, and the truth would be refused).
    expect(await score('qrels', 'run')).toBe(await score('qrels-ascii', 'run-ascii'));
  });
});
