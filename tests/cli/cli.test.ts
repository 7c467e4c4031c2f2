import { execFile, execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { COMMANDS, main } from '../../runner/src/cli/main.js';
import { buildSite } from '../../leaderboard-site/src/build.js';
import { argv } from '../helpers/argv.js';
import { captureIO, exampleCompetition, runCli, submissionYml } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();
const run = (cwd: string, ...argv: string[]) => runCli(cwd, argv, { buildSite });

describe('podium --help', () => {
  it('lists every command', async () => {
    const { code, out } = await run('/', '--help');
    expect(code).toBe(0);
    for (const c of COMMANDS) expect(out).toContain(c.name);
  });

  it.each(COMMANDS.map((c) => c.name))('%s --help shows usage and an example', async (name) => {
    const { code, out } = await run('/', name, '--help');
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^Usage: podium ${name}`));
    expect(out).toMatch(/Examples?:\n {2}podium /);
  });

  it('suggests the command meant', async () => {
    const { code, err } = await run('/', 'evalute');
    expect(code).toBe(2);
    expect(err).toContain('unknown command "evalute". Did you mean "evaluate"?');
  });

  it('suggests the option meant, and exits 2 on usage errors', async () => {
    const { code, err } = await run('/', 'score', '--truht', 'x');
    expect(code).toBe(2);
    expect(err).toContain('unknown option --truht. Did you mean "--truth"?');
    expect(err).toContain('Usage: podium score');
  });
});

describe('podium score', () => {
  it('prints a metrics map with --json', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const { code, out } = await run(
      root,
      'score',
      ...argv({
        truth: path.join(ex.hidden, 'truth.csv'),
        predictions: path.join(ex.dir, 'submissions/baseline/nearest-centroid/predictions.csv'),
        metrics: 'accuracy,f1_macro',
        json: true,
      }),
    );
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as { metrics: Record<string, number> };
    expect(Object.keys(parsed.metrics)).toEqual(['accuracy', 'f1_macro']);
    expect(parsed.metrics.accuracy).toBeCloseTo(0.885, 10);
  });

  it('takes other column names', async () => {
    const root = await temp();
    await writeFile(path.join(root, 't.csv'), 'key,y\na,1\nb,0\nc,1\n');
    await writeFile(path.join(root, 'p.csv'), 'key,y,p\na,1,0.9\nb,1,0.8\nc,0,0.1\n');
    const { code, out } = await run(
      root,
      'score',
      ...argv({
        truth: 't.csv',
        predictions: 'p.csv',
        metrics: 'accuracy,roc_auc',
        idColumn: 'key',
        labelColumn: 'y',
        scoreColumn: 'p',
        json: true,
      }),
    );
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ metrics: { accuracy: 1 / 3, roc_auc: 0.5 } });
  });

  it('explains bad predictions and never prints a stack trace', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    await writeFile(path.join(root, 'p.csv'), 'id,label\nclip-0001,speech\nclip-0001,music\n');
    const { code, err } = await run(
      root,
      'score',
      ...argv({ truth: path.join(ex.hidden, 'truth.csv'), predictions: 'p.csv', metrics: 'accuracy' }),
    );
    expect(code).toBe(1);
    expect(err).toContain('1 row repeats an id');
    expect(err).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
  });

  it('refuses an unknown metric with a suggestion', async () => {
    const { code, err } = await run('/', 'score', ...argv({ truth: 'a', predictions: 'b', metrics: 'acuracy' }));
    expect(code).toBe(2);
    expect(err).toContain('unknown metric "acuracy". Did you mean "accuracy"?');
  });
});

describe('podium validate and evaluate', () => {
  it('validate finds the competition from the submission folder and reports JSON', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    await ex.submit('t', 'bad', { 'submission.yml': submissionYml('t', 'bad'), 'predictions.csv': 'id,label\nclip-0001,cat\n' });
    const { code, out } = await run(ex.dir, 'validate', '--json', 'submissions/baseline/nearest-centroid', 'submissions/t/bad');
    expect(code).toBe(1);
    const report = JSON.parse(out) as {
      ok: boolean;
      competition: { ok: boolean };
      submissions: { path: string; ok: boolean; problems: { message: string }[] }[];
    };
    expect(report.ok).toBe(false);
    expect(report.competition.ok).toBe(true);
    expect(report.submissions.map((s) => [s.path, s.ok])).toEqual([
      ['submissions/baseline/nearest-centroid', true],
      ['submissions/t/bad', false],
    ]);
    expect(report.submissions[1]!.problems.map((p) => p.message).join()).toContain("not one of the competition's labels");
  });

  it('plain validate (no --dry-run, nothing built) refuses a Dockerfile FROM an image the competition does not allow', async () => {
    const ex = await exampleCompetition(await temp(), {
      edit: (y) =>
        y
          .replace(/kinds: \[.*\]/, 'kinds: [predictions, container]')
          .replace('leaderboard:', 'runtime:\n  base_images: [python:3.12-slim]\nleaderboard:'),
    });
    const folder = (name: string, from: string) =>
      ex.submit('t', name, { 'submission.yml': `team: t\nname: ${name}\nkind: container\nbuild: .\n`, Dockerfile: `FROM ${from}\n` });
    await folder('other', 'debian:bookworm');
    await folder('allowed', 'python:3.12-slim');
    const refused = await run(ex.dir, 'validate', 'submissions/t/other');
    expect(refused.code).toBe(1);
    expect(refused.out + refused.err).toContain(
      'submissions/t/other/Dockerfile:1:1: cannot be built here: the Dockerfile starts FROM debian:bookworm; allowed base images: python:3.12-slim',
    );
    // Control: the allowed base image raises no Dockerfile problem.
    const allowed = await run(ex.dir, 'validate', 'submissions/t/allowed');
    expect(allowed.out + allowed.err).not.toContain('Dockerfile');
  });

  it('validate checks competition.yml alone', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    expect((await run(ex.dir, 'validate')).out).toContain('✓ competition.yml is valid');
    await writeFile(path.join(ex.dir, 'competition.yml'), 'version: 1\ntitle: x\n');
    const bad = await run(ex.dir, 'validate');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('competition.yml:1:1: missing required key "slug"');
  });

  it('evaluate writes the record and exits 0 when scored, 1 otherwise', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const ok = await run(
      root,
      'evaluate',
      ...argv({ competition: ex.dir, hidden: ex.hidden, out: 'out/r.json' }, path.join(ex.dir, 'submissions/baseline/nearest-centroid')),
    );
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('✓ baseline/nearest-centroid: scored — accuracy 0.8850');
    expect(JSON.parse(await readFile(path.join(root, 'out/r.json'), 'utf8'))).toMatchObject({ status: 'scored' });

    const dir = await ex.submit('t', 'n', { 'submission.yml': 'team: t\n' });
    const bad = await run(root, 'evaluate', ...argv({ competition: ex.dir, hidden: ex.hidden, json: true }, dir));
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ status: 'rejected', error: { code: 'invalid-submission' } });
  });

  it('evaluate refuses a folder as --out before doing any work', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const { code, err } = await run(
      root,
      'evaluate',
      ...argv({ competition: ex.dir, hidden: ex.hidden, out: root }, path.join(ex.dir, 'submissions/baseline/nearest-centroid')),
    );
    expect(code).toBe(1);
    expect(err).toContain(`podium evaluate: --out ${root} is a folder.\n  fix: give a file name, such as record.json.\n`);
    expect(err).not.toContain('Usage:');
  });

  it('leaderboard build works before any result exists', async () => {
    const root = await temp();
    expect((await run(root, 'init', 'comp', ...argv({ example: true, hidden: 'hidden' }))).code).toBe(0);
    const { code, out } = await run(root, 'leaderboard', 'build', ...argv({ competition: 'comp', out: 'site' }));
    expect(code).toBe(0);
    expect(out).toContain('(no scored submissions yet)');
    expect(await readFile(path.join(root, 'site/index.html'), 'utf8')).toContain('No scored submissions yet.');
  });

  it('evaluate takes the hidden folder from the variable competition.yml names', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const io = captureIO(root, { PODIUM_HIDDEN_DIR: ex.hidden });
    expect(await main(['evaluate', '--competition', ex.dir, path.join(ex.dir, 'submissions/baseline/nearest-centroid')], io)).toBe(0);
    const none = await run(root, 'evaluate', '--competition', ex.dir, path.join(ex.dir, 'submissions/baseline/nearest-centroid'));
    expect(none.code).toBe(2);
    expect(none.err).toContain('set the environment variable PODIUM_HIDDEN_DIR');
  });

  it('evaluate on a folder that is not a competition says what to do', async () => {
    const root = await temp();
    const { code, err } = await run(root, 'evaluate', ...argv({ competition: root, hidden: root }, root));
    expect(code).toBe(1);
    expect(err).toContain('is this a competition folder? (podium init makes one)');
  });
});

describe('podium init, publish and leaderboard', () => {
  it('plays a round: init, evaluate, publish twice, build', async () => {
    const root = await temp();
    expect((await run(root, 'init', 'comp', ...argv({ example: true, hidden: 'hidden', title: 'My <Bench>' }))).code).toBe(0);
    execFileSync('git', ['init', '--quiet', '--bare', path.join(root, 'origin.git')]);
    execFileSync('git', ['remote', 'add', 'origin', '../origin.git'], { cwd: path.join(root, 'comp') });
    const sub = 'comp/submissions/baseline/nearest-centroid';
    expect((await run(root, 'evaluate', ...argv({ competition: 'comp', hidden: 'hidden', out: 'r.json' }, sub))).code).toBe(0);
    const first = await run(root, 'publish', '--competition', 'comp', 'r.json');
    expect(first.code).toBe(0);
    expect(first.out).toContain('✓ recorded main/baseline/nearest-centroid/');
    const again = await run(root, 'publish', '--competition', 'comp', 'r.json');
    expect(again.out).toContain('= already recorded');

    const built = await run(root, 'leaderboard', 'build', ...argv({ competition: 'comp', out: 'site' }));
    expect(built.code).toBe(0);
    expect(built.out).toMatch(/\| +1 \| baseline \| nearest-centroid \| +0\.8850 \|/);
    const html = await readFile(path.join(root, 'site/index.html'), 'utf8');
    expect(html).toContain('<title>Leaderboard — My &lt;Bench&gt;</title>');
    expect(html).toContain('nearest-centroid');
  });

  it('publish refuses a file that is not a record, and publishes nothing', async () => {
    const root = await temp();
    await writeFile(path.join(root, 'x.json'), '{"status": "scored"}');
    const { code, err } = await run(root, 'publish', '--remote', path.join(root, 'nowhere.git'), 'x.json');
    expect(code).toBe(1);
    expect(err).toContain('x.json: not a valid result record');
    expect(err).toContain('Nothing was published.');
  });
});

describe('the installed bin', () => {
  it('runs from the build with the site builder wired in', async () => {
    const bin = path.join(import.meta.dirname, '../../bin/podium.js');
    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--version']);
    expect(stdout).toBe('podium 0.1.0\n');
    const failing = await promisify(execFile)(process.execPath, [bin, 'validate', '--competition', '/nonexistent']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failing).toMatchObject({ code: 1 });
    expect((failing as { stderr: string }).stderr).toContain('competition.yml: not found in /nonexistent');
  });
});
