import { chmod, lstat, mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatFor, readsBoxes, type Competition } from '../../competition/load.js';
import { plural, type Problem } from '../../contracts/problems.js';
import { hashFiles, insideFolder, walkTree } from '../../files/tree.js';
import type { ScoringSpec } from '../../scoring/spec.js';
import { itemsOf, loadPredictions, type LoadedPredictions } from '../../scoring/predictions.js';
import type { ErrorInfo, Resources } from '../../results/schema.js';
import type { SubmissionConfig } from '../../submission/schema.js';
import type { BuildLimits, ContainerEngine, Limits, RunSpec, Verdict } from './engine.js';
import { BuildError, EngineApiError } from './errors.js';
import { checkBuild } from './dockerfile.js';
import { harvest, outputRoot, readHarvested, removeOutput } from './harvest.js';
import { checkToolkit, nvidiaCtk, type CtkVersion } from '../gpu/toolkit.js';
import { loadProbes, readProbes, type ComplexityProbe, type ProbeContext } from './probes.js';
import { GpuMeter, nvidiaSmi, type GpuMeasurement, type Smi } from '../gpu/nvidia.js';

/** Label on everything Podium creates on the engine, for sweeps after a crash. */
export const PODIUM_LABEL = 'podium.run';

export type ContainerOutcome =
  | {
      ok: true;
      /** Read as a table; absent for COCO results, which the scoring reads from the text. */
      predictions?: LoadedPredictions;
      /** Predictions made: rows, queries for retrieval, detections for object detection. */
      items: number;
      file: string;
      /** The predictions file as the container wrote it, when asked for (shards and COCO results keep it). */
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
    outputDepth: r.max_output_depth ?? 32,
    logBytes: 64 * 1024,
  };
}

/** What a submission's image build may use (competition.yml runtime.build). */
export function buildLimitsOf(c: Competition): BuildLimits {
  const r = c.config.runtime ?? {};
  const b = r.build ?? {};
  return {
    timeoutMs: (b.timeout_seconds ?? 900) * 1000,
    memoryBytes: (b.memory_mb ?? Math.max(2048, r.memory_mb ?? 0)) * 1024 * 1024,
    nanoCpus: Math.round((b.cpus ?? r.cpus ?? 1) * 1e9),
    pids: b.pids ?? 512,
    imageBytes: (b.max_image_mb ?? 20480) * 1024 * 1024,
    logBytes: 64 * 1024,
  };
}

