import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { buildProgramImage } from '../../runner/src/sandbox/container/program-image.js';
import { limitsOf, PODIUM_LABEL } from '../../runner/src/sandbox/container/evaluate-container.js';
import { buildSite } from '../../leaderboard-site/src/build.js';
import { exampleCompetition } from '../helpers/competition.js';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { dryRun } from '../../runner/src/evaluate/dry-run.js';
import { checkCompetition, loadCompetition } from '../../runner/src/competition/load.js';
import { checkRecord } from '../../runner/src/results/record.js';
import { validateSubmission } from '../../runner/src/submission/validate.js';
import { dockerEngine, mountsOf } from '../../runner/src/sandbox/container/docker.js';
import type { ContainerEngine, RunSpec } from '../../runner/src/sandbox/container/engine.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';
import { useTempDirs } from '../helpers/temp.js';
import { requireTool } from '../helpers/tools.js';

/**
 * Competitions shaped as Codabench's are: reference data that is a folder of headerless files,
 * predictions one label per line with no header and no ids, a scoring program that reads
 * /app/input/ref and /app/input/res from its working folder /app/program, and code submissions
 * run by the organiser's ingestion program. The programs are shell and awk on busybox: the
 * contract is the folders, whatever the language.
 */
const temp = useTempDirs();

/** Test inputs 1..N; the label of x is x mod 3. */
const N = 30;
const INPUTS = Array.from({ length: N }, (_, i) => i + 1);
const TRUTH = INPUTS.map((x) => x % 3);
/** The participant's model: right but for multiples of 5, where it says 0. */
const MODEL = 'while read x; do if [ $((x % 5)) -eq 0 ]; then echo 0; else echo $((x % 3)); fi; done\n';
const MODEL_ANSWERS = INPUTS.map((x) => (x % 5 === 0 ? 0 : x % 3));
const ACCURACY = MODEL_ANSWERS.filter((a, i) => a === TRUTH[i]).length / N;

/** Accuracy line by line, as the canonical Codabench example computes it, and what res held. */
const SCORE_SH = [
  'ref=/app/input/ref/testing_label; res=/app/input/res/prediction',
  'test "$(pwd)" = /app/program || { echo "not run from /app/program"; exit 3; }',
  `acc=$(awk 'NR==FNR{t[FNR]=$1; n++; next} t[FNR]==$1{ok++} END{printf "%.12f", ok/n}' "$ref" "$res")`,
  'files=$(ls -A /app/input/res | wc -l)',
  'leak=0; [ -f /app/input/res/leak ] && leak=1',
  'wrote=0; [ -f /app/input/res/wrote_code ] && wrote=1',
  'printf \'{"accuracy": %s, "res_files": %s, "leak": %s, "wrote_code": %s}\' "$acc" "$files" "$leak" "$wrote" > /app/output/scores.json',
  '',
].join('\n');

/** The ingestion program: runs the participant's model.sh on the inputs. */
const INGEST_SH = 'sh /app/ingested_program/model.sh < /app/input_data/testing_data > /app/output/prediction\n';

/** Beside the scoring program: waits for the data the scoring program shares, answers through /app/shared. */
const INGEST_DURING_SH = [
  'i=0; while [ ! -f /app/shared/testing_data ]; do sleep 0.1; i=$((i+1)); [ $i -gt 200 ] && exit 4; done',
  'sh /app/ingested_program/model.sh < /app/shared/testing_data > /app/shared/prediction.part || { touch /app/shared/abort; exit 7; }',
  'mv /app/shared/prediction.part /app/shared/prediction',
  '',
].join('\n');
const SCORE_DURING_SH = [
  'cp /app/input/ref/testing_data /app/shared/testing_data.part && mv /app/shared/testing_data.part /app/shared/testing_data',
  'i=0; while [ ! -f /app/shared/prediction ]; do [ -f /app/shared/abort ] && exit 6; sleep 0.1; i=$((i+1)); [ $i -gt 200 ] && exit 5; done',
  `acc=$(awk 'NR==FNR{t[FNR]=$1; n++; next} t[FNR]==$1{ok++} END{printf "%.12f", ok/n}' /app/input/ref/testing_label /app/shared/prediction)`,
  'printf \'{"accuracy": %s}\' "$acc" > /app/output/scores.json',
  '',
].join('\n');

