import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSite, recordPage } from '../../leaderboard-site/src/build.js';
import { describe, expect, it } from 'vitest';
import { checkCompetition } from '../../runner/src/competition/load.js';
import { loadTeams } from '../../runner/src/competition/teams.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { admit } from '../../runner/src/results/admission.js';
import { checkLimits } from '../../runner/src/results/limits.js';
import { serializeRecord } from '../../runner/src/results/record.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { exampleCompetition, runCli, submissionYml, type ExampleCompetition } from '../helpers/competition.js';
import { scoredRecord } from '../helpers/records.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();
// The example's phase starts on the day it is made: a fixed noon inside it, set by setUp.
let NOW = new Date();
const run = (cwd: string, ...argv: string[]) => runCli(cwd, argv, { now: () => NOW });
const exists = (f: string) =>
  access(f).then(
    () => true,
    () => false,
  );

/** The example competition with one submission of team alpha, and a results folder. */
async function setUp(edit?: (yml: string) => string) {
  const root = await temp();
  const ex = await exampleCompetition(root, edit ? { edit } : {});
  NOW = new Date(Date.parse(ex.competition.config.phases[0]!.start) + 12 * 3600_000);
  const sub = await ex.submit('alpha', 'run', {
    'submission.yml': submissionYml('alpha', 'run'),
    'predictions.csv': await ex.baselinePredictions(),
  });
  const results = path.join(root, 'history');
  await mkdir(path.join(results, 'results'), { recursive: true });
  const out = path.join(root, 'record.json');
  return { root, ex, sub, results, out };
}

