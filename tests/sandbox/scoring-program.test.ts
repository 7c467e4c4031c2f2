import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSite, recordPage } from '../../leaderboard-site/src/build.js';
import { evaluateShard, evaluateSubmission, mergeShards } from '../../runner/src/evaluate/evaluate.js';
import { checkRecord } from '../../runner/src/results/record.js';
import { loadCompetition } from '../../runner/src/competition/load.js';
import { parseScores } from '../../runner/src/sandbox/container/scoring-program.js';
import { unseal } from '../../runner/src/results/seal.js';
import { randomBytes } from 'node:crypto';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';
import { ensurePythonImage, PYTHON_IMAGE, pythonImagePossible } from '../../scripts/debian-python-image.js';
import { exampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';
import { requireTool } from '../helpers/tools.js';

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

/** A program metric: a score the organiser's program writes. */
const programMetric = (name: string, direction = 'maximize', label?: string) =>
  `  - name: ${name}\n    from: program\n    direction: ${direction}\n${label ? `    label: ${label}\n` : ''}`;

/**
 * The example competition scored by an organiser's program: the built-in metrics and program
 * metrics given as competition.yml lines, the program's folder (a Dockerfile and its files),
 * and more `scoring:` lines.
 */
async function programCompetition(opts: {
  metrics: string;
  files: Record<string, string>;
  scoring?: string;
  timeout?: number;
  /** Container submissions too, on the busybox image. */
  containers?: boolean;
}) {
  const ex = await exampleCompetition(await temp(), {
    edit: (y) =>
      (opts.containers ? y.replace(/kinds: \[.*\]/, 'kinds: [predictions, container]') : y)
        .replace(/metrics:\n[\s\S]*?\nphases:/, `metrics:\n${opts.metrics}\nphases:`)
        .replace(
          /leaderboard:[\s\S]*$/,
          `scoring:\n  program:\n    build: scoring\n    timeout_seconds: ${opts.timeout ?? 20}\n${opts.scoring ?? ''}` +
            (opts.containers ? `runtime:\n  timeout_seconds: 20\n  memory_mb: 64\n  base_images: [${BASE_IMAGE}]\n` : ''),
        ),
    files: Object.fromEntries(Object.entries(opts.files).map(([name, text]) => [`scoring/${name}`, text])),
  });
  return { ex, competition: await loadCompetition(ex.dir) };
}

/** The baseline submission of such a competition, evaluated. */
function evaluateBaseline({ ex, competition }: Awaited<ReturnType<typeof programCompetition>>, env?: NodeJS.ProcessEnv) {
  return evaluateSubmission({
    competition,
    hiddenDir: ex.hidden,
    submissionDir: path.join(ex.dir, 'submissions', 'baseline', 'nearest-centroid'),
    ...(env ? { env } : {}),
  });
}

const engine = requireTool('a Docker engine', await engineAvailable());
describe.skipIf(!engine)("an organiser's scoring program on the real engine", () => {
  beforeAll(async () => {
    await ensureBaseImage();
  }, 120_000);

  /** The awk program: accuracy as program_accuracy, beside Podium's accuracy, and more metrics. */
  const setup = (script: string, scoring = '', moreMetrics = '') =>
    programCompetition({
      metrics: `  - name: accuracy\n    primary: true\n${programMetric('program_accuracy', 'maximize', 'Accuracy (scoring program)')}${moreMetrics}`,
      files: {
        Dockerfile: `FROM ${BASE_IMAGE}\nCOPY score.sh /score.sh\nCMD ["/bin/sh", "/score.sh"]\n`,
        'score.sh': `${script}\n`,
      },
      scoring,
    });

  it('scores with the program beside the built-in metrics, and keeps its detailed results, fenced in on the site', async () => {
    const made = await setup(SCORER);
    const { ex, competition } = made;
    const record = await evaluateBaseline(made);
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

  it('reads its outputs without following links: a link to the runner’s environment is not published (control: a plain file is)', async () => {
    const linked = await evaluateBaseline(
      await setup(`${SCORER}\nrm /output/detailed_results.html; ln -s /proc/1/environ /output/detailed_results.html`),
    );
    if (linked.status !== 'scored') throw new Error(linked.error.message);
    expect(linked.detailed_results).toBeUndefined();
    expect(JSON.stringify(linked)).not.toContain('PATH=');
    const plain = await evaluateBaseline(await setup(SCORER));
    if (plain.status !== 'scored') throw new Error(plain.error.message);
    expect(plain.detailed_results).toContain('<h1>Per class</h1>');
  });

  it('scores a sharded container run with the program too: the merged predictions reach it as one file', async () => {
    const made = await programCompetition({
      metrics: `  - name: accuracy\n    primary: true\n${programMetric('program_accuracy')}`,
      files: { Dockerfile: `FROM ${BASE_IMAGE}\nCOPY score.sh /score.sh\nCMD ["/bin/sh", "/score.sh"]\n`, 'score.sh': `${SCORER}\n` },
      containers: true,
    });
    const predict = `awk -F, 'NR==1{print "id,label"; next} {print $1 "," ($2 > -21 ? "music" : "speech")}' /input/test.csv > /output/predictions.csv`;
    const dir = await made.ex.submit('t', 'box', {
      'submission.yml': 'team: t\nname: box\nkind: container\nbuild: .\n',
      Dockerfile: `FROM ${BASE_IMAGE}\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`,
      'run.sh': `${predict}\n`,
    });
    const opts = { competition: made.competition, hiddenDir: made.ex.hidden, submissionDir: dir, commit: 'c'.repeat(40) };
    const whole = await evaluateSubmission(opts);
    if (whole.status !== 'scored') throw new Error(whole.error.message);
    const parts = [await evaluateShard(opts, { index: 1, count: 2 }), await evaluateShard(opts, { index: 2, count: 2 })];
    const merged = await mergeShards(opts, parts);
    if (merged.status !== 'scored') throw new Error(merged.error.message);
    expect(merged.scores.public.program_accuracy!.value).toBeCloseTo(whole.scores.public.program_accuracy!.value, 12);
    expect(merged.scores.public.program_accuracy!.value).toBeCloseTo(merged.scores.public.accuracy!.value, 10);
  });

  it('with a sealed private part, runs on each part apart: public scores shown, private ones sealed', async () => {
    // The same accuracy, and how many truth rows the program saw.
    const counting = SCORER.replace('printf "program_accuracy: %.12f\\n", ok/n', 'printf "program_accuracy: %.12f\\nrows: %d\\n", ok/n, n');
    const sealed = await setup(counting, '  bootstrap:\n    resamples: 100\nprivate:\n  fraction: 0.5\n  seed: 7\n', programMetric('rows'));
    const record = await evaluateBaseline(sealed, { PODIUM_SEAL_KEY: KEY.toString('hex') });
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

  it('with a private part and no built-in metric, still runs on each part apart (control: without the part it sees every row)', async () => {
    const counting = SCORER.replace('printf "program_accuracy: %.12f\\n", ok/n', 'printf "program_accuracy: %.12f\\nrows: %d\\n", ok/n, n');
    const only = (scoring: string) =>
      programCompetition({
        metrics: `${programMetric('program_accuracy')}    primary: true\n${programMetric('rows')}`,
        files: { Dockerfile: `FROM ${BASE_IMAGE}\nCOPY score.sh /score.sh\nCMD ["/bin/sh", "/score.sh"]\n`, 'score.sh': `${counting}\n` },
        scoring,
      });
    const record = await evaluateBaseline(await only('private:\n  fraction: 0.5\n  seed: 7\n'), { PODIUM_SEAL_KEY: KEY.toString('hex') });
    if (record.status !== 'scored') throw new Error(record.error.message);
    const hidden = unseal(record.id, record.scores.private as never, KEY).scores;
    expect(record.scores.public.rows!.value + hidden.rows!.value).toBe(600);
    expect(record.scores.public.rows!.value).toBeLessThan(400);
    const all = await evaluateBaseline(await only(''));
    if (all.status !== 'scored') throw new Error(all.error.message);
    expect(all.scores.public.rows!.value).toBe(600);
    expect(all.scores.private).toBeUndefined();
  });

  it("a program that fails, or writes no primary score, fails the record and says so; the participant's fault is not assumed for a missing score", async () => {
    const r1 = await evaluateBaseline(await setup('exit 3'));
    expect(r1.status).toBe('failed');
    if (r1.status === 'failed') expect(r1.error.message).toBe('the scoring program exited with code 3 on these predictions.');
    // A column other than the primary one that the program leaves out stays empty, as on Codabench.
    const r2 = await evaluateBaseline(await setup('echo "other: 1" > /output/scores.txt'));
    if (r2.status !== 'scored') throw new Error(r2.error.message);
    expect(Object.keys(r2.scores.public).sort()).toEqual(['accuracy']);
    // The primary metric is never left out.
    const primary = await programCompetition({
      metrics: programMetric('program_accuracy'),
      files: {
        Dockerfile: `FROM ${BASE_IMAGE}\nCOPY score.sh /score.sh\nCMD ["/bin/sh", "/score.sh"]\n`,
        'score.sh': 'echo "other: 1" > /output/scores.txt\n',
      },
    });
    const r3 = await evaluateBaseline(primary);
    expect(r3.status).toBe('failed');
    if (r3.status === 'failed') {
      expect(r3.error.message).toContain('the scoring program wrote no score for program_accuracy (it wrote other)');
      expect(r3.error.platform_fault).toBe(true);
    }
  });
});

/**
 * The same contract with a program in Python and NumPy, on a Debian image, as most organisers
 * write them (tests/fixtures/scoring-python/score.py). The image is made offline by
 * debootstrap from Debian's packages (scripts/debian-python-image.ts); CI installs debootstrap,
 * so there this never skips.
 */
const python = requireTool('the Debian Python test image (debootstrap)', await pythonImagePossible());
describe.skipIf(!python)('a scoring program in Python on a Debian image', () => {
  beforeAll(async () => {
    await ensurePythonImage((line) => console.log(`[python image] ${line}`));
  }, 600_000);

  /** A Python program from tests/fixtures/scoring-python, on the Debian image, writing the given metrics. */
  const pythonCompetition = async (program: string, metrics: string) =>
    programCompetition({
      metrics,
      files: {
        Dockerfile: `FROM ${PYTHON_IMAGE}\nCOPY score.py /opt/score.py\nCMD ["python3", "/opt/score.py"]\n`,
        'score.py': await readFile(
          path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'scoring-python', program),
          'utf8',
        ),
      },
      scoring: '    memory_mb: 512\n',
      timeout: 60,
    });

  it("gives Podium's own accuracy and macro F1 to 1e-10, and its per-class table", async () => {
    const record = await evaluateBaseline(
      await pythonCompetition(
        'score.py',
        `  - name: accuracy\n    primary: true\n  - name: f1_macro\n${programMetric('py_accuracy')}${programMetric('py_f1_macro')}`,
      ),
    );
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
    const probes = ['network', 'write_truth', 'write_outside_output', 'uid', 'read_truth'];
    const record = await evaluateBaseline(
      await pythonCompetition(
        'probe.py',
        `  - name: accuracy\n    primary: true\n${probes.map((n) => programMetric(n, 'minimize')).join('')}`,
      ),
    );
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
