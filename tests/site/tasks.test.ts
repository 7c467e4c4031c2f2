import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSite } from '../../leaderboard-site/src/build.js';
import { exampleCompetition } from '../helpers/competition.js';
import { scoredRecord } from '../helpers/records.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

const TASKS = `
tasks:
  - id: events
    name: Sound events
  - id: noise
    name: Noise or not
    description: Is the segment noise?
    data:
      truth: noise/truth.csv
`;

describe('the site of a competition with tasks', () => {
  it('gives each task its own board of its own records, and lists the tasks with their metrics and leaders', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, { edit: (y) => `${y.trimEnd()}\n${TASKS}` });
    const records = [
      { ...scoredRecord(1, { team: 'alpha', value: 0.9 }), task: 'events' },
      { ...scoredRecord(2, { team: 'beta', value: 0.7 }), task: 'events' },
      { ...scoredRecord(3, { team: 'gamma', value: 0.4 }), task: 'noise' },
    ];
    const out = path.join(root, 'site');
    const built = await buildSite({ competition: ex.competition, records, outDir: out, generatedAt: new Date('2026-06-01T00:00:00Z') });
    expect(built.files).toEqual(
      expect.arrayContaining([
        'index.html',
        'competition.html',
        'tasks/events/index.html',
        'tasks/noise/index.html',
        'tasks/noise/competition.html',
      ]),
    );
    const index = await readFile(path.join(out, 'index.html'), 'utf8');
    expect(index).toContain('<h2 id="task-events">Sound events <code>events</code></h2>');
    expect(index).toContain('<p>Is the segment noise?</p>');
    expect(index).toContain('<a href="tasks/noise/index.html">Leaderboard of Noise or not</a>');
    expect(index).toContain('<td>alpha</td><td>0.9000</td><td>2</td>');
    expect(index).toContain('<td>gamma</td><td>0.4000</td><td>1</td>');
    // Each task's board holds its own records only.
    const events = await readFile(path.join(out, 'tasks/events/index.html'), 'utf8');
    const noise = await readFile(path.join(out, 'tasks/noise/index.html'), 'utf8');
    expect(events).toContain('alpha');
    expect(events).not.toContain('gamma');
    expect(noise).toContain('gamma');
    expect(noise).not.toContain('alpha');
    expect(noise).toContain('<title>Leaderboard — Broadcast sound events: Noise or not</title>');
    expect(await readFile(path.join(out, 'leaderboard.csv'), 'utf8')).toContain('noise,main,1,gamma,run,accuracy,0.4,');
    expect(JSON.parse(await readFile(path.join(out, 'leaderboard.json'), 'utf8')).tasks[1]).toEqual({
      id: 'noise',
      name: 'Noise or not',
      primary: 'accuracy',
      leaderboard: 'tasks/noise/leaderboard.json',
    });
    expect(built.standings.map((s) => s.rows.length)).toEqual([2, 1]);
  });

  it('builds a competition without tasks as before: one board at the root, no tasks folder (control)', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const out = path.join(root, 'site');
    const built = await buildSite({ competition: ex.competition, records: [scoredRecord(1, { team: 'alpha' })], outDir: out });
    expect(built.files.some((f) => f.startsWith('tasks/'))).toBe(false);
    expect(await readFile(path.join(out, 'index.html'), 'utf8')).toContain('alpha');
  });
});
