import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleArgv } from '../../runner/src/cli/commands/init.js';
import { retrievalExample, tfidfRanker } from '../../runner/src/example/retrieval.js';
import { runCli } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

describe('podium init --example retrieval', () => {
  it('reads --example alone as the default example and --example NAME as that one', () => {
    expect(exampleArgv(['dir', '--example'])).toEqual(['dir', '--example=sound-events']);
    expect(exampleArgv(['--example', '--hidden', 'h', 'dir'])).toEqual(['--example=sound-events', '--hidden', 'h', 'dir']);
    expect(exampleArgv(['--example', 'retrieval', 'dir'])).toEqual(['--example=retrieval', 'dir']);
    expect(exampleArgv(['--example', 'dir'])).toEqual(['--example=sound-events', 'dir']);
    expect(exampleArgv(['--', '--example'])).toEqual(['--', '--example']);
  });

  it('refuses an example it does not have, suggesting the one meant', async () => {
    const root = await temp();
    const named = await runCli(root, ['init', 'comp', '--example=retreival']);
    expect(named.code).toBe(2);
    expect(named.err).toContain('there is no example "retreival"; choose sound-events or retrieval. Did you mean "retrieval"?');
    const spaced = await runCli(root, ['init', 'comp', '--example', 'retreival']);
    expect(spaced.code).toBe(2);
    expect(spaced.err).toContain('give exactly one folder to create. An example is named right after --example: Did you mean "retrieval"?');
  });

  it('generates the same graded judgements on every machine, each query with relevant segments', () => {
    const a = retrievalExample();
    expect(retrievalExample()).toEqual(a);
    expect(a.queries).toHaveLength(24);
    expect(a.documents).toHaveLength(240);
    for (const q of a.queries)
      expect(
        a.qrels.some(([query, , grade]) => query === q.query && grade === 2),
        q.query,
      ).toBe(true);
    expect(new Set(a.qrels.map(([, , g]) => g))).toEqual(new Set([0, 1, 2]));
    const run = tfidfRanker(a);
    for (const q of a.queries) expect(run.filter(([query]) => query === q.query).length).toBeLessThanOrEqual(100);
  });

  it('makes a competition whose baseline run validates, evaluates and scores', async () => {
    const root = await temp();
    const made = await runCli(root, ['init', 'comp', '--example', 'retrieval', '--hidden', 'hidden', '--no-git']);
    expect(made.err).toBe('');
    expect(made.code).toBe(0);
    expect(made.out).toContain('Example submission: submissions/baseline/tfidf');
    const yml = await readFile(path.join(root, 'comp', 'competition.yml'), 'utf8');
    expect(yml).toContain('title: Broadcast archive search');
    expect(yml).toContain('slug: comp');

    const valid = await runCli(root, ['validate', '--competition', 'comp']);
    expect(valid.code).toBe(0);

    const sub = path.join('comp', 'submissions', 'baseline', 'tfidf');
    const evaluated = await runCli(root, ['evaluate', '--competition', 'comp', '--hidden', 'hidden', '--out', 'record.json', sub]);
    expect(evaluated.err).not.toContain('✗');
    expect(evaluated.code).toBe(0);
    const record = JSON.parse(await readFile(path.join(root, 'record.json'), 'utf8')) as {
      status: string;
      scores: { public: Record<string, { value: number; ci?: { low: number; high: number } }> };
    };
    expect(record.status).toBe('scored');
    const shown = record.scores.public;
    expect(Object.keys(shown)).toEqual(['ndcg@10', 'map@10', 'recall@100']);
    for (const m of Object.values(shown)) expect(m.ci!.low).toBeLessThan(m.ci!.high);

    // podium score on the same files gives the same values.
    const scored = await runCli(root, [
      'score',
      '--truth',
      'hidden/qrels.csv',
      '--predictions',
      path.join(sub, 'run.csv'),
      '--query-column',
      'query',
      '--id-column',
      'doc',
      '--label-column',
      'grade',
      '--metrics',
      'ndcg@10,map@10,recall@100',
      '--json',
    ]);
    expect(scored.code).toBe(0);
    const values = (JSON.parse(scored.out) as { metrics: Record<string, number> }).metrics;
    for (const [name, v] of Object.entries(values)) {
      expect(shown[name]!.value, name).toBe(v);
      // A baseline worth beating: neither perfect nor useless.
      expect(v, name).toBeGreaterThan(0.3);
      expect(v, name).toBeLessThan(0.95);
    }
  });
});
