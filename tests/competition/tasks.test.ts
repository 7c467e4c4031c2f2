import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompetition, competitionForTask, viewOf } from '../../runner/src/competition/load.js';
import { renderComment } from '../../action/src/comment.js';
import { ladderHistory, scoreSummary } from '../../runner/src/cli/commands/shared.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { checkHiddenData } from '../../runner/src/evaluate/hidden-truth.js';
import { admit } from '../../runner/src/results/admission.js';
import { computeStandings } from '../../runner/src/results/standings.js';
import { placement } from '../../action/src/modes/report.js';
import { checkRecord } from '../../runner/src/results/record.js';
import { validateSubmission } from '../../runner/src/submission/validate.js';
import { captureIO, exampleCompetition, runCli, submissionYml } from '../helpers/competition.js';
import { serializeRecord } from '../../runner/src/results/record.js';
import { main } from '../../runner/src/cli/main.js';
import { argv } from '../helpers/argv.js';
import { readZipEntries } from '../helpers/zip.js';
import { scoredRecord } from '../helpers/records.js';
import { useTempDirs } from '../helpers/temp.js';
import { buildSite } from '../../leaderboard-site/src/build.js';
import { inPrivatePart } from '../../runner/src/evaluate/private-split.js';
import { ladderBest, ladderStep, roundToStep } from '../../runner/src/results/ladder.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { checkReveal, revealOf, revealPhase, type Reveal } from '../../runner/src/results/seal.js';

const temp = useTempDirs();

const TASKS = `
tasks:
  - id: events
    name: Sound events
  - id: noise
    name: Noise or not
    data:
      truth: noise/truth.csv
    limits:
      per_day: 1
`;

/** The example with two tasks: its own, and one whose truth calls every segment noise. */
async function withTasks(tasks = TASKS, edit: (y: string) => string = (y) => y) {
  const root = await temp();
  const ex = await exampleCompetition(root, { edit: (y) => `${edit(y).trimEnd()}\n${tasks}` });
  const truth = await readFile(path.join(ex.hidden, 'truth.csv'), 'utf8');
  await mkdir(path.join(ex.hidden, 'noise'));
  await writeFile(path.join(ex.hidden, 'noise', 'truth.csv'), truth.replace(/,(speech|music|applause)\r?$/gm, ',noise'));
  return ex;
}

/** competition.yml's problems with these tasks (and an edit of the rest), as "line: message". */
async function problemsOf(tasks: string, edit: (y: string) => string = (y) => y): Promise<string[]> {
  const ex = await exampleCompetition(await temp());
  const text = await readFile(path.join(ex.dir, 'competition.yml'), 'utf8');
  const got = await checkCompetition(`${edit(text).trimEnd()}\n${tasks}`);
  return got.ok ? [] : got.problems.map((p) => `${p.line}: ${p.message}`);
}

/** A results folder holding these records, as `--results DIR` reads one. */
async function writeHistory(results: string, records: readonly ResultRecord[]): Promise<void> {
  for (const r of records) {
    const file = path.join(results, 'results', `${r.id}.json`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, serializeRecord(r));
  }
}

/** The example with two tasks and a results folder beside it holding these records. */
async function tasksWithHistory(records: readonly ResultRecord[]) {
  const ex = await withTasks();
  const root = path.dirname(ex.dir);
  const results = path.join(root, 'history');
  await writeHistory(results, records);
  return { ex, root, results };
}

const lineOf = async (needle: string, tasks: string, edit: (y: string) => string = (y) => y) => {
  const ex = await exampleCompetition(await temp());
  const text = `${edit(await readFile(path.join(ex.dir, 'competition.yml'), 'utf8')).trimEnd()}\n${tasks}`;
  const lines = text.split('\n');
  const exact = lines.indexOf(needle);
  return (exact >= 0 ? exact : lines.findIndex((l) => l.includes(needle))) + 1;
};

