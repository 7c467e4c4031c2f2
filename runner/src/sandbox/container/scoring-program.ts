import { chmod, copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Competition } from '../../competition/load.js';
import type { ErrorInfo } from '../../results/schema.js';
import type { ContainerEngine, RunSpec } from './engine.js';
import { PODIUM_LABEL } from './evaluate-container.js';
import { harvest, outputRoot, readHarvested, removeOutput } from './harvest.js';

/**
 * An organiser's scoring program, run the way CodaLab and Codabench organisers know: the truth
 * at /input/ref, the participant's predictions at /input/res, scores written to
 * /output/scores.json (or scores.txt as "key: value" lines), and optionally
 * /output/detailed_results.html. It sees the truth, so it runs in the same sandbox as
 * submissions: no network, read-only inputs, no runner environment. Its logs stay with the
 * organisers.
 *
 * It runs once per input: once in all, or, with a sealed private part, once on the public rows
 * and once on the private rows, each run seeing that part's truth and predictions only.
 */
export type ProgramOutcome = { ok: true; runs: ProgramRun[]; logs: string } | { ok: false; error: ErrorInfo; logs: string };

export interface ProgramRun {
  scores: Record<string, number>;
  detailed?: string;
}

/** One run's files: the truth (a file of the hidden folder, or a part of it) and the predictions. */
export interface ProgramInput {
  truth: { file: string } | { name: string; text: string };
  predictions: { name: string; text: string };
}

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
  wanted: readonly string[],
  step: (s: string) => void,
  signal?: AbortSignal,
): Promise<ProgramOutcome> {
  const program = c.config.scoring!.program!;
  const failed = (message: string, logs = '', platform = true): ProgramOutcome => ({
    ok: false,
    error: { code: 'scoring-program-failed', message, ...(platform ? { platform_fault: true } : {}) },
    logs,
  });
  if (!(await engine.ping())) return failed('the runner has no container engine for the scoring program; tell the organisers.');
  step('building the scoring program');
  let image: string;
  try {
    image = (await engine.build(path.join(c.dir, program.build), `podium-scoring/${c.config.slug}:latest`, { [PODIUM_LABEL]: 'build' })).id;
  } catch (e: unknown) {
    return failed(`the scoring program did not build (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); tell the organisers.`);
  }
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
  for (const [i, input] of inputs.entries()) {
    step(inputs.length > 1 ? `running the scoring program (${i + 1} of ${inputs.length})` : 'running the scoring program');
    const one = await runOnce(engine, spec, input, wanted);
    logs += one.logs;
    if (!one.ok) return failed(one.message, logs, one.platform);
    runs.push(one.run);
  }
  return { ok: true, runs, logs };
}

type Once = { ok: true; run: ProgramRun; logs: string } | { ok: false; message: string; platform: boolean; logs: string };

/** One run of the built program on one input; `spec` is the run less its folders. */
async function runOnce(
  engine: ContainerEngine,
  spec: Omit<RunSpec, 'inputDir' | 'outputDir'>,
  { truth, predictions }: ProgramInput,
  wanted: readonly string[],
): Promise<Once> {
  const input = await mkdtemp(path.join(os.tmpdir(), 'podium-scoring-in-'));
  const output = await mkdtemp(path.join(outputRoot(), 'podium-scoring-out-'));
  try {
    await mkdir(path.join(input, 'ref'));
    await mkdir(path.join(input, 'res'));
    if ('file' in truth) await copyFile(truth.file, path.join(input, 'ref', path.basename(truth.file)));
    else await writeFile(path.join(input, 'ref', path.basename(truth.name)), truth.text);
    await writeFile(path.join(input, 'res', path.basename(predictions.name)), predictions.text);
    // The program runs as nobody: it may read the inputs and write the output, nothing else.
    for (const d of [input, path.join(input, 'ref'), path.join(input, 'res')]) await chmod(d, 0o755);
    await chmod(output, 0o777);
    const run = await engine.run({ ...spec, inputDir: input, outputDir: output });
    const logs = run.logs;
    const v = run.verdict;
    if (v.kind === 'cancelled')
      return { ok: false, message: 'the evaluation was cancelled while the scoring program ran.', platform: true, logs };
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
      return { ok: false, message: `the scoring program ${why} on these predictions.`, platform: false, logs };
    }
    // The program sees the truth: what it leaves is read as a submission's output is, following
    // nothing (a link to /proc/self/environ is a link, not the runner's environment).
    const limits = spec.limits;
    const tree = await harvest(output, { maxEntries: limits.outputFiles, maxBytes: limits.outputBytes, maxDepth: limits.outputDepth });
    if (tree.exceeded)
      return { ok: false, message: `the scoring program wrote ${tree.exceeded}; tell the organisers.`, platform: true, logs };
    const plain = new Set(tree.files.map((f) => f.rel));
    const read = async (name: string, max = 16 * 1024 * 1024) => (plain.has(name) ? readHarvested(output, name, max) : undefined);
    const parsed = parseScores(await read('scores.json'), await read('scores.txt'));
    if (typeof parsed === 'string')
      return { ok: false, message: `the scoring program's output cannot be read: ${parsed}; tell the organisers.`, platform: true, logs };
    const missing = wanted.filter((k) => parsed[k] === undefined);
    if (missing.length > 0)
      return {
        ok: false,
        message: `the scoring program wrote no score for ${missing.join(', ')} (it wrote ${Object.keys(parsed).join(', ') || 'none'}); tell the organisers.`,
        platform: true,
        logs,
      };
    const detailed = await read('detailed_results.html', DETAILED_LIMIT);
    return {
      ok: true,
      run: { scores: Object.fromEntries(wanted.map((k) => [k, parsed[k]!])), ...(detailed !== undefined ? { detailed } : {}) },
      logs,
    };
  } finally {
    await removeOutput(input);
    await removeOutput(output);
  }
}
