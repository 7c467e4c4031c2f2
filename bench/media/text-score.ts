/**
 * Podium's side of the text bench: BLEU and chrF of a hypothesis file against a reference
 * file (one segment a line, as sacrebleu's command line reads them), through the metric code
 * alone, printed as JSON. `--resamples=N` adds N bootstrap resamples of both metrics.
 *
 *     node build/bench/media/text-score.js HYPOTHESES REFERENCES [--resamples=N]
 */
import { readFileSync } from 'node:fs';
import { bootstrapIntervals, DEFAULT_BOOTSTRAP } from '../../runner/src/scoring/bootstrap.js';
import { findMetric } from '../../runner/src/scoring/metrics/registry.js';
import type { Evaluator, TextData } from '../../runner/src/scoring/metrics/types.js';
import { option } from '../measure.js';

function lines(file: string): string[] {
  const all = readFileSync(file, 'utf8').split('\n');
  if (all.length > 0 && all[all.length - 1] === '') all.pop();
  return all;
}

const [hypFile, refFile] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!hypFile || !refFile) {
  console.error('usage: text-score.js HYPOTHESES REFERENCES [--resamples=N]');
  process.exit(2);
}
const hypotheses = lines(hypFile);
const references = lines(refFile);
if (hypotheses.length !== references.length) {
  console.error(`${hypFile} has ${hypotheses.length} lines and ${refFile} ${references.length}: one segment a line in both`);
  process.exit(2);
}
const text: TextData = { ids: hypotheses.map((_, i) => String(i + 1)), hypotheses, references: references.map((r) => [r]) };
const input = { units: hypotheses.length, text };
const evaluators = new Map<string, Evaluator>(['bleu', 'chrf'].map((name) => [name, findMetric(name)!.prepare(input)]));
const out: Record<string, unknown> = {};
for (const [name, evaluate] of evaluators) out[name] = evaluate();
const resamples = option('resamples', 0);
if (resamples > 0) {
  const intervals = bootstrapIntervals(evaluators, input.units, { ...DEFAULT_BOOTSTRAP, resamples });
  out.intervals = Object.fromEntries(intervals);
}
console.log(JSON.stringify(out));