describe('competition.yml tasks', () => {
  it("gives each task a view: its data over the competition's, its metrics, limits and kinds", async () => {
    const ex = await withTasks();
    const c = ex.competition;
    expect(c.tasks?.map((v) => v.task)).toEqual([
      { id: 'events', name: 'Sound events' },
      { id: 'noise', name: 'Noise or not' },
    ]);
    const noise = competitionForTask(c, 'noise');
    expect(noise.config.data.truth).toBe('noise/truth.csv');
    expect(noise.config.data.ids).toBe('test.csv');
    expect(noise.config.limits).toEqual({ per_day: 1, max_file_mb: 20 });
    expect(noise.primary.name).toBe('accuracy');
    expect(noise.tasks).toBeUndefined();
    expect(competitionForTask(c, 'events').config.limits).toEqual({ per_day: 5, max_file_mb: 20 });
    expect(() => competitionForTask(c, 'nois')).toThrow('there is no task "nois". Did you mean "noise"?');
  });

  it('leaves a competition without tasks as it was: no views, no task (control)', async () => {
    const ex = await exampleCompetition(await temp());
    expect(ex.competition.tasks).toBeUndefined();
    expect(ex.competition.task).toBeUndefined();
    expect(() => competitionForTask(ex.competition, 'events')).toThrow('this competition has no tasks');
  });

  it('refuses a task id given twice, at the second', async () => {
    const tasks = '\ntasks:\n  - id: a\n    name: A\n  - id: a\n    name: Again\n';
    expect(await problemsOf(tasks)).toEqual([
      `${(await lineOf('name: Again', tasks)) - 1}: task "a" appears twice; each id must be unique.`,
    ]);
    expect(await problemsOf('\ntasks:\n  - id: a\n    name: A\n  - id: b\n    name: B\n')).toEqual([]);
  });

  it("checks each task's metrics against its own data, pointing into the task", async () => {
    const tasks = '\ntasks:\n  - id: a\n    name: A\n  - id: ranked\n    name: Ranked\n    data:\n      format: trec\n';
    const got = await problemsOf(tasks);
    expect(got).toContain(
      `${await lineOf('format: trec', tasks)}: task "ranked": TREC files hold ranked lists per query: use retrieval metrics only (map, ndcg_cut_10, P_10, map@10, …).`,
    );
    // The same data with retrieval metrics of its own is fine (leaderboard columns are the competition's: removed).
    const ok = `${tasks}    metrics:\n      - name: map\n        primary: true\n      - name: ndcg_cut_10\n`;
    const noColumns = (y: string) => y.replace(/ {2}columns: .*\n/, '');
    expect(await problemsOf(ok, noColumns)).toEqual([]);
    // With the competition's leaderboard columns, the task's metrics must have them.
    expect(await problemsOf(ok)).toContain(
      `${await lineOf('  columns: [', ok)}: task "ranked": "accuracy" is not one of this competition's metrics.`,
    );
  });

  it("asks each task for a truth when the competition names none, at the task; a task's own truth is enough", async () => {
    const noTruth = (y: string) => y.replace(/ {2}truth: truth\.csv.*\n/, '');
    const tasks = '\ntasks:\n  - id: a\n    name: A\n    data:\n      truth: a.csv\n  - id: b\n    name: B\n';
    expect(await problemsOf(tasks, noTruth)).toEqual([
      `${await lineOf('id: b', tasks, noTruth)}: task "b": name the truth file in the hidden folder (data.truth, or the phase's truth): Podium's metrics, and the private part's split, read it.`,
    ]);
    expect(await problemsOf(`${tasks}    data:\n      truth: b.csv\n`, noTruth)).toEqual([]);
  });

  it("takes a private part and the Ladder with tasks; a task's own private part is one split too, checked at the task", async () => {
    const tasks = '\ntasks:\n  - id: a\n    name: A\n';
    const priv = (y: string) => `${y.trimEnd()}\nprivate:\n  fraction: 0.5\n  key_env: SEAL\n`;
    const ladder = (y: string) =>
      y.replace('  rule: best-per-team\n', '  rule: best-per-team\n  ladder:\n    step: 0.01\n').replace(/ {2}columns: .*\n/, '');
    expect(await problemsOf(tasks, priv)).toEqual([]);
    expect(await problemsOf(tasks, ladder)).toEqual([]);
    const own = (split: string) => `\ntasks:\n  - id: a\n    name: A\n  - id: b\n    name: B\n    private:\n${split}`;
    const both = own('      fraction: 0.2\n      split_column: part\n');
    expect(await problemsOf(both, priv)).toEqual([
      `${await lineOf('      fraction: 0.2', both, priv)}: task "b": give the private part either as "fraction" (a seeded split by id) or as "split_column" (a truth column), not both or neither.`,
    ]);
    // One of the two is a split (control), laid over the competition's whole, the key staying the competition's.
    const one = own('      fraction: 0.2\n      seed: 9\n');
    expect(await problemsOf(one, priv)).toEqual([]);
    const ex = await exampleCompetition(await temp());
    const text = priv(await readFile(path.join(ex.dir, 'competition.yml'), 'utf8'));
    const loaded = await checkCompetition(`${text.trimEnd()}\n${one}`);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    expect(competitionForTask(loaded.competition, 'a').config.private).toEqual({ fraction: 0.5, key_env: 'SEAL' });
    expect(competitionForTask(loaded.competition, 'b').config.private).toEqual({ fraction: 0.2, seed: 9, key_env: 'SEAL' });
    // A task's private part where the competition has none is sealed under the default key.
    const alone = await checkCompetition(`${(await readFile(path.join(ex.dir, 'competition.yml'), 'utf8')).trimEnd()}\n${one}`);
    if (!alone.ok) throw new Error(JSON.stringify(alone.problems));
    expect(competitionForTask(alone.competition, 'a').config.private).toBeUndefined();
    expect(competitionForTask(alone.competition, 'b').config.private).toEqual({ fraction: 0.2, seed: 9 });
    // Split by a column the task's TREC qrels cannot have: pointed at in the task.
    const trec = own('      split_column: part\n').replace(
      '    private:',
      '    data:\n      format: trec\n    metrics:\n      - name: map\n        primary: true\n    private:',
    );
    expect(await problemsOf(trec, (y) => ladder(y))).toContain(
      `${await lineOf('      split_column: part', trec, ladder)}: task "b": TREC qrels have no split column: use "private.fraction", or give the truth as CSV.`,
    );
  });

  it('refuses a phase truth with tasks; without tasks it is fine (control)', async () => {
    const tasks = '\ntasks:\n  - id: a\n    name: A\n';
    const phaseTruth = (y: string) => y.replace(/( {4}end: .*\n)/, '$1    truth: main.csv\n');
    expect(await problemsOf(tasks, phaseTruth)).toEqual([
      `${await lineOf('truth: main.csv', tasks, phaseTruth)}: with tasks, each task names its own truth (tasks[].data.truth); a phase's truth would be every task's. Remove it here.`,
    ]);
    expect(await problemsOf('', phaseTruth)).toEqual([]);
  });

  it("checks that a task's own id list is in the public folder; the competition's list is there (control)", async () => {
    const ex = await exampleCompetition(await temp());
    const text = await readFile(path.join(ex.dir, 'competition.yml'), 'utf8');
    const tasks = (ids: string) => `${text.trimEnd()}\ntasks:\n  - id: a\n    name: A\n    data:\n      ids: ${ids}\n`;
    const missing = await checkCompetition(tasks('noise-test.csv'), ex.dir);
    expect(missing.ok ? [] : missing.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      `${tasks('noise-test.csv').split('\n').indexOf('      ids: noise-test.csv') + 1}: task "a": the file "noise-test.csv" does not exist in "data/public".`,
    ]);
    expect((await checkCompetition(tasks('test.csv'), ex.dir)).ok).toBe(true);
  });

  it("refuses a task's kind the competition does not take", async () => {
    const tasks = '\ntasks:\n  - id: a\n    name: A\n    submissions:\n      kinds: [container]\n';
    expect(await problemsOf(tasks)).toEqual([
      `${await lineOf('kinds: [container]', tasks)}: task "a" takes "container" submissions, which submissions.kinds does not list (predictions); add it there or remove it here.`,
    ]);
    expect(await problemsOf(tasks.replace('[container]', '[predictions]'))).toEqual([]);
  });
});

