import { rescorePhase } from '../../runner/src/evaluate/rescore.js';
import { currentRecords } from '../../runner/src/results/supersede.js';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderComment } from '../../action/src/comment.js';
import { placement } from '../../action/src/modes/report.js';
import { checkCompetition } from '../../runner/src/competition/load.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { admit } from '../../runner/src/results/admission.js';
import { ladderBest } from '../../runner/src/results/ladder.js';
import { checkRecord } from '../../runner/src/results/record.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { checkReveal, revealPhase } from '../../runner/src/results/seal.js';
import { computeStandings, postChallengeStandings } from '../../runner/src/results/standings.js';
import { exampleCompetition, submissionYml } from '../helpers/competition.js';
import { scoredRecord } from '../helpers/records.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

const OPEN = '\npost_challenge:\n  open: true\n';

async function competition(extra = '') {
  const ex = await exampleCompetition(await temp(), { edit: (y) => `${y.trimEnd()}\n${extra}` });
  const phase = ex.competition.config.phases[0]!;
  return {
    ex,
    c: ex.competition,
    during: new Date(Date.parse(phase.start) + 3600_000),
    after: new Date(Date.parse(phase.end) + 3600_000),
    end: phase.end,
  };
}

/** A scored record of a team with this accuracy, on a board. */
function rec(team: string, value: number, minute: number, board?: 'post-challenge'): ResultRecord {
  const r = scoredRecord(minute, { team, value, created_at: new Date(Date.UTC(2027, 0, 1, 0, minute)).toISOString() });
  if (!board) return r;
  return { ...r, id: `${r.id.replace(/[^/]+$/, '')}post-${r.provenance.commit!.slice(0, 12)}`, board };
}

describe('admission after the last phase', () => {
  const admitAt = (c: Awaited<ReturnType<typeof competition>>['c'], now: Date, history: ResultRecord[] = []) =>
    admit(c, { team: 'alpha' }, { now, teams: undefined, history: async () => history });

  it('refuses as before when no post-challenge board is configured, saying the competition is closed and the board may be opened', async () => {
    const { c, after, end } = await competition();
    const got = await admitAt(c, after);
    expect(got.ok).toBe(false);
    if (got.ok) return;
    expect(got.rule).toBe('phase');
    expect(got.why).toContain(`no phase is open at ${after.toISOString()}. Phases: main (`);
    expect(got.why).toContain(`The competition is closed: its last phase, main, ended at ${end}`);
    expect(got.why).toContain('the organisers may open a post-challenge board (post_challenge: { open: true } in competition.yml)');
  });

  it('refuses while the organisers keep the board closed (open: false)', async () => {
    const { c, after } = await competition('\npost_challenge:\n  open: false\n');
    const got = await admitAt(c, after);
    expect(got.ok).toBe(false);
    if (!got.ok) expect(got.why).toContain('its post-challenge board is closed (post_challenge.open is false in competition.yml)');
  });

  it('admits onto the post-challenge board once the last phase has ended and the board is open', async () => {
    const { c, after } = await competition(OPEN);
    const got = await admitAt(c, after);
    expect(got).toMatchObject({ ok: true, board: 'post-challenge', phase: { id: 'main' } });
  });

  it('admits to the official board while the phase runs, board or no board (control)', async () => {
    for (const extra of ['', OPEN]) {
      const { c, during } = await competition(extra);
      expect(await admitAt(c, during)).toMatchObject({ ok: true, board: 'official', phase: { id: 'main' } });
    }
  });

  it("refuses before the first phase as before, even with the board open: it opens only after the last phase's end", async () => {
    const { c } = await competition(OPEN);
    const got = await admitAt(c, new Date('2000-01-01T00:00:00Z'));
    expect(got.ok).toBe(false);
    if (!got.ok) expect(got.why).not.toContain('post-challenge');
  });

  it("applies post_challenge.limits, counting the board's own records only", async () => {
    const { c, after } = await competition(`${OPEN}  limits:\n    total: 1\n`);
    // Three official records do not use up the post-challenge board's one submission…
    const official = [rec('alpha', 0.5, 1), rec('alpha', 0.6, 2), rec('alpha', 0.7, 3)];
    expect(await admitAt(c, after, official)).toMatchObject({ ok: true, board: 'post-challenge', usage: { total: 0 } });
    // …one post-challenge record does.
    const got = await admitAt(c, after, [...official, rec('alpha', 0.8, 4, 'post-challenge')]);
    expect(got).toMatchObject({ ok: false, rule: 'limits' });
    if (!got.ok) expect(got.why).toBe('team alpha has used all 1 submissions of the post-challenge board of phase main.');
  });

  it("falls back to the competition's limits when the board sets none (the example's 5 a day)", async () => {
    const { c, after } = await competition(OPEN);
    // Five records on the day of the check, on one board or the other.
    const five = (board?: 'post-challenge') =>
      [1, 2, 3, 4, 5].map((m) => ({ ...rec('alpha', 0.5, m, board), created_at: after.toISOString() }));
    expect(await admitAt(c, after, five())).toMatchObject({ ok: true, board: 'post-challenge' });
    const got = await admitAt(c, after, five('post-challenge'));
    expect(got).toMatchObject({ ok: false, rule: 'limits' });
    if (!got.ok)
      expect(got.why).toMatch(/^team alpha has used its 5 submission\(s\) for today \(UTC\) on the post-challenge board of phase main;/);
  });

  it('refuses an unknown key in post_challenge with where it is', async () => {
    const { ex } = await competition();
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(path.join(ex.dir, 'competition.yml'), 'utf8');
    const got = await checkCompetition(`${text}\npost_challenge:\n  open: true\n  limit: {}\n`);
    expect(got.ok).toBe(false);
    if (!got.ok) expect(got.problems.map((p) => p.message).join('\n')).toMatch(/limit/);
  });
});

