import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSite, recordPage } from '../../leaderboard-site/src/build.js';
import { paretoFront, type Point } from '../../leaderboard-site/src/charts.js';
import { csvCell } from '../../leaderboard-site/src/exports.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { syntheticRecords } from '../../scripts/synthetic-records.js';
import { exampleCompetition } from '../helpers/competition.js';
import { scoredRecord } from '../helpers/records.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

describe('the Pareto front', () => {
  it('is exactly the points no other point beats on both cost and score (against brute force)', () => {
    let seed = 3;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const maximize of [true, false]) {
      for (let trial = 0; trial < 50; trial++) {
        const pts: Point[] = Array.from({ length: 30 }, (_, i) => ({
          x: Math.round(rnd() * 20) + 1,
          y: Math.round(rnd() * 20),
          label: String(i),
        }));
        const better = (a: Point, b: Point) => (maximize ? a.y >= b.y : a.y <= b.y) && a.x <= b.x && (a.x < b.x || a.y !== b.y);
        const brute = new Set(pts.map((p, i) => (pts.some((q) => better(q, p)) ? -1 : i)).filter((i) => i >= 0));
        const front = paretoFront(pts, maximize);
        // Exact duplicates keep one of them on the front; compare the points, not the indices.
        const key = (s: Set<number>) => [...new Set([...s].map((i) => `${pts[i]!.x},${pts[i]!.y}`))].sort();
        expect(key(front)).toEqual(key(brute));
      }
    }
  });
});

describe('the built site', () => {
  async function site(records: ResultRecord[]) {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const out = path.join(root, 'site');
    const built = await buildSite({ competition: ex.competition, records, outDir: out, generatedAt: new Date('2026-03-01T00:00:00Z') });
    return { out, built, competition: ex.competition, read: (f: string) => readFile(path.join(out, f), 'utf8') };
  }

  it('has a page per record, rejected ones too, and every page it links to exists', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const records = syntheticRecords(ex.competition, { teams: 12, perTeam: 4, seed: 11 });
    const rejected = records.filter((r) => r.status === 'rejected');
    const { out, read } = await site(records);
    for (const r of records) {
      const [page, id] = recordPage(r).split('#') as [string, string];
      expect(await read(page)).toContain(`<article class="submission" id="${id}">\n<h2>${r.submission.team}/${r.submission.name} `);
    }
    if (rejected[0]) expect(await read(recordPage(rejected[0]).split('#')[0]!)).toContain('Rejected: the predictions miss 12 ids.');
    // One page per team, not per record.
    expect((await readdir(path.join(out, 's', 'main'))).length).toBe(12);
    const pages = (await readdir(out, { recursive: true })).filter((f) => f.endsWith('.html'));
    for (const p of pages) {
      const html = await read(p);
      for (const m of html.matchAll(/(?:href|src)="([^"#:]+)(#[^"]*)?"/g)) {
        const target = path.normalize(path.join(path.dirname(p), m[1]!));
        expect(
          pages.includes(target) || ['style.css', 'site.js', 'leaderboard.csv', 'leaderboard.json'].includes(target),
          `${p} → ${m[1]}`,
        ).toBe(true);
      }
    }
  });

  it('exports every scored submission as CSV and JSON, with intervals', async () => {
    const records = [
      scoredRecord(1, { value: 0.9 }),
      scoredRecord(2, { value: 0.7 }),
      scoredRecord(3, { value: 0.8, team: 'team-1', name: 'again' }),
    ];
    const { read } = await site(records);
    const csv = (await read('leaderboard.csv')).trim().split('\n');
    expect(csv[0]).toBe(
      'phase,rank_all,team,submission,accuracy,accuracy_low,accuracy_high,f1_macro,f1_macro_low,f1_macro_high,balanced_accuracy,balanced_accuracy_low,balanced_accuracy_high,per_sample_ms,peak_memory_bytes,energy_j,created_at,record',
    );
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 5).join(','))).toEqual([
      'main,1,team-1,run,0.9',
      'main,2,team-1,again,0.8',
      'main,3,team-2,run,0.7',
    ]);
    const json = JSON.parse(await read('leaderboard.json')) as { phases: { rows: { team: string; rank: number; page: string }[] }[] };
    // The JSON follows the competition's rule: the best per team.
    expect(json.phases[0]!.rows.map((r) => [r.rank, r.team])).toEqual([
      [1, 'team-1'],
      [2, 'team-2'],
    ]);
    expect(json.phases[0]!.rows[0]!.page).toBe(recordPage(records[0]!));
  });

  it('writes a shields.io endpoint badge per team', async () => {
    const { read, competition } = await site([scoredRecord(1, { value: 0.9 }), scoredRecord(2, { value: 0.7 })]);
    expect(JSON.parse(await read('badges/team-1.json'))).toEqual({
      schemaVersion: 1,
      label: competition.config.slug,
      message: '#1 · accuracy 0.9000',
      color: 'brightgreen',
    });
    expect(JSON.parse(await read('badges/team-2.json'))).toMatchObject({ message: '#2 · accuracy 0.7000', color: 'green' });
  });

  it('hides the cost columns no record fills, and the charts that would be empty', async () => {
    const { read } = await site([scoredRecord(1, { value: 0.9 }), scoredRecord(2, { value: 0.7 })]);
    const html = await read('index.html');
    expect(html).not.toContain('Time per item');
    expect(html).not.toContain('Energy');
    expect(html).toContain('Best accuracy over time');
    expect(html).not.toContain('against time per item');
    const data = JSON.parse(await read('data/main.json')) as { costs: unknown[]; rows: { k: string }[] };
    expect(data.costs).toEqual([]);
    expect(data.rows).toHaveLength(2);
  });

  it('never fetches anything from elsewhere: no absolute URL in any page, stylesheet or script', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const { out, read } = await site(syntheticRecords(ex.competition, { teams: 5, perTeam: 2, hostile: true }));
    for (const f of (await readdir(out, { recursive: true })).filter((x) => /\.(html|css|js)$/.test(x))) {
      const text = await read(f);
      expect(text.match(/(?:src|href)="(?:https?:)?\/\//g), f).toBeNull();
      expect(text.match(/url\(\s*['"]?(?:https?:)?\/\//g), f).toBeNull();
      expect(text, f).not.toMatch(/<script>alert/);
    }
  });
});

describe('a CSV cell', () => {
  it('is text, never a formula: a leading = + - @ is quoted, after tabs or CRs too (control: plain text and numbers as they are)', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('\t=1+1')).toBe(`'\t=1+1`);
    expect(csvCell('\r@SUM(A1)')).toBe(`"'\r@SUM(A1)"`);
    expect(csvCell('team-a')).toBe('team-a');
    expect(csvCell(-0.5)).toBe('-0.5');
    expect(csvCell('a,b')).toBe('"a,b"');
  });
});
