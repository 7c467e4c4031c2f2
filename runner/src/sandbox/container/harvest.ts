import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { lstat, open, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Reading what a sandboxed program left in its output folder — a submission's predictions,
 * a scoring program's scores and detailed results — one way for both: no link is followed
 * and no special file is opened; files *and* folders count against the limits; a tree deeper
 * than the limit, or too deep for the file system's paths, is a verdict rather than an
 * exception; and `removeOutput` removes the folder on every path, however deep.
 */
export interface HarvestLimits {
  /** Files, folders and anything else, together. */
  maxEntries: number;
  maxBytes: number;
  /** Folder levels below the output folder. */
  maxDepth: number;
}

export interface HarvestedFile {
  rel: string;
  size: number;
}

export interface Harvest {
  files: HarvestedFile[];
  /** Entries that are not plain files: links, pipes, devices, sockets, hard links. */
  faults: { rel: string; why: string }[];
  /** Set when the folder is past a limit; the rest of it was not read. */
  exceeded?: string;
  /** A folder vanished between being listed and being read: the tree changed during the walk. */
  changing?: boolean;
}

/**
 * Counts what a folder holds, as the watch during a run does: entries, bytes and depth. A
 * folder that vanishes between being listed and being read means the tree changed while it was
 * walked: the walk starts again, and a tree that never holds still long enough to be counted is
 * a verdict of its own (renaming folders round and round would otherwise hide what is written
 * inside them).
 */
export async function measure(root: string, limits: HarvestLimits): Promise<{ entries: number; bytes: number; exceeded?: string }> {
  let h = await harvest(root, limits);
  for (let tries = 1; h.changing && tries < 5; tries++) h = await harvest(root, limits);
  if (h.changing)
    return {
      entries: h.files.length,
      bytes: 0,
      exceeded: 'folders in /output that change faster than they can be counted',
    };
  return {
    entries: h.files.length + h.faults.length,
    bytes: h.files.reduce((s, f) => s + f.size, 0),
    ...(h.exceeded ? { exceeded: h.exceeded } : {}),
  };
}

/** Walks the output folder breadth first, without following anything. */
export async function harvest(root: string, limits: HarvestLimits): Promise<Harvest> {
  const files: HarvestedFile[] = [];
  const faults: { rel: string; why: string }[] = [];
  let entries = 0;
  let bytes = 0;
  const queue: { rel: string; depth: number }[] = [{ rel: '', depth: 0 }];
  while (queue.length > 0) {
    const { rel: dir, depth } = queue.shift()!;
    let list;
    try {
      list = await readdir(path.join(root, dir), { withFileTypes: true });
    } catch (e: unknown) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENAMETOOLONG' || code === 'ELOOP')
        return { files, faults, exceeded: `folders nested deeper than ${limits.maxDepth} levels in /output` };
      if (code === 'ENOENT' && dir !== '') return { files, faults, changing: true };
      if (code === 'ENOENT') return { files, faults };
      // What the runner cannot read, it cannot count: a folder made unreadable hides its size.
      return { files, faults, exceeded: 'a folder in /output that the runner cannot read' };
    }
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of list) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (++entries > limits.maxEntries) return { files, faults, exceeded: `more than ${limits.maxEntries} files and folders in /output` };
      if (e.isDirectory()) {
        if (depth + 1 > limits.maxDepth)
          return { files, faults, exceeded: `folders nested deeper than ${limits.maxDepth} levels in /output` };
        queue.push({ rel, depth: depth + 1 });
      } else if (e.isSymbolicLink()) faults.push({ rel, why: 'is a symbolic link' });
      else if (!e.isFile()) faults.push({ rel, why: 'is not a regular file' });
      else {
        let st;
        try {
          st = await lstat(path.join(root, rel));
        } catch {
          continue;
        }
        bytes += st.size;
        if (bytes > limits.maxBytes) return { files, faults, exceeded: `more than ${limits.maxBytes} bytes in /output` };
        if (st.nlink > 1) faults.push({ rel, why: 'is a hard link' });
        else files.push({ rel, size: st.size });
      }
    }
  }
  return { files, faults };
}

/**
 * Reads one harvested file: opened without following a link at its last step, checked to be
 * a regular file with one link and at most `maxBytes`, read through the same descriptor.
 * Undefined when it is not such a file.
 */
export async function readHarvested(root: string, rel: string, maxBytes: number): Promise<string | undefined> {
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return undefined;
  let fh;
  try {
    fh = await open(path.join(root, ...parts), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.nlink !== 1 || st.size > maxBytes) return undefined;
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

const run = promisify(execFile);

/**
 * Where runs' output folders are made: PODIUM_OUTPUT_ROOT, else the temporary folder. Point it
 * at a file system with a hard size cap of its own (a tmpfs of a few GiB, a quota'd volume) and
 * no run can fill the runner's disk, whatever it does to hide from the watch.
 */
export function outputRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.PODIUM_OUTPUT_ROOT || os.tmpdir();
}

/**
 * Removes an output folder whatever the program left in it. Node's own removal gives up on a
 * tree deeper than the path limit (ENAMETOOLONG) or a folder the program made unwritable;
 * coreutils' rm walks by descriptor and takes those too. Never throws: says why when even
 * that fails, so that the record is written all the same.
 */
export async function removeOutput(dir: string): Promise<{ removed: true } | { removed: false; why: string }> {
  try {
    await rm(dir, { recursive: true, force: true });
    return { removed: true };
  } catch {
    // fall through to rm
  }
  try {
    await run('chmod', ['-R', 'u+rwx', '--', dir]).catch(() => undefined);
    await run('rm', ['-rf', '--one-file-system', '--', dir], { maxBuffer: 1 << 20 });
    return { removed: true };
  } catch (e: unknown) {
    return { removed: false, why: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
  }
}