describe('the evaluation after the last phase', () => {
  it('records the run on the post-challenge board, with an id no official record can have', async () => {
    const { ex, c, after } = await competition(OPEN);
    const sub = await ex.submit('alpha', 'late', {
      'submission.yml': submissionYml('alpha', 'late'),
      'predictions.csv': await ex.baselinePredictions(),
    });
    const record = await evaluateSubmission({ competition: c, hiddenDir: ex.hidden, submissionDir: sub, now: after });
    expect(record).toMatchObject({ status: 'scored', phase: 'main', board: 'post-challenge' });
    expect(record.id).toMatch(/^main\/alpha\/late\/post-[0-9a-f]{12}$/);
    expect(checkRecord(record).ok).toBe(true);
    // The same submission during the phase: an official record, without the field (control).
    const during = await evaluateSubmission({
      competition: c,
      hiddenDir: ex.hidden,
      submissionDir: sub,
      now: new Date(Date.parse(c.config.phases[0]!.start) + 1000),
    });
    expect(during.status).toBe('scored');
    expect(during.board).toBeUndefined();
    expect(during.id).toBe(record.id.replace('/post-', '/'));
  });

  it('rejects the run after the last phase when the board is not open, as before (control)', async () => {
    const { ex, c, after } = await competition();
    const record = await evaluateSubmission({
      competition: c,
      hiddenDir: ex.hidden,
      submissionDir: path.join(ex.dir, 'submissions/baseline/nearest-centroid'),
      now: after,
    });
    expect(record.status).toBe('rejected');
    expect(record.board).toBeUndefined();
  });
});

describe('the official ranking and the post-challenge board', () => {
  const winner = rec('alpha', 0.8, 1);
  const second = rec('beta', 0.7, 2);
  const late = rec('gamma', 0.95, 3, 'post-challenge');
  const lateBeta = rec('beta', 0.9, 4, 'post-challenge');
  const rows = (s: { rows: { rank?: number; record: ResultRecord }[] } | undefined) =>
    s?.rows.map((r) => `${r.rank} ${r.record.submission.team}`);

  it('keeps the official winner whatever is submitted later, and ranks the later runs apart', async () => {
    const { c } = await competition(OPEN);
    const records = [winner, second, late, lateBeta];
    expect(rows(computeStandings(c, records)[0])).toEqual(['1 alpha', '2 beta']);
    expect(rows(computeStandings(c, [winner, second])[0])).toEqual(['1 alpha', '2 beta']);
    expect(rows(postChallengeStandings(c, records))).toEqual(['1 gamma', '2 beta']);
    expect(postChallengeStandings(c, [winner, second])).toBeUndefined();
    // Unscored counts stay per board too.
    expect(computeStandings(c, records)[0]!.unscored).toBe(0);
  });

  it('places a post-challenge run on the post-challenge board in the pull-request comment, never in the official ranking', async () => {
    const { c } = await competition(OPEN);
    const place = placement(c, [winner, second, lateBeta], late);
    expect(place).toEqual({ rank: 1, of: 2, board: 'post-challenge' });
    const body = renderComment(c, late, place);
    expect(body).toContain('on the **post-challenge board** (after the challenge: not part of the official ranking)');
    expect(body).toContain('Would rank **1** of 2 on the post-challenge board now');
    expect(body).toContain('It is never part of the official ranking.');
    expect(body).not.toContain('public leaderboard');
    // An official run (control): ranked on the public leaderboard, no post-challenge words.
    const official = rec('delta', 0.75, 5);
    const offPlace = placement(c, [winner, second, late], official);
    expect(offPlace).toEqual({ rank: 2, of: 3 });
    const offBody = renderComment(c, official, offPlace);
    expect(offBody).toContain('Would rank **2** of 3 on the public leaderboard now');
    expect(offBody).not.toContain('post-challenge');
  });

  it("climbs the Ladder on each board's own records", async () => {
    const { c } = await competition(OPEN);
    const laddered = (r: ResultRecord): ResultRecord =>
      r.status === 'scored' ? { ...r, scores: { ...r.scores, ladder: { metric: 'accuracy', step: 0.01, improved: true } } } : r;
    const records = [laddered(rec('beta', 0.7, 1)), laddered(rec('beta', 0.6, 2, 'post-challenge'))];
    expect(ladderBest(c, records, 'beta', 'main')).toBe(0.7);
    expect(ladderBest(c, records, 'beta', 'main', 'post-challenge')).toBe(0.6);
  });
});

