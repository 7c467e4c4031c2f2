import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { scoreFiles } from '../../runner/src/scoring/score.js';
import { decodeReplicates, drawCounts } from '../../runner/src/scoring/bootstrap.js';
import { builtIn, scoringSpec } from '../../runner/src/competition/load.js';
import { exampleCompetition, submissionYml } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/**
 * What a participant can do with a record's bootstrap replicates when the draws are known: each
 * replicate is the mean of the items' outcomes weighted by how often the resample drew each, so
 * the replicates are linear equations in the outcomes. Least squares (normal equations, solved
 * by Cholesky) gives each item's outcome, rounded to 0 or 1.
 */
function solveOutcomes(replicates: Float64Array, units: number, seed: number): Uint8Array {
  const ata = new Float64Array(units * units);
  const atb = new Float64Array(units);
  const counts = new Uint32Array(units);
  const nonzero: number[] = [];
  for (let b = 0; b < replicates.length; b++) {
    drawCounts(units, seed, b, counts);
    nonzero.length = 0;
    for (let j = 0; j < units; j++) if (counts[j]) nonzero.push(j);
    for (const j of nonzero) {
      const aj = counts[j]! / units;
      atb[j]! += aj * replicates[b]!;
      for (const k of nonzero) ata[j * units + k]! += (aj * counts[k]!) / units;
    }
  }
  // Cholesky: A = L Lᵀ, in place in the lower triangle.
  for (let j = 0; j < units; j++) {
    let d = ata[j * units + j]!;
    for (let k = 0; k < j; k++) d -= ata[j * units + k]! ** 2;
    const ljj = Math.sqrt(Math.max(d, 1e-300));
    ata[j * units + j] = ljj;
    for (let i = j + 1; i < units; i++) {
      let s = ata[i * units + j]!;
      for (let k = 0; k < j; k++) s -= ata[i * units + k]! * ata[j * units + k]!;
      ata[i * units + j] = s / ljj;
    }
  }
  const y = new Float64Array(units);
  for (let i = 0; i < units; i++) {
    let s = atb[i]!;
    for (let k = 0; k < i; k++) s -= ata[i * units + k]! * y[k]!;
    y[i] = s / ata[i * units + i]!;
  }
  const x = new Float64Array(units);
  for (let i = units - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < units; k++) s -= ata[k * units + i]! * x[k]!;
    x[i] = s / ata[i * units + i]!;
  }
  return Uint8Array.from(x, (v) => (v > 0.5 ? 1 : 0));
}

describe('the bootstrap on hidden data', () => {
  it("draws resamples nobody without the truth can know, so a record's replicates do not give each item's outcome (control: drawn from the published seed, they do)", async () => {
    const ex = await exampleCompetition(await temp());
    const truthFile = path.join(ex.hidden, 'truth.csv');
    const [head, ...rows] = (await readFile(truthFile, 'utf8')).trim().split('\n');
    const labels = [...new Set(rows.map((l) => l.split(',')[1]!))];
    // Right on about half the items, in a pattern the replicates would have to give away.
    const right = rows.map((_, i) => ((i * 2654435761) >>> 7) % 2 === 0);
    const predictions = [
      head!,
      ...rows.map((l, i) => {
        const [id, label] = l.split(',') as [string, string];
        return `${id},${right[i] ? label : labels.find((x) => x !== label)!}`;
      }),
    ].join('\n');
    const dir = await ex.submit('team-a', 'probe', {
      'submission.yml': submissionYml('team-a', 'probe'),
      'predictions.csv': `${predictions}\n`,
    });
    const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir });
    if (record.status !== 'scored') throw new Error(JSON.stringify(record));
    const ci = record.scores.public.accuracy!.ci!;
    expect(ci.draws).toBe('keyed-by-truth');
    const units = rows.length;
    const share = (got: Uint8Array) => got.filter((o, i) => (o === 1) === right[i]).length / units;

    // Control: the same truth and predictions scored with draws from the published seed (as
    // podium score does on a participant's own files): the replicates give every outcome away.
    const predictionsFile = path.join(path.dirname(ex.dir), 'probe.csv');
    await writeFile(predictionsFile, `${predictions}\n`);
    const open = await scoreFiles({
      truth: truthFile,
      predictionsPath: predictionsFile,
      predictionsName: 'probe.csv',
      spec: scoringSpec(ex.competition),
      metrics: builtIn(ex.competition.metrics).map((m) => ({ name: m.name, metric: m.metric, direction: m.direction })),
      bootstrap: { resamples: ci.resamples!, seed: ci.seed!, level: ci.level },
      keepReplicates: new Set(['accuracy']),
    });
    if (!open.ok) throw new Error(JSON.stringify(open));
    const openCi = open.values.accuracy!.ci!;
    expect(openCi.draws).toBeUndefined();
    expect(share(solveOutcomes(decodeReplicates(openCi.replicates!), units, openCi.seed!))).toBeGreaterThan(0.99);

    // The record's replicates, solved the same way from its published seed, tell no more than a coin.
    expect(share(solveOutcomes(decodeReplicates(ci.replicates!), units, ci.seed!))).toBeLessThan(0.65);
    // Yet they are still a bootstrap of the same score: an interval around it.
    expect(ci.low).toBeLessThan(record.scores.public.accuracy!.value);
    expect(ci.high).toBeGreaterThan(record.scores.public.accuracy!.value);
  });
});
