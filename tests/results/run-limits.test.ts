import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompetition, type Competition } from '../../runner/src/competition/load.js';
import { admit } from '../../runner/src/results/admission.js';
import { checkLimits } from '../../runner/src/results/limits.js';
import { serializeRecord } from '../../runner/src/results/record.js';
import type { ResultRecord, ScoredResult } from '../../runner/src/results/schema.js';
import { exampleCompetition, runCli, submissionYml } from '../helpers/competition.js';
import { scoredRecord } from '../helpers/records.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();
const RUNS = '\nruns:\n  types: [automatic, manual]\n  max_per_type: 4\n';

/** Team alpha's records in phase main, each of the run type given, a minute apart before `now`. */
function runs(now: Date, types: readonly (string | undefined)[]): ResultRecord[] {
  return types.map((type, i) => {
    const r = scoredRecord(i + 1, {
      team: 'alpha',
      name: `run-${i + 1}`,
      created_at: new Date(now.getTime() - (i + 1) * 60_000).toISOString(),
    });
    if (type !== undefined) r.submission.run = { type, priority: (i % 4) + 1 };
    return r;
  });
}

/** The example competition without its per-day limit (`limits` in its place), with `extra` added. */
async function competitionWith(extra: string, limits = ''): Promise<Competition> {
  const ex = await exampleCompetition(await temp());
  const text = (await readFile(path.join(ex.dir, 'competition.yml'), 'utf8')).replace(/^ {2}per_day: 5\n/m, limits) + extra;
  const checked = await checkCompetition(text, ex.dir);
  if (!checked.ok) throw new Error(checked.problems.map((p) => p.message).join('\n'));
  return checked.competition;
}

describe('runs per team per run type (runs.max_per_type)', () => {
  const now = new Date('2026-06-01T12:00:00Z');

  it('refuses a 5th manual run and takes a 5th run of another type, or the 4th manual one (the controls)', async () => {
    const c = await competitionWith(RUNS);
    const four = runs(now, ['manual', 'manual', 'manual', 'manual', 'automatic']);
    const refused = checkLimits(c, four, 'alpha', 'main', now, { pending: 0, runType: 'manual' });
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.why).toBe(
        'team alpha has used all 4 runs of type "manual" in phase main (at most 4 per run type); runs of another type (automatic) are still taken.',
      );
    expect(refused.usage).toEqual({ today: 5, total: 5, ofType: 4 });
    expect(checkLimits(c, four, 'alpha', 'main', now, { pending: 0, runType: 'automatic' })).toEqual({
      ok: true,
      usage: { today: 5, total: 5, ofType: 1 },
    });
    expect(checkLimits(c, four.slice(1), 'alpha', 'main', now, { pending: 0, runType: 'manual' }).ok).toBe(true);
  });

  it('does not count failures the platform caused, nor other teams or phases', async () => {
    const c = await competitionWith(RUNS);
    const history = runs(now, ['manual', 'manual', 'manual', 'manual']);
    const faulted: ResultRecord = {
      ...history[0]!,
      status: 'failed',
      error: { code: 'runner-lost', message: 'the runner went away', platform_fault: true },
    } as ResultRecord;
    const other = runs(now, ['manual']).map((r) => ({ ...r, submission: { ...r.submission, team: 'beta' } }));
    const elsewhere = runs(now, ['manual']).map((r) => ({ ...r, phase: 'warmup' }));
    const counted = [faulted, ...history.slice(1), ...other, ...elsewhere];
    expect(checkLimits(c, counted, 'alpha', 'main', now, { pending: 0, runType: 'manual' })).toEqual({
      ok: true,
      usage: { today: 3, total: 3, ofType: 3 },
    });
    // A failure the team caused counts like any run.
    const ownFault = { ...faulted, error: { code: 'invalid-submission', message: 'bad' } } as ResultRecord;
    expect(checkLimits(c, [ownFault, ...history.slice(1)], 'alpha', 'main', now, { pending: 0, runType: 'manual' }).ok).toBe(false);
  });

  it('counts evaluations under way as of the type asked about', async () => {
    const c = await competitionWith(RUNS);
    const three = runs(now, ['manual', 'manual', 'manual']);
    expect(checkLimits(c, three, 'alpha', 'main', now, { pending: 0, runType: 'manual' }).ok).toBe(true);
    expect(checkLimits(c, three, 'alpha', 'main', now, { pending: 1, runType: 'manual' }).ok).toBe(false);
  });

  it('leaves a competition without runs, or a submission without a run type, to the other limits', async () => {
    const plain = await competitionWith('');
    const many = runs(now, ['manual', 'manual', 'manual', 'manual', 'manual', 'manual']);
    expect(checkLimits(plain, many, 'alpha', 'main', now, { pending: 0, runType: 'manual' })).toEqual({
      ok: true,
      usage: { today: 6, total: 6 },
    });
    const c = await competitionWith(RUNS);
    expect(checkLimits(c, many, 'alpha', 'main', now).ok).toBe(true);
  });

  it('is applied by admit, after the total, with the run type of the entrant', async () => {
    const c = await competitionWith(RUNS, '  total: 5\n');
    const phase = c.config.phases[0]!.id;
    const opts = (history: ResultRecord[]) => ({ now, teams: undefined, history: async () => history, phase });
    const four = runs(now, ['manual', 'manual', 'manual', 'manual']);
    const manual = await admit(c, { team: 'alpha', runType: 'manual' }, opts(four));
    expect(manual.ok).toBe(false);
    if (!manual.ok) expect(manual.rule).toBe('limits');
    expect((await admit(c, { team: 'alpha', runType: 'automatic' }, opts(four))).ok).toBe(true);
    const five = runs(now, ['manual', 'manual', 'manual', 'manual', 'automatic']);
    const total = await admit(c, { team: 'alpha', runType: 'automatic' }, opts(five));
    expect(total.ok ? '' : total.why).toBe('team alpha has used all 5 submissions of phase main.');
  });
});

