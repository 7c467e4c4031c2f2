import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  bootstrapSettings,
  builtIn,
  formatFor,
  readsBoxes,
  readsTables,
  scoringSpec,
  type Competition,
  type Phase,
} from '../competition/load.js';
import { readCocoTruth, type CocoTruth } from '../scoring/coco.js';
import { plural } from '../contracts/problems.js';
import { publicImages } from '../submission/validate.js';
import { headOf, MissingColumnsError, readTable } from '../scoring/table.js';
import { TruthError, type ScoringSpec } from '../scoring/spec.js';
import { loadTruth, wholeGrades } from '../scoring/truth.js';
import { trecMetric } from '../scoring/metrics/trec.js';
import type { Table } from '../scoring/table.js';
import { hashFile, keyOfFile } from '../files/tree.js';
import type { ErrorInfo, ResultRecord } from '../results/schema.js';
import type { EvaluateOptions } from './options.js';
import type { RecordContext } from './record-context.js';

export type HiddenTruth =
  | {
      ok: true;
      truth: Table;
      /** Where it was read from, for a scoring program. */
      file: string;
      dataHash: string;
      /** The bootstrap's draws on this truth: a seed that needs the truth to be known (keyOfFile). */
      drawKey: Buffer;
    }
  | { ok: false; record: ResultRecord };

/**
 * The phase's truth from the runner's hidden data folder, with the columns the slices and the
 * private split need. A truth that is missing or unusable is the organisers' to fix.
 */
export async function readHiddenTruth(opts: EvaluateOptions, ctx: RecordContext, spec: ScoringSpec): Promise<HiddenTruth> {
  const { competition: c } = opts;
  const { truthName, file } = truthFileOf(opts, ctx.phaseId);
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
    return { ok: true, truth, file, dataHash, drawKey: await keyOfFile(file, bootstrapSettings(c).seed) };
  } catch (e: unknown) {
    if (e instanceof TruthError) return { ok: false, record: ctx.fail(truthInvalid(e)) };
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, record: ctx.fail(truthUnavailable(truthName)) };
    throw e;
  }
}

/** The phase's truth file in the runner's hidden data folder: its name there, and its path. */
export function truthFileOf(opts: EvaluateOptions, phaseId: string | undefined): { truthName: string; file: string } {
  const phase = opts.competition.config.phases.find((p) => p.id === phaseId);
  // A competition with built-in metrics names a truth for every phase (checked with competition.yml).
  const truthName = (phase?.truth ?? opts.competition.config.data.truth)!;
  return { truthName, file: path.join(opts.hiddenDir, truthName) };
}

/** The error of a truth file the runner does not have. */
export function truthUnavailable(truthName: string): ErrorInfo {
  return {
    code: 'truth-unavailable',
    message: `the runner has no truth file at ${truthName} in its hidden data folder; tell the organisers.`,
    platform_fault: true,
  };
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
  // With tasks, each task's own truth and columns, through its view; a fault names its task.
  if (c.tasks && c.tasks.length > 0) {
    const all: HiddenFault[] = [];
    for (const [i, view] of c.tasks.entries()) {
      const viewPhases = view.config.phases.filter((p) => phases.some((q) => q.id === p.id));
      for (const f of await checkHiddenData(view, hiddenDir, viewPhases))
        all.push({ setting: `tasks[${i}] (${f.setting})`, message: `task "${view.task!.id}": ${f.message}` });
    }
    // A truth two tasks share is one fault, said once.
    return all.filter(
      (f, i) => all.findIndex((g) => g.message.replace(/^task "[^"]+": /, '') === f.message.replace(/^task "[^"]+": /, '')) === i,
    );
  }
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
    if (readsBoxes(c) && s?.isFile()) {
      // A COCO truth is read whole: its images and categories must be those participants are given.
      const fault = await cocoTruthFault(c, file);
      if (fault) faults.push({ setting: truthSetting, message: `the truth file "${truthName}" (phase ${phase.id}) ${fault}` });
      continue;
    }
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

/**
 * What is wrong with a COCO truth file for this competition, or undefined: unreadable, an image
 * field the slices or the private split read missing, or images and categories other than the
 * public list of test images (data.ids) gives participants. Said in words that follow the file's
 * name.
 */
export async function cocoTruthFault(c: Competition, file: string): Promise<string | undefined> {
  let truth: CocoTruth;
  try {
    truth = await readCocoTruth({ path: file }, { fields: cocoFields(c) });
  } catch (e: unknown) {
    if (e instanceof TruthError) return `cannot be used: ${e.message}.`;
    throw e;
  }
  return cocoMismatch(truth, await publicImages(c));
}

/** The image fields a COCO competition reads from its truth: the slices and the private split column. */
export function cocoFields(c: Competition): string[] {
  const split = c.config.private?.split_column;
  return [...(c.config.data.slices ?? []), ...(split ? [split] : [])];
}

/** How the truth's images and categories differ from the public list's, in words; undefined when they do not. */
export function cocoMismatch(truth: CocoTruth, listed: CocoTruth): string | undefined {
  const differ = (what: string, hidden: Float64Array, shown: Float64Array): string | undefined => {
    const inHidden = new Set(hidden);
    const inShown = new Set(shown);
    const onlyShown = [...inShown].filter((id) => !inHidden.has(id));
    const onlyHidden = [...inHidden].filter((id) => !inShown.has(id));
    if (onlyShown.length + onlyHidden.length === 0) return undefined;
    const ids = (xs: number[]) => `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? ', …' : ''}`;
    return [
      onlyShown.length ? `${plural(onlyShown.length, what)} of the public list (${ids(onlyShown)}) not in the truth` : '',
      onlyHidden.length ? `${plural(onlyHidden.length, what)} of the truth (${ids(onlyHidden)}) not in the public list` : '',
    ]
      .filter(Boolean)
      .join(', and ');
  };
  const found = [differ('image', truth.imageIds, listed.imageIds), differ('category', truth.categoryIds, listed.categoryIds)].filter(
    Boolean,
  );
  return found.length ? `does not match data.ids, the public list of test images: ${found.join('; ')}.` : undefined;
}
