import { randomBytes } from 'node:crypto';
import { readdir, lstat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { walkTree } from '../../files/tree.js';
import { readUsage, removeParent, runParent, sweepParents, type CgroupLayout, type CgroupUsage } from './cgroup.js';
import type { ContainerEngine, ImageInfo, RunResult, RunSpec, Verdict } from './engine.js';

const WATCH_MS = 200;
const SYSTEM_DIRS = /^\/(proc|sys|dev)(\/|$)/;

/** The Docker engine behind the ContainerEngine interface, with every run hardened. */
export function dockerEngine(options: Docker.DockerOptions = {}): ContainerEngine {
  const docker = new Docker(options);
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

    async build(contextDir, tag, labels) {
      // Regular files only, as everywhere a submission's files are read: no links followed.
      const files = (await walkTree(contextDir, { maxFileBytes: Number.MAX_SAFE_INTEGER, maxFiles: 100_000 })).files.map((f) => f.rel);
      // networkmode none: a build step cannot fetch anything.
      const stream = await docker.buildImage(
        { context: contextDir, src: files },
        { t: tag, networkmode: 'none', labels, rm: true, forcerm: true },
      );
      const log: string[] = [];
      const output = await new Promise<{ aux?: { ID?: string }; error?: string }[]>((resolve, reject) =>
        docker.modem.followProgress(
          stream,
          (err: Error | null, res: { aux?: { ID?: string }; error?: string }[]) => (err ? reject(err) : resolve(res)),
          (e: { stream?: string }) => {
            if (e.stream) log.push(e.stream);
          },
        ),
      );
      const failed = output.find((o) => o.error);
      if (failed) throw new BuildError(failed.error!, log.join(''));
      const image = await docker.getImage(tag).inspect();
      return { id: image.Id, log: log.join('') };
    },

    async run(spec) {
      return runHardened(docker, spec, await cgroups());
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

export class BuildError extends Error {
  readonly log: string;
  constructor(message: string, log: string) {
    super(message);
    this.name = 'BuildError';
    this.log = log;
  }
}

async function runHardened(docker: Docker, spec: RunSpec, cgroups: CgroupLayout): Promise<RunResult> {
  const image = await docker.getImage(spec.image).inspect();
  // The image's working folder, unless it points into the kernel's file systems.
  const workingDir = image.Config?.WorkingDir && !SYSTEM_DIRS.test(image.Config.WorkingDir) ? image.Config.WorkingDir : '/';
  const { limits } = spec;
  const parent = runParent(cgroups, randomBytes(8).toString('hex'));
  const container = await docker.createContainer({
    Image: spec.image,
    // Whatever USER the image names, the code runs as nobody, with no environment of the runner.
    User: '65534:65534',
    WorkingDir: workingDir,
    Env: ['HOME=/tmp', 'PATH=/usr/local/bin:/usr/bin:/bin'],
    Labels: spec.labels,
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m' },
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
  });
  let verdict: Verdict | undefined;
  const usage: CgroupUsage = {};
  const note = (u: CgroupUsage) => {
    if (u.cpuSeconds !== undefined) usage.cpuSeconds = Math.max(usage.cpuSeconds ?? 0, u.cpuSeconds);
    if (u.peakMemoryBytes !== undefined) usage.peakMemoryBytes = Math.max(usage.peakMemoryBytes ?? 0, u.peakMemoryBytes);
  };
  let started: number;
  try {
    // 'next-exit', asked before the start: the default condition ('not-running') can answer at
    // once for a container that has not started yet.
    const exited = container.wait({ condition: 'next-exit' });
    const startCall = performance.now();
    await container.start();
    // The start call returns once the process runs: its duration is the platform's start-up
    // cost, reported apart; the wall time counts from there to the exit.
    started = performance.now();
    const startupSeconds = (started - startCall) / 1000;
    const watch = setInterval(() => {
      void (async () => {
        note(await readUsage(cgroups, parent, container.id));
        const out = await folderUsage(spec.outputDir, limits.outputFiles);
        if (!verdict && (out.bytes > limits.outputBytes || out.files > limits.outputFiles)) {
          verdict = {
            kind: 'output-exceeded',
            what:
              out.files > limits.outputFiles
                ? `more than ${limits.outputFiles} files in /output`
                : `more than ${limits.outputBytes} bytes in /output`,
          };
          await container.kill().catch(() => undefined);
        }
      })();
    }, WATCH_MS);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), limits.timeoutMs)));
    const first = await Promise.race([exited, timeout]);
    const ended = performance.now();
    clearInterval(watch);
    clearTimeout(timer);
    if (first === 'timeout') {
      // No grace period: a process that ignores SIGTERM gets SIGKILL at once.
      await container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
      await exited.catch(() => undefined);
      verdict ??= { kind: 'timed-out', afterSeconds: limits.timeoutMs / 1000 };
    }
    const state = (await container.inspect()).State;
    if (!verdict) verdict = state.OOMKilled ? { kind: 'out-of-memory' } : { kind: 'exited', exitCode: state.ExitCode };
    note(await readUsage(cgroups, parent, container.id));
    const logs = await readLogs(container, limits.logBytes);
    return {
      verdict,
      wallSeconds: (ended - started) / 1000,
      startupSeconds,
      ...usage,
      ...logs,
    };
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
    if (parent) await removeParent(cgroups, parent);
  }
}

/** Bytes and files under a folder, stopping early once past the file limit. */
async function folderUsage(root: string, fileLimit: number): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const queue = [root];
  while (queue.length > 0 && files <= fileLimit) {
    const dir = queue.pop()!;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) queue.push(p);
      else {
        files++;
        try {
          bytes += (await lstat(p)).size;
        } catch {
          // removed meanwhile
        }
      }
    }
  }
  return { bytes, files };
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
