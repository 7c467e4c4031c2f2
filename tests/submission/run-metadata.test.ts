import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompetition } from '../../runner/src/competition/load.js';
import { validateSubmission } from '../../runner/src/submission/validate.js';
import { exampleCompetition, submissionYml } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

const RUNS = `
runs:
  types: [automatic, manual, feedback]
  required: [priority, training_data, external_resources]
  max_per_type: 4
  notes_required_by: 2026-09-01T00:00:00Z
`;
const BEFORE = new Date('2026-06-01T12:00:00Z');
const AFTER = new Date('2026-09-02T12:00:00Z');

/** A complete run section, with `edit` applied to its lines. */
function runYml(edit: (lines: string) => string = (l) => l): string {
  return edit(`run:
  type: manual
  priority: 2
  training_data: the official training set and 2,000 segments we labelled
  external_resources: an ImageNet-pretrained ResNet-50
  notes: https://example.org/notes.pdf
`);
}

/** The example competition, with `runs` when given, and one submission of team alpha whose submission.yml ends with `extra`. */
async function setUp(runs: string | undefined, extra: string) {
  const ex = await exampleCompetition(await temp(), runs === undefined ? {} : { edit: (y) => `${y}${runs}` });
  const dir = await ex.submit('alpha', 'run-1', {
    'submission.yml': submissionYml('alpha', 'run-1', extra),
    'predictions.csv': await ex.baselinePredictions(),
  });
  const check = (now: Date) => validateSubmission(ex.competition, dir, { now });
  return { ex, dir, check };
}

/** The line of submission.yml where `text` first appears (1-based). */
async function lineOf(dir: string, text: string): Promise<number> {
  const lines = (await readFile(path.join(dir, 'submission.yml'), 'utf8')).split('\n');
  return lines.findIndex((l) => l.includes(text)) + 1;
}

