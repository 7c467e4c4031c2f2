import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSite } from '../../leaderboard-site/src/build.js';
import { encodeReplicates } from '../../runner/src/scoring/bootstrap.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { exampleCompetition } from '../helpers/competition.js';
import { scoredRecord } from '../helpers/records.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/** A scored record with an interval and replicates around `value`, so that close entries are tied with their leader. */
function rec(team: string, value: number, minute: number, board?: 'post-challenge'): ResultRecord {
  const r = scoredRecord(minute, { team, value, created_at: new Date(Date.UTC(2027, 0, 1, 0, minute)).toISOString() });
  if (r.status !== 'scored') throw new Error('scored');
  let seed = minute * 7919;
  const reps = Float64Array.from({ length: 200 }, () => value + ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.1);
  r.scores.public.accuracy = {
    value,
    ci: {
      low: value - 0.05,
      high: value + 0.05,
      level: 0.95,
      method: 'bootstrap-percentile',
      resamples: 200,
      seed: 1,
      replicates: encodeReplicates(reps),
    },
  };
  r.provenance.data_hash = `sha256:${'1'.repeat(64)}`;
  if (!board) return r;
  return { ...r, id: r.id.replace(/\/([^/]+)$/, '/post-$1'), board };
}

/** The rows of the first table of a page: rank cell (with any tie mark) and team. */
function tableRows(page: string): string[] {
  const body = page.slice(page.indexOf('<tbody>'), page.indexOf('</tbody>'));
  return [...body.matchAll(/<tr><td class="num">(.*?)<\/td><td>(\w[\w-]*)/g)].map((m) => `${m[1]!.replace(/<[^>]+>/g, '').trim()} ${m[2]}`);
}

describe('the post-challenge board on the site', () => {
  async function site(records: ResultRecord[], board = '\npost_challenge:\n  open: true\n') {
    const root = await temp();
    const ex = await exampleCompetition(root, { edit: (y) => `${y.trimEnd()}\n${board}` });
    const out = path.join(root, 'site');
    const built = await buildSite({ competition: ex.competition, records, outDir: out, generatedAt: new Date('2027-03-01T00:00:00Z') });
    return { built, read: (f: string) => readFile(path.join(out, f), 'utf8') };
  }
  const official = [rec('alpha', 0.8, 1), rec('beta', 0.6, 2)];
  const later = [rec('gamma', 0.95, 3, 'post-challenge'), rec('delta', 0.94, 4, 'post-challenge')];

  it('keeps the official ranking to official records, and shows the later ones on a page of their own, labelled', async () => {
    const { built, read } = await site([...official, ...later]);
    const index = await read('index.html');
    // The official table: alpha first, though gamma scored better after the challenge.
    expect(tableRows(index)).toEqual(['1 alpha', '2 beta']);
    expect(index).toContain('<h2 id="post-challenge">Post-challenge board</h2>');
    expect(index).toContain('after the challenge: not part of the official ranking. 2 scored submission(s) made after Main phase ended');
    expect(index).toContain('<a href="post-challenge.html">the post-challenge board</a>');
    const post = await read('post-challenge.html');
    expect(post).toContain('<title>Post-challenge board — ');
    expect(post).toContain('<strong>After the challenge: not part of the official ranking.</strong>');
    expect(post).toContain('Main phase: post-challenge board</h2>');
    // The same table: columns, intervals and the tie mark against the board's own leader.
    expect(tableRows(post)).toEqual(['1 gamma', '2 ≈ delta']);
    const heads = (page: string) => page.slice(page.indexOf('<thead>'), page.indexOf('</thead>'));
    expect(heads(post)).toBe(heads(index));
    expect(post).toContain('<span class="ci">');
    expect(post).toContain('data-src="data/post-challenge/main.json"');
    const data = JSON.parse(await read('data/post-challenge/main.json')) as { rows: { t: string }[] };
    expect(data.rows.map((r) => r.t)).toEqual(['gamma', 'delta']);
    // The official exports leave the post-challenge board out.
    expect(JSON.parse(await read('data/main.json')).rows.map((r: { t: string }) => r.t)).toEqual(['alpha', 'beta']);
    expect(await read('leaderboard.csv')).not.toContain('gamma');
    // …which has exports of its own, each row saying which board it is on.
    expect(post).toContain('This board\'s own exports: <a href="post-challenge.csv">CSV</a>, <a href="post-challenge.json">JSON</a>.');
    const csv = (await read('post-challenge.csv')).trim().split('\n');
    expect(csv[0]).toMatch(/^board,phase,rank_all,team,submission,accuracy,/);
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual([
      'post-challenge,main,1,gamma',
      'post-challenge,main,2,delta',
    ]);
    const json = JSON.parse(await read('post-challenge.json')) as { board: string; label: string; phases: { rows: { team: string }[] }[] };
    expect(json).toMatchObject({ board: 'post-challenge', label: 'after the challenge: not part of the official ranking' });
    expect(json.phases[0]!.rows.map((r) => r.team)).toEqual(['gamma', 'delta']);
    expect((await read('leaderboard.csv')).split('\n')[0]).toMatch(/^phase,/);
    expect(built.standings[0]!.rows.map((r) => r.record.submission.team)).toEqual(['alpha', 'beta']);
    expect(await read('competition.html')).toContain(
      'submissions go on to the <a href="post-challenge.html">post-challenge board</a>, evaluated the same way (after the challenge: not part of the official ranking; limits per team: 5 a day (UTC)).',
    );
    // A post-challenge record's own page says which board it is on.
    expect(await read('s/main/gamma.html')).toContain(
      'rank 1 on the post-challenge board (after the challenge: not part of the official ranking)',
    );
  });

  it('shows an open board with no runs yet as an empty page, linked from the competition page but not the leaderboard', async () => {
    const { built, read } = await site(official);
    expect(built.files).toContain('post-challenge.html');
    expect(await read('post-challenge.html')).toContain('No scored submissions yet.');
    expect(await read('index.html')).not.toContain('post-challenge');
    expect(await read('competition.html')).toContain('<a href="post-challenge.html">post-challenge board</a>');
    expect(tableRows(await read('index.html'))).toEqual(['1 alpha', '2 beta']);
  });

  it('has no post-challenge page, pointer or mention in a competition without the board (control)', async () => {
    const { built, read } = await site(official, '');
    expect(built.files).not.toContain('post-challenge.html');
    for (const f of ['index.html', 'competition.html']) expect(await read(f)).not.toContain('post-challenge');
  });
});
