import { chmod, copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Competition } from '../../competition/load.js';
import type { ErrorInfo } from '../../results/schema.js';
import type { ContainerEngine, Mount, RunResult, RunSpec } from './engine.js';
import type { MeasuredRun } from './evaluate-container.js';
import { lstatSync, watch as fsWatch, type FSWatcher } from 'node:fs';
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

/** The scores a competition's scoring program must write: one per metric `from: program`. */
export function wantedScores(c: Competition): WantedScore[] {
  return c.metrics.filter((m) => m.program).map((m) => ({ name: m.name, key: m.key ?? m.name, required: m.primary }));
}

/**
 * A run beside the scoring program, sharing /app/shared with it (Codabench's ingestion during
 * scoring): given the shared folder and a signal that stops it, it resolves when its run ends.
 * Either run ending badly stops the other; the scoring program ending stops it too, since
 * nothing is left for it to answer.
 */
export type Beside = (shared: string, signal: AbortSignal) => Promise<MeasuredRun>;

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

export async function runScoringProgram(
  c: Competition,
  engine: ContainerEngine,
  inputs: readonly ProgramInput[],
  wanted: readonly WantedScore[],
  step: (s: string) => void,
  signal?: AbortSignal,
  beside?: Beside,
): Promise<ProgramOutcome & { beside?: MeasuredRun }> {
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

type Once = ({ ok: true; run: ProgramRun; logs: string } | { ok: false; message: string; platform: boolean; logs: string }) & {
  beside?: MeasuredRun;
};

/** One run of the built program on one input; `spec` is the run less its folders. */
async function runOnce(
  engine: ContainerEngine,
  spec: Omit<RunSpec, 'inputDir' | 'outputDir'>,
  { truth, predictions }: ProgramInput,
  wanted: readonly WantedScore[],
  beside: Beside | undefined,
): Promise<Once> {
  // Under the runner's output root: the predictions copied in are as large as a submission's files.
  const input = await mkdtemp(path.join(outputRoot(), 'podium-scoring-in-'));
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
    if ('dir' in predictions) {
      try {
        await copyPlainFiles(predictions.dir, path.join(input, 'res'), predictions.leave ?? []);
      } catch (e: unknown) {
        // A file the runner cannot read (an ingestion program can leave one): named by its error only.
        const code = (e as NodeJS.ErrnoException).code ?? 'an error';
        return {
          ok: false,
          message: `the predictions could not be handed to the scoring program (${code} reading them).`,
          platform: false,
          logs: '',
        };
      }
    } else if ('file' in predictions) {
      await copyFile(predictions.file, path.join(input, 'res', path.basename(predictions.file)));
      await chmod(path.join(input, 'res', path.basename(predictions.file)), 0o644);
    } else if ('name' in predictions) await writeFile(path.join(input, 'res', path.basename(predictions.name)), predictions.text);
    // The program runs as nobody: it may read the inputs and write the output, nothing else.
    for (const d of [input, path.join(input, 'ref'), path.join(input, 'res')]) await chmod(d, 0o755);
    await chmod(output, 0o777);
    if (shared) {
      await chmod(shared, 0o777);
      // Watched by the participant's run, against its limits, not by this one.
      mounts.push({ source: shared, target: '/app/shared', readOnly: false, watched: false });
    }
    const runSpec: RunSpec = {
      ...spec,
      inputDir: input,
      outputDir: output,
      alsoAt: { input: '/app/input', output: '/app/output' },
      mounts,
    };
    let run: RunResult;
    let besideResult: MeasuredRun | undefined;
    if (shared && beside) {
      const both = await runBoth(engine, runSpec, shared, beside);
      if (!both.ok) return { ok: false, message: both.message, platform: true, logs: '', ...(both.beside ? { beside: both.beside } : {}) };
      run = both.run;
      besideResult = both.beside;
    } else run = await engine.run(runSpec);
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

/**
 * The scoring program and the run beside it, at the same time. Whichever way either ends, both
 * have ended when this returns, so the folders they share can go: the participant's code failing
 * stops the scoring program (which would wait for answers until its time limit), the scoring
 * program ending stops the code (nothing is left to answer; that stop is the run's normal end),
 * and a cancellation stops both.
 */
async function runBoth(
  engine: ContainerEngine,
  spec: RunSpec,
  shared: string,
  beside: Beside,
): Promise<{ ok: true; run: RunResult; beside: MeasuredRun } | { ok: false; message: string; beside?: MeasuredRun }> {
  const stopProgram = new AbortController();
  const stopBeside = new AbortController();
  const outer = spec.signal;
  const cancel = () => {
    stopProgram.abort();
    stopBeside.abort();
  };
  if (outer?.aborted) cancel();
  outer?.addEventListener('abort', cancel, { once: true });
  let programEnded = false;
  // A link in the shared folder would be followed by the scoring program, to the truth: one seen
  // at any moment stops both runs and fails the run, whichever of them ends first.
  const guard = guardPlain(shared, cancel);
  try {
    const besideRun = beside(shared, stopBeside.signal).then((b) => {
      if (!b.ok) stopProgram.abort();
      return b;
    });
    const programRun = engine.run({ ...spec, signal: stopProgram.signal }).finally(() => {
      programEnded = true;
      stopBeside.abort();
    });
    const [p, b] = await Promise.allSettled([programRun, besideRun]);
    if (b.status === 'rejected')
      return { ok: false, message: `the ingestion program could not run (${firstLine(b.reason)}); tell the organisers.` };
    let besideResult = b.value;
    // Stopped because the scoring program was done: the ingestion program's run ended normally.
    if (!besideResult.ok && besideResult.error.code === 'cancelled' && programEnded && !outer?.aborted)
      besideResult = {
        ok: true,
        resources: besideResult.resources,
        logs: besideResult.logs,
        wallSeconds: besideResult.resources.wall_time_s ?? 0,
      };
    if (await guard.seen())
      besideResult = {
        ok: false,
        error: {
          code: 'container-output-exceeded',
          message:
            'wrote a link or special file in /app/shared, which may hold plain files only; the ingestion program running your code was stopped',
        },
        resources: besideResult.resources,
        logs: besideResult.logs,
      };
    if (p.status === 'rejected')
      return {
        ok: false,
        message: `the scoring program could not run (${firstLine(p.reason)}); tell the organisers.`,
        beside: besideResult,
      };
    return { ok: true, run: p.value, beside: besideResult };
  } finally {
    guard.close();
    outer?.removeEventListener('abort', cancel);
  }
}

/**
 * Watches a shared folder, and the folders in it, for anything but plain files and folders, for
 * as long as both runs last: each entry named by a change is looked at at once (a link that is
 * there for an instant is still seen), and what is there at the end is walked too. `seen` tells
 * whether one was ever found; `found` is called the first time.
 */
function guardPlain(dir: string, found: () => void): { seen(): Promise<boolean>; close(): void } {
  let seen = false;
  const look = (name: string) => {
    try {
      const st = lstatSync(path.join(dir, name));
      if (!st.isFile() && !st.isDirectory() && !seen) {
        seen = true;
        found();
      }
    } catch {
      // Gone already.
    }
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = fsWatch(dir, { persistent: false, recursive: true }, (_event, name) => name && look(name));
  } catch {
    watcher = undefined;
  }
  return {
    async seen() {
      // The changes already queued are looked at before the answer, then what is left.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const tree = await harvest(dir, { maxEntries: 100000, maxBytes: Number.MAX_SAFE_INTEGER, maxDepth: 256 });
      return seen || tree.faults.length > 0;
    },
    close: () => watcher?.close(),
  };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
