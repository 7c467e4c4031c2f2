import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCodabench } from '../../runner/src/import/codabench.js';
import { captureIO, runCli } from '../helpers/competition.js';
import { makeZip } from '../helpers/zip.js';
import { ensurePythonImage, PYTHON_IMAGE, pythonImagePossible } from '../../scripts/debian-python-image.js';
import { useTempDirs } from '../helpers/temp.js';
import { requireTool } from '../helpers/tools.js';

/**
 * Test bundles written here from Codabench's and CodaLab's published bundle format (the
 * "Competition Bundle Structure" and "Yaml Structure" pages, and CodaLab's "competition YAML
 * definition language"): one result-submission competition in the v2 form, one
 * code-submission competition in the 1.5 form.
 */
const temp = useTempDirs();
const python = requireTool('the Debian Python test image (debootstrap)', await pythonImagePossible());
const TRUTH = `id,label\n${Array.from({ length: 40 }, (_, i) => `s${i},${i % 3 === 0 ? 'cat' : 'dog'}`).join('\n')}\n`;

/** A Codabench scoring program in Python, as organisers write them: every column's score. */
const SCORE_PY = [
  'import json, os, sys',
  'inp, out = sys.argv[1], sys.argv[2]',
  'def read(d):',
  '    name = [f for f in os.listdir(os.path.join(inp, d)) if f.endswith(".csv")][0]',
  '    rows = open(os.path.join(inp, d, name)).read().split("\\n")[1:]',
  '    return dict(r.split(",")[:2] for r in rows if r)',
  'ref, res = read("ref"), read("res")',
  'wrong = sum(1 for k, v in ref.items() if res.get(k) != v)',
  'scores = {"accuracy": 1 - wrong / len(ref), "f1": 0.0, "sauce": wrong / len(ref)}',
  'json.dump(scores, open(os.path.join(out, "scores.json"), "w"))',
  '',
].join('\n');

function v2Bundle(dockerImage?: string): Buffer {
  return makeZip({
    'competition.yaml': [
      'version: 2',
      'title: Cats and dogs',
      ...(dockerImage ? [`docker_image: ${dockerImage}`] : []),
      'description: Tell cats from dogs.',
      'image: logo.png',
      'terms: terms.md',
      'pages:',
      '  - title: overview',
      '    file: overview.md',
      '  - title: data',
      '    file: data.md',
      'registration_auto_approve: true',
      'phases:',
      '  - index: 0',
      '    name: Development',
      '    description: Results on the validation set.',
      '    start: 2026-01-01',
      '    end: 2026-06-30',
      '    max_submissions_per_day: 3',
      '    max_submissions: 50',
      '    tasks: [0]',
      'tasks:',
      '  - index: 0',
      '    name: Classify',
      '    scoring_program: scoring_program.zip',
      '    reference_data: reference_data.zip',
      'leaderboards:',
      '  - index: 0',
      '    title: Results',
      '    key: main',
      '    columns:',
      '      - title: Accuracy',
      '        key: accuracy',
      '        index: 0',
      '        sorting: desc',
      '      - title: F1',
      '        key: f1',
      '        index: 1',
      '        sorting: desc',
      '      - title: Secret sauce',
      '        key: sauce',
      '        index: 2',
      '        sorting: asc',
      '',
    ].join('\n'),
    'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    'terms.md': '# Terms\nBe nice.\n',
    'overview.md': '# Overview\nCats and dogs.\n',
    'data.md': '# Data\nForty pictures.\n',
    'reference_data.zip': makeZip({ 'truth.csv': TRUTH }),
    'scoring_program.zip': makeZip({
      'score.py': SCORE_PY,
      'metadata.yaml': 'command: python3 /app/program/score.py /app/input /app/output\n',
    }),
  });
}

async function legacyBundle(root: string): Promise<string> {
  const dir = path.join(root, 'bundle');
  const files: Record<string, string | Buffer> = {
    'competition.yaml': [
      'title: Iris, the code edition',
      'description: Submit code that classifies irises.',
      'admin_names: someone',
      'has_registration: false',
      'end_date: 2026-09-01',
      'html:',
      '  overview: overview.html',
      '  evaluation: evaluation.html',
      'phases:',
      '  1:',
      '    phasenumber: 1',
      '    label: Development',
      '    start_date: 2026-02-01',
      '    max_submissions_per_day: 5',
      '    max_submissions: 100',
      '    execution_time_limit: 500',
      '    ingestion_program: ingestion_program.zip',
      '    input_data: input_data.zip',
      '    reference_data: reference_data_1.zip',
      '    scoring_program: scoring_program.zip',
      '    starting_kit: starting_kit.zip',
      '  2:',
      '    phasenumber: 2',
      '    label: Final',
      '    start_date: 2026-05-01',
      '    max_submissions_per_day: 1',
      '    max_submissions: 100',
      '    ingestion_program: ingestion_program.zip',
      '    input_data: input_data.zip',
      '    reference_data: reference_data_2.zip',
      '    scoring_program: scoring_program.zip',
      'leaderboard:',
      '  leaderboards:',
      '    Results: &RESULTS',
      '      label: Results',
      '      rank: 1',
      '  columns:',
      '    set1_score:',
      '      leaderboard: *RESULTS',
      '      label: Balanced accuracy',
      '      rank: 1',
      '    Duration:',
      '      leaderboard: *RESULTS',
      '      label: Duration',
      '      rank: 2',
      '',
    ].join('\n'),
    'overview.html': '<h1>Iris</h1>',
    'evaluation.html': '<p>Balanced accuracy.</p>',
    'ingestion_program.zip': makeZip({ 'ingestion.py': 'pass\n' }),
    'input_data.zip': makeZip({ 'test.csv': 'id,sepal\ni1,5.1\n' }),
    'reference_data_1.zip': makeZip({ 'solution.csv': 'id,species\ni1,setosa\n' }, false),
    'reference_data_2.zip': makeZip({ 'solution.csv': 'id,species\ni1,virginica\n' }),
    'scoring_program.zip': makeZip({ 'score.py': 'pass\n' }),
    'starting_kit.zip': makeZip({ 'README.md': '# Starting kit\n', 'sample/model.py': 'pass\n' }),
  };
  for (const [f, data] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), data);
  }
  return dir;
}

