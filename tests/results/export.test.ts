import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../runner/src/cli/main.js';
import type { ExportManifest } from '../../runner/src/results/export.js';
import { argv } from '../helpers/argv.js';
import { captureIO, exampleCompetition, submissionYml } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';
import { readZipEntries } from '../helpers/zip.js';
import { scoredRecord } from '../helpers/records.js';

const temp = useTempDirs();
const ENV = { PODIUM_SEAL_KEY: randomBytes(32).toString('hex') };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd, encoding: 'utf8' }).trim();

/**
 * A competition with a sealed private part and an origin, four published records of phase main
 * (two from commits that hold the scored files, one whose files at its commit are not the
 * scored ones, one evaluated from a folder without a commit), and the phase revealed.
 */
async function playedPhase() {
  const root = await temp();
  const ex = await exampleCompetition(root, {
    git: true,
    edit: (y) => y.replace('leaderboard:', 'private:\n  fraction: 0.5\n  seed: 7\nscoring:\n  bootstrap:\n    resamples: 50\nleaderboard:'),
  });
  git(ex.dir, 'commit', '-qam', 'private part');
  execFileSync('git', ['init', '--quiet', '--bare', path.join(root, 'origin.git')]);
  git(ex.dir, 'remote', 'add', 'origin', path.join(root, 'origin.git'));
  const cli = async (args: string[], now?: Date) => {
    const io = captureIO(root, { ...ENV });
    const code = await main(args, io, now ? { now: () => now } : {});
    return { code, out: io.out(), err: io.err() };
  };
  const evaluateAndPublish = async (sub: string, commit: string | undefined, out: string) => {
    const done = await cli(['evaluate', ...argv({ competition: ex.dir, hidden: ex.hidden, commit, out }, sub)]);
    expect(done.err).toBe('');
    expect((await cli(['publish', '--competition', ex.dir, out])).code).toBe(0);
    return JSON.parse(await readFile(path.join(root, out), 'utf8')) as { id: string };
  };
  const predictions = await ex.baselinePredictions();
  const baseline = await evaluateAndPublish(
    path.join(ex.dir, 'submissions/baseline/nearest-centroid'),
    git(ex.dir, 'rev-parse', 'HEAD'),
    'a.json',
  );

  const b = await ex.submit('team-b', 'run1', { 'submission.yml': submissionYml('team-b', 'run1'), 'predictions.csv': predictions });
  git(ex.dir, 'add', '.');
  git(ex.dir, 'commit', '-qm', 'team-b run1');
  const teamB = await evaluateAndPublish(b, git(ex.dir, 'rev-parse', 'HEAD'), 'b.json');

  // Scored from files that were never committed: the commit it names holds other files.
  const c = await ex.submit('team-c', 'late', { 'submission.yml': submissionYml('team-c', 'late'), 'predictions.csv': predictions });
  git(ex.dir, 'add', '.');
  git(ex.dir, 'commit', '-qm', 'team-c late');
  await writeFile(path.join(c, 'predictions.csv'), predictions.replace(/,speech\n/, ',music\n'));
  const changed = await evaluateAndPublish(c, git(ex.dir, 'rev-parse', 'HEAD'), 'c.json');
  git(ex.dir, 'checkout', '--', '.');

  const noCommit = await evaluateAndPublish(
    await ex.submit('team-d', 'local', { 'submission.yml': submissionYml('team-d', 'local'), 'predictions.csv': predictions }),
    undefined,
    'd.json',
  );
  const after = new Date(Date.parse(ex.competition.config.phases[0]!.end) + 1000);
  expect((await cli(['reveal', ...argv({ competition: ex.dir, phase: 'main' })], after)).code).toBe(0);
  return { root, ex, cli, ids: { baseline: baseline.id, teamB: teamB.id, changed: changed.id, noCommit: noCommit.id } };
}

/** `podium export ARGS` run in `root`: its exit status and what it printed. */
const exportCli =
  (root: string) =>
  async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = captureIO(root);
    return { code: await main(['export', ...args], io), out: io.out(), err: io.err() };
  };