const dockerfile = (from: string, script: string) =>
  `FROM ${from}\nCOPY . /app/program\nWORKDIR /app/program\nCMD ["/bin/sh", "${script}"]\n`;

interface Made {
  dir: string;
  hidden: string;
  submit(name: string, kind: 'predictions' | 'code', files: Record<string, string>, extra?: string): Promise<string>;
}

/** A Codabench-shaped competition: program metrics only, a reference folder, optionally an ingestion program. */
async function codabenchCompetition(opts: {
  kinds: string;
  ingestion?: { from?: string; during?: boolean };
  scoreSh?: string;
  images?: Record<string, string>;
  metrics?: string;
  /** No reference data at all: the program gets an empty /app/input/ref. */
  noTruth?: boolean;
  /** More runtime lines. */
  runtime?: string;
  /** Public sample inputs for the dry run (data.sample_inputs). */
  sample?: boolean;
}): Promise<Made> {
  const root = await temp();
  const dir = path.join(root, 'competition');
  const hidden = path.join(root, 'hidden');
  await mkdir(path.join(dir, 'data', 'public'), { recursive: true });
  await mkdir(path.join(dir, 'scoring_program'), { recursive: true });
  await writeFile(path.join(dir, 'scoring_program', 'score.sh'), opts.scoreSh ?? SCORE_SH);
  await writeFile(path.join(dir, 'scoring_program', 'Dockerfile'), dockerfile(BASE_IMAGE, 'score.sh'));
  if (opts.ingestion) {
    await mkdir(path.join(dir, 'ingestion_program'), { recursive: true });
    await writeFile(path.join(dir, 'ingestion_program', 'ingest.sh'), opts.ingestion.during ? INGEST_DURING_SH : INGEST_SH);
    await writeFile(path.join(dir, 'ingestion_program', 'Dockerfile'), dockerfile(opts.ingestion.from ?? BASE_IMAGE, 'ingest.sh'));
  }
  // Codabench's reference data: a folder of files with no header and no ids.
  await mkdir(path.join(hidden, 'reference'), { recursive: true });
  await writeFile(path.join(hidden, 'reference', 'testing_label'), `${TRUTH.join('\n')}\n`);
  await mkdir(path.join(hidden, 'inputs'), { recursive: true });
  if (opts.sample) {
    await mkdir(path.join(dir, 'data', 'public', 'sample'), { recursive: true });
    await writeFile(path.join(dir, 'data', 'public', 'sample', 'testing_data'), '1\n2\n3\n');
  }
  await writeFile(path.join(hidden, 'inputs', 'testing_data'), `${INPUTS.join('\n')}\n`);
  if (opts.ingestion?.during) await writeFile(path.join(hidden, 'reference', 'testing_data'), `${INPUTS.join('\n')}\n`);
  const images = Object.entries(opts.images ?? {});
  await writeFile(
    path.join(dir, 'competition.yml'),
    [
      'version: 1',
      'title: Seeds',
      'slug: seeds',
      'data:',
      '  public: data/public',
      '  hidden:',
      '    env: PODIUM_HIDDEN_DIR',
      ...(opts.noTruth ? [] : ['  truth: reference']),
      ...(opts.ingestion && !opts.ingestion.during ? ['  inputs: inputs'] : []),
      ...(opts.sample ? ['  sample_inputs: sample'] : []),
      'metrics:',
      opts.metrics ??
        [
          '  - name: accuracy',
          '    from: program',
          '    direction: maximize',
          '    primary: true',
          '  - name: res_files',
          '    from: program',
          '    direction: minimize',
          '  - name: leak',
          '    from: program',
          '    direction: minimize',
          '  - name: wrote_code',
          '    from: program',
          '    direction: minimize',
        ].join('\n'),
      'phases:',
      '  - id: dev',
      '    name: Development',
      '    start: 2026-01-01T00:00:00Z',
      '    end: 2030-01-01T00:00:00Z',
      'submissions:',
      `  kinds: [${opts.kinds}]`,
      'scoring:',
      '  program:',
      '    build: scoring_program',
      '    timeout_seconds: 60',
      ...(opts.ingestion ? ['ingestion:', '  build: ingestion_program', ...(opts.ingestion.during ? ['  during_scoring: true'] : [])] : []),
      'runtime:',
      '  timeout_seconds: 60',
      '  memory_mb: 128',
      ...(opts.runtime ? [opts.runtime] : []),
      ...(images.length ? ['  images:', ...images.map(([k, v]) => `    ${k}: ${v}`)] : []),
      '',
    ].join('\n'),
  );
  return {
    dir,
    hidden,
    async submit(name, kind, files, extra = '') {
      const sub = path.join(dir, 'submissions', 'team-a', name);
      await mkdir(sub, { recursive: true });
      await writeFile(path.join(sub, 'submission.yml'), `team: team-a\nname: ${name}\nkind: ${kind}\n${extra}`);
      for (const [f, text] of Object.entries(files)) await writeFile(path.join(sub, f), text);
      return sub;
    },
  };
}

