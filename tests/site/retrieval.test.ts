import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderComment } from '../../action/src/comment.js';
import { buildSite, recordPage } from '../../leaderboard-site/src/build.js';
import { loadCompetition } from '../../runner/src/competition/load.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { findMetric } from '../../runner/src/scoring/metrics/registry.js';
import { exampleCompetition } from '../helpers/competition.js';
import { renderGfm } from '../helpers/gfm.js';
import { randomTopics, retrievalCompetition, runCsv } from '../helpers/retrieval.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

async function scored(extra = '') {
  const topics = randomTopics(21, 30);
  const c = await retrievalCompetition(await temp(), topics, {
    data: '  ids: queries.txt\n',
    publicFiles: { 'queries.txt': topics.map((t) => t.query).join('\n') + '\n' },
    extra,
  });
  const competition = await loadCompetition(c.dir);
  const dir = await c.submit('team-a', 'bm25', runCsv(topics));
  const record = await evaluateSubmission({ competition, hiddenDir: c.hidden, submissionDir: dir });
  if (record.status !== 'scored') throw new Error(record.error.message);
  return { c, competition, record, topics };
}

describe('per-topic results of a retrieval submission', () => {
  it('are kept in the record for the primary metric, one value per query, as the metric computes them', async () => {
    const { record, topics } = await scored();
    const perQuery = record.scores.public['ndcg@10']!.per_query!;
    expect(Object.keys(perQuery)).toEqual(topics.map((t) => t.query));
    // Their mean is the score (every query here has a relevant document).
    const values = Object.values(perQuery);
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(record.scores.public['ndcg@10']!.value, 12);
    expect(record.scores.public['map@10']!.per_query).toBeUndefined();
    expect(findMetric('ndcg@10')!.reads).toBe('ranking');
  });

  it('are shown in the pull-request comment, folded, weakest first, and on the submission page', async () => {
    const { competition, record } = await scored();
    const perQuery = record.scores.public['ndcg@10']!.per_query!;
    const weakest = Object.entries(perQuery).sort((a, b) => a[1] - b[1])[0]!;
    const html = renderGfm(renderComment(competition, record));
    expect(html).toMatch(/<details>\s*<summary>ndcg@\u2060?10 per query: 30 queries, \d+ at 0, weakest first<\/summary>/);
    const rows = html.slice(html.indexOf('<details>')).match(/<tr>\s*<td>q\d+<\/td>/g) ?? [];
    expect(rows.length).toBe(30);
    expect(rows[0]).toContain(`<td>${weakest[0]}</td>`);

    const out = path.join(await temp(), 'site');
    await buildSite({ competition, records: [record], outDir: out, generatedAt: new Date('2026-06-01T00:00:00Z') });
    const page = await readFile(path.join(out, recordPage(record).split('#')[0]!), 'utf8');
    expect(page).toContain('<h3>Per query</h3>');
    expect((page.match(/<tr><td><code>q\d+<\/code><\/td><td class="num">/g) ?? []).length).toBe(30);
  });

  it('are left out when the organiser turns them off (leaderboard.per_query: false)', async () => {
    const { competition, record } = await scored('leaderboard:\n  per_query: false\n');
    expect(record.scores.public['ndcg@10']!.per_query).toBeUndefined();
    expect(renderComment(competition, record)).not.toContain('per query');
  });
});

describe('the competition page describes the predictions the runner reads', () => {
  it('for retrieval: the ranked-list columns, the limit per query, an example, and how queries are averaged', async () => {
    const { competition } = await scored('');
    const out = path.join(await temp(), 'site');
    await buildSite({ competition, records: [], outDir: out, generatedAt: new Date('2026-06-01T00:00:00Z') });
    const html = await readFile(path.join(out, 'competition.html'), 'utf8');
    expect(html).toContain('lists every test query to rank documents for');
    expect(html).toMatch(
      /<h2>Predictions<\/h2><p>A predictions file is ranked lists \(CSV\): one row per ranked document: the query in &quot;query&quot;, the document in &quot;doc&quot;/,
    );
    expect(html).toContain('at most 1000 documents per query');
    expect(html).toContain('<pre><code>query,doc,score\nq101,doc-4471,12.84\n');
    expect(html).toContain('a test query with no ranked documents scores 0');
  });

  it('for classification: the id and label columns with the competition’s own labels (control)', async () => {
    const ex = await exampleCompetition(await temp());
    const out = path.join(await temp(), 'site');
    await buildSite({ competition: ex.competition, records: [], outDir: out, generatedAt: new Date('2026-06-01T00:00:00Z') });
    const html = await readFile(path.join(out, 'competition.html'), 'utf8');
    expect(html).toContain('lists every test id to predict');
    expect(html).toContain('<pre><code>id,label\nitem-0001,speech\nitem-0002,music\n');
    expect(html).not.toContain('scores 0');
  });
});
