import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateSubmission } from '../../runner/src/submission/validate.js';
import { exampleCompetition, submissionYml } from '../helpers/competition.js';
import { expectations } from '../helpers/fixtures.js';
import { useTempDirs } from '../helpers/temp.js';

const fixtures = path.join(import.meta.dirname, '../fixtures/submission/invalid');
const temp = useTempDirs();

describe('submission.yml fixtures', async () => {
  const names = (await readdir(fixtures)).filter((f) => f.endsWith('.yml')).sort();
  it.each(names)('%s is reported where it is', async (name) => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const dir = path.join(root, name.replace(/\.yml$/, ''));
    await mkdir(dir);
    const text = await readFile(path.join(fixtures, name), 'utf8');
    await writeFile(path.join(dir, 'submission.yml'), text);
    await writeFile(path.join(dir, 'predictions.csv'), await ex.baselinePredictions());
    const report = await validateSubmission(ex.competition, dir);
    expect(report.ok).toBe(false);
    const expected = expectations(text);
    for (const e of expected) {
      const messages = report.problems.filter((p) => `${p.line}:${p.column}` === e.pos).map((p) => p.message);
      expect(messages.join('\n'), `${name} at ${e.pos}`).toContain(e.text);
    }
    expect(new Set(report.problems.map((p) => `${p.line}:${p.column}`))).toEqual(new Set(expected.map((e) => e.pos)));
    for (const p of report.problems) expect(p.file).toBe(`${path.basename(dir)}/submission.yml`);
  });
});