/** `count` records of team alpha in phase main today, in a folder laid out as the results branch. */
async function history(results: string, count: number): Promise<ResultRecord[]> {
  await rm(path.join(results, 'results'), { recursive: true, force: true });
  const records: ResultRecord[] = [];
  for (let i = 0; i < count; i++) {
    const commit = `${(i + 1).toString(16).padStart(4, '0')}${'a'.repeat(36)}`;
    const r = scoredRecord(i + 1, { team: 'alpha', commit, created_at: new Date(NOW.getTime() - (i + 1) * 60_000).toISOString() });
    const file = path.join(results, `${r.id}.json`.replace(/^/, 'results/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, serializeRecord(r));
    records.push(r);
  }
  return records;
}

const evaluateArgs = (s: { ex: ExampleCompetition; sub: string; results: string; out: string }, ...extra: string[]) => [
  'evaluate',
  '--competition',
  s.ex.dir,
  '--hidden',
  s.ex.hidden,
  '--results',
  s.results,
  '--out',
  s.out,
  ...extra,
  s.sub,
];

describe('podium evaluate applies the limits the pull-request check applies', () => {
  it('refuses the 8th record of a day with the words of the check, and writes nothing; the 7th scores', async () => {
    const s = await setUp((y) => y.replace('per_day: 5', 'per_day: 7'));
    const seven = await history(s.results, 7);
    const refused = await run(s.root, ...evaluateArgs(s));
    expect(refused.code).toBe(1);
    // The words the Action annotates the pull request with, from the same function.
    const words = checkLimits(s.ex.competition, seven, 'alpha', 'main', NOW);
    expect(words.ok).toBe(false);
    if (!words.ok) expect(refused.err).toContain(words.why);
    const tomorrow = new Date(Date.parse(s.ex.competition.config.phases[0]!.start) + 24 * 3600_000).toISOString().replace('.000Z', 'Z');
    expect(refused.err).toContain(`team alpha has used its 7 submission(s) for today (UTC) in phase main; submit again from ${tomorrow}.`);
    expect(refused.err).toContain('--ignore-limits REASON');
    expect(await exists(s.out)).toBe(false);

    // Control: one record fewer, and the same call scores and writes the record.
    await history(s.results, 6);
    const passed = await run(s.root, ...evaluateArgs(s));
    expect(passed.err).toBe('');
    expect(passed.code).toBe(0);
    expect(JSON.parse(await readFile(s.out, 'utf8'))).toMatchObject({ status: 'scored', submission: { team: 'alpha' } });
  });

  it('counts a total limit too, and --ignore-limits REASON scores past it and keeps the reason in the record', async () => {
    const s = await setUp((y) => y.replace('per_day: 5', 'total: 2'));
    await history(s.results, 2);
    const refused = await run(s.root, ...evaluateArgs(s));
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('team alpha has used all 2 submissions of phase main.');
    expect(await exists(s.out)).toBe(false);

    const waived = await run(s.root, ...evaluateArgs(s, '--ignore-limits', 'rerun after the runner crashed'));
    expect(waived.code).toBe(0);
    const record = JSON.parse(await readFile(s.out, 'utf8')) as ResultRecord;
    expect(record.status).toBe('scored');
    expect(record.provenance.limits_ignored).toBe('rerun after the runner crashed');
    // The site says so on the record's page, with the reason; a record within the limits says nothing of it.
    const site = path.join(s.root, 'site');
    await buildSite({ competition: s.ex.competition, records: [record, ...(await history(s.results, 1))], outDir: site });
    const team = await readFile(path.join(site, recordPage(record).split('#')[0]!), 'utf8');
    expect(team.match(/<dt>Past the limits<\/dt>/g)).toHaveLength(1);
    expect(team).toContain('<dd>evaluated by the organisers past the team&#39;s limits: rerun after the runner crashed</dd>');

    const blank = await run(s.root, ...evaluateArgs(s, '--ignore-limits', ' '));
    expect(blank.code).toBe(2);
    // A shard writes no record to keep the reason in: the two are not given together.
    const sharded = await run(s.root, ...evaluateArgs(s, '--ignore-limits', 'rerun', '--shard', '1/2'));
    expect(sharded.code).toBe(2);
    expect(sharded.err).toContain('--ignore-limits goes with an evaluation in one run');
  });

  it('says so when no history can be read, rather than counting silently', async () => {
    const s = await setUp();
    const args = evaluateArgs(s).filter((a, i, all) => a !== '--results' && all[i - 1] !== '--results');
    const r = await run(s.root, ...args);
    expect(r.code).toBe(0);
    expect(r.err).toContain('! limits not counted:');
    expect(r.err).toContain('is not a git repository');
  });
});

describe('teams.yml: a team it does not list is refused by validate and evaluate', () => {
  it('refuses team alpha while teams.yml lists only beta; accepts it once listed', async () => {
    const s = await setUp();
    await writeFile(path.join(s.ex.dir, 'teams.yml'), 'teams:\n  beta: [bob]\n');
    const words = 'team alpha is not in teams.yml; ask the organisers to add the team and its members.';

    const v = await run(s.root, 'validate', '--competition', s.ex.dir, s.sub);
    expect(v.code).toBe(1);
    expect(v.err).toContain(words);
    const e = await run(s.root, ...evaluateArgs(s));
    expect(e.code).toBe(1);
    expect(e.err).toContain(words);
    expect(await exists(s.out)).toBe(false);

    // Control: the same calls pass once teams.yml lists the team.
    await writeFile(path.join(s.ex.dir, 'teams.yml'), 'teams:\n  beta: [bob]\n  alpha: [alice]\n');
    expect((await run(s.root, 'validate', '--competition', s.ex.dir, s.sub)).code).toBe(0);
    expect((await run(s.root, ...evaluateArgs(s))).code).toBe(0);
    expect(await exists(s.out)).toBe(true);
  });

  it('goes by the folder’s team, as the Action does, whatever submission.yml says: no record is charged to another team', async () => {
    const s = await setUp();
    await writeFile(path.join(s.ex.dir, 'teams.yml'), 'teams:\n  other: [olga]\n');
    // Team zzz's folder (zzz is not in teams.yml) says it is team other's.
    const sub = await s.ex.submit('zzz', 'a', {
      'submission.yml': submissionYml('other', 'a'),
      'predictions.csv': await s.ex.baselinePredictions(),
    });
    const refused = await run(s.root, ...evaluateArgs({ ...s, sub }));
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('team zzz is not in teams.yml');
    expect(await exists(s.out)).toBe(false);
    // Control: listed, the folder's team is admitted, and the evaluation rejects the mismatch.
    await writeFile(path.join(s.ex.dir, 'teams.yml'), 'teams:\n  other: [olga]\n  zzz: [zoe]\n');
    const admitted = await run(s.root, ...evaluateArgs({ ...s, sub }));
    expect(await exists(s.out), admitted.err).toBe(true);
    expect(JSON.parse(await readFile(s.out, 'utf8'))).toMatchObject({ status: 'rejected', id: expect.stringMatching(/^main\/zzz\/a\//) });
  });

  it('with a login (the Action), membership is by login, as before', async () => {
    const s = await setUp();
    await writeFile(path.join(s.ex.dir, 'teams.yml'), 'teams:\n  alpha: [alice]\n');
    const teams = await loadTeams(s.ex.dir);
    const opts = { now: NOW, teams, history: async () => [] };
    expect(await admit(s.ex.competition, { team: 'alpha', login: 'mallory' }, opts)).toMatchObject({
      ok: false,
      rule: 'membership',
      why: 'mallory is not a member of any team in teams.yml; ask the organisers to add you to team alpha.',
    });
    expect(await admit(s.ex.competition, { team: 'alpha', login: 'Alice' }, opts)).toMatchObject({ ok: true });
  });
});

describe('an unknown --phase is a usage error, and nothing is recorded', () => {
  it('exits 2 naming the phases; --phase main scores', async () => {
    const s = await setUp();
    const r = await run(s.root, ...evaluateArgs(s, '--phase', 'nope'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('--phase: there is no phase "nope". Phases: main.');
    expect(r.err).toContain('Usage: podium evaluate');
    expect(await exists(s.out)).toBe(false);
    const v = await run(s.root, 'validate', '--competition', s.ex.dir, '--phase', 'nope', s.sub);
    expect(v.code).toBe(2);

    const ok = await run(s.root, ...evaluateArgs(s, '--phase', 'main'));
    expect(ok.code).toBe(0);
    expect(await exists(s.out)).toBe(true);
  });

  it('outside every phase, evaluate refuses with the check’s words and records nothing', async () => {
    const s = await setUp();
    const r = await runCli(s.root, evaluateArgs(s), { now: () => new Date('2030-01-01T00:00:00Z') });
    expect(r.code).toBe(1);
    expect(r.err).toContain('no phase is open at 2030-01-01T00:00:00.000Z. Phases: main (');
    expect(r.err).toContain('--phase ID');
    expect(await exists(s.out)).toBe(false);
    // Validation of the folder still passes, with a note: a participant may check before the start.
    const v = await runCli(s.root, ['validate', '--competition', s.ex.dir, s.sub], { now: () => new Date('2030-01-01T00:00:00Z') });
    expect(v.code).toBe(0);
    expect(v.out).toContain('no phase is open at 2030-01-01');
  });
});

describe('phases[].kinds: a kind the phase does not take is refused', () => {
  const twoPhases = (y: string) =>
    y
      .replace(/^ {2}kinds: \[ ?predictions ?\]$/m, '  kinds: [predictions, container]')
      .replace(
        /( {4}start: (\S+)\n {4}end: (\S+)\n)/,
        '$1  - id: final\n    name: Final\n    start: $2\n    end: $3\n    kinds: [container]\n',
      );

  it('refuses predictions in the final phase, by validate, evaluate and the evaluation itself; main takes them', async () => {
    const s = await setUp(twoPhases);
    expect(s.ex.competition.config.phases.map((p) => p.kinds)).toEqual([undefined, ['container']]);
    const words = 'phase final does not take "predictions" submissions; it takes: container.';

    const v = await run(s.root, 'validate', '--competition', s.ex.dir, '--phase', 'final', s.sub);
    expect(v.code).toBe(1);
    expect(v.err).toContain(words);
    const e = await run(s.root, ...evaluateArgs(s, '--phase', 'final'));
    expect(e.code).toBe(1);
    expect(e.err).toContain(words);
    expect(await exists(s.out)).toBe(false);
    // Called as a library (the Action's evaluate job), the record says why.
    const record = await evaluateSubmission({
      competition: s.ex.competition,
      hiddenDir: s.ex.hidden,
      submissionDir: s.sub,
      phase: 'final',
      now: NOW,
    });
    expect(record).toMatchObject({ status: 'rejected', error: { code: 'kind-not-accepted', message: words } });

    // Control: the main phase falls back to submissions.kinds, which has predictions.
    expect((await run(s.root, 'validate', '--competition', s.ex.dir, '--phase', 'main', s.sub)).code).toBe(0);
    expect((await run(s.root, ...evaluateArgs(s, '--phase', 'main'))).code).toBe(0);
    expect(await exists(s.out)).toBe(true);
  });

  it('the Action’s admission refuses the kind with the same words', async () => {
    const s = await setUp(twoPhases);
    const opts = { now: NOW, teams: undefined, history: async () => [], phase: 'final' };
    expect(await admit(s.ex.competition, { team: 'alpha', login: 'alpha', kind: 'predictions' }, opts)).toMatchObject({
      ok: false,
      rule: 'kind',
      why: 'phase final does not take "predictions" submissions; it takes: container.',
    });
    expect(await admit(s.ex.competition, { team: 'alpha', login: 'alpha', kind: 'container' }, opts)).toMatchObject({ ok: true });
  });

  it('a valid per-phase kinds list passes the schema', async () => {
    const s = await setUp();
    const text = twoPhases(await readFile(path.join(s.ex.dir, 'competition.yml'), 'utf8'));
    expect((await checkCompetition(text)).ok).toBe(true);
  });
});

describe('the hidden data is checked against competition.yml before anything is recorded', () => {
  it('a missing truth file: evaluate errors with a fix and writes nothing; validate --competition reports it', async () => {
    const s = await setUp();
    await rm(path.join(s.ex.hidden, 'truth.csv'));
    const e = await run(s.root, ...evaluateArgs(s));
    expect(e.code).toBe(1);
    expect(e.err).toContain(`data.truth: the hidden data folder ${s.ex.hidden} has no truth file "truth.csv" (phase main).`);
    expect(e.err).toContain('podium validate --competition DIR --hidden DIR');
    expect(await exists(s.out)).toBe(false);
    const v = await run(s.root, 'validate', '--competition', s.ex.dir, '--hidden', s.ex.hidden);
    expect(v.code).toBe(1);
    expect(v.err).toContain('has no truth file "truth.csv"');
  });

  it('a slice column the truth lacks: refused by evaluate and validate; the right name passes both', async () => {
    const s = await setUp((y) => y.replace('  truth: truth.csv', '  truth: truth.csv\n  slices: [sourc]'));
    // A source column in the truth: two broadcasters.
    const truth = (await readFile(path.join(s.ex.hidden, 'truth.csv'), 'utf8')).trim().split('\n');
    await writeFile(
      path.join(s.ex.hidden, 'truth.csv'),
      [`${truth[0]},source`, ...truth.slice(1).map((l, i) => `${l},${i % 3 === 0 ? 'radio' : 'tv'}`)].join('\n') + '\n',
    );
    const e = await run(s.root, ...evaluateArgs(s));
    expect(e.code).toBe(1);
    expect(e.err).toMatch(
      /data\.slices\[0\]: the truth file "truth\.csv" \(phase main\) has no column "sourc", which data\.slices\[0\] names; its columns: id, label, source/,
    );
    expect(await exists(s.out)).toBe(false);
    const v = await run(s.root, 'validate', '--competition', s.ex.dir, '--hidden', s.ex.hidden);
    expect(v.code).toBe(1);
    expect(v.err).toContain('has no column "sourc"');

    // Control: the column the truth has.
    const yml = path.join(s.ex.dir, 'competition.yml');
    await writeFile(yml, (await readFile(yml, 'utf8')).replace('slices: [sourc]', 'slices: [source]'));
    const v2 = await run(s.root, 'validate', '--competition', s.ex.dir, '--hidden', s.ex.hidden);
    expect(v2.code).toBe(0);
    expect(v2.out).toContain('✓ the hidden data fits competition.yml');
    expect((await run(s.root, ...evaluateArgs(s))).code).toBe(0);
    expect(await exists(s.out)).toBe(true);
  });
});
