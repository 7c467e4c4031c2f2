import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { walkTree } from '../../files/tree.js';
import { PodiumError } from '../../contracts/problems.js';
import { limitPids, readUsage, removeParent, runParent, sweepParents, type CgroupLayout, type CgroupUsage } from './cgroup.js';
import type { BuildOptions, BuildResult, ContainerEngine, ImageInfo, RunResult, RunSpec, Verdict } from './engine.js';
import { measure } from './harvest.js';

const WATCH_MS = 200;
const SYSTEM_DIRS = /^\/(proc|sys|dev)(\/|$)/;

export interface DockerEngineOptions extends Docker.DockerOptions {
  /**
   * For the isolation tests' controls only: changes the hardened container settings of a run,
   * so that a test can show its probe succeeds when one protection is taken away.
   */
  weaken?: (config: Docker.ContainerCreateOptions) => Docker.ContainerCreateOptions;
}

/** The Docker engine behind the ContainerEngine interface, with every run hardened. */
export function dockerEngine(options: DockerEngineOptions = {}): ContainerEngine {
  const { weaken: _weaken, ...dockerOptions } = options;
  const docker = new Docker(dockerOptions);
  let layout: Promise<CgroupLayout> | undefined;
  // Asked once: how the engine lays out its cgroups decides where the counters are read.
  const cgroups = () =>
    (layout ??= docker.info().then((info: { CgroupDriver?: string; CgroupVersion?: string }) => ({
      version: info.CgroupVersion === '2' ? 2 : 1,
      driver: info.CgroupDriver === 'systemd' ? 'systemd' : 'cgroupfs',
      root: '/sys/fs/cgroup',
    })));

  return {
    async ping() {
      try {
        await docker.ping();
        return true;
      } catch {
        return false;
      }
    },

    async describe() {
      return `docker ${(await docker.version()).Version}`;
    },

    async image(ref) {
      try {
        const info = await docker.getImage(ref).inspect();
        return {
          id: info.Id,
          digests: info.RepoDigests ?? [],
        } satisfies ImageInfo;
      } catch {
        return undefined;
      }
    },

    async pull(ref) {
      const stream = await docker.pull(ref);
      await new Promise<void>((resolve, reject) =>
        docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
          const failed = err ?? (out.find((o) => o.error) ? new Error(out.find((o) => o.error)!.error) : null);
          if (failed) reject(failed);
          else resolve();
        }),
      );
    },

    async build(contextDir, tag, labels, options = {}) {
      return buildLimited(docker, contextDir, tag, labels, options, await cgroups());
    },

    async run(spec) {
      return runHardened(docker, spec, await cgroups(), options.weaken);
    },

    async sweep(label) {
      let n = 0;
      for (const c of await docker.listContainers({ all: true, filters: { label: [label] } })) {
        await docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined);
        n++;
      }
      await sweepParents(await cgroups());
      return n;
    },
  };
}

export class BuildError extends PodiumError {
  readonly log: string;
  /** What stopped it: the Dockerfile's own failure, a limit, or a cancellation. */
  readonly reason: 'failed' | 'timed-out' | 'too-large' | 'cancelled';
  constructor(message: string, log: string, reason: BuildError['reason'] = 'failed') {
    super(message);
    this.name = 'BuildError';
    this.log = log;
    this.reason = reason;
  }
}

/**
 * A build with the engine's classic builder: RUN steps without network, in a cgroup of the
 * build's own (memory, CPU, and processes where this machine lets Podium set them), stopped
 * when its time is up or it is cancelled (closing the request makes the engine stop the build
 * and remove its containers), its log capped, and the image refused past its size limit.
 */