describe('submissions to a task', () => {
  const yml = (task?: string) => submissionYml('t', 'one', task === undefined ? '' : `task: ${task}\n`);

  it('asks a submission to a competition with tasks to name one, and refuses one that is not a task', async () => {
    const ex = await withTasks();
    const predictions = await ex.baselinePredictions();
    const none = await validateSubmission(
      ex.competition,
      await ex.submit('t', 'one', { 'submission.yml': yml(), 'predictions.csv': predictions }),
    );
    expect(none.problems.map((p) => p.message)).toEqual(['this competition has several tasks: add "task:" with one of: events, noise.']);
    const wrong = await validateSubmission(
      ex.competition,
      await ex.submit('t', 'one', { 'submission.yml': yml('noize'), 'predictions.csv': predictions }),
    );
    expect(wrong.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '5: "noize" is not a task of this competition; use one of: events, noise. Did you mean "noise"?',
    ]);
    const ok = await validateSubmission(
      ex.competition,
      await ex.submit('t', 'one', { 'submission.yml': yml('noise'), 'predictions.csv': predictions }),
    );
    expect(ok).toMatchObject({ ok: true, problems: [], submission: { task: 'noise' } });
  });

  it('refuses a task where the competition has none; none named is valid (control)', async () => {
    const ex = await exampleCompetition(await temp());
    const predictions = await ex.baselinePredictions();
    const named = await validateSubmission(
      ex.competition,
      await ex.submit('t', 'one', { 'submission.yml': yml('events'), 'predictions.csv': predictions }),
    );
    expect(named.problems.map((p) => p.message)).toEqual([
      'this competition has no tasks (competition.yml lists no "tasks"); remove "task".',
    ]);
    const plain = await validateSubmission(
      ex.competition,
      await ex.submit('t', 'one', { 'submission.yml': yml(), 'predictions.csv': predictions }),
    );
    expect(plain.ok).toBe(true);
  });

  it("scores each submission against its task's truth, and its record names the task", async () => {
    const ex = await withTasks();
    const predictions = await ex.baselinePredictions();
    const score = async (task: string) => {
      const dir = await ex.submit('t', task, {
        'submission.yml': submissionYml('t', task, `task: ${task}\n`),
        'predictions.csv': predictions,
      });
      const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir });
      if (record.status !== 'scored') throw new Error(record.error.message);
      expect(checkRecord(record).ok).toBe(true);
      return record;
    };
    const events = await score('events');
    const noise = await score('noise');
    expect(events.task).toBe('events');
    expect(noise.task).toBe('noise');
    const rows = predictions.trim().split('\n').slice(1);
    expect(noise.scores.public.accuracy!.value).toBeCloseTo(rows.filter((l) => l.endsWith(',noise')).length / rows.length, 12);
    expect(events.scores.public.accuracy!.value).not.toBeCloseTo(noise.scores.public.accuracy!.value, 6);
    expect(events.id).not.toBe(noise.id);
    // The example without tasks scores the same predictions as the events task does, and its record names no task.
    const plain = await exampleCompetition(await temp());
    const dir = await plain.submit('t', 'events', { 'submission.yml': submissionYml('t', 'events'), 'predictions.csv': predictions });
    const record = await evaluateSubmission({ competition: plain.competition, hiddenDir: plain.hidden, submissionDir: dir });
    if (record.status !== 'scored') throw new Error(record.error.message);
    expect(record.task).toBeUndefined();
    expect(record.scores.public.accuracy!.value).toBe(events.scores.public.accuracy!.value);
  });

  it('rejects, with a record, the evaluation of a submission that names no task', async () => {
    const ex = await withTasks();
    const dir = await ex.submit('t', 'one', { 'submission.yml': yml(), 'predictions.csv': await ex.baselinePredictions() });
    const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir });
    expect(record.status).toBe('rejected');
    if (record.status === 'rejected') expect(record.error.problems?.[0]?.message).toContain('add "task:" with one of: events, noise.');
  });

  it("counts a task's limits on that task's records only", async () => {
    const ex = await withTasks();
    const now = new Date(Date.parse(ex.competition.config.phases[0]!.start) + 3600_000);
    const one = { ...scoredRecord(1, { team: 't', created_at: now.toISOString() }), task: 'noise' };
    const admitTo = (task: string) => admit(ex.competition, { team: 't', task }, { now, teams: undefined, history: async () => [one] });
    // noise takes 1 a day and has one today; events takes 5 and has none.
    expect(await admitTo('noise')).toMatchObject({ ok: false, rule: 'limits', why: expect.stringContaining('phase main, task noise') });
    expect(await admitTo('events')).toMatchObject({ ok: true, usage: { today: 0 } });
  });
});

