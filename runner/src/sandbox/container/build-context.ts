import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The build context as the engine receives it: a tar archive of the folder's regular files,
 * less those its .dockerignore names, as `docker build` sends it.
 */

/** A file of the archive: read from disk, or given whole (the checked Dockerfile). */
export type ContextEntry = { name: string; file: string } | { name: string; data: Buffer };

const BLOCK = 512;
const NO_LINKS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);

/**
 * The files of a folder (regular files, relative paths with "/") that go to the engine: those
 * its .dockerignore leaves, and always the Dockerfile and the .dockerignore themselves, as the
 * Docker CLI sends them (the engine leaves them out of what COPY sees where the file names
 * them). `own` is a Dockerfile to build instead of the folder's, added under its own name.
 */
export async function contextEntries(
  dir: string,
  files: readonly string[],
  own?: { name: string; text: string },
): Promise<{ ok: true; entries: ContextEntry[] } | { ok: false; why: string }> {
  let excluded = (_rel: string) => false;
  if (files.includes('.dockerignore')) {
    const read = dockerignore(await readFile(path.join(dir, '.dockerignore'), { encoding: 'utf8', flag: NO_LINKS }));
    if (!read.ok) return { ok: false, why: `.dockerignore, line ${read.line}: ${read.why}` };
    excluded = read.excluded;
  }
  const kept = new Set(['.dockerignore', own ? own.name : 'Dockerfile']);
  const entries: ContextEntry[] = files
    .filter((rel) => kept.has(rel) || !excluded(rel))
    .map((rel) => ({ name: rel, file: path.join(dir, ...rel.split('/')) }));
  if (own) entries.push({ name: own.name, data: Buffer.from(own.text, 'utf8') });
  return { ok: true, entries };
}
const CHUNK = 1 << 20;

/**
 * The archive, block by block (POSIX ustar; a pax header where a name is longer than the
 * ustar field or a size larger than its 11 octal digits). Only regular files: the engine
 * makes the folders they sit in. Owners are written as 0, since the engine gives whatever
 * COPY and ADD write to root (or to --chown) anyway; a link, special file or a file that
 * changes while it is read is an error, never read through.
 */
export async function* tarArchive(entries: readonly ContextEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    if ('data' in entry) {
      yield* fileHeader(entry.name, { size: entry.data.length, mode: 0o644, mtime: 0 });
      yield entry.data;
      yield padding(entry.data.length);
      continue;
    }
    // O_NOFOLLOW: the file was listed as a regular file; a link put in its place is refused.
    const handle = await open(entry.file, NO_LINKS);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error(`${entry.name} is not a regular file`);
      yield* fileHeader(entry.name, { size: stat.size, mode: stat.mode & 0o7777, mtime: Math.floor(stat.mtimeMs / 1000) });
      let left = stat.size;
      while (left > 0) {
        const buf = Buffer.alloc(Math.min(CHUNK, left));
        const { bytesRead } = await handle.read(buf, 0, buf.length, stat.size - left);
        if (bytesRead === 0) throw new Error(`${entry.name} became shorter while it was read`);
        left -= bytesRead;
        yield buf.subarray(0, bytesRead);
      }
      yield padding(stat.size);
    } finally {
      await handle.close();
    }
  }
  // The end of the archive: two zero blocks.
  yield Buffer.alloc(2 * BLOCK);
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function* fileHeader(name: string, meta: { size: number; mode: number; mtime: number }): Generator<Buffer> {
  const nameBytes = Buffer.from(name, 'utf8');
  const pax: string[] = [];
  if (nameBytes.length > 100) pax.push(paxRecord('path', name));
  if (meta.size > 0o77777777777) pax.push(paxRecord('size', String(meta.size)));
  if (pax.length > 0) {
    const body = Buffer.from(pax.join(''), 'utf8');
    yield header({ name: 'PaxHeader', size: body.length, mode: 0o644, mtime: meta.mtime, type: 'x' });
    yield body;
    yield padding(body.length);
  }
  yield header({
    name: nameBytes.length > 100 ? nameBytes.subarray(0, 100) : nameBytes,
    size: meta.size > 0o77777777777 ? 0 : meta.size,
    mode: meta.mode,
    mtime: meta.mtime,
    type: '0',
  });
}

/** A pax record: its own length in decimal, counting the digits themselves. */
function paxRecord(key: string, value: string): string {
  const rest = Buffer.byteLength(` ${key}=${value}\n`);
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return `${len} ${key}=${value}\n`;
}