describe("the phase's reveal and post-challenge records", () => {
  it('leaves post-challenge seals out of the reveal, which keeps checking whatever is submitted after it', async () => {
    const { seal } = await import('../../runner/src/results/seal.js');
    const key = Buffer.alloc(32, 7);
    const sealed = (r: ResultRecord, v: number): ResultRecord =>
      r.status === 'scored' ? { ...r, scores: { ...r.scores, private: seal(r.id, { accuracy: { value: v } }, key) } } : r;
    const official = [sealed(rec('alpha', 0.8, 1), 0.79), sealed(rec('beta', 0.7, 2), 0.72)];
    const reveal = revealPhase('broadcast-sound-events', 'main', official, key, new Date('2027-01-01T00:00:00Z'));
    expect(reveal.records.map((r) => r.id).sort()).toEqual(official.map((r) => r.id).sort());
    const later = [...official, sealed(rec('gamma', 0.95, 3, 'post-challenge'), 0.5)];
    expect(checkReveal(reveal, later)).toEqual([]);
    // Revealed again with the later record there: still the official records only.
    const again = revealPhase('broadcast-sound-events', 'main', later, key, new Date('2027-01-02T00:00:00Z'));
    expect(again.records.map((r) => r.id).sort()).toEqual(official.map((r) => r.id).sort());
    // Control: an official record missing from the reveal is still named.
    const missing = [...official, sealed(rec('delta', 0.6, 4), 0.6)];
    expect(checkReveal(reveal, missing)).toEqual([`${missing[2]!.id}: sealed, but missing from the reveal.`]);
  });
});

describe('a post-challenge run re-scored', () => {
  it('stays on the post-challenge board: the re-scored record never enters the official standings (control: an official run re-scored stays official)', async () => {
    const { ex, c, during, after } = await competition(OPEN);
    const late = await ex.submit('alpha', 'late', {
      'submission.yml': submissionYml('alpha', 'late'),
      'predictions.csv': await ex.baselinePredictions(),
    });
    const early = await ex.submit('beta', 'early', {
      'submission.yml': submissionYml('beta', 'early'),
      'predictions.csv': await ex.baselinePredictions(),
    });
    const records = [
      await evaluateSubmission({ competition: c, hiddenDir: ex.hidden, submissionDir: early, now: during }),
      await evaluateSubmission({ competition: c, hiddenDir: ex.hidden, submissionDir: late, now: after }),
    ];
    // A label corrected: both runs' scores change, so both are superseded.
    const file = path.join(ex.hidden, 'truth.csv');
    const lines = (await readFile(file, 'utf8')).split('\n');
    const [id, label] = lines[1]!.split(',') as [string, string];
    lines[1] = `${id},${label === 'noise' ? 'music' : 'noise'}`;
    await writeFile(file, lines.join('\n'));
    const done = await rescorePhase({ competition: c, hiddenDir: ex.hidden, phase: 'main', records, now: after });
    const fresh = done.outcomes.flatMap((o) => (o.status === 'superseded' ? [o.record] : []));
    expect(fresh).toHaveLength(2);
    const all = [...records, ...fresh];
    const lateAgain = fresh.find((r) => r.submission.team === 'alpha')!;
    expect(lateAgain).toMatchObject({ board: 'post-challenge' });
    expect(lateAgain.id).toMatch(/^main\/alpha\/late\/post-[0-9a-f]{12}-r1$/);
    const official = computeStandings(c, all).find((s) => s.phase === 'main')!;
    expect(official.rows.map((r) => r.record.submission.team)).toEqual(['beta']);
    expect(official.rows[0]!.record.id).toMatch(/-r1$/);
    const post = postChallengeStandings(c, all)!;
    expect(post.rows.map((r) => [r.record.submission.team, r.record.id])).toEqual([['alpha', lateAgain.id]]);
  });

  it('does not let a record on one board supersede a record on the other (control: on the same board it does)', () => {
    const official = rec('alpha', 0.5, 1);
    const sameBoard = { ...rec('alpha', 0.6, 2), id: `${official.id}-r1`, supersedes: official.id };
    expect(currentRecords([official, sameBoard]).map((r) => r.id)).toEqual([sameBoard.id]);
    const otherBoard = { ...sameBoard, board: 'post-challenge' as const };
    expect(
      currentRecords([official, otherBoard])
        .map((r) => r.id)
        .sort(),
    ).toEqual([official.id, otherBoard.id].sort());
  });
});
