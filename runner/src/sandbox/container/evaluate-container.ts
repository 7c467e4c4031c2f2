import { chmod, lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Competition } from '../../competition/load.js';
import type { Problem } from '../../contracts/problems.js';
import { hashFiles, insideFolder, walkTree } from '../../files/tree.js';
import { loadPredictions, type LoadedPredictions, type ScoringSpec } from '../../scoring/dataset.js';
import { formatOf } from '../../scoring/table.js';
import type { ErrorInfo, Resources } from '../../results/schema.js';
import type { SubmissionConfig } from '../../submission/schema.js';
import { BuildError } from './docker.js';
import type { ContainerEngine, Limits, Verdict } from './engine.js';
import { loadProbes, readProbes, type ComplexityProbe, type ProbeContext } from './probes.js';
import { GpuMeter, nvidiaSmi, type GpuMeasurement, type Smi } from '../gpu/nvidia.js';

/** Label on everything Podium creates on the engine, for sweeps after a crash. */
export const PODIUM_LABEL = 'podium.run';

export type ContainerOutcome =
  | {
      ok: true;
      predictions: LoadedPredictions;
      file: string;
      /** The predictions file as the container wrote it, when asked for (shards keep it). */
      text?: string;
      resources: Resources;
      provenance: ContainerProvenance;
      logs: string;
    }
  | { ok: false; status: 'failed' | 'rejected'; error: ErrorInfo; resources: Resources; logs: string };

/** What a record says about the image and the engine that ran it. */
export interface ContainerProvenance {
  image_digest: string;
  base_images?: string[];
  build_context_hash?: string;
  engine: string;
  /** The GPUs the run had, by model, and their driver. */
  gpus?: string[];
  gpu_driver?: string;
}

/** How energy is measured, said in every record that has a figure. */
export const ENERGY_METHOD = 'GPU board power (nvidia-smi power.draw) sampled every 0.5 s and integrated over the run, whole devices';

export function limitsOf(c: Competition): Limits {
  const r = c.config.runtime ?? {};
  return {
    memoryBytes: (r.memory_mb ?? 2048) * 1024 * 1024,
    nanoCpus: Math.round((r.cpus ?? 1) * 1e9),
    pids: r.pids ?? 256,
    timeoutMs: (r.timeout_seconds ?? 600) * 1000,
    outputBytes: Math.round((r.max_output_mb ?? 100) * 1024 * 1024),
    outputFiles: r.max_output_files ?? 1000,
    logBytes: 64 * 1024,
  };
}

function verdictMessage(v: Verdict, limits: Limits): string | undefined {
  switch (v.kind) {
    case 'exited':
      return v.exitCode === 0 ? undefined : `the container exited with code ${v.exitCode}`;
    case 'timed-out':
      return `timed out after ${v.afterSeconds} s; the container was stopped`;
    case 'out-of-memory':
      return `ran out of memory (limit ${Math.round(limits.memoryBytes / 1048576)} MiB); the container was stopped`;
    case 'output-exceeded':
      return `wrote ${v.what}; the container was stopped`;
  }
}

/**
 * The GPUs a run gets when competition.yml asks for `runtime.gpus`: the first ids of
 * PODIUM_GPU_DEVICES (the runner's own list, e.g. "2,3"), else devices 0 to n-1.
 */