describe('standings of a competition with tasks', () => {
  it("ranks each task's records on their own, and places a record among its task's", async () => {
    const ex = await withTasks();
    const a = { ...scoredRecord(1, { team: 'alpha', value: 0.9 }), task: 'events' };
    const b = { ...scoredRecord(2, { team: 'beta', value: 0.5 }), task: 'noise' };
    const c = { ...scoredRecord(3, { team: 'gamma', value: 0.7 }), task: 'noise' };
    const standings = computeStandings(ex.competition, [a, b, c]);
    expect(standings.map((s) => [s.task, s.phaseName, s.rows.map((r) => `${r.rank} ${r.record.submission.team}`)])).toEqual([
      ['events', 'Sound events: Main phase', ['1 alpha']],
      ['noise', 'Noise or not: Main phase', ['1 gamma', '2 beta']],
    ]);
    // beta is second of two on its task, though alpha scores higher on another.
    expect(placement(ex.competition, [a, c], b)).toMatchObject({ rank: 2, of: 2 });
    // Without tasks the same three records are one board (control).
    const plain = await exampleCompetition(await temp());
    const strip = (r: typeof a) => ({ ...r, task: undefined });
    expect(computeStandings(plain.competition, [a, b, c].map(strip))[0]!.rows.map((r) => r.record.submission.team)).toEqual([
      'alpha',
      'gamma',
      'beta',
    ]);
    expect(placement(plain.competition, [a, c].map(strip), strip(b))).toMatchObject({ rank: 3, of: 3 });
  });
});