async function evaluate(made: Made, submissionDir: string, engine?: ContainerEngine, onLogs?: (l: string) => void): Promise<ResultRecord> {
  const competition = await loadCompetition(made.dir);
  const record = await evaluateSubmission({
    competition,
    hiddenDir: made.hidden,
    submissionDir,
    now: new Date('2026-06-01T00:00:00Z'),
    ...(engine ? { engine } : {}),
    ...(onLogs ? { onLogs } : {}),
  });
  expect(checkRecord(record).ok).toBe(true);
  return record;
}

/** The local engine with its runs changed: the controls that take a protection away. */
function engineWith(run: ContainerEngine['run']): ContainerEngine {
  const docker = dockerEngine();
  return {
    ping: () => docker.ping(),
    describe: () => docker.describe(),
    image: (r) => docker.image(r),
    pull: (r) => docker.pull(r),
    build: (...a) => docker.build(...a),
    sweep: (...a) => docker.sweep(...a),
    run,
  };
}

const scored = (r: ResultRecord) => {
  if (r.status !== 'scored') throw new Error(`${r.status}: ${r.error.message}`);
  return r.scores.public;
};

describe('mounts of a run', () => {
  const spec = (target: string): RunSpec =>
    ({ image: 'x', inputDir: '/in', outputDir: '/out', mounts: [{ source: '/s', target, readOnly: false }] }) as unknown as RunSpec;
  it('go under /app or /input only: /etc, /proc and a climb out are refused (control: /app/shared is mounted)', () => {
    expect(mountsOf(spec('/app/shared')).map((m) => m.Target)).toEqual(['/input', '/output', '/app/shared']);
    for (const bad of ['/etc', '/proc/self', '/app/../etc', '/', '/app'])
      expect(() => mountsOf(spec(bad)), bad).toThrow(/under \/app or \/input/);
  });
});