function verdictMessage(v: Verdict, limits: Limits, who = 'the container'): string | undefined {
  switch (v.kind) {
    case 'exited':
      return v.exitCode === 0 ? undefined : `${who} exited with code ${v.exitCode}`;
    case 'timed-out':
      return `timed out after ${v.afterSeconds} s; ${who} was stopped`;
    case 'out-of-memory':
      return `ran out of memory (limit ${Math.round(limits.memoryBytes / 1048576)} MiB); ${who} was stopped`;
    case 'output-exceeded':
      return `wrote ${v.what}; ${who} was stopped`;
    case 'cancelled':
      return `the evaluation was cancelled, and ${who} stopped`;
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
  options: {
    smi?: Smi;
    /** How the NVIDIA Container Toolkit's version is read, when the run gets GPUs. */
    toolkit?: CtkVersion;
    inputDir?: string;
    keepText?: boolean;
    /**
     * Whether messages may quote the container's output: only when its inputs are public (a
     * dry run on the sample). On hidden inputs the output could carry what the container read.
     */
    quote?: boolean;
    signal?: AbortSignal;
    /** The image to run, by the digest or id a record names, instead of building or pulling the submission's. */
    image?: string;
  } = {},
): Promise<ContainerOutcome> {
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
  if (options.image !== undefined) {
    // A re-run of a recorded image: the engine must still have it, nothing is built or pulled.
    const info = await engine.image(options.image);
    if (!info)
      return failed({
        code: 'image-unavailable',
        message: `the image ${options.image} is not on this runner's engine.`,
        platform_fault: true,
      });
    image = info.id;
    repoDigest = options.image.includes('@') ? options.image : undefined;
  } else if (sub.build !== undefined) {
    const context = path.join(submissionDir, sub.build);
    const allowed = c.config.runtime?.base_images ?? [];
    let dockerfile: string;
    try {
      dockerfile = await readFile(path.join(context, 'Dockerfile'), 'utf8');
    } catch {
      return rejected({ code: 'build-failed', message: `there is no Dockerfile in ${sub.build}.` });
    }
    // Read as the engine reads it: what is checked is what is built.
    const checked = checkBuild(dockerfile, allowed, c.config.runtime?.images);
    if (!checked.ok) {
      const code = /allowed base images|does not build images/.test(checked.why) ? 'base-image-not-allowed' : 'build-not-allowed';
      return rejected({
        code,
        message: `the Dockerfile cannot be built here: ${checked.why}`,
        problems: [
          {
            file: path.posix.join(sub.build === '.' ? '' : sub.build, 'Dockerfile'),
            line: checked.line,
            column: checked.line > 0 ? 1 : 0,
            path: '',
            message: checked.why,
          },
        ],
      });
    }
    provenance.base_images = checked.plan.baseImages;
    const files = await walkTree(context, { maxFileBytes: Number.MAX_SAFE_INTEGER, maxFiles: 100000 });
    provenance.build_context_hash = await hashFiles(context, files.files);
    step('building the image (no network)');
    const tag = `podium-submission/${sub.team}-${sub.name}:latest`;
    try {
      const built = await engine.build(
        context,
        tag,
        { [PODIUM_LABEL]: 'build' },
        {
          limits: buildLimitsOf(c),
          // The Dockerfile as checked, written out by checkBuild: the participant's own text never
          // reaches the engine's parser.
          dockerfile: checked.plan.dockerfile,
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
      image = built.id;
    } catch (e: unknown) {
      const log = e instanceof BuildError ? e.log : '';
      const reason = e instanceof BuildError ? e.reason : 'failed';
      if (reason === 'cancelled')
        return failed({ code: 'cancelled', message: 'the evaluation was cancelled during the build.', platform_fault: true }, {}, log);
      // The build's output goes with the run's logs: the organisers', and the participant's only
      // where competition.yml shows logs (or in a dry run on public inputs).
      const what = e instanceof Error ? e.message.split('\n')[0] : String(e);
      return rejected(
        { code: reason === 'failed' ? 'build-failed' : `build-${reason}`, message: `the image did not build: ${what}` },
        {},
        log,
      );
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

  const outputDir = await mkdtemp(path.join(outputRoot(), 'podium-output-'));
  try {
    // The container runs as nobody; it may write here and nowhere else.
    await chmod(outputDir, 0o777);
    step('running the container on the test inputs');
    const measured = await runMeasured(c, engine, { image, inputDir, outputDir }, provenance.engine, options);
    if (!measured.ok) return failed(measured.error, measured.resources, measured.logs);
    const { resources, logs, wallSeconds, gpu } = measured;
    const read = await readOutputPredictions(c, outputDir, spec, 'container', options.quote === true);
    if (!read.ok) return rejected(read.error, resources, logs);
    if (read.items > 0) resources.per_sample_ms = round((wallSeconds * 1000) / read.items);
    return {
      ok: true,
      ...(read.predictions ? { predictions: read.predictions } : {}),
      items: read.items,
      file: read.file,
      ...(options.keepText || !read.predictions ? { text: read.text } : {}),
      resources,
      provenance: {
        image_digest: repoDigest ?? image,
        ...stripUndefined(provenance),
        ...gpuProvenance(gpu),
      },
      logs,
    };
  } finally {
    // Whatever the container left, however deep: the record is written either way.
    const removed = await removeOutput(outputDir);
    if (!removed.removed) step(`could not remove ${outputDir} (${removed.why}); remove it by hand`);
  }
}

/** The GPUs a run had, for the record's provenance. */
export function gpuProvenance(gpu: GpuMeasurement | undefined): Pick<ContainerProvenance, 'gpus' | 'gpu_driver'> {
  return gpu ? { gpus: Array.from({ length: gpu.count }, () => gpu.name), ...(gpu.driver ? { gpu_driver: gpu.driver } : {}) } : {};
}

export type MeasuredRun =
  | { ok: true; resources: Resources; logs: string; wallSeconds: number; gpu?: GpuMeasurement }
  | { ok: false; error: ErrorInfo; resources: Resources; logs: string };

/**
 * One run of participant code in the sandbox, measured by the platform: the competition's
 * limits and GPUs, the organiser's probes, the GPU meter, the cgroup's CPU time and peak
 * memory. A run that did not exit 0 is a failure that says why. Used for container
 * submissions and for code submissions inside the ingestion program.
 */
export async function runMeasured(
  c: Competition,
  engine: ContainerEngine,
  run: Pick<RunSpec, 'image' | 'inputDir' | 'outputDir' | 'alsoAt' | 'mounts'>,
  engineName: string,
  options: { smi?: Smi; toolkit?: CtkVersion; signal?: AbortSignal; /** Who ran, in messages; default the container. */ who?: string } = {},
): Promise<MeasuredRun> {
  const failed = (error: ErrorInfo, resources: Resources = {}, logs = ''): MeasuredRun => ({ ok: false, error, resources, logs });
  const smi = options.smi ?? nvidiaSmi();
  const limits = limitsOf(c);
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
  if (gpus.length > 0) {
    const toolkit = await checkToolkit(options.toolkit ?? nvidiaCtk());
    if (!toolkit.ok) return failed({ code: 'gpu-toolkit', message: `${toolkit.why}; tell the organisers.`, platform_fault: true });
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
  const context: ProbeContext = { inputDir: run.inputDir, outputDir: run.outputDir, engine: engineName };
  for (const p of probes) await p.start(context);
  const meter = gpus.length > 0 ? new GpuMeter(smi, gpus) : undefined;
  await meter?.start();
  let result;
  try {
    result = await engine.run({
      ...run,
      limits,
      labels: { [PODIUM_LABEL]: 'evaluate' },
      ...(gpus.length ? { gpus } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (e: unknown) {
    // The engine refused to create or start it: an image without a command, say.
    for (const p of probes) await p.stop(context);
    await meter?.stop();
    const why = e instanceof EngineApiError ? e.engineMessage : e instanceof Error ? e.message : String(e);
    return failed({ code: 'container-not-started', message: `the container could not start: ${why.trim()}` });
  }
  const gpu = await meter?.stop();
  for (const p of probes) await p.stop(context);
  const readings = await readProbes(probes);
  const resources: Resources = {
    wall_time_s: round(result.wallSeconds),
    startup_s: round(result.startupSeconds),
    ...(result.cpuSeconds !== undefined ? { cpu_time_s: round(result.cpuSeconds) } : {}),
    ...(result.peakMemoryBytes !== undefined ? { peak_memory_bytes: result.peakMemoryBytes } : {}),
    ...gpuResources(gpu),
    ...(probes.length > 0 ? { probes: readings } : {}),
  };
  // The run's own output; a build that succeeded says nothing the organisers need.
  const logs = result.logs + (result.logsTruncated ? '\n[logs truncated]\n' : '');
  const why = verdictMessage(result.verdict, limits, options.who);
  if (result.verdict.kind === 'cancelled') return failed({ code: 'cancelled', message: why!, platform_fault: true }, resources, logs);
  if (why) return failed({ code: `container-${result.verdict.kind}`, message: why }, resources, logs);
  return { ok: true, resources, logs, wallSeconds: result.wallSeconds, ...(gpu ? { gpu } : {}) };
}

/**
 * The predictions file a sandboxed run left in its output folder (runtime.output), read as
 * nothing else is: the harvest follows nothing, and on hidden inputs no file name or content
 * is quoted back.
 */
export async function readOutputPredictions(
  c: Competition,
  outputDir: string,
  spec: ScoringSpec,
  who: 'container' | 'ingestion program',
  quote: boolean,
): Promise<{ ok: true; predictions?: LoadedPredictions; file: string; text: string; items: number } | { ok: false; error: ErrorInfo }> {
  const limits = limitsOf(c);
  const rejected = (error: ErrorInfo) => ({ ok: false as const, error });
  const output = c.config.runtime?.output ?? (readsBoxes(c) ? 'predictions.json' : 'predictions.csv');
  const tree = await harvest(outputDir, { maxEntries: limits.outputFiles, maxBytes: limits.outputBytes, maxDepth: limits.outputDepth });
  if (tree.exceeded) return rejected({ code: 'container-output-exceeded', message: `wrote ${tree.exceeded}; the output was not read.` });
  // File names are the container's to choose: on hidden inputs they could carry what it read,
  // so then only how many of each kind are reported.
  const problems: Problem[] = quote
    ? tree.faults.map((f) => ({
        file: `/output/${f.rel}`,
        line: 0,
        column: 0,
        path: '',
        message: `${f.why}; write regular files only.`,
      }))
    : Object.entries(tree.faults.reduce<Record<string, number>>((n, f) => ({ ...n, [f.why]: (n[f.why] ?? 0) + 1 }), {})).map(([why, n]) => {
        const kind = { 'is a symbolic link': 'symbolic link', 'is a hard link': 'hard link' }[why] ?? 'special file';
        return { file: '/output', line: 0, column: 0, path: '', message: `${plural(n, kind)} in /output; write regular files only.` };
      });
  const rel = insideFolder(output);
  if (problems.length === 0 && (!rel.ok || !tree.files.some((f) => f.rel === rel.rel))) {
    problems.push({
      file: `/output/${output}`,
      line: 0,
      column: 0,
      path: '',
      message: `the ${who} exited without writing /output/${output}.`,
    });
  }
  if (problems.length > 0)
    return rejected({ code: 'invalid-output', message: `the ${who}'s output cannot be used: ${problems.length} problem(s).`, problems });

  const file = path.join(outputDir, output);
  // Read once, through a descriptor opened without following links: kept as text for a shard
  // or a scoring program, parsed from that text.
  const text = await readHarvested(outputDir, rel.ok ? rel.rel : output, limits.outputBytes);
  if (text === undefined)
    return rejected({ code: 'invalid-output', message: `the ${who}'s /output/${output} cannot be read as a plain file.` });
  // COCO results are checked against the truth's images when they are scored.
  if (readsBoxes(c)) return { ok: true, file: `/output/${output}`, text, items: detectionsIn(text) };
  const loaded = await loadPredictions(`/output/${output}`, { text }, formatFor(c, file), spec, undefined, { quote });
  if (!loaded.ok)
    return rejected({
      code: 'invalid-predictions',
      message: `the ${who}'s predictions are not valid: ${loaded.problems.length} problem(s).`,
      problems: loaded.problems,
    });
  // Per item: per query for retrieval, where a row is one document of a ranked list.
  return { ok: true, predictions: loaded.predictions, file: `/output/${output}`, text, items: itemsOf(loaded.predictions) };
}

/** How many detections a COCO results text holds (0 when it is not a JSON list: the scoring says why). */
function detectionsIn(text: string): number {
  try {
    const list: unknown = JSON.parse(text);
    return Array.isArray(list) ? list.length : 0;
  } catch {
    return 0;
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

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
