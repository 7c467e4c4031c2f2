import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLASSES, FEATURES, exampleData, nearestCentroid, toCsv } from './data.js';
import { submissionYml } from './submission.js';

/**
 * The example's generated files in a competition made from templates/examples/sound-events:
 * the public data, the hidden truth and inputs (in `hidden`, outside the repository), and the
 * organisers' baseline submission. Returns the submission's folder, relative to `dir`.
 */
export async function writeExample(dir: string, hidden: string): Promise<string> {
  const data = exampleData();
  const pub = path.join(dir, 'data', 'public');
  await writeFile(
    path.join(pub, 'train.csv'),
    toCsv(
      ['id', ...FEATURES, 'label'],
      data.train.map((e) => [e.id, ...e.features, e.label]),
    ),
  );
  await writeFile(
    path.join(pub, 'test.csv'),
    toCsv(
      ['id', ...FEATURES],
      data.test.map((e) => [e.id, ...e.features]),
    ),
  );
  await mkdir(hidden, { recursive: true });
  await writeFile(
    path.join(hidden, 'truth.csv'),
    toCsv(
      ['id', 'label'],
      data.test.map((e) => [e.id, e.label]),
    ),
  );
  // What container submissions read at /input: the test features, never the labels.
  await mkdir(path.join(hidden, 'inputs'), { recursive: true });
  await writeFile(
    path.join(hidden, 'inputs', 'test.csv'),
    toCsv(
      ['id', ...FEATURES],
      data.test.map((e) => [e.id, ...e.features]),
    ),
  );

  const sub = path.join(dir, 'submissions', 'baseline', 'nearest-centroid');
  await mkdir(sub, { recursive: true });
  const predicted = nearestCentroid(data.train, data.test);
  await writeFile(
    path.join(sub, 'predictions.csv'),
    toCsv(
      ['id', 'label'],
      data.test.map((e, i) => [e.id, predicted[i]!]),
    ),
  );
  await writeFile(
    path.join(sub, 'submission.yml'),
    submissionYml('nearest-centroid', 'predictions.csv', [
      "Organisers' baseline: standardise the four features on the training set and give",
      `each test segment the class (${CLASSES.join(', ')}) whose mean it is nearest to.`,
    ]),
  );
  return path.relative(dir, sub).split(path.sep).join('/');
}