describe('podium export', () => {
  it("marks each run's board and whether a re-scoring replaced it, in runs.json (control: a plain record is current and official)", async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const results = path.join(root, 'history');
    const plain = scoredRecord(1, { team: 'alpha' });
    const old = scoredRecord(2, { team: 'beta' });
    const fresh = {
      ...scoredRecord(2, { team: 'beta', value: 0.6 }),
      id: `${old.id}-r1`,
      supersedes: old.id,
      rescore: { reason: 'label fixed', at: '2027-01-02T00:00:00.000Z' },
    };
    const late = { ...scoredRecord(3, { team: 'gamma' }), board: 'post-challenge' as const };
    late.id = late.id.replace(/[^/]+$/, (k) => `post-${k}`);
    for (const r of [plain, old, fresh, late]) {
      const file = path.join(results, 'results', `${r.id}.json`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify(r));
    }
    const out = path.join(root, 'phase.zip');
    const io = captureIO(root);
    expect(await main(['export', ...argv({ competition: ex.dir, phase: 'main', results, out })], io), io.err()).toBe(0);
    const runs = JSON.parse((await readZipEntries(out)).get('runs.json')!.toString('utf8')) as Record<string, unknown>[];
    const byId = new Map(runs.map((r) => [r.id as string, r]));
    expect(byId.get(plain.id)).toMatchObject({ board: 'official', current: true });
    expect(byId.get(plain.id)).not.toHaveProperty('superseded_by');
    expect(byId.get(old.id)).toMatchObject({ board: 'official', current: false, superseded_by: fresh.id });
    expect(byId.get(fresh.id)).toMatchObject({ current: true, supersedes: old.id, rescore: { reason: 'label fixed' } });
    expect(byId.get(late.id)).toMatchObject({ board: 'post-challenge', current: true });
  });

  it('writes one archive of a phase that Info-ZIP and yauzl read, every entry as its manifest says, no hidden data', async () => {
    const { root, ex, cli, ids } = await playedPhase();
    const now = new Date('2027-02-01T12:00:00Z');
    const done = await cli(['export', ...argv({ competition: ex.dir, phase: 'main', withSubmissions: true, out: 'main.zip' })], now);
    expect(done.err).toBe('');
    expect(done.code).toBe(0);
    expect(done.out).toContain('✓ main.zip: 4 record(s) of phase main');
    expect(done.out).toContain('reveals/main.json: checked against the records.');
    expect(done.out).toContain('submissions: 2 of 4 exported.');
    expect(done.out).toContain(`! ${ids.changed}: not exported, changed:`);

    const file = path.join(root, 'main.zip');
    const tested = spawnSync('unzip', ['-tq', file], { encoding: 'utf8' });
    expect(tested.stdout).toContain('No errors detected in compressed data');
    expect(tested.status).toBe(0);

    const read = await readZipEntries(file);
    const manifest = JSON.parse(read.get('manifest.json')!.toString('utf8')) as ExportManifest;
    expect(manifest).toMatchObject({
      schema: 'podium-export/1',
      podium: '0.1.0',
      competition: 'competition',
      phase: 'main',
      exported_at: '2027-02-01T12:00:00.000Z',
      results: { source: 'results-branch', ref: 'refs/remotes/origin/results' },
      records: 4,
      invalid_records: [],
      rewritten_records: [],
      reveal: { path: 'reveals/main.json', problems: [] },
    });
    // Every entry but the manifest is listed with its size and hash, and nothing else is.
    expect(manifest.files.map((f) => f.path).sort()).toEqual([...read.keys()].filter((n) => n !== 'manifest.json').sort());
    for (const f of manifest.files) {
      const data = read.get(f.path)!;
      expect(f.size).toBe(data.length);
      expect(f.sha256).toBe(sha256(data));
      // Info-ZIP unpacks the same bytes.
      expect(execFileSync('unzip', ['-p', file, f.path]).equals(data)).toBe(true);
    }
    for (const name of read.keys()) {
      expect(name.startsWith('/')).toBe(false);
      expect(name.split('/')).not.toContain('..');
    }

    // The records byte for byte as on the results branch; competition.yml as in the repository.
    const record = `results/${ids.baseline}.json`;
    expect(read.get(record)!.toString('utf8')).toBe(
      execFileSync('git', ['--git-dir', path.join(root, 'origin.git'), 'show', `results:${record}`], { encoding: 'utf8' }),
    );
    expect(read.get('reveals/main.json')!.toString('utf8')).toContain('"schema": "podium-reveal/1"');
    expect(read.get('competition.yml')!.equals(await readFile(path.join(ex.dir, 'competition.yml')))).toBe(true);
    const runs = JSON.parse(read.get('runs.json')!.toString('utf8')) as {
      id: string;
      submission: { team: string };
      provenance: { commit?: string };
    }[];
    expect(runs.map((r) => r.id)).toEqual(Object.values(ids).sort());
    expect(runs.find((r) => r.id === ids.teamB)).toMatchObject({
      submission: { team: 'team-b', name: 'run1' },
      provenance: { commit: expect.stringMatching(/^[0-9a-f]{40}$/) },
    });
    const listing = JSON.parse(read.get('public-data.json')!.toString('utf8')) as {
      folder: string;
      files: { path: string; sha256: string }[];
    };
    expect(listing.folder).toBe('data/public');
    const test = await readFile(path.join(ex.dir, 'data/public/test.csv'));
    expect(listing.files.find((f) => f.path === 'test.csv')).toEqual({ path: 'test.csv', size: test.length, sha256: sha256(test) });
    expect([...read.keys()].some((n) => n.startsWith('data/'))).toBe(false);

    // Submissions: exported where the files at the commit hash to the record's hash, else listed.
    const subs = new Map(manifest.submissions!.map((s) => [s.record, s]));
    expect(subs.get(ids.teamB)).toMatchObject({ status: 'exported', folder: `submissions/${ids.teamB}`, files: 2 });
    expect(read.get(`submissions/${ids.teamB}/predictions.csv`)!.toString('utf8')).toBe(await ex.baselinePredictions());
    expect(subs.get(ids.baseline)).toMatchObject({ status: 'exported' });
    expect(subs.get(ids.changed)).toMatchObject({ status: 'changed', found_hash: expect.stringMatching(/^sha256:/) });
    expect(subs.get(ids.changed)!.found_hash).not.toBe(subs.get(ids.changed)!.submission_hash);
    expect([...read.keys()].some((n) => n.startsWith(`submissions/${ids.changed}`))).toBe(false);
    expect(subs.get(ids.noCommit)).toMatchObject({ status: 'no-commit' });

    // The hidden truth exists (control) and is not in the archive: neither the file, nor any of
    // its lines that no participant's predictions hold (the labels the baseline got wrong).
    const truth = await readFile(path.join(ex.hidden, 'truth.csv'), 'utf8');
    const predicted = new Set((await ex.baselinePredictions()).split('\n'));
    const truthOnly = truth.split('\n').filter((l) => l !== '' && !predicted.has(l));
    expect(truthOnly.length).toBeGreaterThan(10);
    for (const [name, data] of read) {
      expect(name).not.toMatch(/truth|hidden/);
      const text = data.toString('utf8');
      expect(truthOnly.filter((l) => text.includes(l))).toEqual([]);
    }
    for (const f of await readdir(ex.hidden, { recursive: true })) {
      const p = path.join(ex.hidden, f);
      if (!(await stat(p)).isFile()) continue;
      const h = sha256(await readFile(p));
      expect(manifest.files.some((x) => x.sha256 === h)).toBe(false);
    }

    // Without --with-submissions: the same, and no submission files.
    const plain = await cli(['export', ...argv({ competition: ex.dir, phase: 'main', out: 'public.zip' })], now);
    expect(plain.code).toBe(0);
    const publicRead = await readZipEntries(path.join(root, 'public.zip'));
    expect([...publicRead.keys()].some((n) => n.startsWith('submissions/'))).toBe(false);
    expect(publicRead.has(record)).toBe(true);
    expect((JSON.parse(publicRead.get('manifest.json')!.toString('utf8')) as ExportManifest).submissions).toBeUndefined();

    // Unpacked, the archive is a results folder: the board is rebuilt from it, and it exports again.
    execFileSync('unzip', ['-q', file, '-d', path.join(root, 'unpacked')]);
    const board = await cli(['leaderboard', 'build', ...argv({ competition: ex.dir, results: 'unpacked', out: 'site' })]);
    expect(board.code).toBe(0);
    expect(board.out).toContain('4 record(s) read.');
    const again = await cli(['export', ...argv({ competition: ex.dir, results: 'unpacked', phase: 'main', out: 'again.zip' })], now);
    expect(again.out).toContain('✓ again.zip: 4 record(s) of phase main');
    expect(again.out).toContain('reveals/main.json: checked against the records.');
  });

  it('--verify passes an untouched archive and names a tampered, an added and a missing entry', async () => {
    const { root, ex, cli, ids } = await playedPhase();
    expect((await cli(['export', ...argv({ competition: ex.dir, phase: 'main', out: 'main.zip' })])).code).toBe(0);
    const untouched = await cli(['export', '--verify', 'main.zip']);
    expect(untouched.err).toBe('');
    expect(untouched.code).toBe(0);
    expect(untouched.out).toMatch(
      /^✓ main\.zip: all \d+ file\(s\) match the manifest \(competition, phase main, exported .* by Podium 0\.1\.0\)\.\n$/,
    );

    // Rewritten by another tool, so every CRC is right and only the manifest can tell.
    const record = `results/${ids.teamB}.json`;
    const script = `
import sys, zipfile
src, dst, name = sys.argv[1:4]
with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as b:
    for i in a.infolist():
        if i.filename == 'runs.json':
            continue
        data = a.read(i)
        if i.filename == name:
            data = data.replace(b'"team": "team-b"', b'"team": "team-x"')
        b.writestr(i.filename, data)
    b.writestr('extra.txt', b'added later')
`;
    execFileSync('python3', ['-c', script, path.join(root, 'main.zip'), path.join(root, 'tampered.zip'), record]);
    const tampered = await cli(['export', '--verify', 'tampered.zip']);
    expect(tampered.code).toBe(1);
    expect(tampered.out).toBe('');
    expect(tampered.err).toContain('✗ tampered.zip does not match its manifest: 3 problem(s):');
    expect(tampered.err).toMatch(new RegExp(`  ${record.replace(/[/.]/g, '\\$&')}: differs from the manifest`));
    expect(tampered.err).toContain('  runs.json: listed in the manifest, but not in the archive.');
    expect(tampered.err).toContain('  extra.txt: in the archive, but not in the manifest.');

    // A byte flipped inside an entry stored uncompressed: its CRC-32 no longer matches.
    const stored = path.join(root, 'stored.zip');
    execFileSync('python3', [
      '-c',
      'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]) as a, zipfile.ZipFile(sys.argv[2], "w") as b:\n    for i in a.infolist(): b.writestr(i.filename, a.read(i))',
      path.join(root, 'main.zip'),
      stored,
    ]);
    expect((await cli(['export', '--verify', 'stored.zip'])).code).toBe(0);
    const bytes = await readFile(stored);
    const at = bytes.indexOf(Buffer.from('"schema": "podium-reveal/1"'));
    expect(at).toBeGreaterThan(0);
    bytes[at + 1] = 'S'.charCodeAt(0);
    await writeFile(path.join(root, 'flipped.zip'), bytes);
    const flipped = await cli(['export', '--verify', 'flipped.zip']);
    expect(flipped.code).toBe(1);
    expect(flipped.err).toContain('reveals/main.json: its bytes do not match their CRC-32.');
    expect(flipped.err).toContain('reveals/main.json: differs from the manifest');

    // Not an archive at all.
    await writeFile(path.join(root, 'not.zip'), 'hello');
    const notZip = await cli(['export', '--verify', 'not.zip']);
    expect(notZip.code).toBe(1);
    expect(notZip.err).toBe(
      'podium export: not.zip is not a ZIP archive, or it was cut short.\n  fix: export the phase again (podium export).\n',
    );
  });
});

