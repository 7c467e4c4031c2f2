import { rm, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { checkRecord } from '../../runner/src/results/record.js';
import { exampleCompetition, submissionYml } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

describe('evaluate', () => {
  it('scores a valid submission and describes where the numbers came from', async () => {
    const ex = await exampleCompetition(await temp());
    const commit = 'c'.repeat(40);
    const record = await evaluateSubmission({
      competition: ex.competition,
      hiddenDir: ex.hidden,
      submissionDir: path.join(ex.dir, 'submissions/baseline/nearest-centroid'),
      commit,
    });
    expect(checkRecord(record).ok).toBe(true);
    expect(record.status).toBe('scored');
    if (record.status !== 'scored') return;
    expect(Object.keys(record.scores.public)).toEqual(['accuracy', 'f1_macro', 'balanced_accuracy']);
    expect(record.scores.public.accuracy!.value).toBeCloseTo(0.885, 10);
    expect(record.id).toBe('main/baseline/nearest-centroid/cccccccccccc');
    expect(record.provenance.commit).toBe(commit);
    expect(record.provenance.data_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(record.resources?.scoring_time_s).toBeGreaterThanOrEqual(0);
  });

  it('accuracy is computed from the hidden truth, not assumed', async () => {
    const ex = await exampleCompetition(await temp());
    const truth = await readFile(path.join(ex.hidden, 'truth.csv'), 'utf8');
    const dir = await ex.submit('oracle', 'copy', { 'submission.yml': submissionYml('oracle', 'copy'), 'predictions.csv': truth });
    const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir });
    expect(record.status === 'scored' && record.scores.public.accuracy!.value).toBe(1);
  });

  it('rejects an invalid submission with every problem in the record', async () => {
    const ex = await exampleCompetition(await temp());
    const dir = await ex.submit('t', 'n', { 'submission.yml': 'team: t\nname: n\nkind: prediction\npredictons: p.csv\n' });
    const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir });
    expect(record.status).toBe('rejected');
    if (record.status === 'scored') return;
    expect(record.error.code).toBe('invalid-submission');
    expect(record.error.problems).toHaveLength(2);
    expect(checkRecord(record).ok).toBe(true);
  });

  it('names the team from the folder when submission.yml is unreadable', async () => {
    const ex = await exampleCompetition(await temp());
    const dir = await ex.submit('Some Team', 'Try 1', { 'submission.yml': ': : :' });
    const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir });
    expect(record.submission).toMatchObject({ team: 'some-team', name: 'try-1' });
    expect(checkRecord(record).ok).toBe(true);
  });

  it('never puts hidden ids in messages when there is no public id list', async () => {
    const ex = await exampleCompetition(await temp(), { edit: (y) => y.replace(/\n\s*ids: test\.csv[^\n]*/, '') });
    const preds = (await ex.baselinePredictions()).split('\n').slice(0, 101).join('\n') + '\nmy-own-id,speech\n';
    const dir = await ex.submit('t', 'n', { 'submission.yml': submissionYml('t', 'n'), 'predictions.csv': preds });
    const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir });
    expect(record.status).toBe('rejected');
    const text = JSON.stringify(record);
    expect(text).toContain('500 test ids of 600 have no prediction');
    expect(text).toContain('my-own-id');
    const shownIds = text.match(/clip-\d+/g) ?? [];
    expect(shownIds).toEqual([]);
  });

  it("fails as the platform's fault when the runner has no truth", async () => {
    const ex = await exampleCompetition(await temp());
    await rm(path.join(ex.hidden, 'truth.csv'));
    const record = await evaluateSubmission({
      competition: ex.competition,
      hiddenDir: ex.hidden,
      submissionDir: path.join(ex.dir, 'submissions/baseline/nearest-centroid'),
    });
    expect(record).toMatchObject({ status: 'failed', error: { code: 'truth-unavailable', platform_fault: true } });
  });

  it("fails as the platform's fault on a malformed truth file", async () => {
    const ex = await exampleCompetition(await temp());
    await writeFile(path.join(ex.hidden, 'truth.csv'), 'id,label\n"unclosed,x\n');
    const record = await evaluateSubmission({
      competition: ex.competition,
      hiddenDir: ex.hidden,
      submissionDir: path.join(ex.dir, 'submissions/baseline/nearest-centroid'),
    });
    expect(record).toMatchObject({ status: 'failed', error: { code: 'truth-invalid', platform_fault: true } });
  });

  it('rejects a submission outside every phase, with the dates', async () => {
    const ex = await exampleCompetition(await temp());
    const record = await evaluateSubmission({
      competition: ex.competition,
      hiddenDir: ex.hidden,
      submissionDir: path.join(ex.dir, 'submissions/baseline/nearest-centroid'),
      now: new Date('2000-01-01T00:00:00Z'),
    });
    expect(record.status).toBe('rejected');
    if (record.status !== 'scored')
      expect(record.error.message).toMatch(/no phase is open at 2000-01-01T00:00:00.000Z\. Phases: main \(\d{4}-/);
  });
});