async function allFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe('podium import codabench', () => {
  it('a Codabench v2 result-submission bundle becomes a valid competition that scores', async () => {
    const root = await temp();
    await writeFile(path.join(root, 'bundle.zip'), v2Bundle());
    const r = await runCli(root, ['import', 'codabench', 'bundle.zip', 'cats']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('✓ cats:');
    const yml = await readFile(path.join(root, 'cats', 'competition.yml'), 'utf8');
    expect(yml).toContain('title: Cats and dogs');
    expect(yml).toMatch(/kinds:\s*\n?\s*- predictions/);
    expect(yml).toMatch(/name: accuracy[\s\S]*primary: true/);
    expect(yml).toContain('name: f1_macro');
    expect(yml).toMatch(/per_day: 3/);
    expect(yml).toContain('start: 2026-01-01T00:00:00Z');
    const report = await readFile(path.join(root, 'cats', 'IMPORT-REPORT.md'), 'utf8');
    // The column no built-in metric computes is the scoring program's, run as Codabench ran it.
    expect(yml).toMatch(/name: sauce\n\s+label: Secret sauce\n\s+from: program\n\s+direction: minimize/);
    expect(yml).toMatch(/scoring:\n\s+program:\n\s+build: scoring_program/);
    expect(report).toContain('The leaderboard column "Secret sauce" → sauce, a score the scoring program writes (lower is better).');
    expect(report).toContain("in codalab/codalab-legacy:py37 (Codabench's default image; the bundle names none)");
    expect(await readFile(path.join(root, 'cats', 'scoring_program', 'Dockerfile'), 'utf8')).toBe(
      [
        '# Written by podium import codabench: the scoring program as Codabench ran it.',
        'FROM codalab/codalab-legacy:py37',
        'COPY . /app/program',
        'RUN ln -sfn /input /app/input && ln -sfn /output /app/output',
        'WORKDIR /app/program',
        'CMD ["/bin/sh","-c","python3 /app/program/score.py /app/input /app/output"]',
        '',
      ].join('\n'),
    );
    expect(report).toContain('The setting "registration_auto_approve"');
    expect(report).toMatch(/## Problems podium validate finds now\n\n- None\./);
    // The truth is in the hidden folder and nowhere in the repository.
    expect(await readFile(path.join(root, 'cats-hidden', 'truth.csv'), 'utf8')).toBe(TRUTH);
    for (const f of await allFiles(path.join(root, 'cats'))) {
      if (f.includes('.podium')) continue;
      expect(await readFile(path.join(root, 'cats', f), 'utf8').catch(() => '')).not.toContain('s39,');
    }
    expect(await allFiles(path.join(root, 'cats', 'pages'))).toEqual(
      expect.arrayContaining(['overview.md', 'data.md', 'terms.md', 'logo.png']),
    );
  });

  it.skipIf(!python)(
    'the imported competition scores: built-in metrics with intervals, the rest by its own program, unchanged',
    async () => {
      await ensurePythonImage();
      const root = await temp();
      await writeFile(path.join(root, 'bundle.zip'), v2Bundle(PYTHON_IMAGE));
      expect((await runCli(root, ['import', 'codabench', 'bundle.zip', 'cats'])).code).toBe(0);
      // A participant's predictions are scored against the imported truth.
      const sub = path.join(root, 'cats', 'submissions', 'alpha', 'first');
      await mkdir(sub, { recursive: true });
      await writeFile(path.join(sub, 'submission.yml'), 'team: alpha\nname: first\nkind: predictions\npredictions: p.csv\n');
      await writeFile(path.join(sub, 'p.csv'), TRUTH.replace(/s1,dog/, 's1,cat'));
      const io = captureIO(root, {});
      const { main } = await import('../../runner/src/cli/main.js');
      expect(
        await main(['evaluate', '--competition', 'cats', '--hidden', 'cats-hidden', '--phase', 'development', '--json', sub], io),
      ).toBe(0);
      const scores = JSON.parse(io.out()).scores.public;
      expect(scores.accuracy.value).toBeCloseTo(39 / 40, 12);
      expect(scores.accuracy.ci).toBeDefined();
      expect(scores.sauce).toEqual({ value: 1 / 40 });
    },
    600_000,
  );

  it('a CodaLab 1.5 code-submission bundle: containers, phase ends from the next start, inputs hidden, what is left out said', async () => {
    const root = await temp();
    const bundle = await legacyBundle(root);
    const result = await importCodabench({ bundle, dir: path.join(root, 'iris'), hiddenDir: path.join(root, 'secret') });
    const yml = await readFile(path.join(root, 'iris', 'competition.yml'), 'utf8');
    expect(yml).toMatch(/kinds:\s*\n?\s*- container/);
    expect(yml).toContain('timeout_seconds: 500');
    expect(yml).toContain('inputs: inputs');
    expect(yml).toContain('name: balanced_accuracy');
    // Development ends when Final starts; Final ends at the competition's end_date.
    expect(yml).toMatch(/name: Development\s*\n\s*start: 2026-02-01T00:00:00Z\s*\n\s*end: 2026-05-01T00:00:00Z/);
    expect(yml).toMatch(/name: Final\s*\n\s*start: 2026-05-01T00:00:00Z\s*\n\s*end: 2026-09-01T00:00:00Z/);
    expect(await readFile(path.join(root, 'secret', 'solution.csv'), 'utf8')).toBe('id,species\ni1,setosa\n');
    expect(await readFile(path.join(root, 'secret', 'inputs', 'test.csv'), 'utf8')).toBe('id,sepal\ni1,5.1\n');
    expect(await allFiles(path.join(root, 'iris', 'data', 'public', 'starting_kit'))).toEqual(
      expect.arrayContaining(['README.md', path.join('sample', 'model.py')]),
    );
    const dropped = result.dropped.join('\n');
    expect(dropped).toContain('The ingestion program ingestion_program.zip is not carried over');
    // The final phase has its own truth and its own limits.
    expect(await readFile(path.join(root, 'secret', 'final', 'solution.csv'), 'utf8')).toBe('id,species\ni1,virginica\n');
    expect(yml).toMatch(/name: Final[\s\S]*truth: final\/solution\.csv/);
    expect(yml).toMatch(/name: Final[\s\S]*limits:\s*\n\s*per_day: 1/);
    expect(result.carried.join('\n')).toContain('Phase "Final" keeps its own limits: 1 per day');
    expect(dropped).toContain('The leaderboard column "Duration" (Duration) is not a built-in metric');
    expect(dropped).toContain('The setting "admin_names"');
    expect(result.carried.join('\n')).toContain('The truth file is solution.csv (id column "id", target column "species")');
    expect(result.problems).toEqual([]);
  });

  it('refuses what it cannot read, with a clear message, and writes nothing into an existing folder', async () => {
    const root = await temp();
    await writeFile(path.join(root, 'empty.zip'), makeZip({ 'readme.txt': 'no yaml here' }));
    const none = await runCli(root, ['import', 'codabench', 'empty.zip', 'x']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('holds no competition.yaml');
    await writeFile(path.join(root, 'slip.zip'), makeZip({ 'competition.yaml': 'title: x\n', '../../evil.sh': 'rm -rf /' }));
    const slip = await runCli(root, ['import', 'codabench', 'slip.zip', 'y']);
    expect(slip.code).toBe(1);
    expect(slip.err).toContain('../../evil.sh would be written outside the folder');
    // An archive cut short (written by zip, then truncated): said so, nothing made.
    await copyFile(path.join(import.meta.dirname, '..', 'fixtures', 'zip', 'truncated.zip'), path.join(root, 'cut.zip'));
    const cut = await runCli(root, ['import', 'codabench', 'cut.zip', 'w']);
    expect(cut.code).toBe(1);
    expect(cut.err).toContain('cut.zip is not a ZIP archive, or it was cut short');
    expect(await readdir(root)).not.toContain('w');
    // competition.yaml is read against a schema: a wrong type is named with its place.
    await writeFile(
      path.join(root, 'typed.zip'),
      makeZip({ 'competition.yaml': 'version: 2\nphases:\n  - name: P\n    max_submissions: many\n' }),
    );
    const typed = await runCli(root, ['import', 'codabench', 'typed.zip', 'v']);
    expect(typed.code).toBe(1);
    expect(typed.err).toContain('competition.yaml:4:22: "phases[0].max_submissions" must be a whole number.');
    await mkdir(path.join(root, 'taken'));
    await writeFile(path.join(root, 'taken', 'keep.txt'), 'mine');
    await writeFile(path.join(root, 'b.zip'), v2Bundle());
    const taken = await runCli(root, ['import', 'codabench', 'b.zip', 'taken']);
    expect(taken.code).toBe(1);
    expect(await readdir(path.join(root, 'taken'))).toEqual(['keep.txt']);
    expect((await runCli(root, ['import', 'kaggle', 'b.zip', 'z'])).err).toContain('unknown source "kaggle"');
  });
});
