import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { importCodabench } from '../../runner/src/import/codabench.js';
import { resolveCommand } from '../../runner/src/import/program.js';
import { ensurePythonImage, PYTHON_IMAGE, pythonImagePossible } from '../../scripts/debian-python-image.js';
import { runCli } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';
import { requireTool } from '../helpers/tools.js';

/**
 * The bundles are written by scripts/golden/codabench-bundles.py with Python's zipfile, in the
 * shapes of the published Codabench and CodaLab examples: a results bundle nested one folder
 * down (wheat_seeds), a code bundle with an ingestion program (wheat_seeds, mini-automl), a
 * CodaLab 1.5 bundle (Iris, Compute_pi).
 */
const temp = useTempDirs();
const python = requireTool('the Debian Python test image (debootstrap)', await pythonImagePossible());
const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'codabench');
const fixture = (name: string) => path.join(FIXTURES, name);
const run = promisify(execFile);

async function allFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

const readYaml = async (file: string) => parse(await readFile(file, 'utf8')) as Record<string, unknown>;

describe('podium import codabench', () => {
  it('a results bundle (wheat_seeds): the scoring program scores every column, the reference folder is the truth', async () => {
    const root = await temp();
    const r = await runCli(root, ['import', 'codabench', fixture('results-v2-nested.zip'), 'seeds']);
    expect(r.code, r.err).toBe(0);
    const dir = path.join(root, 'seeds');
    expect(await readYaml(path.join(dir, 'competition.yml'))).toEqual({
      version: 1,
      title: 'Seeds (results)',
      slug: 'seeds-results',
      description: 'Classify seeds into three classes.',
      data: { public: 'data/public', hidden: { env: 'PODIUM_HIDDEN_DIR' }, truth: 'reference' },
      metrics: [{ name: 'accuracy', label: 'Prediction score', from: 'program', direction: 'maximize', primary: true }],
      phases: [
        {
          id: 'development-phase',
          name: 'Development Phase',
          description: 'Tune your models.',
          // Codabench reads 1-1-2026 month first, in UTC.
          start: '2026-01-01T00:00:00Z',
          end: '2026-12-31T00:00:00Z',
        },
        {
          id: 'testing-phase',
          name: 'Testing Phase',
          start: '2027-01-01T00:00:00Z',
          end: '2028-01-01T00:00:00Z',
          limits: { total: 1 },
          truth: 'testing-phase/reference',
        },
      ],
      submissions: { kinds: ['predictions'] },
      limits: { per_day: 5 },
      scoring: { program: { build: 'scoring_program' } },
      leaderboard: { columns: ['accuracy'], rule: 'last-per-team', baselines: ['organisers'] },
    });
    expect(await readFile(path.join(dir, 'scoring_program', 'Dockerfile'), 'utf8')).toBe(
      [
        '# Written by podium import codabench: the scoring program as Codabench ran it.',
        'FROM codalab/codalab-legacy:py312',
        'COPY . /app/program',
        'WORKDIR /app/program',
        'CMD ["/bin/sh","-c","python3 /app/program/score.py /app/input /app/output"]',
        '',
      ].join('\n'),
    );
    // The solution is a result submission as Codabench sends one: its files, no predictions key.
    expect(await readFile(path.join(dir, 'submissions', 'organisers', 'dev_solution', 'submission.yml'), 'utf8')).toBe(
      'team: organisers\nname: dev_solution\nkind: predictions\n',
    );
    expect(await allFiles(path.join(root, 'seeds-hidden'))).toEqual(['reference/testing_label', 'testing-phase/reference/testing_label']);
    const files = await allFiles(dir);
    expect(files).toEqual(
      expect.arrayContaining(['data/public/training_data', 'data/public/starting_kit/README.md', 'pages/terms.md', 'pages/logo.png']),
    );
    // macOS's leftovers are not carried, and no reference file is in the repository.
    expect(files.filter((f) => /__MACOSX|\.DS_Store|testing_label/.test(f))).toEqual([]);

    const report = await readFile(path.join(dir, 'IMPORT-REPORT.md'), 'utf8');
    expect(report).toContain('competition.yaml:22: a key given twice; as on Codabench (PyYAML), the last one was read.');
    expect(report).toContain('The submission rule Force_Last → leaderboard.rule last-per-team');
    expect(report).toContain('Phase "Testing Phase" has no end date in the bundle; it was set to 2028-01-01T00:00:00Z');
    expect(report).toContain('It is public there, as everything in the repository');
    expect(report).toContain('runtime.images: { "codalab/codalab-legacy:py312": <image');
    expect(report).toContain('Phase "Development Phase": the setting "hide_output": ');
    expect(report).toContain('column "Prediction score": the setting "precision": ');
    expect(report).toContain('The setting "registration_auto_approve": ');
    expect(report).toMatch(/## Problems podium validate finds now\n\n- None\./);
  });

  it('a code bundle: the ingestion program runs model.py, each phase its own inputs, the rest said in the report', async () => {
    const root = await temp();
    const result = await importCodabench({
      bundle: fixture('code-v2.zip'),
      dir: path.join(root, 'code'),
      hiddenDir: path.join(root, 'secret'),
    });
    expect(result.problems).toEqual([]);
    const dir = path.join(root, 'code');
    const yml = await readYaml(path.join(dir, 'competition.yml'));
    expect(yml).toMatchObject({
      data: { truth: 'reference', inputs: 'inputs' },
      metrics: [
        { name: 'accuracy', from: 'program', direction: 'maximize', primary: true },
        { name: 'duration', from: 'program', direction: 'minimize' },
      ],
      phases: [{ id: 'development' }, { id: 'final', start: '2026-07-01T12:00:00Z', truth: 'final/reference', inputs: 'final/inputs' }],
      submissions: { kinds: ['code'] },
      limits: { per_day: 3, total: 50 },
      runtime: { timeout_seconds: 300 },
      scoring: { program: { build: 'scoring_program', timeout_seconds: 300 } },
      ingestion: { build: 'ingestion_program', during_scoring: false },
      leaderboard: { columns: ['accuracy', 'duration'], rule: 'best-per-team' },
    });
    expect(await readFile(path.join(dir, 'ingestion_program', 'Dockerfile'), 'utf8')).toBe(
      [
        '# Written by podium import codabench: the ingestion program as Codabench ran it.',
        'FROM codalab/codalab-legacy:py37',
        'COPY . /app/program',
        'WORKDIR /app/program',
        'CMD ["/bin/sh","-c","python3 /app/program/ingestion.py /app/input_data /app/output /app/ingested_program"]',
        '',
      ].join('\n'),
    );
    // The solution, a zip in the bundle, is unpacked into a code submission.
    expect(await allFiles(path.join(dir, 'submissions', 'organisers', 'solution'))).toEqual(['model.py', 'submission.yml']);
    expect(await readFile(path.join(dir, 'submissions', 'organisers', 'solution', 'submission.yml'), 'utf8')).toBe(
      'team: organisers\nname: solution\nkind: code\n',
    );
    expect(await allFiles(path.join(root, 'secret'))).toEqual([
      'final/inputs/testing_data',
      'final/inputs/training_data',
      'final/inputs/training_label',
      'final/reference/testing_label',
      'inputs/testing_data',
      'inputs/training_data',
      'inputs/training_label',
      'reference/testing_label',
    ]);
    const carried = result.carried.join('\n');
    const dropped = result.dropped.join('\n');
    expect(carried).toContain("The docker image codalab/codalab-legacy:py37 (Codabench's default) is named in the programs' Dockerfiles.");
    expect(carried).toContain('The submission rule Force_Best → leaderboard.rule best-per-team');
    expect(dropped).toContain('Phase "Development" has several tasks; its first, "Development task", was taken, and "Extra task" left out');
    expect(dropped).toContain('The leaderboard column "Mean" (mean) is left out: Codabench computes it (the avg of columns 0)');
    expect(dropped).toContain('Phase "Final": the setting "auto_migrate_to_this_phase": ');
    expect(dropped).toContain('The setting "fact_sheet": ');
  });

  it('a CodaLab 1.5 bundle with a truth table: the program first, built-in metrics with intervals beside it', async () => {
    const root = await temp();
    const result = await importCodabench({
      bundle: fixture('legacy-15.zip'),
      dir: path.join(root, 'cats'),
      hiddenDir: path.join(root, 'secret'),
    });
    expect(result.problems).toEqual([]);
    const yml = await readYaml(path.join(root, 'cats', 'competition.yml'));
    expect(yml).toMatchObject({
      data: { truth: 'reference/truth.csv', id_column: 'id', target_column: 'label' },
      // The built-in takes the name; the program's score keeps primary under its own key.
      metrics: [
        { name: 'accuracy_program', key: 'accuracy', label: 'Accuracy', from: 'program', direction: 'maximize', primary: true },
        { name: 'accuracy', label: 'Accuracy (Podium)' },
        { name: 'errors', from: 'program', direction: 'minimize' },
      ],
      // A CodaLab phase ends when the next starts; the last at the competition's end_date.
      phases: [
        { id: 'development', start: '2026-02-01T00:00:00Z', end: '2026-05-01T00:00:00Z' },
        { id: 'final', end: '2026-09-01T00:00:00Z', truth: 'final/reference/truth.csv', limits: { per_day: 1, total: 100 } },
      ],
      submissions: { kinds: ['predictions'] },
      leaderboard: { columns: ['accuracy_program', 'accuracy', 'errors'], rule: 'last-per-team' },
    });
    expect((yml.metrics as object[])[1]).not.toHaveProperty('from');
    expect(await readFile(path.join(root, 'cats', 'scoring_program', 'Dockerfile'), 'utf8')).toContain(
      'FROM codalab/codalab-legacy:py39\n',
    );
    expect(await allFiles(path.join(root, 'cats', 'data', 'public'))).toEqual(
      expect.arrayContaining(['test_ids.csv', 'starting_kit/README.md', 'starting_kit/sample/predictions.csv']),
    );
    expect(result.dropped.join('\n')).toContain('Leaderboard column "accuracy": the setting "numeric_format": ');
  });

  it("Codabench's variables resolve to the folders the runtime mounts, per program", () => {
    const cmd = 'python $program/x.py $input ${output} $hidden $shared $predictions $tmp $submission_program $input_data';
    expect(resolveCommand(cmd, 'scoring')).toEqual({
      command:
        'python /app/program/x.py /app/input /app/output /app/input/ref /app/shared /app/input/res /app/output /app/ingested_program $input_data',
      unknown: ['$input_data'],
    });
    expect(resolveCommand('$input $predictions $ingestion_program', 'ingestion').command).toBe('/app/input_data /app/output /app/program');
  });

  it.skipIf(!python)(
    "the imported programs run as Codabench runs them: ingestion on the inputs, then scoring on /app/input (docker, the bundle's image mapped)",
    async () => {
      await ensurePythonImage();
      const root = await temp();
      await importCodabench({ bundle: fixture('code-v2.zip'), dir: path.join(root, 'code'), hiddenDir: path.join(root, 'secret') });
      // runtime.images maps the bundle's image to one the runner has; here by hand.
      const build = async (folder: string, tag: string) => {
        const file = path.join(root, 'code', folder, 'Dockerfile');
        await writeFile(file, (await readFile(file, 'utf8')).replace(/^FROM .*$/m, `FROM ${PYTHON_IMAGE}`));
        await run('docker', ['build', '-q', '-t', tag, path.join(root, 'code', folder)]);
      };
      const tag = `podium-import-test-${path
        .basename(root)
        .toLowerCase()
        .replace(/[^a-z0-9]/g, '')}`;
      await build('ingestion_program', `${tag}-ingestion`);
      await build('scoring_program', `${tag}-scoring`);
      const res = path.join(root, 'res');
      const out = path.join(root, 'out');
      await mkdir(res);
      await mkdir(out);
      try {
        const sandbox = ['run', '--rm', '--network', 'none'];
        await run('docker', [
          ...sandbox,
          '-v',
          `${path.join(root, 'code', 'submissions', 'organisers', 'solution')}:/app/ingested_program:ro`,
          '-v',
          `${path.join(root, 'secret', 'inputs')}:/app/input_data:ro`,
          '-v',
          `${res}:/app/output`,
          `${tag}-ingestion`,
        ]);
        await run('docker', [
          ...sandbox,
          '-v',
          `${path.join(root, 'secret', 'reference')}:/app/input/ref:ro`,
          '-v',
          `${res}:/app/input/res:ro`,
          '-v',
          `${out}:/app/output`,
          `${tag}-scoring`,
        ]);
      } finally {
        await run('docker', ['rmi', '-f', `${tag}-ingestion`, `${tag}-scoring`]).catch(() => undefined);
      }
      // The sample model predicts the first ten labels exactly: 1, 2, 3, 1, ...
      expect(await readFile(path.join(res, 'prediction'), 'utf8')).toBe('1.0\n2.0\n3.0\n1.0\n2.0\n3.0\n1.0\n2.0\n3.0\n1.0\n');
      expect(JSON.parse(await readFile(path.join(out, 'scores.json'), 'utf8'))).toEqual({ accuracy: 1, duration: 1.5 });
      expect(await readFile(path.join(out, 'detailed_results.html'), 'utf8')).toBe('<p>10 right</p>');
    },
    600_000,
  );

  it('refuses what it cannot read, with a clear message, and writes nothing into an existing folder', async () => {
    const root = await temp();
    await mkdir(path.join(root, 'empty'));
    await writeFile(path.join(root, 'empty', 'readme.txt'), 'no yaml here');
    const none = await runCli(root, ['import', 'codabench', 'empty', 'x']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('holds no competition.yaml');
    const slip = await runCli(root, [
      'import',
      'codabench',
      path.join(import.meta.dirname, '..', 'fixtures', 'zip', 'python-dotdot.zip'),
      'y',
    ]);
    expect(slip.code).toBe(1);
    expect(slip.err).toContain('../evil.txt would be written outside the folder');
    // An archive cut short (written by zip, then truncated): said so, nothing made.
    await copyFile(path.join(import.meta.dirname, '..', 'fixtures', 'zip', 'truncated.zip'), path.join(root, 'cut.zip'));
    const cut = await runCli(root, ['import', 'codabench', 'cut.zip', 'w']);
    expect(cut.code).toBe(1);
    expect(cut.err).toContain('cut.zip is not a ZIP archive, or it was cut short');
    expect(await readdir(root)).not.toContain('w');
    // competition.yaml is read against a schema: a wrong type is named with its place.
    await mkdir(path.join(root, 'typed'));
    await writeFile(path.join(root, 'typed', 'competition.yaml'), 'version: 2\nphases:\n  - name: P\n    max_submissions: many\n');
    const typed = await runCli(root, ['import', 'codabench', 'typed', 'v']);
    expect(typed.code).toBe(1);
    expect(typed.err).toContain('competition.yaml:4:22: "phases[0].max_submissions" must be a whole number.');
    await mkdir(path.join(root, 'taken'));
    await writeFile(path.join(root, 'taken', 'keep.txt'), 'mine');
    const taken = await runCli(root, ['import', 'codabench', fixture('legacy-15.zip'), 'taken']);
    expect(taken.code).toBe(1);
    expect(await readdir(path.join(root, 'taken'))).toEqual(['keep.txt']);
    expect((await runCli(root, ['import', 'kaggle', fixture('legacy-15.zip'), 'z'])).err).toContain('unknown source "kaggle"');
  });
});
