import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dockerEngine } from '../runner/src/sandbox/container/docker.js';
import { processLock } from './process-lock.js';

/** A base image made on this machine, for the container tests and the demo (no registry needed). */
export const BASE_IMAGE = 'podium/busybox:offline';

/** Whether a Docker engine answers here (.ci/run starts one). */
export async function engineAvailable(): Promise<boolean> {
  return dockerEngine().ping();
}

/** Bumped when the image's contents change, so an engine holding an older one makes it again. */
const LAYOUT = '2';

/**
 * A base image made offline: a root holding Debian's static busybox and its applet links, and
 * a world-writable /writable (so that only a read-only root, not file permissions, keeps a
 * run from writing there), imported into the engine. Made once per engine.
 */
export async function ensureBaseImage(): Promise<string> {
  if (currentBase()) return BASE_IMAGE;
  // Test files run in parallel. Two imports would each move the tag, and removing an image
  // built on the first (as tests and `podium sweep` do) takes the untagged first with it while
  // another build still uses it: one makes the image, the others wait for it.
  const release = await processLock(path.join(os.tmpdir(), 'podium-busybox-image.lock'));
  try {
    if (currentBase()) return BASE_IMAGE;
    await importBase();
  } finally {
    await release();
  }
  return BASE_IMAGE;
}

/** Whether the engine has the base image with this layout. */
function currentBase(): boolean {
  try {
    const label = execFileSync('docker', ['image', 'inspect', '--format', '{{ index .Config.Labels "podium.layout" }}', BASE_IMAGE], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return label === LAYOUT;
  } catch {
    return false;
  }
}

async function importBase(): Promise<void> {
  if (!existsSync('/bin/busybox')) throw new Error('the container tests need busybox-static (apt-get install busybox-static)');
  const root = await mkdtemp(path.join(os.tmpdir(), 'podium-rootfs-'));
  try {
    await mkdir(path.join(root, 'bin'), { recursive: true });
    for (const d of ['tmp', 'input', 'output', 'etc']) await mkdir(path.join(root, d));
    await mkdir(path.join(root, 'writable'));
    await chmod(path.join(root, 'writable'), 0o1777);
    execFileSync('cp', ['/bin/busybox', path.join(root, 'bin', 'busybox')]);
    // Relative links (bin/sh -> busybox): `busybox --install` would point them at this temp folder.
    const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' })
      .split('\n')
      .filter((a) => /^[\w.[-]+$/.test(a) && a !== 'busybox');
    for (const a of applets) await symlink('busybox', path.join(root, 'bin', a));
    const tar = execFileSync('tar', ['-C', root, '-c', '.'], { maxBuffer: 64 << 20 });
    execFileSync('docker', ['import', '--change', `LABEL podium.layout=${LAYOUT}`, '-', BASE_IMAGE], { input: tar });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
