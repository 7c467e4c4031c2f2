import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { checkLimits } from '../../runner/src/results/limits.js';
import { exampleCompetition } from '../helpers/competition.js';
import { scoredRecord } from '../helpers/records.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

describe('a phase with data and limits of its own', () => {
  it("scores against the phase's truth, and counts the phase's limits", async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, {
      edit: (y) => y.replace(/(phases:\n {2}- id: main\n(?: {4}.*\n)+)/, '$1    truth: main/truth.csv\n    limits:\n      per_day: 1\n'),
    });
    // The phase's truth: the example's with every label turned into "noise".
    const truth = await readFile(path.join(ex.hidden, 'truth.csv'), 'utf8');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(ex.hidden, 'main'));
    await writeFile(path.join(ex.hidden, 'main', 'truth.csv'), truth.replace(/,(speech|music|applause)\r?$/gm, ',noise'));
    const dir = path.join(ex.dir, 'submissions', 'baseline', 'nearest-centroid');
    const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir });
    if (record.status !== 'scored') throw new Error(record.error.message);
    const predictions = (await readFile(path.join(dir, 'predictions.csv'), 'utf8')).trim().split('\n').slice(1);
    const noise = predictions.filter((l) => l.endsWith(',noise')).length;
    expect(record.scores.public.accuracy!.value).toBeCloseTo(noise / predictions.length, 12);
    // per_day 1 in the phase, 5 for the competition: the phase's stands.
    const now = new Date();
    const one = scoredRecord(1, { team: 'baseline', created_at: now.toISOString() });
    expect(checkLimits(ex.competition, [one], 'baseline', 'main', now)).toMatchObject({
      ok: false,
      why: expect.stringContaining('its 1 submission(s) for today'),
    });
  });

  it("carries a submission's choice for the final ranking (final: true) into its record", async () => {
    const ex = await exampleCompetition(await temp());
    const predictions = await ex.baselinePredictions();
    const dir = await ex.submit('t', 'pick', {
      'submission.yml': 'team: t\nname: pick\nkind: predictions\npredictions: p.csv\nfinal: true\n',
      'p.csv': predictions,
    });
    const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir });
    expect(record.submission.final).toBe(true);
  });
});
