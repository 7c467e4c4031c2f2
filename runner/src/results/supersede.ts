import { boardOf } from './board.js';
import type { ResultRecord } from './schema.js';

/** The submission a record id belongs to: <phase>/<team>/<name>, without the key. */
function submissionOf(id: string): string {
  return id.slice(0, id.lastIndexOf('/'));
}

/**
 * Which record replaced which (podium rescore): old id → the record that supersedes it. Only a
 * record of the same submission (phase, team and name) on the same board can replace another,
 * so no record can take another team's off the board, or move a run between boards.
 */
export function supersededBy(records: readonly ResultRecord[]): Map<string, ResultRecord> {
  const by = new Map<string, ResultRecord>();
  const byId = new Map(records.map((r) => [r.id, r]));
  for (const r of records) {
    if (r.supersedes === undefined || submissionOf(r.supersedes) !== submissionOf(r.id) || r.supersedes === r.id) continue;
    // Nor across boards: a post-challenge run cannot take an official one's place, or the reverse.
    const old = byId.get(r.supersedes);
    if (old && boardOf(old) !== boardOf(r)) continue;
    by.set(r.supersedes, r);
  }
  return by;
}

/**
 * The records that count: every record but those another one supersedes, so a re-scored
 * submission counts once, with its newest scores. The old records stay in the history.
 */
export function currentRecords<R extends ResultRecord>(records: readonly R[]): R[] {
  const replaced = supersededBy(records);
  return replaced.size === 0 ? [...records] : records.filter((r) => !replaced.has(r.id));
}

/**
 * The key of a re-scoring's record: the first record's key with -r1, -r2 … after it, one per
 * re-scoring, so each is a file of its own beside the records it replaces.
 */
export function rescoreKey(oldId: string): string {
  const key = oldId.slice(oldId.lastIndexOf('/') + 1);
  const m = /^(.*)-r([0-9]+)$/.exec(key);
  return m ? `${m[1]}-r${Number(m[2]) + 1}` : `${key}-r1`;
}
