import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { importCodabench } from '../../runner/src/import/codabench.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/** A Codabench v2 bundle (a folder) with one phase of two tasks, as ImageCLEF runs two tracks side by side. */
async function twoTaskBundle(root: string, secondProgram = 'scoring_program'): Promise<string> {
  const bundle = path.join(root, 'bundle');
  const files: Record<string, string> = {
    'competition.yaml': `version: 2
title: Two tracks
docker_image: codalab/codalab-legacy:py39
tasks:
  - index: 0
    name: Concept detection
    description: Which concepts each image shows.
    scoring_program: scoring_program
    reference_data: ref_concepts
  - index: 1
    name: Caption prediction
    scoring_program: ${secondProgram}
    reference_data: ref_captions
phases:
  - index: 0
    name: Test
    start: 1-1-2026
    end: 12-31-2026
    tasks: [0, 1]
solutions:
  - index: 0
    name: captions baseline
    tasks: [1]
    path: solution/
leaderboards:
  - title: Results
    key: main
    submission_rule: Force_Best
    columns:
      - title: Score
        key: score
        index: 0
        sorting: desc
`,
    'scoring_program/metadata.yaml': 'command: python3 /app/program/score.py /app/input /app/output\n',
    'scoring_program/score.py': 'print("score")\n',
    'other_program/metadata.yaml': 'command: python3 /app/program/score.py /app/input /app/output\n',
    'other_program/score.py': 'print("other")\n',
    'ref_concepts/concepts.txt': 'img1 cat\n',
    'ref_captions/captions.txt': 'img1 a cat\n',
    'solution/answer.txt': 'img1 a dog\n',
  };
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(bundle, name)), { recursive: true });
    await writeFile(path.join(bundle, name), text);
  }
  return bundle;
}

describe('podium import codabench: several tasks in a phase', () => {
  it("maps a phase's tasks sharing one scoring program onto competition.yml tasks, each with its reference data as truth", async () => {
    const root = await temp();
    const dir = path.join(root, 'tracks');
    const result = await importCodabench({ bundle: await twoTaskBundle(root), dir, hiddenDir: path.join(root, 'secret') });
    expect(result.problems).toEqual([]);
    const yml = parse(await readFile(path.join(dir, 'competition.yml'), 'utf8')) as Record<string, unknown>;
    expect(yml.tasks).toEqual([
      {
        id: 'concept-detection',
        name: 'Concept detection',
        description: 'Which concepts each image shows.',
        data: { truth: 'concept-detection/reference' },
      },
      { id: 'caption-prediction', name: 'Caption prediction', data: { truth: 'caption-prediction/reference' } },
    ]);
    expect((yml.data as Record<string, unknown>).truth).toBeUndefined();
    expect(await readFile(path.join(root, 'secret', 'caption-prediction', 'reference', 'captions.txt'), 'utf8')).toBe('img1 a cat\n');
    // The solution, written for the caption task, names it.
    expect(await readFile(path.join(dir, 'submissions', 'organisers', 'solution', 'submission.yml'), 'utf8')).toBe(
      'team: organisers\nname: solution\nkind: predictions\ntask: caption-prediction\n',
    );
    expect(result.carried.join('\n')).toContain(
      'Every phase has the same 2 tasks → competition.yml tasks: "Concept detection" (concept-detection), "Caption prediction" (caption-prediction)',
    );
    expect(result.dropped.join('\n')).not.toContain('has several tasks');
  });

  it('keeps the first task, saying why, where the tasks have scoring programs of their own (control)', async () => {
    const root = await temp();
    const dir = path.join(root, 'tracks');
    const result = await importCodabench({
      bundle: await twoTaskBundle(root, 'other_program'),
      dir,
      hiddenDir: path.join(root, 'secret'),
    });
    const yml = parse(await readFile(path.join(dir, 'competition.yml'), 'utf8')) as Record<string, unknown>;
    expect(yml.tasks).toBeUndefined();
    expect((yml.data as Record<string, unknown>).truth).toBe('reference');
    expect(result.dropped.join('\n')).toContain(
      'Phase "Test" has several tasks; its first, "Concept detection", was taken, and "Caption prediction" left out: several tasks become competition.yml\'s tasks only where every phase lists the same ones and they share their scoring program, ingestion program and input data.',
    );
  });
});
