import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleData, gaussianNaiveBayes, loudnessRule, toCsv } from '../../runner/src/example/data.js';
import { argv } from '../helpers/argv.js';
import { runCli } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

async function files(root: string) {
  const { train, test } = exampleData();
  await writeFile(
    path.join(root, 'truth.csv'),
    toCsv(
      ['id', 'label'],
      test.map((e) => [e.id, e.label]),
    ),
  );
  const write = (name: string, labels: string[]) =>
    writeFile(
      path.join(root, name),
      toCsv(
        ['id', 'label'],
        test.map((e, i) => [e.id, labels[i]!]),
      ),
    );
  await write('strong.csv', gaussianNaiveBayes(train, test));
  await write('half.csv', gaussianNaiveBayes(train.slice(0, 400), test));
  await write('weak.csv', loudnessRule(train, test));
  // The same predictions as JSON Lines.
  const strong = gaussianNaiveBayes(train, test);
  await writeFile(path.join(root, 'strong.jsonl'), test.map((e, i) => JSON.stringify({ id: e.id, label: strong[i] })).join('\n') + '\n');
}

const run = (cwd: string, ...argv: string[]) => runCli(cwd, argv);

describe('podium compare', () => {
  it('says A is better when the paired interval is above zero', async () => {
    const root = await temp();
    await files(root);
    const { code, out } = await run(root, 'compare', ...argv({ truth: 'truth.csv', metric: 'accuracy' }, 'strong.csv', 'weak.csv'));
    expect(code).toBe(0);
    expect(out).toContain('accuracy: A 0.9133, B 0.5367');
    expect(out).toContain('Verdict: A is better.');
  });

  it('calls a close pair statistically tied, and B better when it is', async () => {
    const root = await temp();
    await files(root);
    const tied = await run(root, 'compare', ...argv({ truth: 'truth.csv', metric: 'accuracy', json: true }, 'strong.csv', 'half.csv'));
    const result = JSON.parse(tied.out) as { verdict: string; difference: { low: number; high: number }; resamples: number; seed: number };
    expect(result.verdict).toBe('statistically tied');
    expect(result.difference.low).toBeLessThanOrEqual(0);
    expect(result.difference.high).toBeGreaterThan(0);
    expect(result.resamples).toBe(1000);
    const reversed = await run(root, 'compare', ...argv({ truth: 'truth.csv', metric: 'f1_macro' }, 'weak.csv', 'strong.csv'));
    expect(reversed.out).toContain('Verdict: B is better.');
  });
});

describe('podium score with intervals', () => {
  it('prints intervals with --ci, and reads JSON Lines predictions', async () => {
    const root = await temp();
    await files(root);
    const csv = await run(
      root,
      'score',
      ...argv({ truth: 'truth.csv', predictions: 'strong.csv', metrics: 'accuracy,cohen_kappa', ci: true, resamples: 200, json: true }),
    );
    const jsonl = await run(
      root,
      'score',
      ...argv({ truth: 'truth.csv', predictions: 'strong.jsonl', metrics: 'accuracy,cohen_kappa', ci: true, resamples: 200, json: true }),
    );
    expect(csv.code).toBe(0);
    expect(jsonl.out).toBe(csv.out);
    const parsed = JSON.parse(csv.out) as {
      metrics: Record<string, number>;
      intervals: Record<string, { low: number; high: number; resamples: number }>;
    };
    expect(parsed.intervals.accuracy!.low).toBeLessThan(parsed.metrics.accuracy!);
    expect(parsed.intervals.accuracy!.high).toBeGreaterThan(parsed.metrics.accuracy!);
    expect(parsed.intervals.accuracy!.resamples).toBe(200);
    const text = await run(
      root,
      'score',
      ...argv({ truth: 'truth.csv', predictions: 'strong.csv', metrics: 'accuracy', ci: true, resamples: 50 }),
    );
    expect(text.out).toMatch(/\| accuracy \| +0\.9133 \| 0\.\d{4} – 0\.\d{4} \|/);
    expect(text.out).toContain('percentile bootstrap over 600 items, 50 resamples');
  });

  it('refuses a bad --resamples', async () => {
    const { code, err } = await run(
      '/',
      'score',
      ...argv({ truth: 'a', predictions: 'b', metrics: 'accuracy', ci: true, resamples: 'lots' }),
    );
    expect(code).toBe(2);
    expect(err).toContain('--resamples takes a whole number from 0 to 100000.');
  });

  it('lists the metrics with their direction and what they read', async () => {
    const { out } = await run('/', 'score', '--list');
    expect(out).toMatch(/\| log_loss +\| minimize +\| class-scores +\|/);
    expect(out).toMatch(/\| ndcg@k +\| maximize +\| ranking +\|/);
  });
});
