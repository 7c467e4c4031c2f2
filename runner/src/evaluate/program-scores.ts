import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatFor } from '../competition/load.js';
import { TruthError, unitColumn, type ScoringSpec } from '../scoring/spec.js';
import { subsetRows } from '../scoring/subset.js';
import { runScoringProgram, type ProgramInput, type WantedScore } from '../sandbox/container/scoring-program.js';
import type { ErrorInfo } from '../results/schema.js';
import { CANCELLED, engineOf, type EvaluateOptions } from './options.js';
import type { Parts } from './private-split.js';
import type { HiddenTruth } from './hidden-truth.js';
import type { Ran } from './record-context.js';

export type ProgramScores =
  | {
      ok: true;
      /** The scores of the whole test set, or of its public part when there is a private one. */
      scores: Record<string, number>;
      detailed: string | undefined;
      /** The private part's scores, to be sealed. */
      privateScores: Record<string, number> | undefined;
    }
  | { ok: false; error: ErrorInfo };

/**
 * Scores the organiser's scoring program writes, next to Podium's own (no interval: the program
 * gives one number per metric). With a private part it runs on each part apart, so that what is
 * shown comes from the public rows only; the private run's scores are sealed.
 */
export async function programScores(
  opts: EvaluateOptions,
  ran: Extract<Ran, { ok: true }>,
  wanted: readonly WantedScore[],
  hidden: Extract<HiddenTruth, { ok: true }>,
  parts: Parts | undefined,
  spec: ScoringSpec,
  step: (s: string) => void,
): Promise<ProgramScores> {
  const { competition: c } = opts;
  const { file: truthFile, truth } = hidden;
  const sub = ran.ctx.report.submission!;
  // A predictions file is read from the submission; a container's or an endpoint's were kept as text.
  const text = ran.text?.text ?? (await readFile(path.join(opts.submissionDir, sub.predictions ?? ''), 'utf8'));
  const name = ran.text ? `predictions.${ran.text.format}` : path.basename(sub.predictions ?? 'predictions.csv');
  let inputs: ProgramInput[] = [{ truth: { file: truthFile }, predictions: { name, text } }];
  if (parts) {
    // Retrieval parts are sets of queries: the program sees those queries' rows whole.
    const by = unitColumn(spec);
    const ids = truth.columns.get(by);
    if (ids?.kind !== 'key') throw new TruthError(`the truth has no column "${by}"`);
    const truthText = await readFile(truthFile, 'utf8');
    inputs = [parts.public, parts.private].map((rows) => {
      const keep = new Set(Array.from(rows, (i) => ids.keys.get(i)));
      return {
        truth: { name: path.basename(truthFile), text: subsetRows(truthText, formatFor(c, truthFile), by, keep) },
        predictions: {
          name,
          text: subsetRows(text, ran.text && ran.text.format !== 'json' ? ran.text.format : formatFor(c, name), by, keep),
        },
      };
    });
  }
  const engine = await engineOf(opts);
  const program = await runScoringProgram(c, engine, inputs, wanted, step, opts.signal);
  if (opts.signal?.aborted) return { ok: false, error: { ...CANCELLED } };
  opts.onLogs?.(program.logs);
  if (!program.ok) return { ok: false, error: program.error };
  return { ok: true, scores: program.runs[0]!.scores, detailed: program.runs[0]!.detailed, privateScores: program.runs[1]?.scores };
}
