import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { argv } from '../helpers/argv.js';
import { exampleCompetition, runCli, submissionYml, type ExampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';
import { requireTool } from '../helpers/tools.js';
import { readRecordFolder } from '../../runner/src/cli/commands/shared.js';
import { readRecordsFromRef } from '../../runner/src/results/git-store.js';
import { recordPath } from '../../runner/src/results/record.js';
import type { ResultRecord, ScoredResult } from '../../runner/src/results/schema.js';
import { computeStandings } from '../../runner/src/results/standings.js';
import { rescorePhase } from '../../runner/src/evaluate/rescore.js';
import type { ContainerEngine } from '../../runner/src/sandbox/container/engine.js';
import { buildSite } from '../../leaderboard-site/src/build.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';

const temp = useTempDirs();
const BASELINE = 'submissions/baseline/nearest-centroid';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: dir, encoding: 'utf8' }).trim();
}

/** Evaluates a submission folder and files the record under results/ in `resultsDir`. */
async function evaluateInto(root: string, ex: ExampleCompetition, resultsDir: string, sub: string, commit?: string): Promise<ResultRecord> {
  const out = path.join(root, 'evaluated.json');
  const run = await runCli(root, ['evaluate', ...argv({ competition: ex.dir, hidden: ex.hidden, commit, out }, path.join(ex.dir, sub))]);
  expect(run.code, run.err).toBe(0);
  const record = JSON.parse(await readFile(out, 'utf8')) as ResultRecord;
  const file = path.join(resultsDir, recordPath(record));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, await readFile(out, 'utf8'));
  return record;
}

/** Corrects the truth of one test id the baseline got right, so its accuracy falls by one item. */
async function fixTruth(ex: ExampleCompetition): Promise<void> {
  const answers = await ex.baselineAnswers();
  const file = path.join(ex.hidden, 'truth.csv');
  const lines = (await readFile(file, 'utf8')).split('\n');
  const i = lines.findIndex((l, n) => n > 0 && l !== '' && answers.get(l.split(',')[0]!) === l.split(',')[1]);
  const [id, label] = lines[i]!.split(',') as [string, string];
  lines[i] = `${id},${label === 'noise' ? 'music' : 'noise'}`;
  await writeFile(file, lines.join('\n'));
}

const value = (r: ResultRecord | undefined) => (r?.status === 'scored' ? r.scores.public.accuracy?.value : undefined);