async function buildLimited(
  docker: Docker,
  contextDir: string,
  tag: string,
  labels: Record<string, string>,
  options: BuildOptions,
  cgroups: CgroupLayout,
): Promise<BuildResult> {
  const { limits, signal } = options;
  // Regular files only, as everywhere a submission's files are read: no links followed.
  const files = (await walkTree(contextDir, { maxFileBytes: Number.MAX_SAFE_INTEGER, maxFiles: 100_000 })).files.map((f) => f.rel);
  // The checked, canonical Dockerfile goes into the context under a name of its own, for this build only.
  const ownDockerfile = options.dockerfile !== undefined ? `.podium-dockerfile-${randomBytes(6).toString('hex')}` : undefined;
  if (ownDockerfile) {
    await writeFile(path.join(contextDir, ownDockerfile), options.dockerfile!, { flag: 'wx' });
    files.push(ownDockerfile);
  }
  const parent = limits ? runParent(cgroups, `build-${randomBytes(8).toString('hex')}`) : undefined;
  if (parent && limits) await limitPids(cgroups, parent, limits.pids);
  const log: string[] = [];
  let logBytes = 0;
  const cap = limits?.logBytes ?? 64 * 1024;
  let truncated = false;
  const keep = (text: string) => {
    if (logBytes >= cap) {
      truncated = true;
      return;
    }
    log.push(text.slice(0, cap - logBytes));
    logBytes += Math.min(text.length, cap - logBytes);
  };
  const logText = () => log.join('') + (truncated ? '\n[build log truncated]\n' : '');
  // Listening from before the request: a cancellation while the context is still being sent
  // must not be lost.
  let stream: NodeJS.ReadableStream | undefined;
  let stopped: BuildError | undefined;
  const stop = (why: BuildError) => {
    stopped ??= why;
    (stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.();
  };
  const onAbort = () => stop(new BuildError('the build was cancelled', '', 'cancelled'));
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const timer = limits
    ? setTimeout(
        () => stop(new BuildError(`the build took longer than ${Math.round(limits.timeoutMs / 1000)} s`, '', 'timed-out')),
        limits.timeoutMs,
      )
    : undefined;
  try {
    if (stopped) throw stopped;
    const s = await docker.buildImage(
      { context: contextDir, src: files },
      {
        t: tag,
        ...(ownDockerfile ? { dockerfile: ownDockerfile } : {}),
        // No network for RUN. The engine's own fetches (remote ADD, COPY --from an image) are
        // refused before the build by checkBuild.
        networkmode: 'none',
        labels,
        rm: true,
        forcerm: true,
        ...(limits
          ? {
              memory: limits.memoryBytes,
              memswap: limits.memoryBytes,
              cpuperiod: 100_000,
              cpuquota: Math.max(1000, Math.round((limits.nanoCpus / 1e9) * 100_000)),
              ...(parent ? { cgroupparent: parent } : {}),
            }
          : {}),
      },
    );
    stream = s;
    if (stopped) (s as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    let output: { aux?: { ID?: string }; error?: string }[];
    try {
      output = await new Promise((resolve, reject) => {
        if (stopped) return reject(stopped);
        docker.modem.followProgress(
          s,
          (err: Error | null, res: { aux?: { ID?: string }; error?: string }[]) =>
            stopped ? reject(stopped) : err ? reject(err) : resolve(res),
          (e: { stream?: string }) => {
            if (e.stream) keep(e.stream);
          },
        );
        s.on('close', () => {
          if (stopped) reject(stopped);
        });
      });
    } catch (e: unknown) {
      if (e instanceof BuildError) throw new BuildError(e.message, logText(), e.reason);
      throw new BuildError(e instanceof Error ? e.message : String(e), logText());
    }
    const failed = output.find((o) => o.error);
    if (failed) throw new BuildError(failed.error!, logText());
    const image = await docker.getImage(tag).inspect();
    if (limits && image.Size > limits.imageBytes) {
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
      throw new BuildError(
        `the image is ${Math.round(image.Size / 1048576)} MiB, over the limit of ${Math.round(limits.imageBytes / 1048576)} MiB`,
        logText(),
        'too-large',
      );
    }
    return { id: image.Id, log: logText() };
  } catch (e: unknown) {
    if (e instanceof BuildError) throw new BuildError(e.message, e.log || logText(), e.reason);
    throw e;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    if (ownDockerfile) await rm(path.join(contextDir, ownDockerfile), { force: true });
    if (parent) await removeParent(cgroups, parent, 10_000);
  }
}

/**
 * The environment of a run, set by Podium whole. The image's own variables are kept (a PATH,
 * a PYTHONPATH) except those that steer the dynamic loader or the NVIDIA runtime: an OCI hook
 * of the NVIDIA Container Toolkit runs as root on the host with the container's environment,
 * so an image's LD_PRELOAD there is host root (CVE-2025-23266), and an image's
 * NVIDIA_VISIBLE_DEVICES=all would hand every GPU to a run that asked for none where nvidia is
 * the default runtime. Docker merges a container's variables into the image's and cannot unset
 * one, so each dropped variable is set empty, and the NVIDIA ones are set to what the run gets.
 */
export function runEnvironment(imageEnv: readonly string[], gpus: readonly string[] = []): string[] {
  const dropped = (name: string) =>
    /^(LD_|NVIDIA_|_?CUDA_VISIBLE_DEVICES$|CUDA_VERSION$|GCONV_PATH$|GLIBC_TUNABLES$|LOCPATH$|MALLOC_)/.test(name);
  const env = new Map<string, string>();
  for (const entry of imageEnv) {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq);
    env.set(name, dropped(name) ? '' : entry.slice(eq + 1));
  }
  const path = (env.get('PATH') ?? '')
    .split(':')
    .filter((d) => d.startsWith('/') && !d.startsWith('/proc'))
    .join(':');
  env.set('PATH', path || '/usr/local/bin:/usr/bin:/bin');
  env.set('HOME', '/tmp');
  if (gpus.length > 0) {
    env.set('NVIDIA_VISIBLE_DEVICES', gpus.join(','));
    env.set('NVIDIA_DRIVER_CAPABILITIES', 'compute,utility');
  } else env.set('NVIDIA_VISIBLE_DEVICES', 'void');
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** The hardened settings of a run: what every participant's and scoring program's container gets. */
export function hardenedConfig(
  spec: RunSpec,
  image: { WorkingDir?: string; Env?: string[]; Volumes?: Record<string, unknown> | null },
  parent: string | undefined,
): Docker.ContainerCreateOptions {
  const { limits } = spec;
  // A VOLUME of the image would be an anonymous volume on the runner's disk, outside every
  // limit of the run: each gets a small tmpfs instead, counted in the run's memory.
  const volumes = Object.keys(image.Volumes ?? {}).filter((v) => !/^\/(input|output|tmp)\/?$/.test(v));
  // The image's working folder, unless it points into the kernel's file systems.
  const workingDir = image.WorkingDir && !SYSTEM_DIRS.test(image.WorkingDir) ? image.WorkingDir : '/';
  return {
    Image: spec.image,
    // Whatever USER the image names, the code runs as nobody, with no environment of the runner.
    User: '65534:65534',
    WorkingDir: workingDir,
    Env: runEnvironment(image.Env ?? [], spec.gpus),
    Labels: spec.labels,
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Tmpfs: {
        '/tmp': 'rw,nosuid,nodev,size=64m',
        ...Object.fromEntries(volumes.map((v) => [v, 'rw,nosuid,nodev,size=64m'])),
      },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: limits.pids,
      Memory: limits.memoryBytes,
      MemorySwap: limits.memoryBytes,
      NanoCpus: limits.nanoCpus,
      Ulimits: [
        { Name: 'nofile', Soft: 1024, Hard: 1024 },
        { Name: 'fsize', Soft: limits.outputBytes, Hard: limits.outputBytes },
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
      // Mounts rather than "src:dst:ro" strings: an organiser's path may hold ':' or ','.
      Mounts: [
        { Type: 'bind', Source: spec.inputDir, Target: '/input', ReadOnly: true },
        { Type: 'bind', Source: spec.outputDir, Target: '/output', ReadOnly: false },
      ],
      LogConfig: { Type: 'json-file', Config: { 'max-size': `${Math.max(1, Math.ceil(limits.logBytes / 1048576))}m`, 'max-file': '1' } },
      IpcMode: 'none',
      ...(parent ? { CgroupParent: parent } : {}),
      Privileged: false,
      ...(spec.gpus && spec.gpus.length > 0
        ? { DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: spec.gpus, Capabilities: [['gpu']] }] }
        : {}),
    },
  };
}