describe('what validation takes from a Codabench participant', () => {
  it('a predictions folder sent whole where the program alone scores; a folder with nothing but submission.yml is refused', async () => {
    const made = await codabenchCompetition({ kinds: 'predictions' });
    const competition = await loadCompetition(made.dir);
    const ok = await validateSubmission(competition, await made.submit('whole', 'predictions', { prediction: '1\n2\n' }));
    expect(ok.problems).toEqual([]);
    const empty = await validateSubmission(competition, await made.submit('empty', 'predictions', {}));
    expect(empty.problems.map((p) => p.message)).toEqual(['holds no file but submission.yml; put the predictions files beside it.']);
  });

  it('code submissions need the ingestion program that runs them, and it needs them', async () => {
    const base = (extra: string, kinds: string) =>
      `version: 1\ntitle: T\nslug: t\ndata: {public: p, hidden: {env: H}, truth: reference}\nmetrics: [{name: accuracy, from: program, direction: maximize}]\nphases: [{id: a, name: A, start: 2026-01-01T00:00:00Z, end: 2027-01-01T00:00:00Z}]\nsubmissions: {kinds: [${kinds}]}\nscoring: {program: {build: s}}\n${extra}`;
    const noIngestion = await checkCompetition(base('', 'code'));
    expect(noIngestion.ok ? [] : noIngestion.problems.map((p) => p.message)).toEqual([
      'code submissions are run by the organisers\' ingestion program: add "ingestion: { build: FOLDER }", the folder with its Dockerfile.',
    ]);
    const noCode = await checkCompetition(base('ingestion: {build: i}\n', 'predictions'));
    expect(noCode.ok ? [] : noCode.problems.map((p) => p.message)).toEqual([
      'the ingestion program runs code submissions: add "code" to submissions.kinds, or remove "ingestion".',
    ]);
    // Control: both together are a valid competition.
    expect((await checkCompetition(base('ingestion: {build: i}\n', 'code'))).ok).toBe(true);
  });

  it('finds a program folder without its Dockerfile when the competition is checked (control: with it, none)', async () => {
    const made = await codabenchCompetition({ kinds: 'code', ingestion: {} });
    const text = await readFile(path.join(made.dir, 'competition.yml'), 'utf8');
    expect(await checkCompetition(text, made.dir)).toMatchObject({ ok: true });
    await rm(path.join(made.dir, 'ingestion_program', 'Dockerfile'));
    const checked = await checkCompetition(text, made.dir);
    expect(checked.ok ? [] : checked.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      `${text.split('\n').indexOf('  build: ingestion_program') + 1}: the folder "ingestion_program" has no Dockerfile; the runner builds the program's image from it.`,
    ]);
  });

  it("needs a truth only where Podium's own metrics score (control: the program alone may do without)", async () => {
    const yml = (metric: string) =>
      `version: 1\ntitle: T\nslug: t\ndata: {public: p, hidden: {env: H}}\nmetrics: [${metric}]\nphases: [{id: a, name: A, start: 2026-01-01T00:00:00Z, end: 2027-01-01T00:00:00Z}]\nsubmissions: {kinds: [predictions]}\nscoring: {program: {build: s}}\n`;
    const builtIn = await checkCompetition(yml('{name: accuracy}'));
    expect(builtIn.ok ? [] : builtIn.problems.map((p) => p.message)).toEqual([
      "name the truth file in the hidden folder (data.truth, or the phase's truth): Podium's metrics, and the private part's split, read it.",
    ]);
    expect((await checkCompetition(yml('{name: accuracy, from: program, direction: maximize}'))).ok).toBe(true);
  });
});

describe('the competition page of a Codabench-shaped competition', () => {
  it("tells participants that the organisers' program reads their files as sent, and how code is run (control: a competition with Podium's metrics shows the format and the intervals)", async () => {
    const made = await codabenchCompetition({ kinds: 'predictions, code', ingestion: {} });
    const out = path.join(made.dir, '..', 'site');
    await buildSite({ competition: await loadCompetition(made.dir), records: [], outDir: out });
    const page = await readFile(path.join(out, 'competition.html'), 'utf8');
    expect(page).toContain('are handed to it as they are (every file of the folder but <code>submission.yml</code>');
    expect(page).toContain(
      'with the folder read-only at <code>/app/ingested_program</code>, the test inputs at <code>/app/input_data</code>',
    );
    expect(page).toContain('own number: it gives no confidence interval.');
    expect(page).not.toContain('95% bootstrap');

    const ex = await exampleCompetition(await temp());
    const exOut = path.join(ex.dir, '..', 'site');
    await buildSite({ competition: ex.competition, records: [], outDir: exOut });
    const exPage = await readFile(path.join(exOut, 'competition.html'), 'utf8');
    expect(exPage).toContain("Every score of Podium's own metrics has a 95% bootstrap confidence interval, and");
    expect(exPage).not.toContain('handed to it as they are');
  });
});

