import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dockerEngine } from '../runner/src/sandbox/container/docker.js';
import { processLock } from './process-lock.js';

/**
 * A Debian image with Python 3 and the packages organisers' scoring and ingestion programs
 * import (NumPy, SciPy, scikit-learn, pandas, PyYAML, psutil, Matplotlib, as Codabench's own
 * example bundles do), made offline from Debian's own packages, for the tests of programs
 * written the way most organisers write them. Podium itself never needs Python; only these
 * tests and the comparison with Codabench's example bundles do.
 */
export const PYTHON_IMAGE = 'podium/debian-python:bookworm';

/** The Debian packages in the image, beyond minbase; a change here makes a new cache and image. */
export const PYTHON_PACKAGES = [
  'python3',
  // `python` runs Python 3, as in Codabench's images: CodaLab bundles' commands say `python`.
  'python-is-python3',
  'python3-numpy',
  'python3-scipy',
  'python3-sklearn',
  'python3-pandas',
  'python3-yaml',
  'python3-psutil',
  'python3-matplotlib',
];

/** The image's label naming its packages: an image made from another list is made again. */
const PACKAGES_LABEL = 'org.podium.debian-packages';

/** Where the root file system is kept between runs, as a tar (about 1 GB unpacked). */
export function pythonRootCache(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'podium', `debian-bookworm-python3-${packagesDigest()}.tar`);
}

/** A short name of the package list, so that a cache made from another list is never reused. */
function packagesDigest(): string {
  return createHash('sha256').update(PYTHON_PACKAGES.join(',')).digest('hex').slice(0, 12);
}

/** Whether the engine holds the image made from this package list (not an older one). */
function currentImage(): boolean {
  try {
    const label = execFileSync('docker', ['image', 'inspect', '--format', `{{index .Config.Labels "${PACKAGES_LABEL}"}}`, PYTHON_IMAGE], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return label.trim() === PYTHON_PACKAGES.join(',');
  } catch {
    return false;
  }
}

/** Whether the image is there or can be made here: cached, or debootstrap run as root. */
export async function pythonImagePossible(): Promise<boolean> {
  const engine = dockerEngine();
  if (!(await engine.ping())) return false;
  if (currentImage() || existsSync(pythonRootCache())) return true;
  return debootstrapPath() !== undefined && process.getuid?.() === 0;
}

function debootstrapPath(): string | undefined {
  return ['/usr/sbin/debootstrap', '/usr/bin/debootstrap'].find((p) => existsSync(p));
}

/** The Debian mirror apt uses on this machine, so that debootstrap goes where apt may go. */
export function debianMirror(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PODIUM_DEBIAN_MIRROR) return env.PODIUM_DEBIAN_MIRROR;
  const sources = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'];
  for (const file of sources) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const deb822 = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text);
    if (deb822) return deb822[1]!;
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+bookworm\s/m.exec(text);
    if (oneLine) return oneLine[1]!;
  }
  return 'http://deb.debian.org/debian';
}

/**
 * The image, made once per engine: from the cached root when there is one, else by
 * `debootstrap --variant=minbase --include=PYTHON_PACKAGES bookworm` (about three minutes).
 * An image of that name made from another package list is replaced.
 */
export async function ensurePythonImage(log: (line: string) => void = () => {}): Promise<string> {
  if (currentImage()) return PYTHON_IMAGE;
  const cache = pythonRootCache();
  await mkdir(path.dirname(cache), { recursive: true });
  // Test files run in parallel: one makes the image, the others wait for it.
  const release = await processLock(`${cache}.lock`);
  try {
    if (currentImage()) return PYTHON_IMAGE;
    if (!existsSync(cache)) await makeRoot(cache, log);
    log(`importing ${PYTHON_IMAGE}`);
    execFileSync('docker', [
      'import',
      '--change',
      'ENV PATH=/usr/local/bin:/usr/bin:/bin',
      '--change',
      `LABEL ${PACKAGES_LABEL}=${PYTHON_PACKAGES.join(',')}`,
      cache,
      PYTHON_IMAGE,
    ]);
    return PYTHON_IMAGE;
  } finally {
    await release();
  }
}

async function makeRoot(cache: string, log: (line: string) => void): Promise<void> {
  const debootstrap = debootstrapPath();
  if (!debootstrap || process.getuid?.() !== 0)
    throw new Error(`making ${PYTHON_IMAGE} needs debootstrap run as root (apt-get install debootstrap), or a cached root at ${cache}`);
  const root = await mkdtemp(path.join(os.tmpdir(), 'podium-debian-'));
  try {
    const mirror = debianMirror();
    log(`debootstrap bookworm with ${PYTHON_PACKAGES.join(', ')} from ${mirror} (about three minutes)`);
    const include = `--include=${PYTHON_PACKAGES.join(',')}`;
    execFileSync(debootstrap, ['--variant=minbase', include, 'bookworm', path.join(root, 'fs'), mirror], {
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 16 << 20,
    });
    // The downloaded packages are of no use in the image.
    await rm(path.join(root, 'fs', 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
    execFileSync('tar', ['-C', path.join(root, 'fs'), '-cf', `${cache}.part`, '.']);
    await rename(`${cache}.part`, cache);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
