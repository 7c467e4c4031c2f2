import { readdir, readFile, writeFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { importCodabench } from '../../runner/src/import/codabench.js';
import { loadCompetition } from '../../runner/src/competition/load.js';
import { checkRecord } from '../../runner/src/results/record.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { ensurePythonImage, PYTHON_IMAGE, pythonImagePossible } from '../../scripts/debian-python-image.js';
import { useTempDirs } from '../helpers/temp.js';
import { requireTool } from '../helpers/tools.js';

/**
 * Import, then evaluate, as an organiser moving from Codabench does: the bundles of
 * scripts/golden/codabench-bundles.py (written by Python's zipfile in the published examples'
 * shapes) imported by `podium import codabench`, their images mapped to the Debian test image
 * through runtime.images, and the bundle's own solution evaluated by `podium evaluate`'s engine.
 * The expected scores are worked out here from the generator's data, not read from a run.
 */
const temp = useTempDirs();
const python = requireTool('the Debian Python test image (debootstrap)', await pythonImagePossible());
const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'codabench');

/** The generator's thirty labels: 1, 2, 3, 1, 2, 3, … */
const LABELS = Array.from({ length: 30 }, (_, i) => (i % 3) + 1);

async function imported(bundle: string): Promise<{ dir: string; hidden: string }> {
  const root = await temp();
  const dir = path.join(root, 'competition');
  const hidden = path.join(root, 'hidden');
  const result = await importCodabench({ bundle: path.join(FIXTURES, bundle), dir, hiddenDir: hidden });
  expect(result.problems).toEqual([]);
  // The runner has no codalab image: its names map to the Debian image with Python.
  const file = path.join(dir, 'competition.yml');
  const doc = parseDocument(await readFile(file, 'utf8'));
  doc.setIn(['runtime', 'images'], { 'codalab/codalab-legacy:py312': PYTHON_IMAGE, 'codalab/codalab-legacy:py37': PYTHON_IMAGE });
  await writeFile(file, doc.toString());
  return { dir, hidden };
}

async function evaluateSolution(
  made: { dir: string; hidden: string },
  phase: string,
): Promise<Extract<ResultRecord, { status: 'scored' }>> {
  const competition = await loadCompetition(made.dir);
  const [solution] = await readdir(path.join(made.dir, 'submissions', 'organisers'));
  const record = await evaluateSubmission({
    competition,
    hiddenDir: made.hidden,
    submissionDir: path.join(made.dir, 'submissions', 'organisers', solution!),
    phase,
    now: new Date('2026-06-01T00:00:00Z'),
  });
  expect(checkRecord(record).ok).toBe(true);
  if (record.status !== 'scored') throw new Error(`${record.status}: ${record.error.message}`);
  return record;
}

describe.skipIf(!python)('an imported Codabench competition, evaluated', () => {
  beforeAll(async () => {
    await ensurePythonImage((line) => console.log(`[python image] ${line}`));
  }, 600_000);

  it('scores the results bundle’s solution, one label per line with no header, with the bundle’s own program', async () => {
    const record = await evaluateSolution(await imported('results-v2-nested.zip'), 'development-phase');
    // The solution is the labels but the last, which it gives as 2 (the label is 3).
    const solution = [...LABELS.slice(0, 29), 2];
    const right = solution.filter((p, i) => p === LABELS[i]).length;
    expect(right).toBe(29);
    expect(record.scores.public.accuracy!.value).toBeCloseTo(right / LABELS.length, 12);
    expect(record.scores.public.accuracy!.ci).toBeUndefined();
    // The program's detailed results come with the record.
    expect(record.detailed_results).toBe(`<p>${right} right</p>`);
  }, 300_000);

  it('runs the code bundle’s solution (a model.py) inside the bundle’s ingestion program, and scores what it wrote', async () => {
    const record = await evaluateSolution(await imported('code-v2.zip'), 'development');
    // model.py maps the first feature, rounded, to its label: right on all ten test rows.
    expect(record.scores.public.accuracy!.value).toBe(1);
    // A score only the ingestion program's output carries (its metadata.json) reached the scoring program.
    expect(record.scores.public.duration!.value).toBe(1.5);
    expect(record.submission.kind).toBe('code');
    expect(record.resources?.wall_time_s).toBeGreaterThan(0);
  }, 300_000);
});