describe('a task with labels of its own', () => {
  it("scores its own target column against its own concepts (control: inheriting the competition's labels, the same file is refused)", async () => {
    const own = (concepts: boolean) => `
tasks:
  - id: events
    name: Sound events
  - id: noise
    name: Noise or not
${concepts ? "    concepts:\n      - { id: 'yes', name: Noise, definition: Mostly noise. }\n      - { id: 'no', name: Not noise, definition: Anything else. }\n" : ''}    data:
      truth: noise/truth.csv
      target_column: is_noise
    metrics:
      - name: f1_macro
        primary: true
`;
    const run = async (concepts: boolean) => {
      const ex = await withTasks(own(concepts), (y) => y.replace(/ {2}columns: .*\n/, ''));
      const truth = (await readFile(path.join(ex.hidden, 'truth.csv'), 'utf8')).trim().split('\n');
      const rows = truth.slice(1).map((l) => [l.split(',')[0]!, l.endsWith(',noise') ? 'yes' : 'no']);
      await writeFile(path.join(ex.hidden, 'noise', 'truth.csv'), ['id,is_noise', ...rows.map((r) => r.join(','))].join('\n') + '\n');
      const dir = await ex.submit('t', 'guess', {
        'submission.yml': submissionYml('t', 'guess', 'task: noise\n'),
        'predictions.csv': ['id,is_noise', ...rows.map(([id], i) => `${id},${i % 3 ? 'no' : 'yes'}`)].join('\n') + '\n',
      });
      return { ex, record: await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir }) };
    };
    const { ex, record: scored } = await run(true);
    expect(scored.status, JSON.stringify(scored)).toBe('scored');
    // Told with the task's metrics and primary, not the competition's (whose f1_macro is "Macro F1").
    expect(scoreSummary(ex.competition, scored)).toMatch(/^f1_macro \d/);
    expect(renderComment(viewOf(ex.competition, scored), scored)).toContain('| f1\\_macro ↑ (primary) |');
    expect(renderComment(ex.competition, scored)).not.toContain('f1\\_macro ↑ (primary)');
    const { record: refused } = await run(false);
    expect(refused.status).toBe('rejected');
    if (refused.status === 'rejected') expect(JSON.stringify(refused.error)).toContain("not one of the competition's labels");
  });
});

describe('the organiser guide', () => {
  it("loads its tasks example over the example competition (without the example's leaderboard columns)", async () => {
    const guide = await readFile(path.join(import.meta.dirname, '../../docs/organiser-guide.md'), 'utf8');
    const section = guide.slice(guide.indexOf('### Several tasks in one competition'));
    const yml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const noColumns = (y: string) => y.replace(/ {2}columns: .*\n/, '');
    expect(await problemsOf(`\n${yml}`, noColumns)).toEqual([]);
    // With them, the noise task lacks balanced_accuracy, and says so.
    expect((await problemsOf(`\n${yml}`)).join('\n')).toContain(
      'task "noise": "balanced_accuracy" is not one of this competition\'s metrics.',
    );
  });
});