describe('podium export and a hidden folder inside the public one', () => {
  it('lists the public files but none under the hidden folder', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, {
      edit: (y) => y.replace(/hidden:\n {4}env: PODIUM_HIDDEN_DIR[^\n]*/, 'hidden:\n    path: data/public/secret'),
      files: { 'data/public/secret/truth.csv': 'id,label\nclip-0001,noise\n' },
    });
    expect(ex.competition.config.data.hidden.path).toBe('data/public/secret');
    // Control: the hidden truth is there, inside the public folder.
    expect(await readFile(path.join(ex.dir, 'data/public/secret/truth.csv'), 'utf8')).toContain('clip-0001');
    const results = path.join(root, 'history');
    await mkdir(path.join(results, 'results'), { recursive: true });
    const io = captureIO(root);
    expect(await main(['export', ...argv({ competition: ex.dir, results, phase: 'main', out: 'x.zip' })], io)).toBe(0);
    const read = await readZipEntries(path.join(root, 'x.zip'));
    const listing = JSON.parse(read.get('public-data.json')!.toString('utf8')) as { files: { path: string }[] };
    expect(listing.files.map((f) => f.path)).toContain('test.csv');
    expect(listing.files.filter((f) => f.path.startsWith('secret'))).toEqual([]);
    expect([...read.keys()].filter((n) => /secret|truth/.test(n))).toEqual([]);
  });
});

