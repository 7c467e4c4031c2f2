import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findMetric, metricNames } from '../../runner/src/scoring/metrics/registry.js';
import { labelSetMetrics } from '../../runner/src/scoring/metrics/label-sets.js';
import type { ScoringInput } from '../../runner/src/scoring/metrics/types.js';
import { loadTruth, truthReference } from '../../runner/src/scoring/truth.js';
import { loadPredictions } from '../../runner/src/scoring/predictions.js';
import { buildInput } from '../../runner/src/scoring/scoring-input.js';
import type { ScoringSpec } from '../../runner/src/scoring/spec.js';
import { TruthError } from '../../runner/src/scoring/spec.js';
import { checkCompetition } from '../../runner/src/competition/load.js';
import { exampleCompetition, runCli } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

interface Case {
  name: string;
  labels: string[] | null;
  classes: string[];
  truth: string[][];
  predicted: string[][];
  weights?: number[];
  values: Record<string, number>;
}

const golden = JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/label-sets/golden.json'), 'utf8')) as { cases: Case[] };
const temp = useTempDirs();
const NAMES = labelSetMetrics.map((m) => m.name);

/** The indicator matrices of a case, over scikit-learn's classes. */
function inputOf(c: Case, rows = c.truth.map((_, i) => i)): ScoringInput {
  const k = c.classes.length;
  const code = new Map(c.classes.map((x, i) => [x, i]));
  const truthSets = new Uint8Array(rows.length * k);
  const predictedSets = new Uint8Array(rows.length * k);
  rows.forEach((r, i) => {
    for (const l of c.truth[r]!) truthSets[i * k + code.get(l)!] = 1;
    for (const l of c.predicted[r]!) predictedSets[i * k + code.get(l)!] = 1;
  });
  return { units: rows.length, classes: { classes: c.classes, truth: new Int32Array(rows.length), truthSets, predictedSets } };
}

const spec = (labels?: string[]): ScoringSpec => ({
  id: 'id',
  target: 'label',
  score: 'score',
  reads: new Set(['predicted-sets']),
  ...(labels ? { labels } : {}),
});

const csv = (sets: string[][]) => `id,label\n${sets.map((s, i) => `item${i},${s.join(' ')}`).join('\n')}\n`;

