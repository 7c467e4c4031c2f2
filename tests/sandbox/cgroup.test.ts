import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  counterDirs,
  readUsage,
  removeParent,
  runParent,
  sweepParents,
  type CgroupLayout,
} from '../../runner/src/sandbox/container/cgroup.js';
import { useTempDirs } from '../helpers/temp.js';

/**
 * Where the counters are read for each cgroup layout, on folders laid out as the kernel does
 * (the file formats of Documentation/admin-guide/cgroup-v1 and cgroup-v2). The real engine's
 * layout is covered by the container tests.
 */
const temp = useTempDirs();

async function files(root: string, tree: Record<string, string>) {
  for (const [rel, text] of Object.entries(tree)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
}

describe('cgroup counters', () => {
  it('gives each run its own parent under the cgroupfs driver only', () => {
    expect(runParent({ version: 1, driver: 'cgroupfs', root: '/c' }, 'ab12')).toBe('/podium-ab12');
    expect(runParent({ version: 2, driver: 'systemd', root: '/c' }, 'ab12')).toBeUndefined();
    expect(counterDirs({ version: 2, driver: 'systemd', root: '/c' }, undefined, 'f00')).toEqual({
      memory: '/c/system.slice/docker-f00.scope',
      cpu: '/c/system.slice/docker-f00.scope',
    });
    expect(counterDirs({ version: 1, driver: 'cgroupfs', root: '/c' }, undefined, 'f00')).toEqual({
      memory: '/c/memory/docker/f00',
      cpu: '/c/cpuacct/docker/f00',
    });
  });

  it('reads cgroup v1: peak memory in bytes, CPU in nanoseconds', async () => {
    const root = await temp();
    await files(root, {
      'memory/podium-r1/memory.max_usage_in_bytes': '4087808\n',
      'cpuacct/podium-r1/cpuacct.usage': '517439171\n',
    });
    const layout: CgroupLayout = { version: 1, driver: 'cgroupfs', root };
    expect(await readUsage(layout, '/podium-r1', 'x')).toEqual({ cpuSeconds: 0.517439171, peakMemoryBytes: 4087808 });
  });

  it('reads cgroup v2: memory.peak, else memory.current, and usage_usec from cpu.stat', async () => {
    const root = await temp();
    await files(root, {
      'podium-r2/memory.peak': '73400320\n',
      'podium-r2/cpu.stat': 'usage_usec 1250000\nuser_usec 1000000\nsystem_usec 250000\n',
      'system.slice/docker-abc.scope/memory.current': '1048576\n',
      'system.slice/docker-abc.scope/cpu.stat': 'usage_usec 42\n',
    });
    expect(await readUsage({ version: 2, driver: 'cgroupfs', root }, '/podium-r2', 'x')).toEqual({
      cpuSeconds: 1.25,
      peakMemoryBytes: 73400320,
    });
    expect(await readUsage({ version: 2, driver: 'systemd', root }, undefined, 'abc')).toEqual({
      cpuSeconds: 0.000042,
      peakMemoryBytes: 1048576,
    });
  });

  it('records what it cannot read as absent, never as zero', async () => {
    const root = await temp();
    await files(root, { 'podium-r3/memory.peak': 'max\n', 'podium-r3/cpu.stat': 'user_usec 5\n' });
    expect(await readUsage({ version: 2, driver: 'cgroupfs', root }, '/podium-r3', 'x')).toEqual({});
    expect(await readUsage({ version: 1, driver: 'cgroupfs', root }, '/podium-none', 'x')).toEqual({});
  });

  it('removes a run parent in every hierarchy, and sweeps only empty podium-* leftovers', async () => {
    const root = await temp();
    for (const d of ['memory/podium-a', 'cpuacct/podium-a', 'memory/podium-b', 'memory/other', 'cpuacct/podium-busy/child']) {
      await mkdir(path.join(root, d), { recursive: true });
    }
    const layout: CgroupLayout = { version: 1, driver: 'cgroupfs', root };
    await removeParent(layout, '/podium-a');
    expect((await readdir(path.join(root, 'memory'))).sort()).toEqual(['other', 'podium-b']);
    expect(await sweepParents(layout)).toBe(1);
    expect((await readdir(path.join(root, 'memory'))).sort()).toEqual(['other']);
    // Still holding a child: in use, left alone.
    expect(await readdir(path.join(root, 'cpuacct'))).toEqual(['podium-busy']);
  });
});