function header(h: { name: string | Buffer; size: number; mode: number; mtime: number; type: '0' | 'x' }): Buffer {
  const b = Buffer.alloc(BLOCK);
  const octal = (value: number, at: number, width: number) => b.write(`${value.toString(8).padStart(width - 1, '0')}\0`, at, 'latin1');
  (typeof h.name === 'string' ? Buffer.from(h.name) : h.name).copy(b, 0);
  octal(h.mode, 100, 8);
  octal(0, 108, 8); // uid
  octal(0, 116, 8); // gid
  octal(h.size, 124, 12);
  octal(h.mtime, 136, 12);
  b.write(h.type, 156, 'latin1');
  b.write('ustar\x0000', 257, 'latin1');
  // The checksum counts its own field as spaces.
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

/**
 * A .dockerignore, read as the Docker CLI reads it: `#` lines and blank lines skipped, each
 * pattern cleaned and made relative, `!` re-including; `*` and `?` stay within a folder, `**`
 * spans any number of them; a pattern that names a folder names everything in it; the last
 * pattern that matches a path decides. Returns a test of relative paths (with "/"), or the
 * first line Docker could not read.
 */
export function dockerignore(text: string): { ok: true; excluded: (rel: string) => boolean } | { ok: false; line: number; why: string } {
  const patterns: { exclusion: boolean; glob: Glob }[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    if (raw.startsWith('#')) continue;
    let p = raw.trim();
    if (p === '') continue;
    const exclusion = p.startsWith('!');
    if (exclusion) p = p.slice(1).trim();
    if (p === '') return { ok: false, line: i + 1, why: 'a "!" with no pattern after it' };
    p = cleanPath(p);
    if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    const glob = compileGlob(p);
    if (!glob) return { ok: false, line: i + 1, why: `"${raw.trim()}" is not a valid pattern` };
    patterns.push({ exclusion, glob });
  }
  const excluded = (rel: string): boolean => {
    const parts = rel.split('/');
    let matched = false;
    for (const { exclusion, glob } of patterns) {
      // Only a pattern that could change the answer is tried.
      if (exclusion !== matched) continue;
      let match = globMatches(glob, rel);
      for (let i = 1; !match && i < parts.length; i++) match = globMatches(glob, parts.slice(0, i).join('/'));
      if (match) matched = !exclusion;
    }
    return matched;
  };
  return { ok: true, excluded };
}

/** Go's path.Clean, on "/" paths. */
function cleanPath(p: string): string {
  const norm = path.posix.normalize(p);
  return norm.length > 1 && norm.endsWith('/') ? norm.slice(0, -1) : norm;
}

/**
 * One step of a pattern: a character as it is; `?` (one character within a folder); a class
 * (`[a-z]`, `[^0-9]`); `*` (any characters within a folder); `**` inside a pattern (any number
 * of folders, none included) or at its end (anything).
 */
type Step =
  | { kind: 'char'; ch: string }
  | { kind: 'one' }
  | { kind: 'class'; re: RegExp }
  | { kind: 'star' }
  | { kind: 'folders' }
  | { kind: 'rest' };
type Glob = Step[];

function compileGlob(p: string): Glob | undefined {
  const steps: Step[] = [];
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '*') {
      if (p[i + 1] === '*') {
        i++;
        if (p[i + 1] === '/') i++;
        steps.push(i + 1 >= p.length ? { kind: 'rest' } : { kind: 'folders' });
      } else if (steps.at(-1)?.kind !== 'star') steps.push({ kind: 'star' }); // "**" within a name is one "*"
    } else if (ch === '?') steps.push({ kind: 'one' });
    else if (ch === '\\') {
      // The next character as it is (a trailing backslash escapes nothing: Docker refuses it).
      if (i + 1 >= p.length) return undefined;
      steps.push({ kind: 'char', ch: p[++i]! });
    } else if (ch === '[') {
      let j = i + 1;
      if (p[j] === '^') j++;
      while (j < p.length && p[j] !== ']') j += p[j] === '\\' ? 2 : 1;
      if (j >= p.length) return undefined;
      // One character's class, tested on one character at a time: no backtracking to speak of.
      try {
        steps.push({ kind: 'class', re: new RegExp(`^${p.slice(i, j + 1)}$`) });
      } catch {
        return undefined;
      }
      i = j;
    } else steps.push({ kind: 'char', ch });
  }
  return steps;
}

/**
 * Whether a whole path matches, in time linear in the path times the pattern: the pattern's
 * positions are followed as a set, one character at a time (Thompson's construction), never by
 * backtracking, so no pattern a participant writes can make this slow. (A regular expression
 * here took seconds for `*a*a*a*a*a*a*a*a*b` against a 40-character name, and grows
 * exponentially with the stars, before any build time limit starts.)
 */
function globMatches(glob: Glob, text: string): boolean {
  // State 2k: at step k. State 2k+1: inside the folders of step k (a "**/" that took something).
  let states = new Set<number>();
  const add = (set: Set<number>, k: number) => {
    for (;;) {
      if (set.has(2 * k)) return;
      set.add(2 * k);
      const step = glob[k];
      // The steps that may take nothing let the next one start here too.
      if (!step || (step.kind !== 'star' && step.kind !== 'folders' && step.kind !== 'rest')) return;
      k++;
    }
  };
  add(states, 0);
  for (const ch of text) {
    const next = new Set<number>();
    for (const state of states) {
      const k = state >> 1;
      const step = glob[k];
      if (!step) continue;
      if (state & 1 || step.kind === 'folders') {
        // Inside "**/": every character but a newline, and a "/" may end it.
        if (ch !== '\n') next.add(2 * k + 1);
        if (ch === '/') add(next, k + 1);
        continue;
      }
      switch (step.kind) {
        case 'char':
          if (ch === step.ch) add(next, k + 1);
          break;
        case 'one':
          if (ch !== '/') add(next, k + 1);
          break;
        case 'class':
          if (step.re.test(ch)) add(next, k + 1);
          break;
        case 'star':
          if (ch !== '/') add(next, k);
          break;
        case 'rest':
          if (ch !== '\n') add(next, k);
          break;
      }
    }
    if (next.size === 0) return false;
    states = next;
  }
  return states.has(2 * glob.length);
}