describe('run priorities (run.priority)', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const opts = (c: Competition, history: ResultRecord[]) => ({ now, teams: undefined, history: async () => history, phase: 'main' });

  it("refuses a priority a scored run of the team's type already has, naming the free ones (control: a free priority)", async () => {
    const c = await competitionWith(RUNS);
    // Priorities 1 and 2 are manual; 3 is automatic.
    const history = runs(now, ['manual', 'manual', 'automatic']);
    const taken = await admit(c, { team: 'alpha', runType: 'manual', priority: 2 }, opts(c, history));
    expect(taken).toMatchObject({
      ok: false,
      rule: 'limits',
      why: 'team alpha\'s run run-2 already has priority 2 among its "manual" runs; give this run another priority (free: 3, 4).',
    });
    expect((await admit(c, { team: 'alpha', runType: 'manual', priority: 3 }, opts(c, history))).ok).toBe(true);
    // Another type, another team, or no priority at all: free.
    expect((await admit(c, { team: 'alpha', runType: 'automatic', priority: 2 }, opts(c, history))).ok).toBe(true);
    expect((await admit(c, { team: 'beta', runType: 'manual', priority: 2 }, opts(c, history))).ok).toBe(true);
    expect((await admit(c, { team: 'alpha', runType: 'manual' }, opts(c, history))).ok).toBe(true);
  });

  it('lets a new version of a run keep its priority, its newest record holding it; a waiting pull request holds its own', async () => {
    const c = await competitionWith(RUNS);
    const [one] = runs(now, ['manual']);
    // run-1's next version keeps priority 1 (control: another run may not take it).
    expect((await admit(c, { team: 'alpha', name: 'run-1', runType: 'manual', priority: 1 }, opts(c, [one!]))).ok).toBe(true);
    expect((await admit(c, { team: 'alpha', name: 'other', runType: 'manual', priority: 1 }, opts(c, [one!]))).ok).toBe(false);
    // Its newest version moved to priority 3: 1 is free again.
    const moved = {
      ...one!,
      id: `${one!.id}-v2`,
      created_at: now.toISOString(),
      submission: { ...one!.submission, run: { type: 'manual', priority: 3 } },
    };
    expect((await admit(c, { team: 'alpha', name: 'other', runType: 'manual', priority: 1 }, opts(c, [one!, moved]))).ok).toBe(true);
    // A pull request still waiting holds the priority it declares.
    const waiting = await admit(
      c,
      { team: 'alpha', name: 'other', runType: 'manual', priority: 2 },
      {
        ...opts(c, []),
        pending: async () => ({
          count: 1,
          ofType: 1,
          priorities: [{ priority: 2, what: 'pull request #7, still waiting to be evaluated,' }],
        }),
      },
    );
    expect(waiting.ok ? '' : waiting.why).toBe(
      'team alpha\'s pull request #7, still waiting to be evaluated, already has priority 2 among its "manual" runs; give this run another priority (free: 1, 3, 4).',
    );
  });

  it('frees the priority of a run that failed or was rejected, and of one a re-scoring superseded (for its successor holds it)', async () => {
    const c = await competitionWith(RUNS);
    const [one] = runs(now, ['manual']);
    const { scores: _scores, ...base } = one as ScoredResult;
    const failed: ResultRecord = {
      ...base,
      status: 'failed',
      error: { code: 'container-failed', message: 'the container exited with status 1' },
    };
    expect((await admit(c, { team: 'alpha', runType: 'manual', priority: 1 }, opts(c, [failed]))).ok).toBe(true);
    expect((await admit(c, { team: 'alpha', runType: 'manual', priority: 1 }, opts(c, [one!]))).ok).toBe(false);
    // A re-scoring: the new record supersedes the old, and holds the priority.
    const again = { ...one!, id: `${one!.id}-rescored`, supersedes: one!.id };
    const refused = await admit(c, { team: 'alpha', runType: 'manual', priority: 1 }, opts(c, [one!, again]));
    expect(refused.ok ? '' : refused.why).toContain('already has priority 1');
  });
});

