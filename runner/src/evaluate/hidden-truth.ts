import path from 'node:path';
import { builtIn, formatFor } from '../competition/load.js';
import { TruthError, type ScoringSpec } from '../scoring/spec.js';
import { loadTruth, wholeGrades } from '../scoring/truth.js';
import { trecMetric } from '../scoring/metrics/trec.js';
import type { Table } from '../scoring/table.js';
import { hashFile } from '../files/tree.js';
import type { ErrorInfo, ResultRecord } from '../results/schema.js';
import type { EvaluateOptions } from './options.js';
import type { RecordContext } from './record-context.js';

export type HiddenTruth =
  | { ok: true; truth: Table; /** Where it was read from, for a scoring program. */ file: string; dataHash: string }
  | { ok: false; record: ResultRecord };

/**
 * The phase's truth from the runner's hidden data folder, with the columns the slices and the
 * private split need. A truth that is missing or unusable is the organisers' to fix.
 */
export async function readHiddenTruth(opts: EvaluateOptions, ctx: RecordContext, spec: ScoringSpec): Promise<HiddenTruth> {
  const { competition: c } = opts;
  const phase = c.config.phases.find((p) => p.id === ctx.phaseId);
  const truthName = phase?.truth ?? c.config.data.truth;
  const file = path.join(opts.hiddenDir, truthName);
  try {
    const dataHash = await hashFile(file);
    const split = c.config.private?.split_column;
    const truth = await loadTruth({ path: file }, formatFor(c, file), spec, [...(c.config.data.slices ?? []), ...(split ? [split] : [])]);
    // Not the participant's fault, and no grade named: the truth is hidden.
    if (spec.reads.has('ranking') && builtIn(c.metrics).some((m) => trecMetric(m.name)) && !wholeGrades(truth, spec))
      throw new TruthError("the truth's relevance grades are not all whole numbers, which trec_eval's measures need");
    return { ok: true, truth, file, dataHash };
  } catch (e: unknown) {
    if (e instanceof TruthError) return { ok: false, record: ctx.fail(truthInvalid(e)) };
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return {
        ok: false,
        record: ctx.fail({
          code: 'truth-unavailable',
          message: `the runner has no truth file at ${truthName} in its hidden data folder; tell the organisers.`,
          platform_fault: true,
        }),
      };
    }
    throw e;
  }
}

/** The error of a truth the scoring cannot use. */
export function truthInvalid(e: TruthError): ErrorInfo {
  return { code: 'truth-invalid', message: `${e.message}; tell the organisers.`, platform_fault: true };
}
