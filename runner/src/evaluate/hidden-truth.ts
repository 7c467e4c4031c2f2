import { stat } from 'node:fs/promises';
import path from 'node:path';
import { builtIn, formatFor, readsTables, scoringSpec, type Competition, type Phase } from '../competition/load.js';
import { headOf, MissingColumnsError, readTable } from '../scoring/table.js';
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
  // A competition with built-in metrics names a truth for every phase (checked with competition.yml).
  const truthName = (phase?.truth ?? c.config.data.truth)!;
  const file = path.join(opts.hiddenDir, truthName);
  try {
    if ((await stat(file).catch(() => undefined))?.isDirectory())
      return {
        ok: false,
        record: ctx.fail({
          code: 'truth-invalid',
          message: `the truth ${truthName} is a folder, but Podium reads the truth as a table (for its own metrics, or the private part's split); tell the organisers.`,
          platform_fault: true,
        }),
      };
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

/** A hidden data folder that does not fit competition.yml: the organisers' to fix. */
export interface HiddenFault {
  /** The competition.yml setting that names what is missing, e.g. data.slices. */
  setting: string;
  message: string;
}

/**
 * Whether the hidden data folder holds what the evaluation of each phase reads: the truth file,
 * the columns read from it (ids, target, slices, the private split column) and the inputs
 * folder. Only the first line of the truth is read: a truth that is there with the right
 * columns can still be malformed further down, which the evaluation reports.
 */
export async function checkHiddenData(c: Competition, hiddenDir: string, phases: readonly Phase[]): Promise<HiddenFault[]> {
  const faults: HiddenFault[] = [];
  const checked = new Set<string>();
  const spec = scoringSpec(c);
  const d = c.config.data;
  for (const phase of phases) {
    const truthSetting = phase.truth ? `phases[${c.config.phases.indexOf(phase)}].truth` : 'data.truth';
    const truthName = phase.truth ?? d.truth;
    if (truthName === undefined) continue;
    const inputs = phase.inputs ?? d.inputs;
    // The inputs are what container submissions read; a phase that takes none does not need them.
    const kinds = phase.kinds ?? c.config.submissions.kinds;
    if (inputs !== undefined && (kinds.includes('container') || kinds.includes('code')) && !checked.has(`inputs:${inputs}`)) {
      checked.add(`inputs:${inputs}`);
      const s = await stat(path.join(hiddenDir, inputs)).catch(() => undefined);
      if (!s?.isDirectory())
        faults.push({
          setting: phase.inputs ? `phases[${c.config.phases.indexOf(phase)}].inputs` : 'data.inputs',
          message: `the hidden data folder ${hiddenDir} has no inputs folder "${inputs}" (phase ${phase.id}).`,
        });
    }
    if (checked.has(`truth:${truthName}`)) continue;
    checked.add(`truth:${truthName}`);
    const file = path.join(hiddenDir, truthName);
    const s = await stat(file).catch(() => undefined);
    // Reference data for the scoring program alone may be a folder, read by nothing but the program.
    const programOnly = !readsTables(c);
    if (programOnly && (s?.isFile() || s?.isDirectory())) continue;
    if (s?.isDirectory()) {
      faults.push({
        setting: truthSetting,
        message: `"${truthName}" in the hidden data folder ${hiddenDir} is a folder (phase ${phase.id}), but Podium reads the truth as a table (for its own metrics, or the private part's split); name the file, or leave the scoring to the scoring program.`,
      });
      continue;
    }
    if (!s?.isFile()) {
      faults.push({
        setting: truthSetting,
        message: `the hidden data folder ${hiddenDir} has no truth file "${truthName}" (phase ${phase.id}).`,
      });
      continue;
    }
    const format = formatFor(c, file);
    if (format === 'trec') continue;
    const wanted: { name: string; setting: string }[] = [
      ...(spec.reads.has('ranking') && spec.query ? [{ name: spec.query, setting: 'data.query_column' }] : []),
      { name: spec.id, setting: 'data.id_column' },
      { name: spec.target, setting: 'data.target_column' },
      ...(d.slices ?? []).map((name, i) => ({ name, setting: `data.slices[${i}]` })),
      ...(c.config.private?.split_column ? [{ name: c.config.private.split_column, setting: 'private.split_column' }] : []),
    ];
    // The header (CSV) or first record (JSON Lines) alone.
    const head = await headOf(file, 1 << 16);
    const nl = head.indexOf('\n');
    if (nl < 0 && head.length === 1 << 16) continue;
    const first = nl < 0 ? head : head.slice(0, nl + 1);
    try {
      await readTable(
        { text: first },
        [...new Set(wanted.map((w) => w.name))].map((name) => ({ name, kind: 'key' as const })),
        format,
      );
    } catch (e: unknown) {
      if (!(e instanceof MissingColumnsError)) continue;
      for (const name of e.missing) {
        const setting = wanted.find((w) => w.name === name)?.setting ?? 'data';
        faults.push({
          setting,
          message: `the truth file "${truthName}" (phase ${phase.id}) has no column "${name}", which ${setting} names; its columns: ${e.header.join(', ')}.`,
        });
      }
    }
  }
  return faults;
}