describe('evaluate with slices and intervals', () => {
  it('reports every metric per slice with the worst group and the gap, and intervals on every score', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, {
      edit: (y) =>
        y
          .replace('  truth: truth.csv', '  truth: truth.csv\n  slices: [source]')
          .replace('leaderboard:', 'scoring:\n  bootstrap:\n    resamples: 200\n    seed: 7\nleaderboard:'),
    });
    // Add a source column to the truth: two broadcasters.
    const truth = (await readFile(path.join(ex.hidden, 'truth.csv'), 'utf8')).trim().split('\n');
    await writeFile(
      path.join(ex.hidden, 'truth.csv'),
      [`${truth[0]},source`, ...truth.slice(1).map((l, i) => `${l},${i % 3 === 0 ? 'radio' : 'tv'}`)].join('\n') + '\n',
    );
    const record = await evaluateSubmission({
      competition: ex.competition,
      hiddenDir: ex.hidden,
      submissionDir: path.join(ex.dir, 'submissions/baseline/nearest-centroid'),
    });
    expect(checkRecord(record).ok).toBe(true);
    if (record.status !== 'scored') throw new Error(JSON.stringify(record));
    const acc = record.scores.public.accuracy!;
    expect(acc.ci).toMatchObject({ level: 0.95, method: 'bootstrap-percentile', resamples: 200, seed: 7 });
    expect(acc.ci!.low).toBeLessThan(acc.value);
    expect(acc.ci!.replicates).toBeDefined(); // the primary metric keeps its replicates
    expect(record.scores.public.f1_macro!.ci!.replicates).toBeUndefined();
    const slices = record.scores.slices!.source!;
    expect(Object.keys(slices.groups).sort()).toEqual(['radio', 'tv']);
    expect(slices.groups.radio!.n + slices.groups.tv!.n).toBe(600);
    const { radio, tv } = { radio: slices.groups.radio!.metrics.accuracy!, tv: slices.groups.tv!.metrics.accuracy! };
    expect(slices.worst.accuracy).toEqual(radio < tv ? { group: 'radio', value: radio } : { group: 'tv', value: tv });
    expect(slices.gap.accuracy).toBeCloseTo(Math.abs(radio - tv), 12);
    // The overall accuracy is the size-weighted mean of the groups'.
    expect((radio * slices.groups.radio!.n + tv * slices.groups.tv!.n) / 600).toBeCloseTo(acc.value, 12);
  });

  it('names no group of the private part alone, and keeps a group called __proto__ (control: without a private part the group is reported)', async () => {
    const run = async (privatePart: boolean) => {
      const ex = await exampleCompetition(await temp(), {
        edit: (y) =>
          y
            .replace('  truth: truth.csv', `  truth: truth.csv\n  slices: [source]`)
            .replace(
              'leaderboard:',
              `${privatePart ? 'private:\n  split_column: part\n' : ''}scoring:\n  bootstrap:\n    resamples: 0\nleaderboard:`,
            ),
      });
      // The first 100 rows are private; among them, the only rows of the source "secret-archive".
      const truth = (await readFile(path.join(ex.hidden, 'truth.csv'), 'utf8')).trim().split('\n');
      await writeFile(
        path.join(ex.hidden, 'truth.csv'),
        [
          `${truth[0]},source,part`,
          ...truth
            .slice(1)
            .map((l, i) => `${l},${i < 20 ? 'secret-archive' : i % 2 ? '__proto__' : 'tv'},${i < 100 ? 'private' : 'public'}`),
        ].join('\n') + '\n',
      );
      const record = await evaluateSubmission({
        competition: ex.competition,
        hiddenDir: ex.hidden,
        submissionDir: path.join(ex.dir, 'submissions/baseline/nearest-centroid'),
        env: { PODIUM_SEAL_KEY: '11'.repeat(32) },
      });
      if (record.status !== 'scored') throw new Error(JSON.stringify(record));
      return { record, groups: record.scores.slices!.source!.groups };
    };
    const open = await run(false);
    expect(Object.keys(open.groups).sort()).toEqual(['__proto__', 'secret-archive', 'tv']);
    const sealed = await run(true);
    expect(Object.keys(sealed.groups).sort()).toEqual(['__proto__', 'tv']);
    expect(JSON.stringify(sealed.record.scores.slices)).not.toContain('secret-archive');
    expect(sealed.groups['__proto__']!.n).toBe(250);
  });

  it("fails as the platform's fault when a slice column is missing from the truth", async () => {
    const ex = await exampleCompetition(await temp(), {
      edit: (y) => y.replace('  truth: truth.csv', '  truth: truth.csv\n  slices: [source]'),
    });
    const record = await evaluateSubmission({
      competition: ex.competition,
      hiddenDir: ex.hidden,
      submissionDir: path.join(ex.dir, 'submissions/baseline/nearest-centroid'),
    });
    expect(record).toMatchObject({ status: 'failed', error: { code: 'truth-invalid', platform_fault: true } });
    if (record.status !== 'scored') expect(record.error.message).toContain('"source"');
  });
});