describe('multi-label metrics on predicted label sets', () => {
  it('are registered under names no other metric has', () => {
    for (const name of NAMES) expect(findMetric(name)?.reads).toBe('predicted-sets');
    expect(new Set(metricNames()).size).toBe(metricNames().length);
    expect(NAMES).toEqual([
      'f1_samples',
      'precision_samples',
      'recall_samples',
      'jaccard_samples',
      'hamming_loss',
      'multilabel_f1_micro',
      'multilabel_f1_macro',
    ]);
  });

  for (const c of golden.cases) {
    it(`equal scikit-learn 1.2.1: ${c.name}`, () => {
      const input = inputOf(c);
      const w = c.weights ? Uint32Array.from(c.weights) : undefined;
      for (const m of labelSetMetrics) expect(Math.abs(m.prepare(input)(w) - c.values[m.name]!), m.name).toBeLessThan(1e-9);
    });
  }

  it('with bootstrap weights, equal the values on the items duplicated that often', () => {
    const c = golden.cases.find((x) => x.weights)!;
    const duplicated = c.weights!.flatMap((w, i) => Array.from({ length: w }, () => i));
    const weighted = inputOf(c);
    const copies = inputOf(c, duplicated);
    for (const m of labelSetMetrics) {
      expect(Math.abs(m.prepare(weighted)(Uint32Array.from(c.weights!), 1) - m.prepare(copies)()), m.name).toBeLessThan(1e-12);
    }
    // Weights all 1 are the plain value.
    for (const m of labelSetMetrics) expect(m.prepare(weighted)(new Uint32Array(c.truth.length).fill(1))).toBe(m.prepare(weighted)());
  });

  it('read the files: empty sets allowed, labels over the concepts, the same values as on the matrices', async () => {
    const c = golden.cases.find((x) => x.name === '300 random items')!;
    const s = spec(c.labels!);
    const truth = await loadTruth({ text: csv(c.truth) }, 'csv', s);
    const loaded = await loadPredictions('p.csv', { text: csv(c.predicted) }, 'csv', s, truthReference(truth, s, 'public'));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const input = buildInput(truth, loaded.predictions, loaded.rowOf!, s);
    expect(input.classes!.classes).toEqual(c.labels);
    for (const m of labelSetMetrics) expect(Math.abs(m.prepare(input)() - c.values[m.name]!), m.name).toBeLessThan(1e-9);
  });

  it('binarise over the labels of truth and predictions when the competition lists none', async () => {
    const c = golden.cases.find((x) => x.labels === null)!;
    const truth = await loadTruth({ text: csv(c.truth) }, 'csv', spec());
    const loaded = await loadPredictions('p.csv', { text: csv(c.predicted) }, 'csv', spec(), truthReference(truth, spec(), 'public'));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const input = buildInput(truth, loaded.predictions, loaded.rowOf!, spec());
    expect(input.classes!.classes).toEqual(c.classes);
    for (const m of labelSetMetrics) expect(Math.abs(m.prepare(input)() - c.values[m.name]!), m.name).toBeLessThan(1e-9);
  });

  it("refuse a predicted label that is not one of the competition's, saying where", async () => {
    const s = spec(['a', 'b', 'c']);
    const truth = await loadTruth({ text: 'id,label\nx,a b\ny,\n' }, 'csv', s);
    const loaded = await loadPredictions('p.csv', { text: 'id,label\nx,a\ny,b dd\n' }, 'csv', s, truthReference(truth, s, 'public'));
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.problems).toHaveLength(1);
    expect(loaded.problems[0]!.line).toBe(3);
    expect(loaded.problems[0]!.message).toMatch(
      /1 row has a label that is not one of the competition's labels .*line 3.*Allowed labels: a, b, c\./,
    );
  });

  it("refuse a truth label that is not among the concepts: the organiser's fault", async () => {
    const s = spec(['a', 'b']);
    const truth = await loadTruth({ text: 'id,label\nx,a z\n' }, 'csv', s);
    const loaded = await loadPredictions('p.csv', { text: 'id,label\nx,a\n' }, 'csv', s, truthReference(truth, s, 'public'));
    if (!loaded.ok) throw new Error('the predictions are fine');
    expect(() => buildInput(truth, loaded.predictions, loaded.rowOf!, s)).toThrow(TruthError);
    expect(() => buildInput(truth, loaded.predictions, loaded.rowOf!, s)).toThrow(
      /label\(s\) z that are not among the competition's labels/,
    );
  });

  it('refuse a truth that gives an id twice', async () => {
    await expect(loadTruth({ text: 'id,label\nx,a\ny,b\nx,b\n' }, 'csv', spec())).rejects.toThrow(
      /the truth gives the id "x" again on line 4 \(1 row repeats an earlier id\); give one row per id/,
    );
  });

  it('score from the command line, with intervals', async () => {
    const root = await temp();
    const c = golden.cases.find((x) => x.name === 'union of the labels seen')!;
    await writeFile(path.join(root, 'truth.csv'), csv(c.truth));
    await writeFile(
      path.join(root, 'pred.jsonl'),
      c.predicted.map((s, i) => JSON.stringify({ id: `item${i}`, label: s.join(' ') })).join('\n'),
    );
    const r = await runCli(root, [
      'score',
      '--truth',
      'truth.csv',
      '--predictions',
      'pred.jsonl',
      '--metrics',
      NAMES.join(','),
      '--ci',
      '--json',
      '--resamples',
      '200',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { metrics: Record<string, number>; intervals: Record<string, { low: number; high: number }> };
    for (const name of NAMES) {
      expect(Math.abs(out.metrics[name]! - c.values[name]!), name).toBeLessThan(1e-9);
      expect(out.intervals[name]!.low).toBeLessThanOrEqual(out.intervals[name]!.high);
    }
  });

  it('score end to end through the built command', async () => {
    const root = await temp();
    const c = golden.cases.find((x) => x.name === 'empty true sets')!;
    await writeFile(path.join(root, 'truth.csv'), csv(c.truth));
    await writeFile(path.join(root, 'pred.csv'), csv(c.predicted));
    const bin = path.join(import.meta.dirname, '../../bin/podium.js');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        bin,
        'score',
        '--truth',
        'truth.csv',
        '--predictions',
        'pred.csv',
        '--metrics',
        'f1_samples,hamming_loss,multilabel_f1_macro',
        '--json',
      ],
      { cwd: root },
    );
    const out = JSON.parse(stdout) as { metrics: Record<string, number> };
    // The CLI binarises over the labels seen (a, b, c): the case's own labels.
    for (const name of ['f1_samples', 'hamming_loss', 'multilabel_f1_macro'])
      expect(Math.abs(out.metrics[name]! - c.values[name]!), name).toBeLessThan(1e-9);
  });

  it('in competition.yml: need the concepts, and mix with no single-label metric', async () => {
    const c = await exampleCompetition(await temp());
    const yml = readFileSync(path.join(c.dir, 'competition.yml'), 'utf8');
    const withMetrics = (names: string[], text = yml) =>
      text
        .replace(
          /metrics:\n( {2}- name: .*\n( {4}.*\n)?)+/,
          `metrics:\n${names.map((n, i) => `  - name: ${n}\n${i === 0 ? '    primary: true\n' : ''}`).join('')}`,
        )
        .replace(/columns: \[.*\]/, `columns: [${names.join(', ')}]`);
    const ok = await checkCompetition(withMetrics(['f1_samples', 'hamming_loss', 'multilabel_map']), c.dir);
    expect(ok.ok ? [] : ok.problems).toEqual([]);
    const mixed = await checkCompetition(withMetrics(['f1_samples', 'accuracy']), c.dir);
    expect(mixed.ok ? '' : mixed.problems.map((p) => p.message).join('\n')).toMatch(
      /f1_samples read the target column as label sets; they cannot be mixed with accuracy\./,
    );
    const noConcepts = await checkCompetition(withMetrics(['jaccard_samples'], yml.replace(/concepts:\n( {2}.*\n)+/, '')), c.dir);
    expect(noConcepts.ok ? '' : noConcepts.problems.map((p) => p.message).join('\n')).toMatch(
      /jaccard_samples compare label sets over the competition's labels: list them under "concepts"\./,
    );
  });
});