describe('submission folders', () => {
  it('accepts the example submission and hashes its content', async () => {
    const ex = await exampleCompetition(await temp());
    const report = await validateSubmission(ex.competition, path.join(ex.dir, 'submissions/baseline/nearest-centroid'));
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(report.identity).toEqual({ team: 'baseline', name: 'nearest-centroid', path: 'submissions/baseline/nearest-centroid' });
  });

  it('reports a missing submission.yml and a missing folder', async () => {
    const ex = await exampleCompetition(await temp());
    const empty = await ex.submit('t', 'n', { 'notes.txt': 'hi' });
    expect((await validateSubmission(ex.competition, empty)).problems[0]!.message).toContain(
      'is missing; every submission folder needs a submission.yml',
    );
    const gone = await validateSubmission(ex.competition, path.join(ex.dir, 'submissions/none/here'));
    expect(gone.problems[0]!.message).toContain('does not exist');
  });

  it('refuses a predictions file that is a symbolic link, even to a real file', async () => {
    const ex = await exampleCompetition(await temp());
    const dir = await ex.submit('t', 'n', { 'submission.yml': submissionYml('t', 'n') });
    await symlink(path.join(ex.hidden, 'truth.csv'), path.join(dir, 'predictions.csv'));
    const report = await validateSubmission(ex.competition, dir);
    const text = report.problems.map((p) => `${p.file}: ${p.message}`).join('\n');
    expect(text).toContain('submissions/t/n/predictions.csv: is a symbolic link');
    expect(text).toContain('cannot be read');
    expect(text).not.toContain('clip-');
  });

  it('refuses devices, sockets and pipes', async () => {
    const ex = await exampleCompetition(await temp());
    const dir = await ex.submit('t', 'n', { 'submission.yml': submissionYml('t', 'n'), 'predictions.csv': await ex.baselinePredictions() });
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    const report = await validateSubmission(ex.competition, dir);
    expect(report.problems.map((p) => `${p.file}: ${p.message}`)).toEqual([
      expect.stringContaining('submissions/t/n/pipe: is not a regular file'),
    ]);
  });

  it('refuses files over the competition limit', async () => {
    const ex = await exampleCompetition(await temp(), { edit: (y) => y.replace('max_file_mb: 20', 'max_file_mb: 0.001') });
    const dir = await ex.submit('t', 'n', { 'submission.yml': submissionYml('t', 'n'), 'predictions.csv': await ex.baselinePredictions() });
    const report = await validateSubmission(ex.competition, dir);
    expect(report.problems[0]!.message).toMatch(/is 0\.0 MB, over this competition's limit of 0\.001 MB per file/);
  });

  it('requires the folder to match team and name', async () => {
    const ex = await exampleCompetition(await temp());
    const dir = await ex.submit('t', 'n', {
      'submission.yml': submissionYml('other', 'thing'),
      'predictions.csv': await ex.baselinePredictions(),
    });
    const messages = (await validateSubmission(ex.competition, dir)).problems.map((p) => p.message);
    expect(messages).toEqual([
      'team is "other" but the folder is submissions/t/; they must match.',
      'name is "thing" but the folder is submissions/t/n/; they must match.',
    ]);
  });

  it('refuses kinds the competition does not accept', async () => {
    const ex = await exampleCompetition(await temp());
    const dir = await ex.submit('t', 'n', { 'submission.yml': 'team: t\nname: n\nkind: api\nendpoint: https://example.org/predict\n' });
    const [p] = (await validateSubmission(ex.competition, dir)).problems;
    expect(p!.message).toContain('does not accept "api" submissions; it accepts: predictions');
    expect(p!.line).toBe(3);
  });

  it('checks container and API fields when the competition takes them', async () => {
    const ex = await exampleCompetition(await temp(), {
      edit: (y) =>
        y
          .replace(/kinds: \[.*\]/, 'kinds: [predictions, container, api]')
          .replace('leaderboard:', 'api:\n  inputs: test.csv\nruntime:\n  base_images: [scratch]\nleaderboard:'),
    });
    const unpinned = await ex.submit('t', 'a', { 'submission.yml': 'team: t\nname: a\nkind: container\nimage: python:3.12\n' });
    expect((await validateSubmission(ex.competition, unpinned)).problems[0]!.message).toContain('is not pinned');
    const neither = await ex.submit('t', 'b', { 'submission.yml': 'team: t\nname: b\nkind: container\n' });
    expect((await validateSubmission(ex.competition, neither)).problems[0]!.message).toContain('exactly one of "image"');
    const noDockerfile = await ex.submit('t', 'c', {
      'submission.yml': 'team: t\nname: c\nkind: container\nbuild: src\n',
      'src/main.py': '',
    });
    expect((await validateSubmission(ex.competition, noDockerfile)).problems[0]!.message).toContain('no Dockerfile in "src"');
    const built = await ex.submit('t', 'd', {
      'submission.yml': 'team: t\nname: d\nkind: container\nbuild: .\n',
      Dockerfile: 'FROM scratch\n',
    });
    expect((await validateSubmission(ex.competition, built)).ok).toBe(true);
    const http = await ex.submit('t', 'e', { 'submission.yml': 'team: t\nname: e\nkind: api\nendpoint: http://example.org/predict\n' });
    expect((await validateSubmission(ex.competition, http)).problems[0]!.message).toContain('must use https://');
  });

  it('refuses a Dockerfile that starts FROM an image the competition does not allow, without building', async () => {
    const competition = async (runtime: string) =>
      exampleCompetition(await temp(), {
        edit: (y) => y.replace(/kinds: \[.*\]/, 'kinds: [predictions, container]').replace('leaderboard:', `${runtime}leaderboard:`),
      });
    const files = (from: string) => ({
      'submission.yml': 'team: t\nname: d\nkind: container\nbuild: src\n',
      'src/Dockerfile': `# a model\nFROM ${from}\nCOPY main.py /app/main.py\n`,
      'src/main.py': '',
    });
    const allowing = await competition('runtime:\n  base_images: [python:3.12-slim]\n');
    const refused = await validateSubmission(allowing.competition, await allowing.submit('t', 'd', files('python:3.13')));
    expect(refused.ok).toBe(false);
    expect(refused.problems).toHaveLength(1);
    expect(refused.problems[0]).toMatchObject({ file: 'submissions/t/d/src/Dockerfile', line: 2, column: 1 });
    expect(refused.problems[0]!.message).toContain('starts FROM python:3.13; allowed base images: python:3.12-slim');
    expect(refused.buildRefused).toBe('base-image-not-allowed');
    // Control: the same folder from the allowed image validates.
    const allowed = await competition('runtime:\n  base_images: [python:3.12-slim]\n');
    expect((await validateSubmission(allowed.competition, await allowed.submit('t', 'd', files('python:3.12-slim')))).problems).toEqual([]);
    // A competition with no base images builds nothing.
    const none = await competition('');
    const noBuilds = await validateSubmission(none.competition, await none.submit('t', 'd', files('python:3.12-slim')));
    expect(noBuilds.problems[0]!.message).toContain('does not build images: submit an image pinned by digest');
  });

  it('reports predictions problems with the participant file path', async () => {
    const ex = await exampleCompetition(await temp());
    const good = await ex.baselinePredictions();
    const broken = good.replace(/\n[^\n]+\n$/, '\n').replace('clip-0001,', 'clip-0001x,');
    const dir = await ex.submit('t', 'n', { 'submission.yml': submissionYml('t', 'n'), 'predictions.csv': broken });
    const report = await validateSubmission(ex.competition, dir);
    expect(report.problems.map((p) => p.file)).toEqual(['submissions/t/n/predictions.csv', 'submissions/t/n/predictions.csv']);
    expect(report.problems.map((p) => p.message).join('\n')).toContain('1 row has an id that is not in the test set (line 2: "clip-0001x,');
  });

  it('lists every problem at once', async () => {
    const ex = await exampleCompetition(await temp());
    const dir = await ex.submit('t', 'n', { 'submission.yml': 'team: T\nname: n\nkind: predictions\npredictions: ../x.csv\nextra: 1\n' });
    await copyFile(path.join(ex.hidden, 'truth.csv'), path.join(dir, 'copy.csv'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    const report = await validateSubmission(ex.competition, dir);
    expect(report.problems.length).toBe(3); // the pipe, the bad team, the unknown key (schema errors stop before file checks)
  });
});

describe('a submission folder named as a slug', () => {
  it('refuses a folder whose name records would change ("a_" would be run "a"); "a" itself is fine (control)', async () => {
    const ex = await exampleCompetition(await temp());
    const predictions = await ex.baselinePredictions();
    const check = async (name: string) =>
      validateSubmission(
        ex.competition,
        await ex.submit('team-a', name, { 'submission.yml': submissionYml('team-a', name), 'predictions.csv': predictions }),
      );
    const trailing = await check('a_');
    expect(trailing.ok).toBe(false);
    expect(trailing.problems.map((p) => p.message)).toContain(
      'the folder name "a_" would be recorded as "a", which another folder could be too; rename the folder (and name) to "a".',
    );
    const plain = await check('a');
    expect(plain.ok).toBe(true);
    expect(plain.identity.name).toBe('a');
  });
});
