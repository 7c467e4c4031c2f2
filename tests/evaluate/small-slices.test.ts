import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderComment } from '../../action/src/comment.js';
import { buildSite, recordPage } from '../../leaderboard-site/src/build.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { checkRecord } from '../../runner/src/results/record.js';
import { sliceTables } from '../../runner/src/cli/commands/slice-table.js';
import { withheldAcross, withheldGroups } from '../../runner/src/scoring/score.js';
import { exampleCompetition, submissionYml } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/**
 * The example sliced by source: three items in a group "rare", ten in "a", ten in "b", the rest
 * in "tv". `min` sets data.min_slice_size (default 10).
 */
async function sliced(min?: number) {
  const ex = await exampleCompetition(await temp(), {
    edit: (y) =>
      y
        .replace('  truth: truth.csv', `  truth: truth.csv\n  slices: [source]${min !== undefined ? `\n  min_slice_size: ${min}` : ''}`)
        .replace('leaderboard:', 'scoring:\n  bootstrap:\n    resamples: 0\nleaderboard:'),
  });
  const [head, ...rows] = (await readFile(path.join(ex.hidden, 'truth.csv'), 'utf8')).trim().split('\n');
  const groupOf = (i: number) => (i < 3 ? 'rare' : i < 13 ? 'a' : i < 23 ? 'b' : 'tv');
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
  it('withholds a group of fewer than 10 hidden items, and the next smallest so that it cannot be worked out (control: min_slice_size 1)', async () => {
    const { ex, record, slices } = await sliced();
    expect(slices.min_size).toBe(10);
    expect(slices.groups.rare).toEqual({ n: 3, metrics: {}, withheld: true });
    // Alone, "rare" would follow from the whole's accuracy less the other groups': "a" (the
    // smallest other, first by name of the two of ten) is withheld with it…
    expect(slices.groups.a).toEqual({ n: 10, metrics: {}, withheld: true });
    // …and ten items are enough to be scored.
    expect(slices.groups.b!.n).toBe(10);
    expect(slices.groups.b!.metrics.accuracy).toBe(1);
    expect(slices.groups.tv!.metrics.accuracy).toBe(1);
    expect(slices.worst.accuracy!.group).not.toBe('rare');
    // What subtraction gives is the two withheld groups together (13 items), not "rare".
    const whole = record.status === 'scored' ? record.scores.public.accuracy!.value * 600 : NaN;
    const scored = Object.values(slices.groups).reduce((sum, g) => sum + (g.metrics.accuracy ?? 0) * (g.withheld ? 0 : g.n), 0);
    expect(Math.round(whole - scored)).toBe(1 + 10);
    const note =
      "1 group has fewer than 10 items, so it is not scored apart (–): a score on a few hidden items would tell their outcomes. Nor is 1 other group, or its score would follow from the whole's and the groups shown.";
    expect(renderComment(ex.competition, record)).toContain(note);
    expect(sliceTables(record.scores.slices!, ex.competition.metrics, ex.competition.primary)).toContain(note);
    const out = path.join(path.dirname(ex.dir), 'site');
    await buildSite({ competition: ex.competition, records: [record], outDir: out });
    const page = await readFile(path.join(out, recordPage(record).split('#')[0]!), 'utf8');
    expect(page).toContain(
      '1 group has fewer than 10 items, so it is not scored apart (–): a score on a few hidden items would tell their outcomes. Nor is 1 other group, or its score would follow from the whole&#39;s and the groups shown.',
    );
    expect(page).toMatch(/<tr><td>rare<\/td><td class="num">3<\/td><td class="num">–<\/td>/);

    const open = await sliced(1);
    expect(open.slices.min_size).toBeUndefined();
    expect(open.slices.groups.rare).toEqual({ n: 3, metrics: expect.objectContaining({ accuracy: 1 / 3 }) });
    expect(open.slices.groups.a!.metrics.accuracy).toBe(1);
    expect(open.slices.worst.accuracy!.group).toBe('rare');
    expect(renderComment(open.ex.competition, open.record)).not.toContain('not scored apart');
  });

  it('withholds, across two slice columns, every group that shares an item with a withheld one (control: column by column, one group of the other gives the small one away)', () => {
    // Items 0…109. Column x: A = {0}, B = {1…9}, C = {10…59}, D = {60…109}. Column y: P = A ∪ C, Q = B ∪ D.
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    const group = (name: string, items: number[]) => ({ name, items, n: items.length });
    const x = { groups: [group('A', [0]), group('B', range(1, 10)), group('C', range(10, 60)), group('D', range(60, 110))] };
    const y = { groups: [group('P', [0, ...range(10, 60)]), group('Q', range(1, 10).concat(range(60, 110)))] };
    // Column by column: x withholds A and B, y nothing; then A = P·51 − C·50, both shown.
    const alone = [x, y].map((c) => [
      ...withheldGroups(
        c.groups.map((g) => [g.name, g.n] as const),
        10,
      ).keys(),
    ]);
    expect(alone).toEqual([['A', 'B'], []]);
    // Together: P and Q share items with A and B, and then C and D share theirs: nothing is shown apart.
    const together = withheldAcross([x, y], 10, 110).map((m) => [...m.keys()].sort());
    expect(together).toEqual([
      ['A', 'B', 'C', 'D'],
      ['P', 'Q'],
    ]);
    // A column whose groups line up with the other's: both withhold the same items (0…59), and D and T are still shown.
    const z = { groups: [group('R', range(0, 10)), group('S', range(10, 60)), group('T', range(60, 110))] };
    expect(withheldAcross([x, z], 10, 110).map((m) => [...m.keys()].sort())).toEqual([
      ['A', 'B', 'C'],
      ['R', 'S'],
    ]);
  });

  it('withholds the smallest groups in order, until two or more hold the minimum between them', () => {
    const sizes = (...xs: [string, number][]) => xs;
    expect([...withheldGroups(sizes(['x', 50], ['y', 40]), 10)]).toEqual([]);
    expect([...withheldGroups(sizes(['x', 50], ['s', 2], ['y', 40]), 10)]).toEqual([
      ['s', 2],
      ['y', 40],
    ]);
    // Two small ones under the minimum together: a third joins them.
    expect([...withheldGroups(sizes(['p', 3], ['q', 4], ['r', 20], ['t', 30]), 10)]).toEqual([
      ['p', 3],
      ['q', 4],
      ['r', 20],
    ]);
    // Two small ones that hold the minimum between them are enough.
    expect([...withheldGroups(sizes(['p', 6], ['q', 7], ['r', 20]), 10)]).toEqual([
      ['p', 6],
      ['q', 7],
    ]);
  });
});
