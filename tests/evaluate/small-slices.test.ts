import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderComment } from '../../action/src/comment.js';
import { buildSite, recordPage } from '../../leaderboard-site/src/build.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { checkRecord } from '../../runner/src/results/record.js';
import { sliceTables } from '../../runner/src/cli/commands/slice-table.js';
import { exampleCompetition, submissionYml } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/**
 * The example sliced by source, three items in a group "rare", ten in "ten", the rest "tv": under
 * the default minimum of 10 items, "rare" has its size only; `min` sets data.min_slice_size.
 */
async function sliced(min?: number) {
  const ex = await exampleCompetition(await temp(), {
    edit: (y) =>
      y
        .replace('  truth: truth.csv', `  truth: truth.csv\n  slices: [source]${min !== undefined ? `\n  min_slice_size: ${min}` : ''}`)
        .replace('leaderboard:', 'scoring:\n  bootstrap:\n    resamples: 0\nleaderboard:'),
  });
  const [head, ...rows] = (await readFile(path.join(ex.hidden, 'truth.csv'), 'utf8')).trim().split('\n');
  const groupOf = (i: number) => (i < 3 ? 'rare' : i < 13 ? 'ten' : 'tv');
  await writeFile(path.join(ex.hidden, 'truth.csv'), [`${head},source`, ...rows.map((l, i) => `${l},${groupOf(i)}`)].join('\n') + '\n');
  // Wrong on the first item of each group's first two, right elsewhere: "rare" would be the weakest.
  const labels = [...new Set(rows.map((l) => l.split(',')[1]!))];
  const predictions = rows.map((l, i) => {
    const [id, label] = l.split(',') as [string, string];
    return `${id},${i === 0 || i === 1 ? labels.find((x) => x !== label)! : label}`;
  });
  const dir = await ex.submit('team-a', 'sliced', {
    'submission.yml': submissionYml('team-a', 'sliced'),
    'predictions.csv': [head, ...predictions].join('\n') + '\n',
  });
  const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir });
  if (record.status !== 'scored') throw new Error(JSON.stringify(record));
  expect(checkRecord(record).ok).toBe(true);
  return { ex, record, slices: record.scores.slices!.source! };
}

describe('slice groups too small to score apart (data.min_slice_size)', () => {
  it('gives a group of fewer than 10 hidden items its size only, everywhere it is shown (control: min_slice_size 1 scores it)', async () => {
    const { ex, record, slices } = await sliced();
    expect(slices.min_size).toBe(10);
    expect(slices.groups.rare).toEqual({ n: 3, metrics: {} });
    // Ten items are enough.
    expect(slices.groups.ten!.n).toBe(10);
    expect(slices.groups.ten!.metrics.accuracy).toBe(1);
    expect(slices.worst.accuracy!.group).not.toBe('rare');
    const note = '1 group has fewer than 10 items, so it is not scored apart (–): a score on a few hidden items would tell their outcomes.';
    expect(renderComment(ex.competition, record)).toContain(note);
    expect(sliceTables(record.scores.slices!, ex.competition.metrics, ex.competition.primary)).toContain(note);
    const out = path.join(path.dirname(ex.dir), 'site');
    await buildSite({ competition: ex.competition, records: [record], outDir: out });
    const page = await readFile(path.join(out, recordPage(record).split('#')[0]!), 'utf8');
    expect(page).toContain(note);
    expect(page).toMatch(/<tr><td>rare<\/td><td class="num">3<\/td><td class="num">–<\/td>/);

    const open = await sliced(1);
    expect(open.slices.min_size).toBeUndefined();
    expect(open.slices.groups.rare).toEqual({ n: 3, metrics: expect.objectContaining({ accuracy: 1 / 3 }) });
    expect(open.slices.worst.accuracy!.group).toBe('rare');
    expect(renderComment(open.ex.competition, open.record)).not.toContain('not scored apart');
  });
});
