import { chmod, copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Competition } from '../../competition/load.js';
import type { ErrorInfo } from '../../results/schema.js';
import type { ContainerEngine, Mount, RunSpec } from './engine.js';
import { PODIUM_LABEL } from './evaluate-container.js';
import { buildProgramImage } from './program-image.js';
import { copyPlainFiles } from '../../files/tree.js';
import { harvest, outputRoot, readHarvested, removeOutput } from './harvest.js';

/**
 * An organiser's scoring program, run the way CodaLab and Codabench organisers know: the
 * reference data at /app/input/ref, the participant's predictions at /app/input/res, scores
 * written to /app/output/scores.json (or scores.txt as "key: value" lines), and optionally
 * /app/output/detailed_results.html. The same folders are at /input and /output too, as Podium's
 * own programs read them. It sees the truth, so it runs in the same sandbox as submissions: no
 * network, read-only inputs, no runner environment. Its logs stay with the organisers.
 *
 * It runs once per input: once in all, or, with a sealed private part, once on the public rows
 * and once on the private rows, each run seeing that part's truth and predictions only.
 */
export type ProgramOutcome = { ok: true; runs: ProgramRun[]; logs: string } | { ok: false; error: ErrorInfo; logs: string };

export interface ProgramRun {
  /** By metric name. */
  scores: Record<string, number>;
  detailed?: string;
}

/**
 * One run's files. The truth: a file of the hidden folder, a part of it, or a folder of the
 * hidden folder (Codabench's reference data, mounted read-only as it is). The predictions: a
 * file's text, or a folder whose plain files are handed over (a submission folder but its
 * submission.yml, or what an ingestion program wrote), or nothing, where an ingestion program
 * running beside the scoring program hands its predictions over in /app/shared.
 */
export interface ProgramInput {
  truth: { file: string } | { name: string; text: string } | { dir: string } | { nothing: true };
  predictions: { name: string; text: string } | { file: string } | { dir: string; leave?: readonly string[] } | { nothing: true };
}

/**
 * A score the program writes: the metric's name, and the key it is written under. Only a
 * required one (the primary metric) fails the run when it is missing; another is left out of
 * the record, as Codabench leaves a column it gets no score for empty.
 */
export interface WantedScore {
  name: string;
  key: string;
  required?: boolean;
}

/**
 * Something that runs beside the scoring program, sharing /app/shared with it (Codabench's
 * ingestion during scoring): given the shared folder, it resolves when its own run ends.
 */
export type Beside<T> = (shared: string) => Promise<T>;

const DETAILED_LIMIT = 256 * 1024;

