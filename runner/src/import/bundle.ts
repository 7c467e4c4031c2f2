import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { walkTree } from '../files/tree.js';
import { ImportError } from './model.js';
import { extractZip } from './zip.js';

/**
 * A bundle as a folder of files: a folder given as it is, or a .zip unpacked into a temporary
 * folder. Only the regular files found in it can be named (no links are followed), so a name
 * in competition.yaml cannot reach outside the bundle.
 */
export interface Bundle {
  /** The bundle as the user named it, for messages. */
  source: string;
  /** The folder holding competition.yaml: the bundle's files may sit in one folder of the zip. */
  root: string;
  /** The bundle's regular files, relative to root, with "/" separators. */
  files: ReadonlySet<string>;
  /** competition.yaml, or competition.yml. */
  yamlName: string;
  /** Removes the unpacked copy, if any. */
  close(): Promise<void>;
}

const UNLIMITED = { maxFiles: Number.POSITIVE_INFINITY, maxFileBytes: Number.POSITIVE_INFINITY };

export async function openBundle(bundle: string): Promise<Bundle> {
  let info;
  try {
    info = await stat(bundle);
  } catch {
    throw new ImportError(`cannot read ${bundle}: give a bundle .zip or a folder holding competition.yaml.`);
  }
  let base = bundle;
  let unpacked: string | undefined;
  if (!info.isDirectory()) {
    unpacked = await mkdtemp(path.join(os.tmpdir(), 'podium-import-'));
    base = unpacked;
  }
  const close = async () => {
    if (unpacked) await rm(unpacked, { recursive: true, force: true });
  };
  try {
    if (unpacked) await extractZip(bundle, unpacked);
    const all = (await walkTree(base, UNLIMITED)).files.map((f) => f.rel).filter((f) => !isJunk(f));
    const yaml = all.filter((f) => /(^|\/)competition\.ya?ml$/.test(f)).sort((a, b) => a.length - b.length)[0];
    if (!yaml) throw new ImportError(`${bundle} holds no competition.yaml; is it a CodaLab or Codabench competition bundle?`);
    const prefix = yaml.slice(0, yaml.lastIndexOf('/') + 1);
    const files = new Set(all.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)));
    return {
      source: bundle,
      root: path.join(base, prefix),
      files,
      yamlName: files.has('competition.yaml') ? 'competition.yaml' : 'competition.yml',
      close,
    };
  } catch (e: unknown) {
    await close();
    throw e;
  }
}

/** Where a file of the bundle is on disk. */
export function bundlePath(bundle: Bundle, file: string): string {
  return path.join(bundle.root, ...file.split('/'));
}

/** What macOS leaves in the archives it writes: never part of a competition. */
export function isJunk(file: string): boolean {
  return /(^|\/)(__MACOSX\/|\.DS_Store$|\._)/.test(file);
}

/**
 * What a reference of competition.yaml names: a zip, another file, or a folder of the bundle.
 * A folder may be written with a trailing "/"; a zip named but absent is its folder when the
 * bundle holds that instead (a bundle unpacked by hand: "program.zip" is the folder program/).
 */
export type BundleRef = { kind: 'zip' | 'file'; file: string } | { kind: 'folder'; folder: string };

export function resolveRef(bundle: Bundle, ref: string): BundleRef | undefined {
  const clean = ref.replace(/^\.\//, '').replace(/\/+$/, '');
  if (bundle.files.has(clean)) return { kind: clean.toLowerCase().endsWith('.zip') ? 'zip' : 'file', file: clean };
  const hasFolder = (f: string) => (f === '' ? bundle.files.size > 0 : [...bundle.files].some((x) => x.startsWith(`${f}/`)));
  if (hasFolder(clean)) return { kind: 'folder', folder: clean };
  const bare = clean.replace(/\.zip$/i, '');
  if (bare !== clean && hasFolder(bare)) return { kind: 'folder', folder: bare };
  return undefined;
}

/**
 * A file of the bundle, a zip in it (unpacked), or a folder of it, written out under TO;
 * returns the names written, relative to TO (none when the bundle does not hold REF).
 */
export async function unpack(bundle: Bundle, ref: string, to: string): Promise<string[]> {
  const put = async (file: string, name: string) => {
    const target = path.join(to, ...name.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(bundlePath(bundle, file), target);
    return name;
  };
  const found = resolveRef(bundle, ref);
  if (!found) return [];
  if (found.kind === 'zip') {
    const written = await extractZip(bundlePath(bundle, found.file), to, { name: `${found.file} in ${path.basename(bundle.source)}` });
    const junk = written.filter(isJunk);
    for (const f of junk) await rm(path.join(to, ...f.split('/')), { force: true });
    await rm(path.join(to, '__MACOSX'), { recursive: true, force: true });
    return written.filter((f) => !isJunk(f));
  }
  if (found.kind !== 'folder') return [await put(found.file, path.posix.basename(found.file))];
  const prefix = `${found.folder}/`;
  const written: string[] = [];
  for (const f of [...bundle.files].sort()) if (f.startsWith(prefix)) written.push(await put(f, f.slice(prefix.length)));
  return written;
}
