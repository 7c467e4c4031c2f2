import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { argv } from '../helpers/argv.js';
import { main } from '../../runner/src/cli/main.js';
import { captureIO, runCli } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

describe('podium reproduce', () => {
  it('re-evaluates a record from its commit and says whether the scores agree', async () => {
    const root = await temp();
    expect((await runCli(root, ['init', 'comp', ...argv({ example: true, hidden: 'hidden' })])).code).toBe(0);
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: path.join(root, 'comp'), encoding: 'utf8' }).trim();
    const sub = 'comp/submissions/baseline/nearest-centroid';
    expect((await runCli(root, ['evaluate', ...argv({ competition: 'comp', hidden: 'hidden', commit, out: 'r.json' }, sub)])).code).toBe(0);

    // Change the working copy after the evaluation: reproduce reads the recorded commit, not this.
    await writeFile(path.join(root, sub, 'predictions.csv'), 'id,label\n');
    const same = await runCli(root, ['reproduce', ...argv({ competition: 'comp', hidden: 'hidden' }, 'r.json')]);
    expect(same.code).toBe(0);
    expect(same.out).toMatch(/\| accuracy +\| +0\.8850 \| +0\.8850 \| yes +\|/);
    expect(same.out).toContain('✓ submission files identical');
    expect(same.out).toContain('Reproduced within a relative 1e-9.');
    expect(
      execFileSync('git', ['worktree', 'list'], { cwd: path.join(root, 'comp'), encoding: 'utf8' })
        .trim()
        .split('\n'),
    ).toHaveLength(1);

    // A record whose score was altered does not reproduce.
    const record = JSON.parse(await readFile(path.join(root, 'r.json'), 'utf8')) as { scores: { public: { accuracy: { value: number } } } };
    record.scores.public.accuracy.value = 0.9;
    await writeFile(path.join(root, 'altered.json'), JSON.stringify(record));
    const altered = await runCli(root, ['reproduce', ...argv({ competition: 'comp', hidden: 'hidden', json: true }, 'altered.json')]);
    expect(altered.code).toBe(1);
    const report = JSON.parse(altered.out) as { agrees: boolean; scores: { name: string; agrees: boolean }[] };
    expect(report.agrees).toBe(false);
    expect(report.scores.find((s) => s.name === 'accuracy')!.agrees).toBe(false);
    expect(report.scores.find((s) => s.name === 'f1_macro')!.agrees).toBe(true);
  });

  it('without the sealing key checks the public scores and says the private part was not checked', async () => {
    const root = await temp();
    expect((await runCli(root, ['init', 'comp', ...argv({ example: true, hidden: 'hidden' })])).code).toBe(0);
    const dir = path.join(root, 'comp');
    const yml = await readFile(path.join(dir, 'competition.yml'), 'utf8');
    await writeFile(
      path.join(dir, 'competition.yml'),
      yml.replace('\nleaderboard:', '\nprivate:\n  fraction: 0.5\n  seed: 7\n\nleaderboard:'),
    );
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qam', 'private part'], { cwd: dir });
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
    const sub = 'comp/submissions/baseline/nearest-centroid';
    const withKey = { PODIUM_SEAL_KEY: 'ab'.repeat(32) };
    const cli = async (env: NodeJS.ProcessEnv, ...args: string[]) => {
      const io = captureIO(root, env);
      const code = await main(args, io, {});
      return { code, out: io.out(), err: io.err() };
    };
    expect((await cli(withKey, 'evaluate', ...argv({ competition: 'comp', hidden: 'hidden', commit, out: 'r.json' }, sub))).code).toBe(0);
    const record = JSON.parse(await readFile(path.join(root, 'r.json'), 'utf8')) as { scores: { private?: unknown } };
    // The private part, sealed: a box of ciphertext, not scores.
    expect(record.scores.private).toMatchObject({ ciphertext: expect.any(String) });

    // Control: an evaluation proper without the key fails; only reproduce leaves the private part out.
    const unkeyed = await cli({}, 'evaluate', ...argv({ competition: 'comp', hidden: 'hidden', commit, out: 'x.json' }, sub));
    expect(unkeyed.code).toBe(1);
    expect(JSON.parse(await readFile(path.join(root, 'x.json'), 'utf8'))).toMatchObject({
      status: 'failed',
      error: { code: 'no-seal-key' },
    });

    const noKey = await cli({}, 'reproduce', ...argv({ competition: 'comp', hidden: 'hidden' }, 'r.json'));
    expect(noKey.err).toBe('');
    expect(noKey.code).toBe(0);
    expect(noKey.out).toMatch(/\| accuracy +\| +[0-9.]+ \| +[0-9.]+ \| yes +\|/);
    expect(noKey.out).toContain("! PODIUM_SEAL_KEY is not set, so the private part's scores were not checked");
    expect(noKey.out).toContain('set PODIUM_SEAL_KEY to the competition');
    expect(noKey.out).toContain('Reproduced within a relative 1e-9 (the public part only).');
    expect(noKey.out).not.toContain('Private part:');

    // With the key the private part is compared too.
    const keyed = await cli(withKey, 'reproduce', ...argv({ competition: 'comp', hidden: 'hidden', json: true }, 'r.json'));
    expect(keyed.code).toBe(0);
    const report = JSON.parse(keyed.out) as { agrees: boolean; private: { checked: boolean; scores: { name: string; agrees: boolean }[] } };
    expect(report.private.checked).toBe(true);
    expect(report.private.scores.find((s) => s.name === 'accuracy')!.agrees).toBe(true);

    // A wrong key is an error, not a silent skip.
    const wrong = await cli(
      { PODIUM_SEAL_KEY: 'cd'.repeat(32) },
      'reproduce',
      ...argv({ competition: 'comp', hidden: 'hidden' }, 'r.json'),
    );
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('sealed with key');
  });

  it('refuses a record that was not scored', async () => {
    const root = await temp();
    await writeFile(path.join(root, 'x.json'), '{"status": "rejected"}');
    const { code, err } = await runCli(root, ['reproduce', ...argv({ competition: root, hidden: root }, 'x.json')]);
    expect(code).toBe(1);
    expect(err).toContain('x.json is not a valid result record');
    expect(err).toContain('  fix: give a result record, as podium evaluate --out writes it.\n');
    expect(err).not.toContain('Usage:');
  });
});
