import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { walkTree } from '../../files/tree.js';
import { contextEntries, tarArchive } from './build-context.js';
import { limitPids, readUsage, removeParent, runParent, sweepParents, type CgroupLayout, type CgroupUsage } from './cgroup.js';
import { DockerClient, type ContainerConfig, type ImageInspect } from './docker-api.js';
import { Demultiplexer, readJsonLines } from './docker-stream.js';
import type { BuildOptions, BuildResult, ContainerEngine, ImageInfo, RunResult, RunSpec, Verdict } from './engine.js';
import { BuildError } from './errors.js';
import { measure } from './harvest.js';

const WATCH_MS = 200;
const SYSTEM_DIRS = /^\/(proc|sys|dev)(\/|$)/;

export interface DockerEngineOptions {
  /** The engine's address as DOCKER_HOST writes it (unix:///var/run/docker.sock); by default DOCKER_HOST, else the default socket. */
  host?: string;
  /**
   * For the isolation tests' controls only: changes the hardened container settings of a run,
   * so that a test can show its probe succeeds when one protection is taken away.
   */
  weaken?: (config: ContainerConfig) => ContainerConfig;
}

/** The Docker engine behind the ContainerEngine interface, with every run hardened. */
export function dockerEngine(options: DockerEngineOptions = {}): ContainerEngine {
  const docker = new DockerClient(options.host);
  let layout: Promise<CgroupLayout> | undefined;
  // Asked once: how the engine lays out its cgroups decides where the counters are read.
  const cgroups = () =>
    (layout ??= docker.info().then((info) => ({
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
        const info = await docker.image(ref);
        return info && ({ id: info.Id, digests: info.RepoDigests ?? [] } satisfies ImageInfo);
      } catch {
        return undefined;
      }
    },

    async pull(ref) {
      await docker.pull(ref);
    },

    async build(contextDir, tag, labels, options = {}) {
      return buildLimited(docker, contextDir, tag, labels, options, await cgroups());
    },

    async run(spec) {
      return runHardened(docker, spec, await cgroups(), options.weaken);
    },

    async sweep(label, { keepImages = false } = {}) {
      let containers = 0;
      for (const c of await docker.containers(label)) {
        await docker.remove(c.Id).catch(() => undefined);
        containers++;
      }
      await sweepParents(await cgroups());
      let images = 0;
      // After the containers, which would otherwise hold their images.
      if (!keepImages)
        for (const i of await docker.images(label)) {
          // One removal can take another listed image with it (a parent no longer needed): only
          // what this call removed counts.
          if (await docker.image(i.Id)) {
            await docker.removeImage(i.Id).catch(() => undefined);
            if (!(await docker.image(i.Id))) images++;
          }
        }
      return { containers, images };
    },
  };
}

/**
 * A build with the engine's classic builder: RUN steps without network, in a cgroup of the
 * build's own (memory, CPU, and processes where this machine lets Podium set them), stopped
 * when its time is up or it is cancelled (closing the request makes the engine stop the build
 * and remove its containers), its log capped, and the image refused past its size limit.
 */
async function buildLimited(
  docker: DockerClient,
  contextDir: string,
  tag: string,
  labels: Record<string, string>,
  options: BuildOptions,
  cgroups: CgroupLayout,
): Promise<BuildResult> {
  const { limits, signal } = options;
  // Regular files only, as everywhere a submission's files are read: no links followed.
  const files = (await walkTree(contextDir, { maxFileBytes: Number.MAX_SAFE_INTEGER, maxFiles: 100_000 })).files.map((f) => f.rel);
  // The checked, canonical Dockerfile goes into the archive under a name of its own, for this build only.
  const own =
    options.dockerfile !== undefined
      ? { name: `.podium-dockerfile-${randomBytes(6).toString('hex')}`, text: options.dockerfile }
      : undefined;
  const context = await contextEntries(contextDir, files, own);
  if (!context.ok) throw new BuildError(context.why, '');
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
  const connection = new AbortController();
  let stopped: BuildError | undefined;
  // Read through a call: the flow of this function cannot see the callbacks that set it.
  const stoppedBy = (): BuildError | undefined => stopped;
  const stop = (why: BuildError) => {
    stopped ??= why;
    connection.abort();
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
    let response;
    try {
      response = await docker.build(
        tarArchive(context.entries),
        {
          t: tag,
          ...(own ? { dockerfile: own.name } : {}),
          // No network for RUN. The engine's own fetches (remote ADD, COPY --from an image) are
          // refused before the build by checkBuild.
          networkmode: 'none',
          labels: JSON.stringify(labels),
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
        connection.signal,
      );
    } catch (e: unknown) {
      throw stoppedBy() ?? e;
    }
    let failed: string | undefined;
    // The image this build made, as the engine names it at the end of the build. The tag is
    // only a name: another build of the same submission may move it before we look it up.
    let built: string | undefined;
    try {
      await readJsonLines(response, (o) => {
        if (typeof o.stream === 'string') keep(o.stream);
        if (typeof o.error === 'string') failed ??= o.error;
        const aux = o.aux as { ID?: unknown } | undefined;
        if (aux && typeof aux.ID === 'string') built = aux.ID;
      });
    } catch (e: unknown) {
      const why = stoppedBy();
      if (why) throw new BuildError(why.message, logText(), why.reason);
      throw new BuildError(e instanceof Error ? e.message : String(e), logText(), 'failed', { cause: e });
    }
    if (failed) throw new BuildError(failed, logText());
    // Without the engine's word, the tag could name another build's image: refused.
    if (!built) throw new BuildError('the engine did not say which image it built; Podium needs Docker Engine 17.06 or newer', logText());
    const image: ImageInspect | undefined = await docker.image(built);
    if (!image) throw new BuildError(`the engine reported no error, yet has no image ${built}`, logText());
    if (limits && image.Size > limits.imageBytes) {
      await docker.removeImage(image.Id).catch(() => undefined);
      throw new BuildError(
        `the image is ${Math.round(image.Size / 1048576)} MiB, over the limit of ${Math.round(limits.imageBytes / 1048576)} MiB`,
        logText(),
        'too-large',
      );
    }
    return { id: image.Id, log: logText() };
  } catch (e: unknown) {
    if (e instanceof BuildError) throw new BuildError(e.message, e.log || logText(), e.reason, { cause: e.cause });
    throw e;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
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

/** Mounts under /app or /input only: a folder elsewhere could shadow what the image needs, or /proc. */
const APP_PATH = /^\/(app|input)\/[A-Za-z0-9_][A-Za-z0-9_./-]*$/;

/** The bind mounts of a run: /input read-only, /output, and where else the spec asks. */
export function mountsOf(spec: RunSpec): { Type: 'bind'; Source: string; Target: string; ReadOnly: boolean }[] {
  const extra = [
    ...(spec.alsoAt?.input ? [{ source: spec.inputDir, target: spec.alsoAt.input, readOnly: true }] : []),
    ...(spec.alsoAt?.output ? [{ source: spec.outputDir, target: spec.alsoAt.output, readOnly: false }] : []),
    ...(spec.mounts ?? []),
  ];
  for (const m of extra)
    if (!APP_PATH.test(m.target) || m.target.split('/').includes('..'))
      throw new Error(`a mount must be a folder under /app or /input, not ${m.target}`);
  return [
    { Type: 'bind', Source: spec.inputDir, Target: '/input', ReadOnly: true },
    { Type: 'bind', Source: spec.outputDir, Target: '/output', ReadOnly: false },
    ...extra.map((m) => ({ Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
  ];
}

/** The hardened settings of a run: what every participant's and scoring program's container gets. */
export function hardenedConfig(
  spec: RunSpec,
  image: { WorkingDir?: string; Env?: string[] | null; Volumes?: Record<string, unknown> | null },
  parent: string | undefined,
): ContainerConfig {
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
      Mounts: mountsOf(spec),
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
  docker: DockerClient,
  spec: RunSpec,
  cgroups: CgroupLayout,
  weaken: (c: ContainerConfig) => ContainerConfig = (c) => c,
): Promise<RunResult> {
  if (spec.signal?.aborted) return { verdict: { kind: 'cancelled' }, wallSeconds: 0, startupSeconds: 0, logs: '', logsTruncated: false };
  const image = await docker.image(spec.image);
  if (!image) throw new Error(`the engine has no image ${spec.image}`);
  const { limits } = spec;
  const parent = runParent(cgroups, randomBytes(8).toString('hex'));
  let verdict: Verdict | undefined;
  let id: string | undefined;
  // Listening from before the container exists: a cancellation while it is made or started
  // must not be lost (the second signal would end this process and leave it running).
  const cancel = () => {
    verdict ??= { kind: 'cancelled' };
    if (id) void docker.kill(id).catch(() => undefined);
  };
  spec.signal?.addEventListener('abort', cancel, { once: true });
  const usage: CgroupUsage = {};
  const note = (u: CgroupUsage) => {
    if (u.cpuSeconds !== undefined) usage.cpuSeconds = Math.max(usage.cpuSeconds ?? 0, u.cpuSeconds);
    if (u.peakMemoryBytes !== undefined) usage.peakMemoryBytes = Math.max(usage.peakMemoryBytes ?? 0, u.peakMemoryBytes);
  };
  // The wait holds a connection until the exit: closed at the end whatever happened.
  const waiting = new AbortController();
  let started: number;
  try {
    id = await docker.createContainer(weaken(hardenedConfig(spec, image.Config ?? {}, parent)));
    if (spec.signal?.aborted) return { verdict: { kind: 'cancelled' }, wallSeconds: 0, startupSeconds: 0, logs: '', logsTruncated: false };
    const c = id;
    // 'next-exit', taken up by the engine before the start: the default condition ('not-running')
    // can answer at once for a container that has not started yet.
    const exited = (await docker.wait(c, 'next-exit', waiting.signal)).exit;
    exited.catch(() => undefined);
    const startCall = performance.now();
    await docker.start(c);
    // The start call returns once the process runs: its duration is the platform's start-up
    // cost, reported apart; the wall time counts from there to the exit.
    started = performance.now();
    const startupSeconds = (started - startCall) / 1000;
    const stop = (v: Verdict) => {
      verdict ??= v;
      void docker.kill(c).catch(() => undefined);
    };
    if (spec.signal?.aborted) stop({ kind: 'cancelled' });
    let watching = false;
    const watched = [{ source: spec.outputDir, target: '/output' }, ...(spec.mounts ?? []).filter((m) => m.watched ?? !m.readOnly)];
    const watch = setInterval(() => {
      if (watching) return;
      watching = true;
      void (async () => {
        note(await readUsage(cgroups, parent, c));
        // Files and folders count alike, and depth too: a tree of empty folders fills inodes as files do.
        for (const m of watched) {
          const out = await measure(m.source, {
            maxEntries: limits.outputFiles,
            maxBytes: limits.outputBytes,
            maxDepth: limits.outputDepth,
          });
          if (out.exceeded) stop({ kind: 'output-exceeded', what: out.exceeded.replace('/output', m.target) });
        }
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
      await docker.kill(c).catch(() => undefined);
      await exited.catch(() => undefined);
      verdict ??= { kind: 'timed-out', afterSeconds: limits.timeoutMs / 1000 };
    }
    const state = (await docker.inspect(c)).State;
    if (!verdict) verdict = state.OOMKilled ? { kind: 'out-of-memory' } : { kind: 'exited', exitCode: state.ExitCode };
    note(await readUsage(cgroups, parent, c));
    const logs = await readLogs(docker, c, limits.logBytes);
    return {
      verdict,
      wallSeconds: (ended - started) / 1000,
      startupSeconds,
      ...usage,
      ...logs,
    };
  } finally {
    spec.signal?.removeEventListener('abort', cancel);
    waiting.abort();
    if (id) await docker.remove(id).catch(() => undefined);
    if (parent) await removeParent(cgroups, parent);
  }
}

/** stdout and stderr, demultiplexed, in the order they came, capped. */
async function readLogs(docker: DockerClient, id: string, cap: number): Promise<{ logs: string; logsTruncated: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  let truncated = false;
  const frames = new Demultiplexer((_stream, payload) => {
    if (truncated) return;
    if (size + payload.length > cap) {
      parts.push(Buffer.from(payload.subarray(0, cap - size)));
      truncated = true;
      return;
    }
    parts.push(Buffer.from(payload));
    size += payload.length;
  });
  try {
    for await (const chunk of await docker.logs(id)) {
      frames.push(chunk as Buffer);
      if (truncated) break;
    }
  } catch {
    // What came before the failure is kept.
  }
  return { logs: Buffer.concat(parts).toString('utf8'), logsTruncated: truncated };
}
