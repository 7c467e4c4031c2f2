import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSite } from '../../leaderboard-site/src/build.js';
import { exampleCompetition } from '../helpers/competition.js';
import type { ResultRecord, ScoredResult } from '../../runner/src/results/schema.js';
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

  it("lists the records of no task at the root, which no task's board shows; a page of a task leads back to the list", async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, { edit: (y) => `${y.trimEnd()}\n${TASKS}` });
    const { scores: _scores, ...base } = scoredRecord(4, { team: 'delta', name: 'untasked' }) as ScoredResult;
    const rejected: ResultRecord = {
      ...base,
      status: 'rejected',
      error: { code: 'invalid-submission', message: 'this competition has several tasks: add "task:" with one of: events, noise.' },
    };
    const removed = { ...scoredRecord(5, { team: 'omega', name: 'old-task' }), task: 'speech' };
    const counted = { ...scoredRecord(1, { team: 'alpha' }), task: 'events' };
    const out = path.join(root, 'site');
    await buildSite({ competition: ex.competition, records: [counted, rejected, removed], outDir: out });
    const index = await readFile(path.join(out, 'index.html'), 'utf8');
    const section = index.slice(index.indexOf('<h2 id="no-task">'));
    expect(section).toContain(
      '<td>delta</td><td>untasked</td><td>main</td><td>rejected</td><td>this competition has several tasks: add &quot;task:&quot; with one of: events, noise.</td>',
    );
    expect(section).toContain(
      '<td>omega</td><td>old-task</td><td>main</td><td>scored</td><td>scored, but its task &quot;speech&quot; is not one of this competition&#39;s</td>',
    );
    // A record of a task is on its task's board, not in that list (control).
    expect(section).not.toContain('alpha');
    expect(await readFile(path.join(out, 'tasks/events/index.html'), 'utf8')).toContain('alpha');
    for (const t of ['events', 'noise'])
      expect(await readFile(path.join(out, `tasks/${t}/index.html`), 'utf8')).toContain('<a href="../../index.html">All tasks</a>');
    // A competition without tasks has no such link (control).
    const plain = await exampleCompetition(await temp());
    const plainOut = path.join(root, 'plain-site');
    await buildSite({ competition: plain.competition, records: [scoredRecord(1, { team: 'alpha' })], outDir: plainOut });
    expect(await readFile(path.join(plainOut, 'index.html'), 'utf8')).not.toContain('All tasks');
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
