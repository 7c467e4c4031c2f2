import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderComment } from '../../action/src/comment.js';
import { buildSite, recordPage } from '../../leaderboard-site/src/build.js';
import { main } from '../../runner/src/cli/main.js';
import { loadCompetition } from '../../runner/src/competition/load.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { ladderBest, ladderStep, roundToStep } from '../../runner/src/results/ladder.js';
import { checkRecord, recordPath, serializeRecord } from '../../runner/src/results/record.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { checkReveal, exactSealId, revealPhase, unseal } from '../../runner/src/results/seal.js';
import { computeStandings } from '../../runner/src/results/standings.js';
import { argv } from '../helpers/argv.js';
import { captureIO, exampleCompetition, submissionYml, type ExampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();
const KEY = randomBytes(32);
const ENV = { PODIUM_SEAL_KEY: KEY.toString('hex') };

describe('the Ladder step (Blum & Hardt, 2015)', () => {
  it('rounds to the step without binary noise', () => {
    expect(roundToStep(0.8849, 0.01)).toBe(0.88);
    expect(roundToStep(0.885, 0.01)).toBe(0.89);
    expect(roundToStep(0.3, 0.1)).toBe(0.3);
    expect(roundToStep(12.34, 0.5)).toBe(12.5);
  });

  it('moves only on an improvement of more than the step, in the direction of the metric', () => {
    expect(ladderStep(0.8713, undefined, 0.01, 'maximize')).toEqual({ shown: 0.87, improved: true });
    // Better, but by less than the step: the best again.
    expect(ladderStep(0.879, 0.87, 0.01, 'maximize')).toEqual({ shown: 0.87, improved: false });
    // Exactly the step is not more than the step.
    expect(ladderStep(0.88, 0.87, 0.01, 'maximize')).toEqual({ shown: 0.87, improved: false });
    expect(ladderStep(0.8812, 0.87, 0.01, 'maximize')).toEqual({ shown: 0.88, improved: true });
    expect(ladderStep(0.5, 0.87, 0.01, 'maximize')).toEqual({ shown: 0.87, improved: false });
    // A loss: lower is better.
    expect(ladderStep(1.234, 1.3, 0.05, 'minimize')).toEqual({ shown: 1.25, improved: true });
    expect(ladderStep(1.26, 1.3, 0.05, 'minimize')).toEqual({ shown: 1.3, improved: false });
  });

  it('never moves a shown score the wrong way, and shows only multiples of the step', () => {
    // A walk of scores, each the last plus up to three steps either way: moves near the step are common.
    const walks = fc.record({
      start: fc.double({ min: -100, max: 100, noNaN: true }),
      moves: fc.array(
        fc.integer({ min: -300, max: 300 }).map((k) => k / 100),
        { minLength: 1, maxLength: 200 },
      ),
      step: fc.constantFrom(0.001, 0.003, 0.01, 0.05, 0.1, 0.5, 2),
      direction: fc.constantFrom('maximize' as const, 'minimize' as const),
    });
    fc.assert(
      fc.property(walks, ({ start, moves, step, direction }) => {
        let best: number | undefined;
        let x = start;
        for (const move of moves) {
          x += move * step;
          const next = ladderStep(x, best, step, direction);
          if (best !== undefined) expect(direction === 'maximize' ? next.shown >= best : next.shown <= best).toBe(true);
          expect(next.shown).toBe(roundToStep(next.shown, step));
          best = next.shown;
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

/** The example competition under the Ladder, with the baseline's predictions made better or worse by k answers. */
async function ladderCompetition(extra = '') {
  const root = await temp();
  const ex = await exampleCompetition(root, {
    edit: (y) => y.replace('leaderboard:', `scoring:\n  bootstrap:\n    resamples: 100\n${extra}leaderboard:\n  ladder:\n    step: 0.01\n`),
  });
  const truthFile = path.join(ex.hidden, 'truth.csv');
  const lines = (await readFile(truthFile, 'utf8')).trim().split('\n');
  const truth = new Map(lines.slice(1).map((l) => l.split(',') as [string, string]));
  // A slice column, so that per-slice scores would be there to leak were they not left out.
  await writeFile(
    truthFile,
    `${lines[0]},source\n${lines
      .slice(1)
      .map((l, i) => `${l},${i % 2 ? 'radio' : 'tv'}`)
      .join('\n')}\n`,
  );
  const yml = path.join(ex.dir, 'competition.yml');
  await writeFile(yml, (await readFile(yml, 'utf8')).replace('  # slices: [source]', '  slices: [source]'));
  ex.competition = await loadCompetition(ex.dir);
  const answers = await ex.baselineAnswers();
  /** The baseline with `k` wrong answers put right (k > 0) or right answers made wrong (k < 0). */
  async function variant(name: string, k: number): Promise<string> {
    const out = new Map(answers);
    let left = Math.abs(k);
    for (const [id, label] of out) {
      if (left === 0) break;
      const right = truth.get(id)!;
      if (k > 0 && label !== right) {
        out.set(id, right);
        left--;
      } else if (k < 0 && label === right) {
        out.set(id, right === 'music' ? 'speech' : 'music');
        left--;
      }
    }
    return ex.submit('lab', name, {
      'submission.yml': submissionYml('lab', name),
      'predictions.csv': `id,label\n${[...out].map(([id, l]) => `${id},${l}`).join('\n')}\n`,
    });
  }
  return { ex, variant };
}

async function evaluateInTurn(ex: ExampleCompetition, dirs: string[]): Promise<ResultRecord[]> {
  const records: ResultRecord[] = [];
  for (const dir of dirs) {
    const record = await evaluateSubmission({
      competition: ex.competition,
      hiddenDir: ex.hidden,
      submissionDir: dir,
      env: ENV,
      ladder: { best: (team, phase) => ladderBest(ex.competition, records, team, phase) },
    });
    expect(checkRecord(record).ok).toBe(true);
    records.push(record);
  }
  return records;
}

describe('a phase under the Ladder', () => {
  it('shows a rounded best per team that moves only on a real improvement, and seals the exact scores', async () => {
    const { ex, variant } = await ladderCompetition();
    // The baseline scores 0.885 on the 600 ids; one answer is 1/600 ≈ 0.0017.
    const dirs = [await variant('first', 0), await variant('plus-three', 3), await variant('plus-twelve', 12), await variant('worse', -30)];
    const records = await evaluateInTurn(ex, dirs);
    const shown = records.map((r) => (r.status === 'scored' ? r.scores.public.accuracy!.value : NaN));
    const improved = records.map((r) => (r.status === 'scored' ? r.scores.ladder!.improved : undefined));
    expect(shown).toEqual([0.89, 0.89, 0.91, 0.91]);
    expect(improved).toEqual([true, false, true, false]);
    const exact = records.map((r) => (r.status === 'scored' ? unseal(exactSealId(r.id), r.scores.exact!, KEY).scores : {}));
    expect(exact.map((s) => s.accuracy!.value)).toEqual([531 / 600, 534 / 600, 543 / 600, 501 / 600]);
    for (const [i, r] of records.entries()) {
      if (r.status !== 'scored') throw new Error(r.error.message);
      // Only the Ladder's number is shown: no other metric, no interval, no slices.
      expect(Object.keys(r.scores.public)).toEqual(['accuracy']);
      expect(r.scores.public.accuracy!.ci).toBeUndefined();
      expect(r.scores.slices).toBeUndefined();
      expect(serializeRecord(r)).not.toContain('radio');
      // The exact scores are sealed with every metric and interval, and appear nowhere else.
      expect(Object.keys(exact[i]!).sort()).toEqual(['accuracy', 'balanced_accuracy', 'f1_macro']);
      expect(exact[i]!.accuracy!.ci).toBeDefined();
      expect(serializeRecord(r)).not.toContain(String(exact[i]!.f1_macro!.value));
    }
    // The same competition without the Ladder reports the slices.
    const yml = path.join(ex.dir, 'competition.yml');
    await writeFile(yml, (await readFile(yml, 'utf8')).replace(/ {2}ladder:\n {4}step: 0.01\n/, ''));
    const open = await evaluateSubmission({ competition: await loadCompetition(ex.dir), hiddenDir: ex.hidden, submissionDir: dirs[0]! });
    if (open.status !== 'scored') throw new Error(open.error.message);
    expect(Object.keys(open.scores.slices!.source!.groups).sort()).toEqual(['radio', 'tv']);
    // The board ranks by the shown score; the comment says what happened.
    const board = computeStandings(ex.competition, records).find((s) => s.phase === 'main')!;
    expect(board.rows[0]!.record.scores.public.accuracy!.value).toBe(0.91);
    expect(renderComment(ex.competition, records[1]!)).toContain(
      'did not beat your best by more than 0.01, so the board still shows your best, 0.89',
    );
    expect(renderComment(ex.competition, records[2]!)).toContain('it moved with this submission');
  });

  it('reveals the exact public scores at the end, checked against their commitments, beside a private part', async () => {
    const { ex, variant } = await ladderCompetition('private:\n  fraction: 0.5\n  seed: 7\n');
    const records = await evaluateInTurn(ex, [await variant('first', 0), await variant('plus-twelve', 12)]);
    const reveal = revealPhase('sound-events', 'main', records, KEY, new Date('2027-01-01T00:00:00Z'));
    expect(reveal.records).toHaveLength(2);
    expect(reveal.exact).toHaveLength(2);
    expect(checkReveal(reveal, records)).toEqual([]);
    // Public and private exact scores are different parts of the test set.
    expect(reveal.exact![0]!.scores.accuracy!.value).not.toBe(reveal.records[0]!.scores.accuracy!.value);
    // A reveal that changes an exact score, or leaves a record out, does not check.
    const forged = structuredClone(reveal);
    forged.exact![1]!.scores.accuracy!.value = 0.99;
    expect(checkReveal(forged, records)).toEqual([
      `${records[1]!.id}#exact: the revealed scores do not match the commitment published with the record.`,
    ]);
    const short = { ...reveal, exact: reveal.exact!.slice(0, 1) };
    expect(checkReveal(short, records)).toEqual([`${records[1]!.id}: exact public scores sealed, but missing from the reveal.`]);
    // The two boxes of a record cannot be swapped: each is sealed under its own id.
    const r = records[0]!;
    if (r.status !== 'scored') throw new Error('scored');
    const swapped = { ...r, scores: { ...r.scores, exact: r.scores.private as never, private: r.scores.exact! } };
    expect(() => revealPhase('sound-events', 'main', [swapped], KEY, new Date())).toThrow(/do not decrypt/);
    // The site shows the exact board only when the reveal checks.
    const out = path.join(await temp(), 'site');
    await buildSite({ competition: ex.competition, records, outDir: out, reveals: [reveal] });
    const index = await readFile(path.join(out, 'index.html'), 'utf8');
    expect(index).toContain('Public leaderboard, exact scores');
    expect(index).toContain('Under the Ladder (Blum &amp; Hardt, 2015)');
    const teamPage = await readFile(path.join(out, recordPage(records[1]!).split('#')[0]!), 'utf8');
    expect(teamPage).toContain("Under the Ladder: the team's best accuracy rounded to 0.01, moved by this submission");
    await buildSite({ competition: ex.competition, records, outDir: out, reveals: [forged] });
    expect(await readFile(path.join(out, 'index.html'), 'utf8')).toContain('does not match the records');
  });

  it('podium evaluate takes the team’s best from the results history', async () => {
    const { ex, variant } = await ladderCompetition();
    const [first] = await evaluateInTurn(ex, [await variant('first', 0)]);
    const results = path.join(await temp(), 'results-checkout');
    await mkdir(path.dirname(path.join(results, recordPath(first!))), { recursive: true });
    await writeFile(path.join(results, recordPath(first!)), serializeRecord(first!));
    const dir = await variant('plus-three', 3);
    const io = captureIO(ex.dir, ENV);
    const code = await main(['evaluate', ...argv({ competition: ex.dir, hidden: ex.hidden, results }, dir)], io);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(io.out()).toContain(
      'accuracy 0.8900 (the Ladder: not better than your best by more than 0.01, so your best again; exact scores sealed)',
    );
    // Without a history to read (no git repository, no --results), it says so rather than guess.
    const io2 = captureIO(ex.dir, ENV);
    expect(await main(['evaluate', ...argv({ competition: ex.dir, hidden: ex.hidden }, dir)], io2)).toBe(1);
    expect(io2.err()).toContain('the Ladder needs the results history');
  });

  it('end to end through the CLI: the results branch gives the best, reveal opens the exact board, reproduce compares exact scores', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, {
      git: true,
      edit: (y) => y.replace('leaderboard:', 'scoring:\n  bootstrap:\n    resamples: 100\nleaderboard:\n  ladder:\n    step: 0.01\n'),
    });
    execFileSync('git', ['init', '--quiet', '--bare', path.join(root, 'origin.git')]);
    execFileSync('git', ['remote', 'add', 'origin', path.join(root, 'origin.git')], { cwd: ex.dir });
    const io = () => captureIO(root, { ...ENV });
    const sub = path.join(ex.dir, 'submissions', 'baseline', 'nearest-centroid');
    const copy = await ex.submit('baseline', 'again', {
      'submission.yml': submissionYml('baseline', 'again'),
      'predictions.csv': await ex.baselinePredictions(),
    });
    const first = io();
    expect(await main(['evaluate', ...argv({ competition: ex.dir, hidden: ex.hidden, out: 'a.json' }, sub)], first)).toBe(0);
    expect(first.out()).toContain('(the Ladder: your best, rounded to 0.01; exact scores sealed)');
    expect(await main(['publish', '--competition', ex.dir, 'a.json'], io())).toBe(0);
    const second = io();
    expect(await main(['evaluate', ...argv({ competition: ex.dir, hidden: ex.hidden, out: 'b.json' }, copy)], second)).toBe(0);
    expect(second.out()).toContain('so your best again');
    expect(await main(['publish', '--competition', ex.dir, 'b.json'], io())).toBe(0);

    const after = () => new Date(Date.parse(ex.competition.config.phases[0]!.end) + 1000);
    const done = io();
    expect(await main(['reveal', ...argv({ competition: ex.dir, phase: 'main' })], done, { now: after })).toBe(0);
    expect(done.out()).toContain('2 record(s) of phase main behind the Ladder: every exact public score matches its commitment.');
    expect(done.out()).not.toContain('private leaderboard');
    expect(done.out()).toMatch(/public leaderboard, exact scores[\s\S]*\| +1 \| baseline +\| nearest-centroid +\| +0\.8850/);
    expect(await main(['reveal', ...argv({ competition: ex.dir, phase: 'main', check: true })], captureIO(root, {}))).toBe(0);

    // Reproducing a record behind the Ladder compares its exact scores, with the key.
    const again = io();
    expect(await main(['reproduce', ...argv({ competition: ex.dir, hidden: ex.hidden }, 'b.json')], again)).toBe(0);
    expect(again.out()).toMatch(/\| f1_macro +\| +0\.\d+ +\| +0\.\d+ +\| yes/);
    expect(again.out()).toContain('Reproduced within a relative 1e-9.');
  });

  it('is refused with rankings it cannot keep', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const file = path.join(ex.dir, 'competition.yml');
    const yml = await readFile(file, 'utf8');
    await writeFile(
      file,
      yml.replace('leaderboard:', 'leaderboard:\n  ladder:\n    step: 0.01\n  tie_breakers: [f1_macro]\n  rank_by: average-rank\n'),
    );
    await expect(loadCompetition(ex.dir)).rejects.toThrow(/cannot rank by the average rank[\s\S]*no other metric can break ties/);
    await writeFile(file, yml.replace('leaderboard:', 'leaderboard:\n  ladder:\n    step: 0\n'));
    await expect(loadCompetition(ex.dir)).rejects.toThrow(/ladder/);
  });
});
