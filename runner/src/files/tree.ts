import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** A regular file found under a submission folder. */
export interface TreeFile {
  /** Path relative to the root, with "/" separators. */
  rel: string;
  size: number;
}

/** Something under the folder that a submission may not contain. */
export interface TreeFault {
  rel: string;
  reason: 'symlink' | 'special' | 'too-large' | 'too-many';
  size?: number;
}

export interface TreeLimits {
  maxFileBytes: number;
  maxFiles: number;
}

/**
 * Lists a folder without following links: symbolic links, devices, sockets and FIFOs are
 * faults rather than files, so a submission can never make the runner read outside itself.
 */
export async function walkTree(root: string, limits: TreeLimits): Promise<{ files: TreeFile[]; faults: TreeFault[] }> {
  const files: TreeFile[] = [];
  const faults: TreeFault[] = [];
  const queue = [''];
  while (queue.length > 0) {
    const relDir = queue.shift()!;
    const entries = await readdir(path.join(root, relDir), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (entry.isSymbolicLink()) faults.push({ rel, reason: 'symlink' });
      else if (entry.isDirectory()) queue.push(rel);
      else if (!entry.isFile()) faults.push({ rel, reason: 'special' });
      else {
        const { size } = await lstat(path.join(root, rel));
        if (files.length >= limits.maxFiles) {
          faults.push({ rel, reason: 'too-many' });
          return { files, faults };
        }
        if (size > limits.maxFileBytes) faults.push({ rel, reason: 'too-large', size });
        files.push({ rel, size });
      }
    }
  }
  return { files, faults };
}

/**
 * Resolves a path the user wrote relative to a folder, refusing absolute paths and any
 * path that leaves the folder. Returns the normalised relative path, or why not.
 */
export function insideFolder(written: string, allowRoot = false): { ok: true; rel: string } | { ok: false; why: string } {
  if (written.includes('\0')) return { ok: false, why: 'it contains a NUL character' };
  if (path.isAbsolute(written) || /^[A-Za-z]:[\\/]/.test(written) || written.startsWith('\\')) {
    return { ok: false, why: 'it is an absolute path; write it relative to the submission folder' };
  }
  const norm = path.posix.normalize(written.replace(/\\/g, '/'));
  if (norm === '..' || norm.startsWith('../')) {
    return { ok: false, why: 'it leaves the submission folder; keep every file inside it' };
  }
  if (norm === '.' || norm === '') return allowRoot ? { ok: true, rel: '.' } : { ok: false, why: 'it names the folder itself, not a file' };
  return { ok: true, rel: norm };
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Content hash of a set of files: stable across machines, names and contents both count. */
export async function hashFiles(root: string, files: readonly TreeFile[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.rel < b.rel ? -1 : 1))) {
    const content = await readFile(path.join(root, f.rel));
    h.update(`${f.rel}\0${sha256Hex(content)}\n`);
  }
  return `sha256:${h.digest('hex')}`;
}

/**
 * A 256-bit key only the holder of a file can know: SHA-256 over a label, the public seed and
 * the file's bytes (unlike the file's published hash, which is over its bytes alone).
 */
export async function keyOfFile(file: string, seed: number): Promise<Buffer> {
  const h = createHash('sha256').update(`podium-bootstrap-draws-v1\0${seed}\0`);
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest();
}

/** sha256 of a file, read as a stream so large truth files cost no memory. */
export async function hashFile(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return `sha256:${h.digest('hex')}`;
}

/**
 * The plain files of a folder copied into another, with their folders, but the names left out
 * (submission.yml); links and special files are neither followed nor copied. Everything copied
 * is readable by all, for a sandboxed program that runs as nobody.
 */
export async function copyPlainFiles(from: string, to: string, leave: readonly string[] = []): Promise<void> {
  const tree = await walkTree(from, { maxFiles: 100000, maxFileBytes: Number.MAX_SAFE_INTEGER });
  for (const f of tree.files) {
    if (leave.includes(f.rel)) continue;
    const target = path.join(to, ...f.rel.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(path.join(from, ...f.rel.split('/')), target);
    await chmod(target, 0o644);
  }
  for (const d of await folders(to)) await chmod(d, 0o755);
}

/** A folder and every folder below it. */
async function folders(root: string): Promise<string[]> {
  const out = [root];
  for (const e of await readdir(root, { withFileTypes: true })) if (e.isDirectory()) out.push(...(await folders(path.join(root, e.name))));
  return out;
}