async function runHardened(
  docker: Docker,
  spec: RunSpec,
  cgroups: CgroupLayout,
  weaken: (c: Docker.ContainerCreateOptions) => Docker.ContainerCreateOptions = (c) => c,
): Promise<RunResult> {
  if (spec.signal?.aborted) return { verdict: { kind: 'cancelled' }, wallSeconds: 0, startupSeconds: 0, logs: '', logsTruncated: false };
  const image = await docker.getImage(spec.image).inspect();
  const { limits } = spec;
  const parent = runParent(cgroups, randomBytes(8).toString('hex'));
  let verdict: Verdict | undefined;
  let container: Docker.Container | undefined;
  // Listening from before the container exists: a cancellation while it is made or started
  // must not be lost (the second signal would end this process and leave it running).
  const cancel = () => {
    verdict ??= { kind: 'cancelled' };
    void container?.kill({ signal: 'SIGKILL' }).catch(() => undefined);
  };
  spec.signal?.addEventListener('abort', cancel, { once: true });
  const usage: CgroupUsage = {};
  const note = (u: CgroupUsage) => {
    if (u.cpuSeconds !== undefined) usage.cpuSeconds = Math.max(usage.cpuSeconds ?? 0, u.cpuSeconds);
    if (u.peakMemoryBytes !== undefined) usage.peakMemoryBytes = Math.max(usage.peakMemoryBytes ?? 0, u.peakMemoryBytes);
  };
  let started: number;
  try {
    container = await docker.createContainer(weaken(hardenedConfig(spec, image.Config ?? {}, parent)));
    if (spec.signal?.aborted) return { verdict: { kind: 'cancelled' }, wallSeconds: 0, startupSeconds: 0, logs: '', logsTruncated: false };
    const c = container;
    // 'next-exit', asked before the start: the default condition ('not-running') can answer at
    // once for a container that has not started yet.
    const exited = c.wait({ condition: 'next-exit' });
    const startCall = performance.now();
    await c.start();
    // The start call returns once the process runs: its duration is the platform's start-up
    // cost, reported apart; the wall time counts from there to the exit.
    started = performance.now();
    const startupSeconds = (started - startCall) / 1000;
    const stop = (v: Verdict) => {
      verdict ??= v;
      void c.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    };
    if (spec.signal?.aborted) stop({ kind: 'cancelled' });
    let watching = false;
    const watch = setInterval(() => {
      if (watching) return;
      watching = true;
      void (async () => {
        note(await readUsage(cgroups, parent, c.id));
        // Files and folders count alike, and depth too: a tree of empty folders fills inodes as files do.
        const out = await measure(spec.outputDir, {
          maxEntries: limits.outputFiles,
          maxBytes: limits.outputBytes,
          maxDepth: limits.outputDepth,
        });
        if (out.exceeded) stop({ kind: 'output-exceeded', what: out.exceeded });
      })().finally(() => (watching = false));
    }, WATCH_MS);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), limits.timeoutMs)));
    const first = await Promise.race([exited, timeout]);
    const ended = performance.now();
    clearInterval(watch);
    clearTimeout(timer);
    if (first === 'timeout') {
      // No grace period: a process that ignores SIGTERM gets SIGKILL at once.
      await c.kill({ signal: 'SIGKILL' }).catch(() => undefined);
      await exited.catch(() => undefined);
      verdict ??= { kind: 'timed-out', afterSeconds: limits.timeoutMs / 1000 };
    }
    const state = (await c.inspect()).State;
    if (!verdict) verdict = state.OOMKilled ? { kind: 'out-of-memory' } : { kind: 'exited', exitCode: state.ExitCode };
    note(await readUsage(cgroups, parent, c.id));
    const logs = await readLogs(c, limits.logBytes);
    return {
      verdict,
      wallSeconds: (ended - started) / 1000,
      startupSeconds,
      ...usage,
      ...logs,
    };
  } finally {
    spec.signal?.removeEventListener('abort', cancel);
    await container?.remove({ force: true, v: true }).catch(() => undefined);
    if (parent) await removeParent(cgroups, parent);
  }
}

/** stdout and stderr, demultiplexed, capped. */
async function readLogs(container: Docker.Container, cap: number): Promise<{ logs: string; logsTruncated: boolean }> {
  let raw: Buffer;
  try {
    raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  } catch {
    return { logs: '', logsTruncated: false };
  }
  const parts: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for (let pos = 0; pos + 8 <= raw.length;) {
    const len = raw.readUInt32BE(pos + 4);
    const chunk = raw.subarray(pos + 8, pos + 8 + len);
    pos += 8 + len;
    if (size + chunk.length > cap) {
      parts.push(chunk.subarray(0, cap - size));
      truncated = true;
      break;
    }
    parts.push(chunk);
    size += chunk.length;
  }
  return { logs: Buffer.concat(parts).toString('utf8'), logsTruncated: truncated };
}