const engineHere = requireTool('a Docker engine', await engineAvailable());
describe.skipIf(!engineHere)('Codabench competitions on the real engine', () => {
  beforeAll(async () => {
    await ensureBaseImage();
  }, 120_000);

  it('scores a result submission as Codabench does: the reference folder and the files as sent, submission.yml left out', async () => {
    const made = await codabenchCompetition({ kinds: 'predictions' });
    const sub = await made.submit('result', 'predictions', { prediction: `${MODEL_ANSWERS.join('\n')}\n` });
    const record = await evaluate(made, sub);
    const scores = scored(record);
    expect(scores.accuracy!.value).toBeCloseTo(ACCURACY, 12);
    expect(scores.accuracy!.ci).toBeUndefined();
    // Only the prediction file reached the program: not submission.yml.
    expect(scores.res_files!.value).toBe(1);
    expect(record.provenance.data_hash).toMatch(/^sha256:/);
    // "predictions: prediction" names the one file instead: the same score.
    const named = await made.submit('named', 'predictions', { prediction: `${MODEL_ANSWERS.join('\n')}\n` }, 'predictions: prediction\n');
    expect(scored(await evaluate(made, named)).accuracy!.value).toBeCloseTo(ACCURACY, 12);
  });

  it('gives the program an empty /app/input/ref where the competition has no reference data', async () => {
    const made = await codabenchCompetition({
      kinds: 'predictions',
      noTruth: true,
      scoreSh:
        'printf \'{"ref_files": %s, "res_files": %s}\' "$(ls -A /app/input/ref | wc -l)" "$(ls -A /app/input/res | wc -l)" > /app/output/scores.json\n',
      metrics:
        '  - name: ref_files\n    from: program\n    direction: minimize\n    primary: true\n  - name: res_files\n    from: program\n    direction: minimize',
    });
    const scores = scored(await evaluate(made, await made.submit('result', 'predictions', { a: '1\n', b: '2\n' })));
    expect(scores.ref_files!.value).toBe(0);
    expect(scores.res_files!.value).toBe(2);
  });

  it('runs a code submission inside the ingestion program, measured, and scores what it wrote', async () => {
    const made = await codabenchCompetition({ kinds: 'code', ingestion: {} });
    const sub = await made.submit('model', 'code', { 'model.sh': MODEL });
    const record = await evaluate(made, sub);
    expect(scored(record).accuracy!.value).toBeCloseTo(ACCURACY, 12);
    expect(record.submission.kind).toBe('code');
    // Measured by the platform, as a container submission is.
    expect(record.resources?.wall_time_s).toBeGreaterThan(0);
    expect(record.resources?.startup_s).toBeGreaterThanOrEqual(0);
    expect(record.provenance.image_digest).toMatch(/^sha256:/);
  });

  it("keeps the reference data from the participant's code and the code folder read-only (control: the same probe finds both when they are open)", async () => {
    const made = await codabenchCompetition({ kinds: 'code', ingestion: {} });
    // The probe cheats if it can: copies the labels as its answers, and marks what it reached.
    const probe = [
      'for f in /app/input/ref/testing_label /input/ref/testing_label; do',
      '  if [ -r "$f" ]; then cat "$f"; touch /app/output/leak; exit 0; fi',
      'done',
      'touch /app/ingested_program/x 2>/dev/null && touch /app/output/wrote_code',
      MODEL,
    ].join('\n');
    const sub = await made.submit('probe', 'code', { 'model.sh': probe });
    const closed = scored(await evaluate(made, sub));
    expect(closed.leak!.value).toBe(0);
    expect(closed.wrote_code!.value).toBe(0);
    expect(closed.accuracy!.value).toBeCloseTo(ACCURACY, 12);

    // Control: an engine that mounts the reference into the ingestion run, and the code folder
    // read-write and open to all (it is a copy owned by the runner: the mount and the owner both shut it).
    const docker = dockerEngine();
    const weakened = engineWith(async (spec) => {
      for (const m of spec.mounts ?? []) if (m.target === '/app/ingested_program') await chmod(m.source, 0o777);
      return docker.run(
        spec.alsoAt?.input === '/app/input_data'
          ? {
              ...spec,
              mounts: [
                ...(spec.mounts ?? []).map((m) => ({ ...m, readOnly: false })),
                { source: path.join(made.hidden, 'reference'), target: '/app/input/ref', readOnly: true },
              ],
            }
          : spec,
      );
    });
    const open = scored(await evaluate(made, sub, weakened));
    expect(open.leak!.value).toBe(1);
    expect(open.accuracy!.value).toBe(1);
    const writable = await made.submit('probe-write', 'code', { 'model.sh': probe.split('\n').slice(3).join('\n') });
    expect(scored(await evaluate(made, writable, weakened)).wrote_code!.value).toBe(1);
  });

  it('runs the ingestion program beside the scoring program, the two sharing /app/shared (ingestion_only_during_scoring)', async () => {
    const made = await codabenchCompetition({
      kinds: 'code',
      ingestion: { during: true },
      scoreSh: SCORE_DURING_SH,
      metrics: '  - name: accuracy\n    from: program\n    direction: maximize',
    });
    const sub = await made.submit('model', 'code', { 'model.sh': MODEL });
    const record = await evaluate(made, sub);
    expect(scored(record).accuracy!.value).toBeCloseTo(ACCURACY, 12);
    // The resources are the ingestion run's: the participant's code ran there.
    expect(record.resources?.startup_s).toBeGreaterThanOrEqual(0);
    // A participant whose code fails: the record says the ingestion failed, not the scoring.
    const broken = await made.submit('broken', 'code', { 'model.sh': 'exit 7\n' });
    const failed = await evaluate(made, broken);
    expect(failed.status).toBe('failed');
    if (failed.status === 'failed') expect(failed.error.message).toBe('the ingestion program running your code exited with code 7');
  });

  it('stops code that leaves a link in /app/shared for the scoring program to follow to the labels (control: the same link, unwatched, scores 1.0)', async () => {
    const made = await codabenchCompetition({
      kinds: 'code',
      ingestion: { during: true },
      scoreSh: SCORE_DURING_SH,
      metrics: '  - name: accuracy\n    from: program\n    direction: maximize',
    });
    // The scoring program will read /app/shared/prediction: make it a link to the truth.
    const cheat = 'ln -s /app/input/ref/testing_label /app/shared/prediction\nsleep 2\n';
    const sub = await made.submit('cheat', 'code', { 'model.sh': `${cheat}exit 0\n` });
    const stopped = await evaluate(made, sub);
    expect(stopped.status).toBe('failed');
    if (stopped.status === 'failed')
      expect(stopped.error.message).toBe(
        'wrote a link or special file in /app/shared, which may hold plain files only; the ingestion program running your code was stopped',
      );
    // A link in a folder of the shared folder is seen as well.
    const nested = await made.submit('nested', 'code', {
      'model.sh': 'mkdir /app/shared/d\nln -s /app/input/ref/testing_label /app/shared/d/x\nsleep 2\nexit 0\n',
    });
    const deep = await evaluate(made, nested);
    expect(deep.status === 'failed' && deep.error.message).toBe(
      'wrote a link or special file in /app/shared, which may hold plain files only; the ingestion program running your code was stopped',
    );
    // Control: the same link, in a shared folder the scoring program gets without Podium's
    // watch (the program run by hand on the engine): it follows the link and scores 1.0.
    const docker = dockerEngine();
    const competition = await loadCompetition(made.dir);
    const built = await buildProgramImage(competition, docker, 'scoring_program', 'podium-test/shared-link-control:latest');
    if (!built.ok) throw new Error(built.why);
    const [input, output, shared] = [await temp(), await temp(), await temp()];
    await mkdir(path.join(input, 'ref'));
    await mkdir(path.join(input, 'res'));
    for (const d of [input, path.join(input, 'ref'), path.join(input, 'res')]) await chmod(d, 0o755);
    for (const d of [output, shared]) await chmod(d, 0o777);
    await symlink('/app/input/ref/testing_label', path.join(shared, 'prediction'));
    const run = await docker.run({
      image: built.id,
      inputDir: input,
      outputDir: output,
      alsoAt: { input: '/app/input', output: '/app/output' },
      mounts: [
        { source: path.join(made.hidden, 'reference'), target: '/app/input/ref', readOnly: true },
        { source: shared, target: '/app/shared', readOnly: false, watched: false },
      ],
      limits: limitsOf(competition),
      labels: { [PODIUM_LABEL]: 'test' },
    });
    expect(run.verdict).toEqual({ kind: 'exited', exitCode: 0 });
    expect(JSON.parse(await readFile(path.join(output, 'scores.json'), 'utf8'))).toEqual({ accuracy: 1 });
  }, 60_000);

  it("holds /app/shared to the participant's output limits, named as such, and stops the scoring program when the code fails", async () => {
    const made = await codabenchCompetition({
      kinds: 'code',
      ingestion: { during: true },
      scoreSh: SCORE_DURING_SH,
      metrics: '  - name: accuracy\n    from: program\n    direction: maximize',
      runtime: '  max_output_files: 50',
    });
    const files = (n: number) => `i=0; while [ $i -lt ${n} ]; do : > /app/shared/f$i; i=$((i+1)); done\nsleep 1\n`;
    const many = await evaluate(made, await made.submit('many', 'code', { 'model.sh': `${files(80)}${MODEL}` }));
    expect(many.status).toBe('failed');
    if (many.status === 'failed')
      expect(many.error.message).toBe(
        'wrote more than 50 files and folders in /app/shared; the ingestion program running your code was stopped',
      );
    // Control: fewer than the limit, and the run scores.
    expect(
      scored(await evaluate(made, await made.submit('few', 'code', { 'model.sh': `${files(20)}${MODEL}` }))).accuracy!.value,
    ).toBeCloseTo(ACCURACY, 12);
  }, 60_000);

  it('gives a code submission a dry run inside the ingestion program on the public sample inputs, logs shown', async () => {
    const made = await codabenchCompetition({ kinds: 'code', ingestion: {}, sample: true });
    const competition = await loadCompetition(made.dir);
    const sub = await made.submit('model', 'code', { 'model.sh': MODEL });
    const good = await dryRun(competition, sub, { team: 'team-a', name: 'model', kind: 'code' }, dockerEngine());
    expect(good).toMatchObject({ ran: true, ok: true, items: 1, noun: 'files' });
    const broken = await made.submit('broken', 'code', { 'model.sh': 'echo "no model here" >&2\nexit 3\n' });
    const bad = await dryRun(competition, broken, { team: 'team-a', name: 'broken', kind: 'code' }, dockerEngine());
    expect(bad).toMatchObject({ ran: true, ok: false, error: { message: 'the ingestion program running your code exited with code 3' } });
    if (bad.ran && !bad.ok) expect(bad.logs).toContain('no model here');
    // Beside the scoring program there is nothing to run it against: no dry run, and it says why.
    const during = await codabenchCompetition({ kinds: 'code', ingestion: { during: true }, sample: true, scoreSh: SCORE_DURING_SH });
    const none = await dryRun(await loadCompetition(during.dir), sub, { team: 'team-a', name: 'model', kind: 'code' }, dockerEngine());
    expect(none).toEqual({
      ran: false,
      why: 'the ingestion program runs beside the scoring program, which needs the hidden reference data',
    });
  });

  it("builds a bundle's image name through runtime.images (control: without the entry the record names the missing image and the way round it)", async () => {
    const legacy = 'codalab/codalab-legacy:py312';
    const mapped = await codabenchCompetition({ kinds: 'code', ingestion: { from: legacy }, images: { [legacy]: BASE_IMAGE } });
    const sub = await mapped.submit('model', 'code', { 'model.sh': MODEL });
    expect(scored(await evaluate(mapped, sub)).accuracy!.value).toBeCloseTo(ACCURACY, 12);

    const unmapped = await codabenchCompetition({ kinds: 'code', ingestion: { from: legacy } });
    const record = await evaluate(unmapped, await unmapped.submit('model', 'code', { 'model.sh': MODEL }));
    expect(record.status).toBe('failed');
    if (record.status === 'failed') {
      expect(record.error.code).toBe('ingestion-build-failed');
      expect(record.error.message).toContain(`the runner has no image ${legacy}`);
      expect(record.error.message).toContain('runtime.images');
    }
  }, 120_000);
});