describe('podium evaluate with runs', () => {
  it('records the run metadata, and refuses a run past its type with the words of the check', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, { edit: (y) => `${y}${RUNS}` });
    const now = new Date(Date.parse(ex.competition.config.phases[0]!.start) + 12 * 3600_000);
    const results = path.join(root, 'history');
    await mkdir(path.join(results, 'results'), { recursive: true });
    // Two days ago: the per-day limit does not refuse the run, the limit per run type does.
    const history = runs(now, ['manual', 'manual', 'manual', 'manual']).map((r) => ({
      ...r,
      created_at: new Date(now.getTime() - 48 * 3600_000).toISOString(),
    }));
    for (const r of history) {
      const file = path.join(results, 'results', `${r.id}.json`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, serializeRecord(r));
    }
    const submit = async (name: string, type: string) =>
      ex.submit('alpha', name, {
        'submission.yml': submissionYml(
          'alpha',
          name,
          `run:\n  type: ${type}\n  priority: 1\n  training_data: "the training set & nothing else"\n  external_resources: false\n`,
        ),
        'predictions.csv': await ex.baselinePredictions(),
      });
    const args = (sub: string, out: string) => [
      'evaluate',
      '--competition',
      ex.dir,
      '--hidden',
      ex.hidden,
      '--results',
      results,
      '--out',
      out,
      sub,
    ];
    const manualOut = path.join(root, 'manual.json');
    const refused = await runCli(root, args(await submit('manual-5', 'manual'), manualOut), { now: () => now });
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('team alpha has used all 4 runs of type "manual" in phase main');
    const autoOut = path.join(root, 'automatic.json');
    const scored = await runCli(root, args(await submit('auto-1', 'automatic'), autoOut), { now: () => now });
    expect(scored.err).not.toContain('used all');
    expect(scored.code).toBe(0);
    const record = JSON.parse(await readFile(autoOut, 'utf8')) as ResultRecord;
    expect(record.status).toBe('scored');
    expect(record.submission.run).toEqual({
      type: 'automatic',
      priority: 1,
      training_data: 'the training set & nothing else',
      external_resources: false,
    });
  });
});
