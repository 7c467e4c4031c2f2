import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCompetition } from '../../runner/src/competition/load.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { validateSubmission } from '../../runner/src/submission/validate.js';
import { checkRecord } from '../../runner/src/results/record.js';
import { unseal } from '../../runner/src/results/seal.js';
import { findMetric } from '../../runner/src/scoring/metrics/registry.js';
import { scoreFiles } from '../../runner/src/scoring/score.js';
import type { ScoringSpec } from '../../runner/src/scoring/spec.js';
import { qrelsCsv, randomTopics, retrievalCompetition, runCsv, type Topic } from '../helpers/retrieval.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();
const KEY = randomBytes(32);
const ENV = { PODIUM_SEAL_KEY: KEY.toString('hex') };
const SPEC: ScoringSpec = { id: 'doc', target: 'grade', score: 'score', query: 'query', reads: new Set(['ranking']) };
const METRICS = ['ndcg@10', 'map@10'].map((name) => ({ name, metric: findMetric(name)!, direction: 'maximize' as const }));

/** The metrics computed from scratch on these topics alone: their own truth and run files. */
async function scoredOn(topics: readonly Topic[]): Promise<Record<string, number>> {
  const dir = await temp();
  await writeFile(path.join(dir, 'qrels.csv'), qrelsCsv(topics));
  await writeFile(path.join(dir, 'run.csv'), runCsv(topics));
  const r = await scoreFiles({
    truth: path.join(dir, 'qrels.csv'),
    predictionsPath: path.join(dir, 'run.csv'),
    predictionsName: 'run.csv',
    spec: SPEC,
    metrics: METRICS,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return Object.fromEntries(Object.entries(r.values).map(([k, v]) => [k, v.value]));
}

/** The documented split: a query is private when the seeded hash of its id falls under the fraction. */
const isPrivate = (seed: number, fraction: number) => (t: Topic) =>
  createHash('sha256').update(`${seed}:${t.query}`).digest().readUInt32BE(0) / 2 ** 32 < fraction;

describe('a retrieval competition is split and sliced by query', () => {
  it('scores the public part, the sealed private part and each slice on their own queries', async () => {
    const topics = randomTopics(11, 40);
    const c = await retrievalCompetition(await temp(), topics, {
      data: '  slices: [domain]\n  min_slice_size: 1\n',
      extra: 'private:\n  fraction: 0.5\n  seed: 3\nscoring:\n  bootstrap:\n    resamples: 50\n',
    });
    const dir = await c.submit('team-a', 'bm25', runCsv(topics));
    const record = await evaluateSubmission({ competition: c.competition, hiddenDir: c.hidden, submissionDir: dir, env: ENV });
    expect(checkRecord(record).ok).toBe(true);
    if (record.status !== 'scored') throw new Error(record.error.message);

    const priv = topics.filter(isPrivate(3, 0.5));
    const pub = topics.filter((t) => !isPrivate(3, 0.5)(t));
    expect(priv.length).toBeGreaterThan(5);
    expect(pub.length).toBeGreaterThan(5);
    const [all, onPublic, onPrivate] = await Promise.all([scoredOn(topics), scoredOn(pub), scoredOn(priv)]);
    // Control: the parts really differ from the whole, so equality below means the split was kept.
    expect(onPublic['ndcg@10']).not.toBeCloseTo(all['ndcg@10']!, 6);
    expect(onPrivate['ndcg@10']).not.toBeCloseTo(onPublic['ndcg@10']!, 6);

    for (const m of ['ndcg@10', 'map@10']) expect(record.scores.public[m]!.value).toBeCloseTo(onPublic[m]!, 12);
    const opened = unseal(record.id, record.scores.private as never, KEY);
    for (const m of ['ndcg@10', 'map@10']) expect(opened.scores[m]!.value).toBeCloseTo(onPrivate[m]!, 12);

    // Slices are of the public part, group by group, counted in queries.
    const groups = record.scores.slices!.domain!.groups;
    for (const domain of ['news', 'sport']) {
      const mine = pub.filter((t) => t.domain === domain);
      const expected = await scoredOn(mine);
      expect(groups[domain]!.n).toBe(mine.length);
      for (const m of ['ndcg@10', 'map@10']) expect(groups[domain]!.metrics[m]).toBeCloseTo(expected[m]!, 12);
      expect(groups[domain]!.metrics['ndcg@10']).not.toBeCloseTo(onPublic['ndcg@10']!, 6);
    }
    // The interval comes from resampling queries: it brackets the value and is not a point.
    const ci = record.scores.public['ndcg@10']!.ci!;
    expect(ci.low).toBeLessThan(record.scores.public['ndcg@10']!.value);
    expect(ci.high).toBeGreaterThan(record.scores.public['ndcg@10']!.value);
  });

  it('refuses a split column that puts one query in both parts, as a fault of the truth', async () => {
    const topics = randomTopics(5, 12);
    const c = await retrievalCompetition(await temp(), topics, { extra: 'private:\n  split_column: domain\n' });
    // The domain column holds news/sport; rewrite it as a public/private split, then break one query.
    const lines = qrelsCsv(topics)
      .trim()
      .split('\n')
      .map((l, i) => (i === 0 ? l : l.replace(/,(news|sport)$/, (_, d: string) => (d === 'news' ? ',private' : ',public'))));
    const good = lines.join('\n') + '\n';
    const broken = [
      ...lines.slice(0, 2),
      lines[2]!.replace(/,(public|private)$/, (_, p: string) => (p === 'public' ? ',private' : ',public')),
      ...lines.slice(3),
    ];
    const submission = await c.submit('team-a', 'bm25', runCsv(topics));

    await writeFile(path.join(c.hidden, 'qrels.csv'), good);
    const control = await evaluateSubmission({ competition: c.competition, hiddenDir: c.hidden, submissionDir: submission, env: ENV });
    expect(control.status).toBe('scored');

    await writeFile(path.join(c.hidden, 'qrels.csv'), broken.join('\n') + '\n');
    const record = await evaluateSubmission({ competition: c.competition, hiddenDir: c.hidden, submissionDir: submission, env: ENV });
    expect(record.status).toBe('failed');
    if (record.status !== 'failed') return;
    expect(record.error.platform_fault).toBe(true);
    expect(record.error.message).toMatch(/"domain" holds both "(public|private)" and "(public|private)" for query q0/);
  });
});

describe('ranked lists are checked before evaluation', () => {
  async function withLists(topics: Topic[]) {
    return retrievalCompetition(await temp(), topics, {
      data: '  ids: queries.txt\n  documents: documents.csv\n  max_per_query: 12\n',
      publicFiles: {
        'queries.txt': topics.map((t) => t.query).join('\n') + '\n',
        'documents.csv': ['doc', ...Array.from({ length: 30 }, (_, i) => `d${i}`)].join('\n') + '\n',
      },
    });
  }
  const validate = async (c: Awaited<ReturnType<typeof withLists>>, run: string) =>
    validateSubmission(await loadCompetition(c.dir), await c.submit('team-a', `run-${Math.abs(hash(run))}`, run));
  const hash = (s: string) => [...s].reduce((h, ch) => Math.imul(h, 31) + ch.charCodeAt(0), 7);

  it('accepts a good run, telling about missing queries and ties, and refuses unknown queries, documents and long lists', async () => {
    const topics = randomTopics(3, 10, { retrieved: 12 });
    const c = await withLists(topics);

    // Control: every query, distinct scores, listed documents, 12 per query: nothing to say.
    const distinct = topics.map((t) => ({ ...t, run: t.run.map(([d], i): [string, number] => [d, 100 - i]) }));
    const clean = await validate(c, runCsv(distinct));
    expect(clean.problems).toEqual([]);
    expect(clean.notices ?? []).toEqual([]);

    // Two queries left out, and the random scores tie: valid, with both told.
    const partial = await validate(c, runCsv(topics.slice(2)));
    expect(partial.ok).toBe(true);
    const told = (partial.notices ?? []).map((n) => n.message).join('\n');
    expect(told).toMatch(/2 test queries of 10 have no ranked documents \("q0", "q1"\): each scores 0/);
    expect(told).toMatch(/queries? of 8 (has|have) documents with equal scores .* ranked by document id/);

    const unknownQuery = await validate(c, runCsv(distinct) + 'Q9,d1,0.5\n');
    expect(unknownQuery.ok).toBe(false);
    expect(unknownQuery.problems.map((p) => p.message).join('\n')).toMatch(/1 query \(1 row\) is not among the test queries: "Q9"/);

    const unknownDoc = await validate(c, runCsv(distinct) + 'q0,zz1,0.5\n');
    expect(unknownDoc.ok).toBe(false);
    expect(unknownDoc.problems.map((p) => p.message).join('\n')).toMatch(
      /1 row ranks a document not in the collection \(line \d+: "q0,zz1,0.5"\)/,
    );

    // One more listed document for the first query: 13.
    const extra = Array.from({ length: 30 }, (_, k) => `d${k}`).find((d) => !distinct[0]!.run.some(([x]) => x === d))!;
    const long = distinct.map((t, k) => (k === 0 ? { ...t, run: [...t.run, [extra, -1] as [string, number]] } : t));
    const tooLong = await validate(c, runCsv(long));
    expect(tooLong.ok).toBe(false);
    expect(tooLong.problems.map((p) => p.message).join('\n')).toMatch(/1 query has more than 12 documents \("q0": 13\)/);
  });
});

describe('a TREC competition', () => {
  const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'trec');
  const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as {
    cases: Record<string, Record<string, { summary: Record<string, number>; per_query: Record<string, Record<string, number>> }>>;
  };

  it('reads qrels and runs, and a judged query left out of the run scores 0 (trec_eval -c)', async () => {
    const root = await temp();
    const c = await retrievalCompetition(root, [], {});
    const yml = (await readFile(path.join(c.dir, 'competition.yml'), 'utf8'))
      .replace(
        / {2}truth: qrels.csv\n {2}query_column: query\n {2}id_column: doc\n {2}target_column: grade\n {2}score_column: score\n/,
        '  truth: qrels.txt\n  format: trec\n',
      )
      .replace(
        /metrics:\n {2}- name: ndcg@10\n {4}primary: true\n {2}- name: map@10\n/,
        'metrics:\n  - name: map\n    primary: true\n  - name: P_10\n  - name: ndcg_cut_10\n',
      );
    await writeFile(path.join(c.dir, 'competition.yml'), yml);
    await copyFile(path.join(FIXTURES, 'missing', 'qrels.txt'), path.join(c.hidden, 'qrels.txt'));
    const dir = await c.submit('team-a', 'bm25', await readFile(path.join(FIXTURES, 'missing', 'run.txt'), 'utf8'));
    await rename(path.join(dir, 'run.csv'), path.join(dir, 'run.txt'));
    await writeFile(path.join(dir, 'submission.yml'), 'team: team-a\nname: bm25\nkind: predictions\npredictions: run.txt\n');
    const competition = await loadCompetition(c.dir);
    const record = await evaluateSubmission({ competition, hiddenDir: c.hidden, submissionDir: dir, env: ENV });
    if (record.status !== 'scored') throw new Error(record.error.message);
    const want = expected.cases.missing!.complete!;
    for (const m of ['map', 'P_10', 'ndcg_cut_10']) expect(record.scores.public[m]!.value).toBeCloseTo(want.summary[m]!, 9);
    // Control: averaged over the retrieved queries only, map would be higher.
    expect(expected.cases.missing!.retrieved!.summary.map).toBeGreaterThan(want.summary.map! + 0.01);
  });
});

describe('ranked lists that match nothing in the truth', () => {
  it('are rejected with the reason, not scored 0: query ids or document ids written another way', async () => {
    const topics = randomTopics(8, 6);
    const c = await retrievalCompetition(await temp(), topics);
    const evaluate = async (name: string, run: string) =>
      evaluateSubmission({ competition: c.competition, hiddenDir: c.hidden, submissionDir: await c.submit('team-a', name, run) });
    const upper = await evaluate('upper', runCsv(topics).replace(/^q(\d)/gm, 'Q$1'));
    expect(upper.status).toBe('rejected');
    if (upper.status === 'rejected')
      expect(upper.error.message).toMatch(/none of the 6 queries ranked \(for example "Q0"\) is a test query/);
    const docs = await evaluate('docs', runCsv(topics).replace(/,d(\d+),/g, ',D$1,'));
    expect(docs.status).toBe('rejected');
    if (docs.status === 'rejected') expect(docs.error.message).toMatch(/not one ranked document is among the judged documents/);
    // Control: the same run as written is scored.
    expect((await evaluate('right', runCsv(topics))).status).toBe('scored');
  });
});

describe('what the private part holds decides nothing shown', () => {
  it('judges "matches nothing" on the public part only, and a truth trec_eval cannot read is the platform’s fault', async () => {
    const topics = randomTopics(12, 30);
    const c = await retrievalCompetition(await temp(), topics, { extra: 'private:\n  fraction: 0.5\n  seed: 3\n' });
    const priv = isPrivate(3, 0.5);
    const evaluate = async (name: string, t: Topic[]) =>
      evaluateSubmission({
        competition: c.competition,
        hiddenDir: c.hidden,
        submissionDir: await c.submit('team-a', name, runCsv(t)),
        env: ENV,
      });
    // Judged documents ranked for private queries only; public queries get unjudged ones.
    const probe = topics.map((t) =>
      priv(t)
        ? { ...t, run: t.judged.map(([d], i): [string, number] => [d, 10 - i]) }
        : { ...t, run: [['zz-unjudged', 1] as [string, number]] },
    );
    const r = await evaluate('probe', probe);
    expect(r.status).toBe('rejected');
    if (r.status === 'rejected') expect(r.error.message).toMatch(/not one ranked document is among the judged documents/);
    // Control: one judged document on a public query, and the run is scored.
    const pub = topics.findIndex((t) => !priv(t));
    const control = probe.map((t, i) => (i === pub ? { ...t, run: [[topics[pub]!.judged[0]![0], 1] as [string, number]] } : t));
    expect((await evaluate('control', control)).status).toBe('scored');
  });

  it('fails as the platform’s fault, naming no grade, when trec_eval measures meet grades that are not whole', async () => {
    const topics = randomTopics(4, 8);
    const c = await retrievalCompetition(await temp(), topics);
    const yml = (await readFile(path.join(c.dir, 'competition.yml'), 'utf8')).replace('  - name: map@10\n', '  - name: map\n');
    await writeFile(path.join(c.dir, 'competition.yml'), yml);
    await writeFile(path.join(c.hidden, 'qrels.csv'), qrelsCsv(topics).replace(/,(\d),(news|sport)\n/, ',2.75,$2\n'));
    const competition = await loadCompetition(c.dir);
    const record = await evaluateSubmission({ competition, hiddenDir: c.hidden, submissionDir: await c.submit('t', 'r', runCsv(topics)) });
    expect(record.status).toBe('failed');
    if (record.status !== 'failed') return;
    expect(record.error.platform_fault).toBe(true);
    expect(record.error.message).toMatch(/grades are not all whole numbers/);
    expect(record.error.message).not.toContain('2.75');
  });

  it('keeps a query called __proto__ in the per-query values', async () => {
    const topics = randomTopics(5, 3).map((t, i) => (i === 0 ? { ...t, query: '__proto__' } : t));
    const c = await retrievalCompetition(await temp(), topics);
    const record = await evaluateSubmission({
      competition: c.competition,
      hiddenDir: c.hidden,
      submissionDir: await c.submit('t', 'r', runCsv(topics)),
    });
    if (record.status !== 'scored') throw new Error(record.error.message);
    const perQuery = JSON.parse(JSON.stringify(record.scores.public['ndcg@10']!.per_query)) as Record<string, number>;
    expect(Object.keys(perQuery).sort()).toEqual(['__proto__', 'q1', 'q2']);
  });
});
