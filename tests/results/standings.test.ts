import { describe, expect, it } from 'vitest';
import { computeStandings } from '../../runner/src/results/standings.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { exampleCompetition } from '../helpers/competition.js';
import { scoredRecord } from '../helpers/records.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/** A scored record with these metric values, at this minute of 2026-01-01. */
function rec(team: string, name: string, minute: number, scores: Record<string, number>): ResultRecord {
  const r = scoredRecord(minute, {
    team,
    name,
    created_at: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
    commit: `${team}${name}${minute}`
      .replace(/[^0-9a-f]/g, 'a')
      .padEnd(40, '0')
      .slice(0, 40),
  });
  if (r.status !== 'scored') throw new Error('scored');
  r.scores.public = Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, { value: v }]));
  return r;
}

async function board(leaderboard: string, records: ResultRecord[]) {
  const ex = await exampleCompetition(await temp(), { edit: (y) => y.replace(/leaderboard:[\s\S]*$/, `leaderboard:\n${leaderboard}`) });
  return computeStandings(ex.competition, records)[0]!.rows.map(
    (r) => `${r.baseline ? 'b' : r.rank} ${r.record.submission.team}/${r.record.submission.name}`,
  );
}

describe('ranking rules', () => {
  const a = rec('alpha', 'one', 1, { accuracy: 0.9, f1_macro: 0.7, balanced_accuracy: 0.6 });
  const b = rec('beta', 'one', 2, { accuracy: 0.9, f1_macro: 0.8, balanced_accuracy: 0.5 });
  const c = rec('gamma', 'one', 3, { accuracy: 0.8, f1_macro: 0.9, balanced_accuracy: 0.9 });
  const a2 = rec('alpha', 'two', 4, { accuracy: 0.85, f1_macro: 0.95, balanced_accuracy: 0.95 });

  it('primary only: equal scores share a rank, the earlier first', async () => {
    expect(await board('  rule: best-per-team\n', [a, b, c, a2])).toEqual(['1 alpha/one', '1 beta/one', '3 gamma/one']);
  });

  it('tie-breakers order equal primary scores, each in its direction', async () => {
    expect(await board('  rule: best-per-team\n  tie_breakers: [f1_macro]\n', [a, b, c, a2])).toEqual([
      '1 beta/one',
      '2 alpha/one',
      '3 gamma/one',
    ]);
  });

  it("last per team takes each team's latest submission, whatever its score", async () => {
    expect(await board('  rule: last-per-team\n', [a, b, c, a2])).toEqual(['1 beta/one', '2 alpha/two', '3 gamma/one']);
  });

  it("chosen per team: a team's best among the submissions it chose, or among all when it chose none", async () => {
    const chosen = (r: ResultRecord) => ({ ...r, submission: { ...r.submission, final: true } }) as ResultRecord;
    // alpha chose "two" (0.85) over its better "one" (0.9); beta and gamma chose nothing.
    expect(await board('  rule: chosen-per-team\n', [a, b, c, chosen(a2)])).toEqual(['1 beta/one', '2 alpha/two', '3 gamma/one']);
    // Only the latest N choices count: with choose 1, alpha's later choice "two" stands, not "one".
    expect(await board('  rule: chosen-per-team\n  choose: 1\n', [chosen(a), b, c, chosen(a2)])).toEqual([
      '1 beta/one',
      '2 alpha/two',
      '3 gamma/one',
    ]);
    expect(await board('  rule: chosen-per-team\n  choose: 2\n', [chosen(a), b, c, chosen(a2)])).toEqual([
      '1 alpha/one',
      '1 beta/one',
      '3 gamma/one',
    ]);
  });

  it('average rank over the metrics', async () => {
    // accuracy: a,b 1; a2 3; c 4 — f1: a2 1; c 2; b 3; a 4 — balanced: a2 1; c 2; a 3; b 4
    // means: a 8/3, b 8/3, c 8/3, a2 5/3 — a2 first; a, b, c equal, so they share rank 2, earliest first.
    expect(await board('  rule: all\n  rank_by: average-rank\n', [a, b, c, a2])).toEqual([
      '1 alpha/two',
      '2 alpha/one',
      '2 beta/one',
      '2 gamma/one',
    ]);
  });

  it('baselines are shown where they score but take no rank', async () => {
    const base = rec('organisers', 'baseline', 0, { accuracy: 0.95 });
    expect(await board('  rule: best-per-team\n  baselines: [organisers]\n', [a, b, c, base])).toEqual([
      'b organisers/baseline',
      '1 alpha/one',
      '1 beta/one',
      '3 gamma/one',
    ]);
  });
});

describe('leaderboard settings in competition.yml', () => {
  it('refuses a tie-breaker that is not a metric, with a suggestion', async () => {
    await expect(
      exampleCompetition(await temp(), { edit: (y) => y.replace(/leaderboard:/, 'leaderboard:\n  tie_breakers: [f1_macr]') }),
    ).rejects.toThrow(/"f1_macr" is not one of this competition's metrics. Did you mean "f1_macro"/);
  });
});