describe('podium rescore', () => {
  it('re-scores after the truth was fixed: a new record supersedes the old, which stays; the board and the site use the new one', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, { git: true });
    const results = path.join(root, 'results-copy');
    const commit = git(ex.dir, 'rev-parse', 'HEAD');
    const old = await evaluateInto(root, ex, results, BASELINE, commit);
    const oldText = await readFile(path.join(results, recordPath(old)), 'utf8');

    // Control: the same truth and scorer give the same scores, so nothing is written.
    const same = await runCli(root, ['rescore', ...argv({ competition: ex.dir, phase: 'main', hidden: ex.hidden, results })]);
    expect(same.code, same.err).toBe(0);
    expect(same.out).toContain('1 scored record(s): 0 re-scored (0 changed), 1 unchanged, 0 skipped');
    expect(same.out).toContain(`unchanged  ${old.id}: same scores from the same truth and scorer; left as it is`);
    expect((await readRecordFolder(results)).records).toHaveLength(1);

    await fixTruth(ex);
    const run = await runCli(root, [
      'rescore',
      ...argv({ competition: ex.dir, phase: 'main', hidden: ex.hidden, results, reason: 'clip label corrected' }),
    ]);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain('1 scored record(s): 1 re-scored (1 changed), 0 unchanged, 0 skipped');
    expect(run.out).toMatch(new RegExp(`changed +${old.id}: accuracy 0\\.8850 → 0\\.8833 \\(now ${old.id}-r1\\)`));
    expect(run.out).toContain('Reason kept in the new records: clip label corrected');

    const { records, invalid } = await readRecordFolder(results);
    expect(invalid).toEqual([]);
    expect(records).toHaveLength(2);
    // The old record is byte for byte as it was.
    expect(await readFile(path.join(results, recordPath(old)), 'utf8')).toBe(oldText);
    const fresh = records.find((r) => r.id !== old.id) as ScoredResult;
    expect(fresh).toMatchObject({
      id: `${old.id}-r1`,
      supersedes: old.id,
      created_at: old.created_at,
      submission: { path: old.submission.path },
      rescore: { reason: 'clip label corrected' },
      provenance: { commit, submission_hash: old.provenance.submission_hash },
    });
    expect(fresh.provenance.data_hash).not.toBe(old.provenance.data_hash);
    expect(value(fresh)).toBeLessThan(value(old)!);

    // The board ranks the new record only; without the new one it would show the old score.
    const [board] = computeStandings(ex.competition, records, { rule: 'all' });
    expect(board!.rows.map((r) => r.record.id)).toEqual([fresh.id]);
    expect(board!.rows[0]!.value).toBe(value(fresh));
    expect(computeStandings(ex.competition, [old], { rule: 'all' })[0]!.rows[0]!.value).toBe(value(old));

    // The submission page says it was re-scored, why, links the old record, and names truth and scorer.
    const site = path.join(root, 'site');
    await buildSite({ competition: ex.competition, records, outDir: site });
    const page = await readFile(path.join(site, 's/main/baseline.html'), 'utf8');
    const oldKey = old.id.split('/').pop()!;
    expect(page).toContain('Re-scored on');
    expect(page).toContain('clip label corrected');
    expect(page).toContain(`baseline.html#nearest-centroid.${oldKey}"`);
    expect(page).toContain(`Superseded: scored again`);
    expect(page).toContain(`baseline.html#nearest-centroid.${oldKey}-r1"`);
    expect(page).toContain(`against the truth <code>${fresh.provenance.data_hash}</code>`);
    expect(page).toContain(`against the truth <code>${old.provenance.data_hash}</code>`);

    // Control: once re-scored, the same truth again leaves the new record as it is.
    const again = await runCli(root, ['rescore', ...argv({ competition: ex.dir, phase: 'main', hidden: ex.hidden, results })]);
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain(`unchanged  ${fresh.id}`);
    expect((await readRecordFolder(results)).records).toHaveLength(2);
  });

  it('supersedes a record whose intervals were drawn from the public seed, its values standing (control: a keyed one is left as it is)', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, { git: true });
    const results = path.join(root, 'results-copy');
    const old = await evaluateInto(root, ex, results, BASELINE, git(ex.dir, 'rev-parse', 'HEAD'));
    const rescore = () => runCli(root, ['rescore', ...argv({ competition: ex.dir, phase: 'main', hidden: ex.hidden, results })]);
    expect((await rescore()).out).toContain('1 unchanged');
    // The record as an earlier version wrote it: the same values, no keyed draws.
    const file = path.join(results, recordPath(old));
    const earlier = JSON.parse(await readFile(file, 'utf8')) as ScoredResult;
    for (const v of Object.values(earlier.scores.public)) delete v.ci?.draws;
    await writeFile(file, JSON.stringify(earlier));
    const run = await rescore();
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain('1 re-scored (0 changed)');
    const records = (await readRecordFolder(results)).records as ScoredResult[];
    const next = records.find((r) => r.supersedes === old.id)!;
    expect(next.rescore!.reason).toContain("the intervals' resamples are now drawn keyed by the hidden truth");
    expect(next.scores.public.accuracy!.value).toBe(old.status === 'scored' ? old.scores.public.accuracy!.value : NaN);
    expect(next.scores.public.accuracy!.ci!.draws).toBe('keyed-by-truth');
  });

  it('skips a record whose folder holds other files than it was scored from, and re-scores the unchanged one', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, { git: true });
    const results = path.join(root, 'results-copy');
    const commit = git(ex.dir, 'rev-parse', 'HEAD');
    const control = await evaluateInto(root, ex, results, BASELINE, commit);
    // Scored from files that were never committed, but labelled with the commit.
    await ex.submit('team-a', 'dirty', {
      'submission.yml': submissionYml('team-a', 'dirty'),
      'predictions.csv': await ex.baselinePredictions(),
    });
    const dirty = await evaluateInto(root, ex, results, 'submissions/team-a/dirty', commit);
    // Scored with no commit, from the working folder, which changes afterwards.
    await ex.submit('team-b', 'moved', {
      'submission.yml': submissionYml('team-b', 'moved'),
      'predictions.csv': await ex.baselinePredictions(),
    });
    const moved = await evaluateInto(root, ex, results, 'submissions/team-b/moved');
    const predictions = path.join(ex.dir, 'submissions/team-b/moved/predictions.csv');
    await writeFile(predictions, (await readFile(predictions, 'utf8')).replace(/,speech\n/, ',music\n'));

    await fixTruth(ex);
    const run = await runCli(root, ['rescore', ...argv({ competition: ex.dir, phase: 'main', hidden: ex.hidden, results })]);
    expect(run.code).toBe(1);
    expect(run.out).toContain('3 scored record(s): 1 re-scored (1 changed), 0 unchanged, 2 skipped');
    expect(run.out).toContain(
      `skipped    ${dirty.id}: the submission folder submissions/team-a/dirty is not at commit ${commit.slice(0, 12)}.`,
    );
    expect(run.out).toContain(
      `skipped    ${moved.id}: the submission folder submissions/team-b/moved holds other files than the record was scored from`,
    );
    expect(run.out).toContain('fix: restore the folder as it was scored, or have the team submit again.');
    expect(run.out).toContain(`changed    ${control.id}`);
    const ids = (await readRecordFolder(results)).records.map((r) => r.id).sort();
    expect(ids).toEqual([control.id, `${control.id}-r1`, dirty.id, moved.id].sort());

    // Control: the folder restored, its record is re-scored.
    await writeFile(predictions, await ex.baselinePredictions());
    const restored = await runCli(root, ['rescore', ...argv({ competition: ex.dir, phase: 'main', hidden: ex.hidden, results })]);
    expect(restored.out).toContain(`changed    ${moved.id}`);
  });

  it('skips a record scored from uncommitted files at a commit that has the folder', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, { git: true });
    const results = path.join(root, 'results-copy');
    const commit = git(ex.dir, 'rev-parse', 'HEAD');
    const file = path.join(ex.dir, BASELINE, 'predictions.csv');
    const committed = await readFile(file, 'utf8');
    await writeFile(file, committed.replace(/,speech\n/, ',music\n'));
    const record = await evaluateInto(root, ex, results, BASELINE, commit);
    await writeFile(file, committed);
    await fixTruth(ex);
    const run = await runCli(root, ['rescore', ...argv({ competition: ex.dir, phase: 'main', hidden: ex.hidden, results })]);
    expect(run.code).toBe(1);
    expect(run.out).toContain(
      `skipped    ${record.id}: the submission folder ${BASELINE} at commit ${commit.slice(0, 12)} holds other files`,
    );
    expect(run.out).toContain('fix: the record was made from files that were not committed');
    expect((await readRecordFolder(results)).records).toHaveLength(1);
  });

  it('pushes the new records to the results branch, beside the old ones', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, { git: true });
    const remote = path.join(root, 'remote.git');
    execFileSync('git', ['init', '--quiet', '--bare', remote]);
    git(ex.dir, 'remote', 'add', 'origin', remote);
    const commit = git(ex.dir, 'rev-parse', 'HEAD');
    const staging = path.join(root, 'staging');
    const old = await evaluateInto(root, ex, staging, BASELINE, commit);
    expect((await runCli(root, ['publish', '--competition', ex.dir, path.join(staging, recordPath(old))])).code).toBe(0);

    await fixTruth(ex);
    const run = await runCli(root, ['rescore', ...argv({ competition: ex.dir, phase: 'main', hidden: ex.hidden })]);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/Pushed [0-9a-f]{12} to the results branch\./);
    const { records } = await readRecordsFromRef(remote, 'results');
    expect(records.map((r) => r.id).sort()).toEqual([old.id, `${old.id}-r1`]);
    expect(git(remote, 'log', '--format=%s', 'results')).toBe(`Record ${old.id}-r1\nRecord ${old.id}`);
  });

  it('refuses a phase that is not there, a missing --phase and a revealed phase; an API submission is reported, not called', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, { git: true });
    const results = path.join(root, 'results-copy');
    await evaluateInto(root, ex, results, BASELINE, git(ex.dir, 'rev-parse', 'HEAD'));

    const missing = await runCli(root, ['rescore', ...argv({ competition: ex.dir, hidden: ex.hidden, results })]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--phase is required.');
    const unknown = await runCli(root, ['rescore', ...argv({ competition: ex.dir, phase: 'mian', hidden: ex.hidden, results })]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('there is no phase "mian". Did you mean "main"?');
    expect(unknown.err).toContain('name one of the phases of competition.yml.');
    const empty = await runCli(root, ['rescore', ...argv({ competition: ex.dir, phase: 'main', hidden: ex.hidden, results, reason: ' ' })]);
    expect(empty.code).toBe(2);

    // A phase whose sealed scores are revealed: new sealed records would be missing from the reveal.
    const [filed] = (await readRecordFolder(results)).records as ScoredResult[];
    const sealed = { algorithm: 'aes-256-gcm', key_id: 'k', ciphertext: 'AA==', iv: 'AA==', tag: 'AA==', commitment: '0'.repeat(64) };
    await writeFile(path.join(results, recordPath(filed!)), JSON.stringify({ ...filed, scores: { ...filed!.scores, private: sealed } }));
    const check = () => runCli(root, ['rescore', ...argv({ competition: ex.dir, phase: 'main', hidden: ex.hidden, results })]);
    // Control: before the reveal the phase is re-scored.
    expect((await check()).code).toBe(0);
    await mkdir(path.join(results, 'reveals'));
    await writeFile(path.join(results, 'reveals/main.json'), '{}');
    const revealed = await check();
    expect(revealed.code).toBe(1);
    expect(revealed.err).toContain("phase main's sealed scores are revealed (reveals/main.json)");
    expect(revealed.err).toContain('correct the truth and re-score before the reveal');

    // An API record and a container record whose image this engine lacks: reported, nothing run.
    const [record] = (await readRecordFolder(results)).records as ScoredResult[];
    const api: ScoredResult = {
      ...record!,
      id: 'main/team-c/api/aaaaaaaaaaaa',
      submission: { ...record!.submission, team: 'team-c', name: 'api', kind: 'api' },
    };
    const box: ScoredResult = {
      ...record!,
      id: 'main/team-d/box/bbbbbbbbbbbb',
      submission: { ...record!.submission, team: 'team-d', name: 'box', kind: 'container' },
      provenance: { ...record!.provenance, image_digest: 'sha256:' + 'c'.repeat(64) },
    };
    const asked: string[] = [];
    const engine = { ping: async () => true, image: async (ref: string) => (asked.push(ref), undefined) } as unknown as ContainerEngine;
    const result = await rescorePhase({
      competition: ex.competition,
      hiddenDir: ex.hidden,
      phase: 'main',
      records: [api, box],
      now: new Date(),
      engine,
    });
    expect(result.outcomes.map((o) => (o.status === 'skipped' ? o.why : o.status))).toEqual([
      'an API submission is not called again: its endpoint answers as it does today, not as it did when it was scored.',
      `the container engine here does not have the image sha256:${'c'.repeat(64)} the record was scored with.`,
    ]);
    expect(asked).toEqual([`sha256:${'c'.repeat(64)}`]);
  });
});

