import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * CPU time and peak memory of a run, from the kernel's own accounting (the cgroup), not from
 * sampling processes.
 *
 * A container's cgroup disappears with the container, so a run that is over before the first
 * sample would have nothing to read. Where the engine uses the cgroupfs driver, every run is
 * therefore placed under a parent cgroup of its own (`/podium-<run>`): the kernel accounts
 * hierarchically, so the parent still holds the run's totals after the container is gone, and
 * is read once at the end and then removed. With the systemd driver the container's scope is
 * read while it runs (the last sample stands), so a very short run can be "not measured".
 */
export interface CgroupLayout {
  version: 1 | 2;
  driver: 'cgroupfs' | 'systemd';
  /** Where the cgroup file systems are mounted; /sys/fs/cgroup on a host. */
  root: string;
}

export interface CgroupUsage {
  cpuSeconds?: number;
  peakMemoryBytes?: number;
}

/** The parent cgroup a run is placed in, or undefined where the driver does not allow one. */
export function runParent(layout: CgroupLayout, runId: string): string | undefined {
  return layout.driver === 'cgroupfs' ? `/podium-${runId}` : undefined;
}

/** The folders holding the memory and CPU counters of a run. */
export function counterDirs(layout: CgroupLayout, parent: string | undefined, containerId: string): { memory: string; cpu: string } {
  const rel = parent ?? (layout.driver === 'systemd' ? `/system.slice/docker-${containerId}.scope` : `/docker/${containerId}`);
  if (layout.version === 2) {
    const dir = path.join(layout.root, rel);
    return { memory: dir, cpu: dir };
  }
  return { memory: path.join(layout.root, 'memory', rel), cpu: path.join(layout.root, 'cpuacct', rel) };
}

/** One reading; a counter that cannot be read is absent, never zero. */
export async function readUsage(layout: CgroupLayout, parent: string | undefined, containerId: string): Promise<CgroupUsage> {
  const dirs = counterDirs(layout, parent, containerId);
  let peak: number | undefined;
  let cpu: number | undefined;
  if (layout.version === 2) {
    // memory.peak exists from Linux 5.19; before that the current use, sampled, is the best there is.
    peak = (await readNumber(path.join(dirs.memory, 'memory.peak'))) ?? (await readNumber(path.join(dirs.memory, 'memory.current')));
    const stat = await readText(path.join(dirs.cpu, 'cpu.stat'));
    const usec = stat === undefined ? undefined : /^usage_usec (\d+)$/m.exec(stat)?.[1];
    cpu = usec === undefined ? undefined : Number(usec) / 1e6;
  } else {
    peak = await readNumber(path.join(dirs.memory, 'memory.max_usage_in_bytes'));
    const ns = await readNumber(path.join(dirs.cpu, 'cpuacct.usage'));
    cpu = ns === undefined ? undefined : ns / 1e9;
  }
  return { ...(cpu !== undefined ? { cpuSeconds: cpu } : {}), ...(peak !== undefined ? { peakMemoryBytes: peak } : {}) };
}

/**
 * Makes a parent cgroup ahead of the engine and caps its processes (pids.max): the build API
 * has no process limit of its own. Where this process may not write the cgroup file system
 * (a runner that is not root, a delegated hierarchy), it returns false and the build goes on
 * without that cap; docs/runners.md says so.
 */
export async function limitPids(layout: CgroupLayout, parent: string, pids: number): Promise<boolean> {
  const dir = layout.version === 2 ? path.join(layout.root, parent) : path.join(layout.root, 'pids', parent);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'pids.max'), String(pids));
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes a run's parent cgroup in every hierarchy; one still in use stays, and says nothing.
 * With `waitMs`, tries again until then: after a build is stopped the engine is still removing
 * its container for a moment, and the cgroup is busy until it has.
 */
export async function removeParent(layout: CgroupLayout, parent: string, waitMs = 0): Promise<void> {
  const until = Date.now() + waitMs;
  for (;;) {
    let left = 0;
    for (const dir of await parentDirs(layout, parent))
      await rmdir(dir).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') left++;
      });
    if (left === 0 || Date.now() >= until) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Removes every empty `podium-*` parent cgroup: the leftovers of a runner that crashed. */
export async function sweepParents(layout: CgroupLayout): Promise<number> {
  let n = 0;
  const hierarchies = layout.version === 2 ? [layout.root] : (await list(layout.root)).map((h) => path.join(layout.root, h));
  for (const h of hierarchies) {
    for (const name of await list(h)) {
      if (!/^podium-[A-Za-z0-9_-]+$/.test(name)) continue;
      try {
        await rmdir(path.join(h, name));
        n++;
      } catch {
        // still in use, or not ours to remove
      }
    }
  }
  return n;
}

async function parentDirs(layout: CgroupLayout, parent: string): Promise<string[]> {
  if (layout.version === 2) return [path.join(layout.root, parent)];
  return (await list(layout.root)).map((h) => path.join(layout.root, h, parent));
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function readNumber(file: string): Promise<number | undefined> {
  const text = await readText(file);
  if (text === undefined || !/^\d+\s*$/.test(text)) return undefined;
  return Number(text.trim());
}