describe('run metadata in submission.yml, as competition.yml runs asks for it', () => {
  it('takes a complete run, with no problem and no notice (the control of the refusals below)', async () => {
    const { check } = await setUp(RUNS, runYml());
    const r = await check(AFTER);
    expect(r.problems).toEqual([]);
    expect(r.notices).toEqual([]);
    expect(r.submission?.run).toEqual({
      type: 'manual',
      priority: 2,
      training_data: 'the official training set and 2,000 segments we labelled',
      external_resources: 'an ImageNet-pretrained ResNet-50',
      notes: 'https://example.org/notes.pdf',
    });
  });

  it('takes external_resources as a yes or no', async () => {
    const { check } = await setUp(
      RUNS,
      runYml((l) => l.replace('an ImageNet-pretrained ResNet-50', 'false')),
    );
    const r = await check(AFTER);
    expect(r.problems).toEqual([]);
    expect(r.submission?.run?.external_resources).toBe(false);
  });

  it('refuses a run type the competition does not declare, at its line, naming the types and the closest', async () => {
    const { dir, check } = await setUp(
      RUNS,
      runYml((l) => l.replace('type: manual', 'type: manaul')),
    );
    const r = await check(AFTER);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.message).toContain('"manaul" is not a run type of this competition; use one of: automatic, manual, feedback.');
    expect(r.problems[0]!.message).toContain('manual');
    expect(r.problems[0]!.line).toBe(await lineOf(dir, 'type: manaul'));
  });

  it('refuses a priority past the runs a team may send of a type; the last one allowed passes', async () => {
    const past = await setUp(
      RUNS,
      runYml((l) => l.replace('priority: 2', 'priority: 5')),
    );
    const r = await past.check(AFTER);
    expect(r.problems.map((p) => p.message)).toEqual([
      'priority 5 is past the 4 runs a team may send of a run type; give 1 to 4 (1 is your first choice).',
    ]);
    expect(r.problems[0]!.line).toBe(await lineOf(past.dir, 'priority: 5'));
    const last = await setUp(
      RUNS,
      runYml((l) => l.replace('priority: 2', 'priority: 4')),
    );
    expect((await last.check(AFTER)).problems).toEqual([]);
  });

  it('names each required field that is missing, at the run key, with what to write', async () => {
    const { dir, check } = await setUp(
      RUNS,
      runYml((l) => l.replace(/ {2}training_data:.*\n/, '').replace(/ {2}priority:.*\n/, '')),
    );
    const r = await check(AFTER);
    expect(r.problems.map((p) => p.message)).toEqual([
      'run.priority is missing: this competition asks every run for its priority among your runs (1 is your first choice); add "priority: 1" under "run:".',
      'run.training_data is missing: this competition asks every run for the data the system was trained on; add "training_data: …" under "run:".',
    ]);
    for (const p of r.problems) expect(p.line).toBe(await lineOf(dir, 'run:'));
  });

  it('asks for the whole run section when it is missing', async () => {
    const { check } = await setUp(RUNS, '');
    const r = await check(BEFORE);
    expect(r.ok).toBe(false);
    expect(r.problems[0]!.message).toBe(
      'this competition asks each submission to describe its run: add "run:" with type (the run type: automatic, manual, feedback), priority (its priority among your runs (1 is your first choice)), training_data (the data the system was trained on), external_resources (false, or what the system used beyond the training data).',
    );
  });

  it('asks for the notes link with a notice before its date and refuses the run without it after', async () => {
    const { dir, check } = await setUp(
      RUNS,
      runYml((l) => l.replace(/ {2}notes:.*\n/, '')),
    );
    const before = await check(BEFORE);
    expect(before.ok).toBe(true);
    expect(before.problems).toEqual([]);
    expect(before.notices?.map((n) => n.message)).toEqual([
      'a link to the working notes or paper (run.notes) will be required from 2026-09-01T00:00:00Z; add "notes: https://…" under "run:" by then.',
    ]);
    const after = await check(AFTER);
    expect(after.ok).toBe(false);
    expect(after.problems.map((p) => p.message)).toEqual([
      'a link to the working notes or paper (run.notes) is required since 2026-09-01T00:00:00Z; add "notes: https://…" under "run:".',
    ]);
    expect(after.problems[0]!.line).toBe(await lineOf(dir, 'run:'));
  });

  it('refuses a notes link that is not a web link', async () => {
    const { dir, check } = await setUp(
      RUNS,
      runYml((l) => l.replace('https://example.org/notes.pdf', 'ftp://example.org/notes.pdf')),
    );
    const r = await check(AFTER);
    expect(r.problems.map((p) => p.message)).toEqual([
      '"ftp://example.org/notes.pdf" is not a web link; give the working notes or paper as https://….',
    ]);
    expect(r.problems[0]!.line).toBe(await lineOf(dir, 'notes:'));
  });

  it('refuses a field runs does not know, and a value of the wrong type, by the schema', async () => {
    const { check } = await setUp(
      RUNS,
      runYml((l) => `${l}  budget: 3\n`),
    );
    const r = await check(AFTER);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.message)).toEqual([
      'unknown key "budget" under "run". Allowed keys: type, priority, training_data, external_resources, notes.',
    ]);
    const wrong = await setUp(
      RUNS,
      runYml((l) => l.replace('an ImageNet-pretrained ResNet-50', '3')),
    );
    expect((await wrong.check(AFTER)).problems.map((p) => p.message)).toEqual(['"run.external_resources" must be true or false or text.']);
  });

  it('refuses a run section where the competition has no runs, and accepts submission.yml as before without one', async () => {
    const withRun = await setUp(undefined, runYml());
    const r = await withRun.check(AFTER);
    expect(r.problems.map((p) => p.message)).toEqual([
      'this competition asks for no run metadata (its competition.yml has no "runs" section); remove "run:".',
    ]);
    expect(r.problems[0]!.line).toBe(await lineOf(withRun.dir, 'run:'));
    const plain = await setUp(undefined, '');
    const ok = await plain.check(AFTER);
    expect(ok.problems).toEqual([]);
    expect(ok.notices).toEqual([]);
  });

  it('takes optional run metadata where runs asks for nothing', async () => {
    const { check } = await setUp('\nruns: {}\n', 'run:\n  training_data: public data only\n');
    expect((await check(AFTER)).problems).toEqual([]);
    const typed = await setUp('\nruns: {}\n', 'run:\n  type: automatic\n');
    expect((await typed.check(AFTER)).problems.map((p) => p.message)).toEqual([
      'this competition declares no run types (runs.types); remove "type".',
    ]);
  });
});

describe("competition.yml's runs", () => {
  const base = async () => readFile(path.join((await exampleCompetition(await temp())).dir, 'competition.yml'), 'utf8');
  const problems = async (runs: string) => {
    const checked = await checkCompetition(`${await base()}${runs}`);
    return checked.ok ? [] : checked.problems.map((p) => p.message);
  };

  it('accepts a complete runs section (the control)', async () => {
    expect(await problems(RUNS)).toEqual([]);
  });

  it('refuses a count per run type without run types', async () => {
    expect(await problems('\nruns:\n  max_per_type: 4\n')).toEqual([
      'runs are counted per run type: list the types under "runs.types", or use limits.total.',
    ]);
  });

  it('refuses a required run type without run types', async () => {
    expect(await problems('\nruns:\n  required: [type]\n')).toEqual([
      'run.type is required, but no run types are listed: add "runs.types".',
    ]);
  });

  it('refuses notes both required from the start and from a date', async () => {
    expect(await problems('\nruns:\n  required: [notes]\n  notes_required_by: 2026-09-01T00:00:00Z\n')).toEqual([
      'notes are required from runs.notes_required_by on: remove "notes" here, or remove the date to require them from the start.',
    ]);
  });

  it('refuses a field it does not know', async () => {
    expect(await problems('\nruns:\n  required: [budget]\n')).toEqual([
      '"runs.required[0]" is "budget", which is not allowed. Allowed: type, priority, training_data, external_resources, notes.',
    ]);
  });
});