describe('podium export refuses, and leaves nothing half-written', () => {
  it('misuse of the command line is exit 2 with the help', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    for (const [args, message] of [
      [['--competition', ex.dir, '--phase', 'main'], '--out is required.'],
      [['--competition', ex.dir, '--out', 'x.zip'], '--phase is required.'],
      [['--verify', 'x.zip', '--phase', 'main'], '--verify takes no other option (not --phase).'],
      [['--competition', ex.dir, '--phase', 'main', '--out', 'x.zip', 'y.zip'], 'unexpected argument "y.zip"'],
    ] as const) {
      const io = captureIO(root);
      expect(await main(['export', ...args], io)).toBe(2);
      expect(io.err()).toContain(message);
      expect(io.err()).toContain('Usage: podium export');
    }
  });

  it('a phase that does not exist, a folder as --out, submissions without git: exit 1 with a fix; controls succeed', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const results = path.join(root, 'history');
    await mkdir(path.join(results, 'results'), { recursive: true });
    const cli = exportCli(root);
    const base = { competition: ex.dir, results };

    const phase = await cli(...argv({ ...base, phase: 'mian', out: 'x.zip' }));
    expect(phase.code).toBe(1);
    expect(phase.err).toBe('podium export: no phase "mian" in competition.yml.\n  fix: give --phase one of: main.\n');

    await mkdir(path.join(root, 'folder.zip'));
    const folder = await cli(...argv({ ...base, phase: 'main', out: 'folder.zip' }));
    expect(folder.code).toBe(1);
    expect(folder.err).toContain('folder.zip is a folder.\n  fix: give --out the name of the archive to write');

    const noGit = await cli(...argv({ ...base, phase: 'main', withSubmissions: true, out: 'x.zip' }));
    expect(noGit.code).toBe(1);
    expect(noGit.err).toContain('is not a git repository, so the submissions');
    const noBranch = await cli(...argv({ competition: ex.dir, phase: 'main', out: 'x.zip' }));
    expect(noBranch.code).toBe(1);
    expect(noBranch.err).toContain('fix: give --results DIR');
    await expect(stat(path.join(root, 'x.zip'))).rejects.toThrow();

    // Control: the same export from a folder of records, without submissions, is written.
    const ok = await cli(...argv({ ...base, phase: 'main', out: 'x.zip' }));
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('✓ x.zip: 0 record(s) of phase main');
    expect(ok.out).toContain('phase main has no reveal yet.');
  });

  it('a record the archive cannot hold stops the export mid-way: no archive, no temporary file, an earlier archive untouched', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const results = path.join(root, 'history');
    await mkdir(path.join(results, 'results'), { recursive: true });
    const cli = exportCli(root);
    expect((await cli(...argv({ competition: ex.dir, results, phase: 'main', out: 'out.zip' }))).code).toBe(0);
    const before = await readFile(path.join(root, 'out.zip'));

    // A valid record whose id holds a backslash: its file sits where the id says, so it is read.
    const sub = path.join(ex.dir, 'submissions/baseline/nearest-centroid');
    const io = captureIO(root, {});
    expect(await main(['evaluate', ...argv({ competition: ex.dir, hidden: ex.hidden, out: 'r.json' }, sub)], io)).toBe(0);
    const record = JSON.parse(await readFile(path.join(root, 'r.json'), 'utf8')) as { id: string };
    const [phase, team, , key] = record.id.split('/');
    record.id = `${phase}/${team}/odd\\name/${key}`;
    await mkdir(path.join(results, 'results', phase!, team!, 'odd\\name'), { recursive: true });
    await writeFile(path.join(results, 'results', phase!, team!, 'odd\\name', `${key}.json`), JSON.stringify(record));

    const refused = await cli(...argv({ competition: ex.dir, results, phase: 'main', out: 'out.zip' }));
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('cannot be put in an archive: it holds a backslash.');
    expect(refused.err).toContain('  fix: ');
    expect((await readFile(path.join(root, 'out.zip'))).equals(before)).toBe(true);
    expect((await readdir(root)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});