/** scores.json (an object of numbers) or scores.txt ("key: value" lines). */
export function parseScores(json: string | undefined, txt: string | undefined): Record<string, number> | string {
  if (json !== undefined) {
    let v: unknown;
    try {
      v = JSON.parse(json);
    } catch {
      return 'scores.json is not JSON';
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) return 'scores.json is not an object of scores';
    const out: Record<string, number> = {};
    for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
    return out;
  }
  if (txt !== undefined) {
    const out: Record<string, number> = {};
    for (const line of txt.split(/\r?\n/)) {
      const m = /^\s*([^:#]+?)\s*:\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/.exec(line);
      if (m) out[m[1]!] = Number(m[2]);
    }
    return out;
  }
  return 'it wrote neither /output/scores.json nor /output/scores.txt';
}

export async function runScoringProgram<T = never>(
  c: Competition,
  engine: ContainerEngine,
  inputs: readonly ProgramInput[],
  wanted: readonly WantedScore[],
  step: (s: string) => void,
  signal?: AbortSignal,
  beside?: Beside<T>,
): Promise<ProgramOutcome & { beside?: T }> {
  const program = c.config.scoring!.program!;
  const failed = (message: string, logs = '', platform = true): ProgramOutcome => ({
    ok: false,
    error: { code: 'scoring-program-failed', message, ...(platform ? { platform_fault: true } : {}) },
    logs,
  });
  if (!(await engine.ping())) return failed('the runner has no container engine for the scoring program; tell the organisers.');
  step('building the scoring program');
  const built = await buildProgramImage(c, engine, program.build, `podium-scoring/${c.config.slug}:latest`, signal);
  if (!built.ok) return failed(`the scoring program did not build (${built.why}); tell the organisers.`);
  const image = built.id;
  const spec = {
    image,
    limits: {
      memoryBytes: (program.memory_mb ?? 1024) * 1024 * 1024,
      nanoCpus: 1e9,
      pids: 256,
      timeoutMs: (program.timeout_seconds ?? 600) * 1000,
      outputBytes: 32 * 1024 * 1024,
      outputFiles: 100,
      outputDepth: 8,
      logBytes: 64 * 1024,
    },
    labels: { [PODIUM_LABEL]: 'scoring' },
    ...(signal ? { signal } : {}),
  };
  const runs: ProgramRun[] = [];
  let logs = '';
  if (beside && inputs.length !== 1) throw new Error('a program beside the scoring program runs with one input');
  for (const [i, input] of inputs.entries()) {
    step(inputs.length > 1 ? `running the scoring program (${i + 1} of ${inputs.length})` : 'running the scoring program');
    const one = await runOnce(engine, spec, input, wanted, beside);
    logs += one.logs;
    const with_ = one.beside !== undefined ? { beside: one.beside } : {};
    if (!one.ok) return { ...failed(one.message, logs, one.platform), ...with_ };
    runs.push(one.run);
    if (beside) return { ok: true, runs, logs, ...with_ };
  }
  return { ok: true, runs, logs };
}

type Once<T> = ({ ok: true; run: ProgramRun; logs: string } | { ok: false; message: string; platform: boolean; logs: string }) & {
  beside?: T;
};

/** One run of the built program on one input; `spec` is the run less its folders. */
async function runOnce<T>(
  engine: ContainerEngine,
  spec: Omit<RunSpec, 'inputDir' | 'outputDir'>,
  { truth, predictions }: ProgramInput,
  wanted: readonly WantedScore[],
  beside: Beside<T> | undefined,
): Promise<Once<T>> {
  const input = await mkdtemp(path.join(os.tmpdir(), 'podium-scoring-in-'));
  const output = await mkdtemp(path.join(outputRoot(), 'podium-scoring-out-'));
  const shared = beside ? await mkdtemp(path.join(outputRoot(), 'podium-shared-')) : undefined;
  try {
    await mkdir(path.join(input, 'ref'));
    await mkdir(path.join(input, 'res'));
    const mounts: Mount[] = [];
    if ('dir' in truth) {
      // Reference data of any size is not copied: the folder itself, read-only, where ref is.
      for (const at of ['/input/ref', '/app/input/ref']) mounts.push({ source: truth.dir, target: at, readOnly: true });
    } else if ('file' in truth) await copyFile(truth.file, path.join(input, 'ref', path.basename(truth.file)));
    else if ('name' in truth) await writeFile(path.join(input, 'ref', path.basename(truth.name)), truth.text);
    if ('dir' in predictions) await copyPlainFiles(predictions.dir, path.join(input, 'res'), predictions.leave ?? []);
    else if ('file' in predictions) {
      await copyFile(predictions.file, path.join(input, 'res', path.basename(predictions.file)));
      await chmod(path.join(input, 'res', path.basename(predictions.file)), 0o644);
    } else if ('name' in predictions) await writeFile(path.join(input, 'res', path.basename(predictions.name)), predictions.text);
    // The program runs as nobody: it may read the inputs and write the output, nothing else.
    for (const d of [input, path.join(input, 'ref'), path.join(input, 'res')]) await chmod(d, 0o755);
    await chmod(output, 0o777);
    if (shared) {
      await chmod(shared, 0o777);
      mounts.push({ source: shared, target: '/app/shared', readOnly: false });
    }
    const programRun = engine.run({
      ...spec,
      inputDir: input,
      outputDir: output,
      alsoAt: { input: '/app/input', output: '/app/output' },
      mounts,
    });
    const [run, besideResult] = await Promise.all([programRun, shared && beside ? beside(shared) : Promise.resolve(undefined)]);
    const logs = run.logs;
    const v = run.verdict;
    const withBeside = besideResult !== undefined ? { beside: besideResult } : {};
    if (v.kind === 'cancelled')
      return { ok: false, message: 'the evaluation was cancelled while the scoring program ran.', platform: true, logs, ...withBeside };
    if (v.kind !== 'exited' || v.exitCode !== 0) {
      const why =
        v.kind === 'exited'
          ? `exited with code ${v.exitCode}`
          : v.kind === 'timed-out'
            ? `timed out after ${v.afterSeconds} s`
            : v.kind === 'out-of-memory'
              ? 'ran out of memory'
              : `wrote ${v.what}`;
      // Most often the predictions are not what the program expects; the organisers have its logs.
      return { ok: false, message: `the scoring program ${why} on these predictions.`, platform: false, logs, ...withBeside };
    }
    // The program sees the truth: what it leaves is read as a submission's output is, following
    // nothing (a link to /proc/self/environ is a link, not the runner's environment).
    const limits = spec.limits;
    const tree = await harvest(output, { maxEntries: limits.outputFiles, maxBytes: limits.outputBytes, maxDepth: limits.outputDepth });
    if (tree.exceeded)
      return {
        ok: false,
        message: `the scoring program wrote ${tree.exceeded}; tell the organisers.`,
        platform: true,
        logs,
        ...withBeside,
      };
    const plain = new Set(tree.files.map((f) => f.rel));
    const read = async (name: string, max = 16 * 1024 * 1024) => (plain.has(name) ? readHarvested(output, name, max) : undefined);
    const parsed = parseScores(await read('scores.json'), await read('scores.txt'));
    if (typeof parsed === 'string')
      return {
        ok: false,
        message: `the scoring program's output cannot be read: ${parsed}; tell the organisers.`,
        platform: true,
        logs,
        ...withBeside,
      };
    const missing = wanted.filter((w) => w.required && parsed[w.key] === undefined).map((w) => w.key);
    if (missing.length > 0)
      return {
        ok: false,
        message: `the scoring program wrote no score for ${missing.join(', ')} (it wrote ${Object.keys(parsed).join(', ') || 'none'}); tell the organisers.`,
        platform: true,
        logs,
        ...withBeside,
      };
    const detailed = await read('detailed_results.html', DETAILED_LIMIT);
    const absent = wanted.filter((w) => parsed[w.key] === undefined).map((w) => w.key);
    const note =
      absent.length > 0 ? `\n[podium] the scoring program wrote no score for ${absent.join(', ')}: left out of the record\n` : '';
    return {
      ok: true,
      run: {
        scores: Object.fromEntries(wanted.filter((w) => parsed[w.key] !== undefined).map((w) => [w.name, parsed[w.key]!])),
        ...(detailed !== undefined ? { detailed } : {}),
      },
      logs: logs + note,
      ...withBeside,
    };
  } finally {
    await removeOutput(input);
    await removeOutput(output);
    if (shared) await removeOutput(shared);
  }
}