export function gpuDevices(count: number, env: NodeJS.ProcessEnv): string[] {
  if (count <= 0) return [];
  const listed = (env.PODIUM_GPU_DEVICES ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  if (listed.length > 0) {
    if (listed.length < count) throw new Error(`competition.yml asks for ${count} GPU(s) but PODIUM_GPU_DEVICES lists ${listed.length}`);
    return listed.slice(0, count);
  }
  return Array.from({ length: count }, (_, i) => String(i));
}

/** Builds or finds the image, runs it on the test inputs in the sandbox, and reads its predictions. */
export async function predictionsFromContainer(
  c: Competition,
  hiddenDir: string,
  submissionDir: string,
  sub: SubmissionConfig,
  spec: ScoringSpec,
  engine: ContainerEngine,
  step: (s: string) => void,
  options: { smi?: Smi; inputDir?: string; keepText?: boolean } = {},
): Promise<ContainerOutcome> {
  const smi = options.smi ?? nvidiaSmi();
  const failed = (error: ErrorInfo, resources: Resources = {}, logs = ''): ContainerOutcome => ({
    ok: false,
    status: 'failed',
    error,
    resources,
    logs,
  });
  const rejected = (error: ErrorInfo, resources: Resources = {}, logs = ''): ContainerOutcome => ({
    ok: false,
    status: 'rejected',
    error,
    resources,
    logs,
  });
  if (!(await engine.ping()))
    return failed({ code: 'no-engine', message: 'the runner has no container engine running; tell the organisers.', platform_fault: true });
  const inputs = c.config.data.inputs;
  if (!inputs && !options.inputDir)
    return failed({
      code: 'no-inputs',
      message: 'competition.yml names no "data.inputs" folder for containers; tell the organisers.',
      platform_fault: true,
    });
  // A phase's own inputs, or a shard's share of them, prepared by the caller.
  const inputDir = options.inputDir ?? path.join(hiddenDir, inputs!);
  try {
    if (!(await lstat(inputDir)).isDirectory()) throw new Error('not a folder');
  } catch {
    return failed({
      code: 'inputs-unavailable',
      message: `the runner has no test inputs folder ${path.relative(hiddenDir, inputDir) || inputDir}; tell the organisers.`,
      platform_fault: true,
    });
  }

  let image: string;
  let repoDigest: string | undefined;
  const provenance: Omit<ContainerProvenance, 'image_digest'> = { engine: await engine.describe() };
  if (sub.build !== undefined) {
    const context = path.join(submissionDir, sub.build);
    const allowed = c.config.runtime?.base_images ?? [];
    const from = await baseImages(path.join(context, 'Dockerfile'));
    const refused = from.filter((f) => !allowed.includes(f));
    if (allowed.length === 0 || refused.length > 0) {
      return rejected({
        code: 'base-image-not-allowed',
        message:
          allowed.length === 0
            ? 'this competition does not build images: submit an image pinned by digest.'
            : `the Dockerfile starts FROM ${refused.join(', ')}; allowed base images: ${allowed.join(', ')}.`,
      });
    }
    provenance.base_images = from;
    const files = await walkTree(context, { maxFileBytes: Number.MAX_SAFE_INTEGER, maxFiles: 100000 });
    provenance.build_context_hash = await hashFiles(context, files.files);
    step('building the image (no network)');
    const tag = `podium-submission/${sub.team}-${sub.name}:latest`;
    try {
      image = (await engine.build(context, tag, { [PODIUM_LABEL]: 'build' })).id;
    } catch (e: unknown) {
      const log = e instanceof BuildError ? `\n${e.log.split('\n').slice(-15).join('\n')}` : '';
      return rejected({ code: 'build-failed', message: `the image did not build: ${e instanceof Error ? e.message : String(e)}${log}` });
    }
  } else {
    let info = await engine.image(sub.image!);
    if (!info) {
      // Pulled before the run, so the pull is never part of the measured time.
      step(`pulling ${sub.image}`);
      try {
        await engine.pull(sub.image!);
      } catch (e: unknown) {
        return failed({
          code: 'image-unavailable',
          message: `the image ${sub.image} is not on the runner and could not be pulled (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); check that it is public, or tell the organisers.`,
        });
      }
      info = await engine.image(sub.image!);
      if (!info)
        return failed({
          code: 'image-unavailable',
          message: `the image ${sub.image} was pulled but cannot be found`,
          platform_fault: true,
        });
    }
    image = info.id;
    // A registry digest names the image everywhere; the local id only on this engine.
    repoDigest = info.digests[0];
    provenance.base_images = undefined;
  }

  const outputDir = await mkdtemp(path.join(os.tmpdir(), 'podium-output-'));
  try {
    // The container runs as nobody; it may write here and nowhere else.
    await chmod(outputDir, 0o777);
    const limits = limitsOf(c);
    step('running the container on the test inputs');
    let gpus: string[];
    try {
      gpus = gpuDevices(c.config.runtime?.gpus ?? 0, process.env);
    } catch (e: unknown) {
      return failed({
        code: 'no-gpu',
        message: `${e instanceof Error ? e.message : String(e)}; tell the organisers.`,
        platform_fault: true,
      });
    }
    let probes: ComplexityProbe[];
    try {
      probes = await loadProbes(c.dir, c.config.runtime?.probes ?? []);
    } catch (e: unknown) {
      return failed({
        code: 'probe-unavailable',
        message: `${e instanceof Error ? e.message : String(e)}; tell the organisers.`,
        platform_fault: true,
      });
    }
    const context: ProbeContext = { inputDir, outputDir, engine: provenance.engine };
    for (const p of probes) await p.start(context);
    const meter = gpus.length > 0 ? new GpuMeter(smi, gpus) : undefined;
    await meter?.start();
    let run;
    try {
      run = await engine.run({
        image,
        inputDir,
        outputDir,
        limits,
        labels: { [PODIUM_LABEL]: 'evaluate' },
        ...(gpus.length ? { gpus } : {}),
      });
    } catch (e: unknown) {
      // The engine refused to create or start it: an image without a command, say.
      for (const p of probes) await p.stop(context);
      await meter?.stop();
      const why = e instanceof Error ? e.message.replace(/^\(HTTP code \d+\) [\w ]+ - /, '') : String(e);
      return failed({ code: 'container-not-started', message: `the container could not start: ${why.trim()}` });
    }
    const gpu = await meter?.stop();
    for (const p of probes) await p.stop(context);
    const readings = await readProbes(probes);
    const resources: Resources = {
      wall_time_s: round(run.wallSeconds),
      startup_s: round(run.startupSeconds),
      ...(run.cpuSeconds !== undefined ? { cpu_time_s: round(run.cpuSeconds) } : {}),
      ...(run.peakMemoryBytes !== undefined ? { peak_memory_bytes: run.peakMemoryBytes } : {}),
      ...gpuResources(gpu),
      ...(probes.length > 0 ? { probes: readings } : {}),
    };
    const logs = run.logs + (run.logsTruncated ? '\n[logs truncated]\n' : '');
    const why = verdictMessage(run.verdict, limits);
    if (why) return failed({ code: `container-${run.verdict.kind}`, message: why }, resources, logs);

    // Only regular files: a link, pipe or device in the output is refused, never followed.
    const output = c.config.runtime?.output ?? 'predictions.csv';
    const tree = await walkTree(outputDir, { maxFileBytes: limits.outputBytes, maxFiles: limits.outputFiles });
    const problems: Problem[] = tree.faults.map((f) => ({
      file: `/output/${f.rel}`,
      line: 0,
      column: 0,
      path: '',
      message:
        {
          symlink: 'is a symbolic link',
          special: 'is not a regular file',
          'too-large': 'is too large',
          'too-many': 'is past the file limit',
        }[f.reason] + '; write regular files only.',
    }));
    for (const f of tree.files) {
      if ((await lstat(path.join(outputDir, f.rel))).nlink > 1)
        problems.push({ file: `/output/${f.rel}`, line: 0, column: 0, path: '', message: 'is a hard link; write regular files only.' });
    }
    const rel = insideFolder(output);
    if (problems.length === 0 && (!rel.ok || !tree.files.some((f) => f.rel === rel.rel))) {
      problems.push({
        file: `/output/${output}`,
        line: 0,
        column: 0,
        path: '',
        message: `the container exited without writing /output/${output}.`,
      });
    }
    if (problems.length > 0)
      return rejected(
        { code: 'invalid-output', message: `the container's output cannot be used: ${problems.length} problem(s).`, problems },
        resources,
        logs,
      );

    const file = path.join(outputDir, output);
    // Read once: kept as text for a shard or a scoring program, parsed from that text.
    const text = options.keepText ? await readFile(file, 'utf8') : undefined;
    const loaded = await loadPredictions(`/output/${output}`, text !== undefined ? { text } : { path: file }, formatOf(file), spec);
    if (!loaded.ok) {
      return rejected(
        {
          code: 'invalid-predictions',
          message: `the container's predictions are not valid: ${loaded.problems.length} problem(s).`,
          problems: loaded.problems,
        },
        resources,
        logs,
      );
    }
    if (loaded.predictions.ids.length > 0) resources.per_sample_ms = round((run.wallSeconds * 1000) / loaded.predictions.ids.length);
    return {
      ok: true,
      predictions: loaded.predictions,
      file: `/output/${output}`,
      ...(text !== undefined ? { text } : {}),
      resources,
      provenance: {
        image_digest: repoDigest ?? image,
        ...stripUndefined(provenance),
        ...(gpu ? { gpus: Array.from({ length: gpu.count }, () => gpu.name), ...(gpu.driver ? { gpu_driver: gpu.driver } : {}) } : {}),
      },
      logs,
    };
  } finally {
    await rm(outputDir, { recursive: true, force: true });
  }
}

/** What a GPU measurement adds to a record: only what was read. */
function gpuResources(gpu: GpuMeasurement | undefined): Resources {
  if (!gpu) return {};
  return {
    gpu: { name: gpu.name, count: gpu.count, ...(gpu.peakMemoryBytes !== undefined ? { peak_memory_bytes: gpu.peakMemoryBytes } : {}) },
    ...(gpu.energyJ !== undefined ? { energy_j: round(gpu.energyJ), energy_method: ENERGY_METHOD } : {}),
  };
}

/** The images a Dockerfile starts FROM (stage names excluded). */
async function baseImages(dockerfile: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(dockerfile, 'utf8');
  } catch {
    return [];
  }
  const stages = new Set<string>();
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!m) continue;
    if (!stages.has(m[1]!)) out.push(m[1]!);
    if (m[2]) stages.add(m[2]);
  }
  return out;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