const available = requireTool('a Docker engine', await engineAvailable());

describe.skipIf(!available)('podium rescore on the real engine', () => {
  it('re-runs a container from the image its record names on the corrected truth, and the new record names the same image', async () => {
    await ensureBaseImage();
    const root = await temp();
    const runtime = `runtime:\n  timeout_seconds: 20\n  memory_mb: 64\n  base_images: [${BASE_IMAGE}]\n`;
    const ex = await exampleCompetition(root, {
      git: true,
      edit: (y) => y.replace(/kinds: \[.*\]/, 'kinds: [predictions, container]').replace('leaderboard:', `${runtime}leaderboard:`),
    });
    git(ex.dir, 'commit', '-qam', 'take containers');
    const script = (label: string) =>
      `awk -F, 'NR==1{print "id,label"; next} {print $1 ",${label}"}' /input/test.csv > /output/predictions.csv\n`;
    const sub = await ex.submit('team-box', 'constant', {
      'submission.yml': 'team: team-box\nname: constant\nkind: container\nbuild: .\n',
      Dockerfile: `FROM ${BASE_IMAGE}\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`,
      'run.sh': script('speech'),
    });
    git(ex.dir, 'add', '.');
    git(ex.dir, 'commit', '-qm', 'a container run');
    const commit = git(ex.dir, 'rev-parse', 'HEAD');
    const results = path.join(root, 'results-copy');
    const old = (await evaluateInto(root, ex, results, path.relative(ex.dir, sub), commit)) as ScoredResult;
    expect(old.status).toBe('scored');
    const digest = old.provenance.image_digest!;
    expect(digest).toMatch(/^sha256:/);
    // One label corrected to speech where it was something else: the constant run gains one item.
    const file = path.join(ex.hidden, 'truth.csv');
    const lines = (await readFile(file, 'utf8')).split('\n');
    const i = lines.findIndex((l, n) => n > 0 && l !== '' && !l.endsWith(',speech'));
    lines[i] = `${lines[i]!.split(',')[0]},speech`;
    await writeFile(file, lines.join('\n'));
    try {
      const run = await runCli(root, [
        'rescore',
        ...argv({ competition: ex.dir, phase: 'main', hidden: ex.hidden, results, reason: 'relabelled' }),
      ]);
      expect(run.code, run.out + run.err).toBe(0);
      const fresh = (await readRecordFolder(results)).records.find((r) => r.supersedes === old.id) as ScoredResult;
      expect(fresh.provenance.image_digest).toBe(digest);
      // Speech everywhere, one more item right: exactly one test item more than before.
      const n = (await readFile(path.join(ex.hidden, 'truth.csv'), 'utf8')).trim().split('\n').length - 1;
      expect(value(fresh)! - value(old)!).toBeCloseTo(1 / n, 12);
    } finally {
      execFileSync('docker', ['rmi', '-f', digest], { stdio: 'ignore' });
    }
  }, 180_000);
});
