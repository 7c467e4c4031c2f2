import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { argv } from '../helpers/argv.js';
import { runCli } from '../helpers/competition.js';
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