describe('podium report of a competition with tasks', () => {
  it('reports one task at a time, asking for --task; a competition without tasks takes none (control)', async () => {
    const { ex, root, results } = await tasksWithHistory([
      { ...scoredRecord(1, { team: 'alpha', value: 0.9 }), task: 'events' },
      { ...scoredRecord(2, { team: 'beta', value: 0.5 }), task: 'noise' },
      { ...scoredRecord(3, { team: 'gamma', value: 0.7 }), task: 'noise' },
    ]);
    const base = ['report', '--competition', ex.dir, '--phase', 'main', '--results', results, '--format', 'csv'];
    const none = await runCli(root, base);
    expect(none.code).toBe(2);
    expect(none.err).toContain('this competition has several tasks: give --task with one of: events, noise.');
    const wrong = await runCli(root, [...base, '--task', 'nois']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('--task: "nois" is not a task of this competition; its tasks: events, noise.');
    const noise = await runCli(root, [...base, '--task', 'noise']);
    expect(noise.code).toBe(0);
    const rows = noise.out.trim().split('\n').slice(1);
    expect(rows.map((l) => (l.includes(',gamma,') ? 'gamma' : l.includes(',beta,') ? 'beta' : l))).toEqual(['gamma', 'beta']);

    const plain = await exampleCompetition(await temp());
    const refused = await runCli(root, ['report', '--competition', plain.dir, '--phase', 'main', '--results', results, '--task', 'noise']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--task: this competition has no tasks');
  });
});

describe('podium leaderboard of a competition with tasks', () => {
  it("names each board's task in --json; a competition without tasks names none (control)", async () => {
    const { ex, root, results } = await tasksWithHistory([
      { ...scoredRecord(1, { team: 'alpha', value: 0.9 }), task: 'events' },
      { ...scoredRecord(2, { team: 'beta', value: 0.5 }), task: 'noise' },
    ]);
    const boards = async (dir: string) => {
      const got = await runCli(root, [
        'leaderboard',
        'build',
        '--competition',
        dir,
        '--out',
        path.join(root, 'site'),
        '--results',
        results,
        '--json',
      ]);
      expect(got.code, got.err).toBe(0);
      return (JSON.parse(got.out) as { phases: { task?: string; phase: string; rows: { team: string }[] }[] }).phases;
    };
    expect((await boards(ex.dir)).map((p) => [p.task, p.phase, p.rows.map((r) => r.team)])).toEqual([
      ['events', 'main', ['alpha']],
      ['noise', 'main', ['beta']],
    ]);
    const plain = await exampleCompetition(await temp());
    const phases = await boards(plain.dir);
    expect(phases.map((p) => [p.task, p.phase, p.rows.length])).toEqual([[undefined, 'main', 2]]);
  });
});

describe('podium export of a competition with tasks', () => {
  it("names each run's task in runs.json; a record without one has no task (control)", async () => {
    const ex = await withTasks();
    const root = path.dirname(ex.dir);
    const results = path.join(root, 'history');
    const withTask = { ...scoredRecord(1, { team: 'alpha' }), task: 'noise' };
    const without = scoredRecord(2, { team: 'beta' });
    await writeHistory(results, [withTask, without]);
    const out = path.join(root, 'phase.zip');
    const io = captureIO(root);
    expect(await main(['export', ...argv({ competition: ex.dir, phase: 'main', results, out })], io), io.err()).toBe(0);
    const runs = JSON.parse((await readZipEntries(out)).get('runs.json')!.toString('utf8')) as Record<string, unknown>[];
    const byId = new Map(runs.map((r) => [r.id as string, r]));
    expect(byId.get(withTask.id)).toMatchObject({ task: 'noise' });
    expect(byId.get(without.id)).not.toHaveProperty('task');
  });
});

describe('the hidden data of a competition with tasks', () => {
  it("checks each task's own truth, naming the task (control: the example's hidden folder with both truths fits)", async () => {
    const ex = await withTasks();
    const phases = ex.competition.config.phases;
    expect(await checkHiddenData(ex.competition, ex.hidden, phases)).toEqual([]);
    await rm(path.join(ex.hidden, 'noise', 'truth.csv'));
    const faults = await checkHiddenData(ex.competition, ex.hidden, phases);
    expect(faults.map((f) => f.message)).toEqual([expect.stringContaining('task "noise": the hidden data folder')]);
    expect(faults[0]!.message).toContain('has no truth file "noise/truth.csv"');
  });
});

describe('names in the hidden folder', () => {
  it.each([
    ['the truth', (y: string) => y.replace('  truth: truth.csv', '  truth: ../outside/truth.csv')],
    ['an absolute truth', (y: string) => y.replace('  truth: truth.csv', '  truth: /etc/passwd')],
    ['the inputs', (y: string) => y.replace(/^ {2}inputs: .*$/m, '  inputs: ../../inputs')],
  ])('refuses %s leaving the hidden folder (control: the example as it is)', async (_what, edit) => {
    expect(await problemsOf('', (y) => y)).toEqual([]);
    expect((await problemsOf('', edit)).join('\n')).toContain('leaves the hidden folder; name a file or folder inside it');
  });

  it("refuses a task's truth leaving the hidden folder (control: inside it)", async () => {
    const task = (truth: string) => `\ntasks:\n  - id: a\n    name: A\n  - id: b\n    name: B\n    data:\n      truth: ${truth}\n`;
    expect(await problemsOf(task('b/truth.csv'))).toEqual([]);
    expect((await problemsOf(task('../b/truth.csv'))).join('\n')).toContain('"../b/truth.csv" leaves the hidden folder');
  });
});

describe('the private part and the Ladder per task', () => {
  const KEY = Buffer.alloc(32, 7);
  const ENV = { PODIUM_SEAL_KEY: KEY.toString('hex') };
  // The competition's private part is half the ids (seed 3); the noise task splits its own truth, a quarter (seed 9).
  const OWN_SPLIT = `${TASKS.trimEnd()}\n    private:\n      fraction: 0.25\n      seed: 9\n`;
  const sealed = (y: string) =>
    `${y
      .replace('  rule: best-per-team\n', '  rule: best-per-team\n  ladder:\n    step: 0.01\n')
      .replace(/ {2}columns: .*\n/, '')
      .trimEnd()}\nprivate:\n  fraction: 0.5\n  seed: 3\n`;

  /** The share of `ids` whose answer is the truth's. */
  const accuracy = (ids: string[], answers: Map<string, string>, truth: Map<string, string>) =>
    ids.filter((id) => answers.get(id) === truth.get(id)).length / ids.length;

  it("splits each task's truth by its own private part, climbs a ladder per task, and reveals every task's scores on its own board", async () => {
    const ex = await withTasks(OWN_SPLIT, sealed);
    const readTruth = async (file: string) =>
      new Map(
        (await readFile(path.join(ex.hidden, file), 'utf8'))
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => {
            const cells = l.replace(/\r$/, '').split(',');
            return [cells[0]!, cells.at(-1)!] as [string, string];
          }),
      );
    const events = await readTruth('truth.csv');
    const noise = await readTruth('noise/truth.csv');
    const baseline = await ex.baselineAnswers();
    // For the noise task: every other segment called noise.
    const halfNoise = new Map([...baseline.keys()].map((id, i) => [id, i % 2 ? 'music' : 'noise']));
    const csv = (answers: Map<string, string>) => `id,label\n${[...answers].map(([id, l]) => `${id},${l}`).join('\n')}\n`;

    const records: ResultRecord[] = [];
    const ladder = await ladderHistory(ex.competition, captureIO(ex.dir), undefined, records);
    const evaluate = async (task: string, name: string, answers: Map<string, string>) => {
      const dir = await ex.submit('lab', name, {
        'submission.yml': submissionYml('lab', name, `task: ${task}\n`),
        'predictions.csv': csv(answers),
      });
      const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir, env: ENV, ladder });
      if (record.status !== 'scored') throw new Error(JSON.stringify(record.error));
      expect(checkRecord(record).ok).toBe(true);
      records.push(record);
      return record;
    };
    const first = await evaluate('events', 'first', baseline);
    const other = await evaluate('noise', 'other', halfNoise);
    const again = await evaluate('events', 'again', baseline);

    // Each task climbs its own ladder: the noise task's first submission shows its own rounded score…
    expect(other.scores.ladder).toMatchObject({ improved: true });
    expect(again.scores.ladder).toMatchObject({ improved: false });
    expect(again.scores.public.accuracy!.value).toBe(first.scores.public.accuracy!.value);
    const reveal = revealPhase(ex.competition.config.slug, 'main', records, KEY, new Date());
    const exact = new Map((reveal.exact ?? []).map((x) => [x.id, x.scores.accuracy!.value]));
    expect(other.scores.public.accuracy!.value).toBe(roundToStep(exact.get(other.id)!, 0.01));
    // …where one ladder for the whole competition would have shown the events task's best again (control).
    const whole = ladderBest(ex.competition, [first], 'lab', 'main');
    expect(exact.get(other.id)!).toBeLessThan(whole! + 0.01);
    expect(ladderStep(exact.get(other.id)!, whole, 0.01, 'maximize').improved).toBe(false);

    // Each task's private part is its own split of its own truth.
    const ids = [...baseline.keys()];
    const inPart = (seed: number, fraction: number, priv: boolean) => ids.filter((id) => inPrivatePart(seed, fraction, id) === priv);
    const opened = new Map(reveal.records.map((x) => [x.id, x.scores.accuracy!.value]));
    expect(opened.get(other.id)).toBeCloseTo(accuracy(inPart(9, 0.25, true), halfNoise, noise), 12);
    expect(exact.get(other.id)).toBeCloseTo(accuracy(inPart(9, 0.25, false), halfNoise, noise), 12);
    expect(opened.get(first.id)).toBeCloseTo(accuracy(inPart(3, 0.5, true), baseline, events), 12);
    // The competition's split would have given the noise task other scores (control).
    expect(accuracy(inPart(3, 0.5, true), halfNoise, noise)).not.toBeCloseTo(opened.get(other.id)!, 6);

    // The site: each task's board checks and shows its own part of the phase's reveal.
    const out = path.join(path.dirname(ex.dir), 'site');
    await buildSite({ competition: ex.competition, records, outDir: out, reveals: [reveal] });
    const page = await readFile(path.join(out, 'tasks', 'noise', 'index.html'), 'utf8');
    expect(page).toContain('<h2 id="private-main">Private leaderboard</h2>');
    expect(page).not.toContain('does not match');
    expect(page).toContain('<a href="../../index.html">All tasks</a>');
    const own = JSON.parse(await readFile(path.join(out, 'tasks', 'noise', 'reveals', 'main.json'), 'utf8')) as Reveal;
    expect(own.records.map((x) => x.id)).toEqual([other.id]);
    const published = JSON.parse(await readFile(path.join(out, 'reveals', 'main.json'), 'utf8')) as Reveal;
    expect(published.records.map((x) => x.id).sort()).toEqual([first.id, other.id, again.id].sort());
    expect(checkReveal(published, records)).toEqual([]);
    // The whole reveal against one task's records names the other task's as strangers (control).
    const noiseRecords = records.filter((r) => r.task === 'noise');
    expect(checkReveal(reveal, noiseRecords)).not.toEqual([]);
    expect(checkReveal(revealOf(reveal, new Set([other.id])), noiseRecords)).toEqual([]);

    // podium report of one task's private part: that task's runs, on their revealed scores.
    const results = path.join(path.dirname(ex.dir), 'history');
    await writeHistory(results, records);
    await mkdir(path.join(results, 'reveals'), { recursive: true });
    await writeFile(path.join(results, 'reveals', 'main.json'), JSON.stringify(reveal));
    const report = (task: string, part: string) =>
      runCli(path.dirname(ex.dir), ['report', ...argv({ competition: ex.dir, phase: 'main', results, format: 'csv', task, part })]);
    const privateRows = await report('noise', 'private');
    expect(privateRows.code, privateRows.err).toBe(0);
    const rows = privateRows.out.trim().split('\n').slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(String(opened.get(other.id)));
    const publicRows = await report('noise', 'public');
    expect(publicRows.out).not.toContain(String(opened.get(other.id)));
  });
});
