import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSite, recordPage } from '../../leaderboard-site/src/build.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { checkRecord } from '../../runner/src/results/record.js';
import { parseScores } from '../../runner/src/sandbox/container/scoring-program.js';
import { unseal } from '../../runner/src/results/seal.js';
import { randomBytes } from 'node:crypto';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';
import { ensurePythonImage, PYTHON_IMAGE, pythonImagePossible } from '../../scripts/debian-python-image.js';
import { exampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();
const KEY = randomBytes(32);

describe("the scoring program's output", () => {
  it('reads scores.json, or scores.txt as "key: value" lines', () => {
    expect(parseScores('{"a": 0.5, "b": "x", "c": 2}', undefined)).toEqual({ a: 0.5, c: 2 });
    expect(parseScores(undefined, 'set1_score: 0.8125\n# comment\nDuration : 12\nbad line\nneg: -1e-3\n')).toEqual({
      set1_score: 0.8125,
      Duration: 12,
      neg: -0.001,
    });
    expect(parseScores('[1]', undefined)).toBe('scores.json is not an object of scores');
    expect(parseScores(undefined, undefined)).toBe('it wrote neither /output/scores.json nor /output/scores.txt');
  });
});

/**
 * An accuracy computed by an organiser's program in awk (the contract is the same in any
 * language: /input/ref, /input/res, /output/scores.txt), beside Podium's own accuracy.
 */
const SCORER = [
  'ref=$(ls /input/ref/*.csv); res=$(ls /input/res/*)',
  'awk -F, \'FNR==1{next} NR==FNR{truth[$1]=$2; n++; next} ($1 in truth) && truth[$1]==$2 {ok++} END {printf "program_accuracy: %.12f\\n", ok/n}\' "$ref" "$res" > /output/scores.txt',
  'echo "<h1>Per class</h1><img src=\\"http://tracker.example/x.png\\"><script>alert(1)</script>" > /output/detailed_results.html',
].join('\n');

const engine = await engineAvailable();
describe.skipIf(!engine)("an organiser's scoring program on the real engine", () => {
  beforeAll(async () => {
    await ensureBaseImage();
  }, 120_000);

  async function setup(script: string, extra = '', moreMetrics = '') {
    const root = await temp();
    const ex = await exampleCompetition(root, {
      edit: (y) =>
        y
          .replace(
            /metrics:\n[\s\S]*?\nphases:/,
            `metrics:\n  - name: accuracy\n    primary: true\n  - name: program_accuracy\n    from: program\n    direction: maximize\n    label: Accuracy (scoring program)\n${moreMetrics}\nphases:`,
          )
          .replace(/leaderboard:[\s\S]*$/, `scoring:\n  program:\n    build: scoring\n    timeout_seconds: 20\n${extra}`),
    });
    await mkdir(path.join(ex.dir, 'scoring'), { recursive: true });
    await writeFile(
      path.join(ex.dir, 'scoring', 'Dockerfile'),
      `FROM ${BASE_IMAGE}\nCOPY score.sh /score.sh\nCMD ["/bin/sh", "/score.sh"]\n`,
    );
    await writeFile(path.join(ex.dir, 'scoring', 'score.sh'), `${script}\n`);
    const { loadCompetition } = await import('../../runner/src/competition/load.js');
    return { ex, competition: await loadCompetition(ex.dir) };
  }

  it('scores with the program beside the built-in metrics, and keeps its detailed results, fenced in on the site', async () => {
    const { ex, competition } = await setup(SCORER);
    const record = await evaluateSubmission({
      competition,
      hiddenDir: ex.hidden,
      submissionDir: path.join(ex.dir, 'submissions', 'baseline', 'nearest-centroid'),
    });
    expect(checkRecord(record).ok).toBe(true);
    if (record.status !== 'scored') throw new Error(record.error.message);
    // The same accuracy, computed by the organiser's program and by Podium.
    expect(record.scores.public.program_accuracy!.value).toBeCloseTo(record.scores.public.accuracy!.value, 10);
    expect(record.scores.public.program_accuracy!.ci).toBeUndefined();
    expect(record.detailed_results).toContain('<h1>Per class</h1>');
    const out = path.join(ex.dir, '..', 'site');
    await buildSite({ competition, records: [record], outDir: out });
    const page = await readFile(path.join(out, recordPage(record).split('#')[0]!), 'utf8');
    expect(page).toContain(
      '<iframe class="detailed" sandbox="" title="Detailed results" srcdoc="&lt;meta http-equiv=&quot;Content-Security-Policy&quot; content=&quot;default-src &#39;none&#39;',
    );
    expect(page).not.toContain('<script>alert(1)</script>');
  });

  it('with a sealed private part, runs on each part apart: public scores shown, private ones sealed', async () => {
    // The same accuracy, and how many truth rows the program saw.
    const counting = SCORER.replace('printf "program_accuracy: %.12f\\n", ok/n', 'printf "program_accuracy: %.12f\\nrows: %d\\n", ok/n, n');
    const { ex, competition } = await setup(
      counting,
      '  bootstrap:\n    resamples: 100\nprivate:\n  fraction: 0.5\n  seed: 7\n',
      '  - name: rows\n    from: program\n    direction: maximize\n',
    );
    const record = await evaluateSubmission({
      competition,
      hiddenDir: ex.hidden,
      submissionDir: path.join(ex.dir, 'submissions', 'baseline', 'nearest-centroid'),
      env: { PODIUM_SEAL_KEY: KEY.toString('hex') },
    });
    expect(checkRecord(record).ok).toBe(true);
    if (record.status !== 'scored') throw new Error(record.error.message);
    const shown = record.scores.public;
    const hidden = unseal(record.id, record.scores.private as never, KEY).scores;
    // Each run agrees with Podium's own accuracy on the same part...
    expect(shown.program_accuracy!.value).toBeCloseTo(shown.accuracy!.value, 10);
    expect(hidden.program_accuracy!.value).toBeCloseTo(hidden.accuracy!.value, 10);
    expect(hidden.accuracy!.value).not.toBeCloseTo(shown.accuracy!.value, 6);
    // ...and saw that part's rows only, the two parts making up the 600 test ids.
    expect(shown.rows!.value + hidden.rows!.value).toBe(600);
    expect(shown.rows!.value).toBeGreaterThan(200);
    expect(hidden.rows!.value).toBeGreaterThan(200);
    // Nothing of the private part in the record but the sealed box.
    expect(JSON.stringify(record)).not.toContain(String(hidden.program_accuracy!.value));
  });

  it("a program that fails, or writes no score, fails the record and says so; the participant's fault is not assumed for a missing score", async () => {
    const broken = await setup('exit 3');
    const r1 = await evaluateSubmission({
      competition: broken.competition,
      hiddenDir: broken.ex.hidden,
      submissionDir: path.join(broken.ex.dir, 'submissions', 'baseline', 'nearest-centroid'),
    });
    expect(r1.status).toBe('failed');
    if (r1.status === 'failed') expect(r1.error.message).toBe('the scoring program exited with code 3 on these predictions.');
    const silent = await setup('echo "other: 1" > /output/scores.txt');
    const r2 = await evaluateSubmission({
      competition: silent.competition,
      hiddenDir: silent.ex.hidden,
      submissionDir: path.join(silent.ex.dir, 'submissions', 'baseline', 'nearest-centroid'),
    });
    expect(r2.status).toBe('failed');
    if (r2.status === 'failed') {
      expect(r2.error.message).toContain('the scoring program wrote no score for program_accuracy (it wrote other)');
      expect(r2.error.platform_fault).toBe(true);
    }
  });
});

/**
 * The same contract with a program in Python and NumPy, on a Debian image, as most organisers
 * write them (tests/fixtures/scoring-python/score.py). The image is made offline by
 * debootstrap from Debian's packages (scripts/debian-python-image.ts); CI installs debootstrap,
 * so there this never skips.
 */
const python = await pythonImagePossible();
if (!python && process.env.CI && engine)
  throw new Error('CI needs the Debian Python image for the scoring-program tests: install debootstrap');
describe.skipIf(!python)('a scoring program in Python on a Debian image', () => {
  beforeAll(async () => {
    await ensurePythonImage((line) => console.log(`[python image] ${line}`));
  }, 600_000);

  async function pythonCompetition(edit: (y: string) => string = (y) => y) {
    const root = await temp();
    const ex = await exampleCompetition(root, {
      edit: (y) =>
        edit(
          y
            .replace(
              /metrics:\n[\s\S]*?\nphases:/,
              [
                'metrics:',
                '  - name: accuracy',
                '    primary: true',
                '  - name: f1_macro',
                '  - name: py_accuracy',
                '    from: program',
                '    direction: maximize',
                '  - name: py_f1_macro',
                '    from: program',
                '    direction: maximize',
                '',
                'phases:',
              ].join('\n'),
            )
            .replace(/leaderboard:[\s\S]*$/, 'scoring:\n  program:\n    build: scoring\n    timeout_seconds: 60\n    memory_mb: 512\n'),
        ),
    });
    await mkdir(path.join(ex.dir, 'scoring'), { recursive: true });
    await writeFile(
      path.join(ex.dir, 'scoring', 'Dockerfile'),
      `FROM ${PYTHON_IMAGE}\nCOPY score.py /opt/score.py\nCMD ["python3", "/opt/score.py"]\n`,
    );
    const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'scoring-python');
    await copyFile(path.join(fixtures, 'score.py'), path.join(ex.dir, 'scoring', 'score.py'));
    const { loadCompetition } = await import('../../runner/src/competition/load.js');
    return { ex, competition: await loadCompetition(ex.dir) };
  }

  it("gives Podium's own accuracy and macro F1 to 1e-10, and its per-class table", async () => {
    const { ex, competition } = await pythonCompetition();
    const record = await evaluateSubmission({
      competition,
      hiddenDir: ex.hidden,
      submissionDir: path.join(ex.dir, 'submissions', 'baseline', 'nearest-centroid'),
    });
    expect(checkRecord(record).ok).toBe(true);
    if (record.status !== 'scored') throw new Error(record.error.message);
    const s = record.scores.public;
    expect(s.py_accuracy!.value).toBeCloseTo(s.accuracy!.value, 10);
    expect(s.py_f1_macro!.value).toBeCloseTo(s.f1_macro!.value, 10);
    // The program wrote a third number nobody asked for: it is not in the record.
    expect(Object.keys(s).sort()).toEqual(['accuracy', 'f1_macro', 'py_accuracy', 'py_f1_macro']);
    expect(record.detailed_results).toMatch(/^<h1>Per class<\/h1><table>.*<td>music<\/td>/);
  });

  it('runs as nobody, without network, able to read the truth but to write only its output', async () => {
    const { ex, competition } = await pythonCompetition((y) =>
      y.replace(
        / {2}- name: py_accuracy[\s\S]*?\n\nphases:/,
        ['network', 'write_truth', 'write_outside_output', 'uid', 'read_truth']
          .map((n) => `  - name: ${n}\n    from: program\n    direction: minimize\n`)
          .join('')
          .concat('\nphases:'),
      ),
    );
    await copyFile(
      path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'scoring-python', 'probe.py'),
      path.join(ex.dir, 'scoring', 'score.py'),
    );
    const record = await evaluateSubmission({
      competition,
      hiddenDir: ex.hidden,
      submissionDir: path.join(ex.dir, 'submissions', 'baseline', 'nearest-centroid'),
    });
    if (record.status !== 'scored') throw new Error(record.error.message);
    const got = Object.fromEntries(Object.entries(record.scores.public).map(([k, v]) => [k, v.value]));
    expect(got).toMatchObject({ network: 0, write_truth: 0, write_outside_output: 0, uid: 65534, read_truth: 1 });
  });
});

describe('competition.yml with a scoring program', () => {
  it('needs scoring.program and a direction for the metrics it writes', async () => {
    await expect(
      exampleCompetition(await temp(), {
        edit: (y) => y.replace('  - name: accuracy\n', '  - name: accuracy\n  - name: from_program\n    from: program\n'),
      }),
    ).rejects.toThrow(/needs scoring.program[\s\S]*say whether from_program is better higher or lower/);
  });
});
