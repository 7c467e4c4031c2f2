import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSite, recordPage } from '../../leaderboard-site/src/build.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { checkRecord } from '../../runner/src/results/record.js';
import { parseScores } from '../../runner/src/sandbox/container/scoring-program.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';
import { exampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

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

  async function setup(script: string) {
    const root = await temp();
    const ex = await exampleCompetition(root, {
      edit: (y) =>
        y
          .replace(
            /metrics:\n[\s\S]*?\nphases:/,
            'metrics:\n  - name: accuracy\n    primary: true\n  - name: program_accuracy\n    from: program\n    direction: maximize\n    label: Accuracy (scoring program)\n\nphases:',
          )
          .replace(/leaderboard:[\s\S]*$/, `scoring:\n  program:\n    build: scoring\n    timeout_seconds: 20\n`),
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

describe('competition.yml with a scoring program', () => {
  it('needs scoring.program and a direction for the metrics it writes', async () => {
    await expect(
      exampleCompetition(await temp(), {
        edit: (y) => y.replace('  - name: accuracy\n', '  - name: accuracy\n  - name: from_program\n    from: program\n'),
      }),
    ).rejects.toThrow(/needs scoring.program[\s\S]*say whether from_program is better higher or lower/);
  });
});
