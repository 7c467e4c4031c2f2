import { describe, expect, it } from 'vitest';
import { currentRecords, rescoreKey, supersededBy } from '../../runner/src/results/supersede.js';
import { usageOf } from '../../runner/src/results/limits.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { scoredRecord } from '../helpers/records.js';

/** A re-scoring's record of `old`: the next key, pointing back at it. */
function rescoredOf(old: ResultRecord, value: number): ResultRecord {
  const key = rescoreKey(old.id);
  const id = `${old.id.slice(0, old.id.lastIndexOf('/'))}/${key}`;
  return { ...scoredRecord(1, { value }), id, supersedes: old.id, rescore: { reason: 'truth fixed', at: '2026-02-01T00:00:00.000Z' } };
}

describe('superseded records', () => {
  it('numbers re-scorings after the first key', () => {
    expect(rescoreKey('main/a/run/0123456789ab')).toBe('0123456789ab-r1');
    expect(rescoreKey('main/a/run/0123456789ab-r1')).toBe('0123456789ab-r2');
  });

  it('keeps the newest record of a chain and every record no one replaced', () => {
    const first = scoredRecord(1, { value: 0.5 });
    const second = rescoredOf(first, 0.4);
    const third = rescoredOf(second, 0.3);
    const other = scoredRecord(2);
    expect(currentRecords([first, second, third, other]).map((r) => r.id)).toEqual([third.id, other.id]);
    expect(supersededBy([first, second, third]).get(first.id)?.id).toBe(second.id);
    // Control: with no re-scoring every record counts.
    expect(currentRecords([first, other])).toEqual([first, other]);
  });

  it("never lets a record replace another submission's", () => {
    const theirs = scoredRecord(2);
    const mine = { ...scoredRecord(1), supersedes: theirs.id };
    expect(currentRecords([theirs, mine])).toHaveLength(2);
  });

  it('does not count a re-scoring against the limits', () => {
    const first = scoredRecord(1);
    const now = new Date(first.created_at);
    expect(usageOf([first, rescoredOf(first, 0.1)], 'team-1', 'main', now)).toEqual({ today: 1, total: 1 });
    // Control: a second submission counts.
    expect(usageOf([first, scoredRecord(1, { commit: 'b'.repeat(40) })], 'team-1', 'main', now)).toEqual({ today: 2, total: 2 });
  });
});
