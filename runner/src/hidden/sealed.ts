import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PodiumError } from '../contracts/problems.js';
import { keyFromEnv, keyId } from '../results/seal.js';
import { walkTree } from '../files/tree.js';

/**
 * Hidden data sealed at rest. A runner that can be reached by a job other than the approved
 * evaluation (a misconfigured runner group, an approval given by mistake) must find nothing
 * useful on its disk, so the hidden folder is kept there as one encrypted file and opened
 * only by the evaluation, with a key that GitHub gives only to the approved job (an
 * environment secret), into a private temporary folder removed when the evaluation ends.
 *
 * Format, version 1: the magic line, a JSON header line, then the archive in chunks of
 * `chunk` bytes, each AES-256-GCM with a 16-byte tag. The key of the file is derived by HKDF
 * from the organiser's key and the header's random salt, so nonces never repeat across
 * files; each chunk's nonce is its index and a last-chunk flag (the STREAM construction of
 * Hoang, Reyhanitabar, Rogaway & Vizár, 2015), and the header is the associated data of every
 * chunk, so chunks cannot be reordered, dropped, truncated or moved between files unnoticed.
 * The archive inside is a sequence of entries, each a JSON line {p, s, m} (relative path,
 * size, mode) followed by `s` bytes; only regular files are kept.
 */
export const MAGIC = 'PODIUM-HIDDEN-DATA\n';
export const DEFAULT_DATA_KEY_ENV = 'PODIUM_DATA_KEY';
const CHUNK = 1 << 20;
const TAG = 16;

export class SealedDataError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'SealedDataError';
  }
}

interface Header {
  v: 1;
  cipher: 'aes-256-gcm';
  kdf: 'hkdf-sha256';
  salt: string;
  chunk: number;
  key_id: string;
}

function fileKey(key: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, salt, 'podium hidden data v1', 32));
}

function nonce(index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeUIntBE(index, 0, 6);
  n[11] = last ? 1 : 0;
  return n;
}

/** The data key for sealed hidden data, from the variable `name` (data.hidden.key_env). */
export function dataKey(env: NodeJS.ProcessEnv, name = DEFAULT_DATA_KEY_ENV): Buffer {
  return keyFromEnv(env, name, 'the key that opens the sealed hidden data (an environment secret of the approved evaluation job)');
}

/** Whether a path is a sealed hidden-data file (by its first bytes). */
export async function isSealedData(file: string): Promise<boolean> {
  let fh: FileHandle | undefined;
  try {
    const st = await stat(file);
    if (!st.isFile()) return false;
    fh = await open(file, 'r');
    const head = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.toString('latin1') === MAGIC;
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}

/** Regular files under a folder, never following links; links and special files are refused. */
async function filesOf(root: string): Promise<{ rel: string; size: number; mode: number }[]> {
  const { files, faults } = await walkTree(root, { maxFileBytes: Number.MAX_SAFE_INTEGER, maxFiles: Number.MAX_SAFE_INTEGER });
  if (faults.length > 0)
    throw new SealedDataError(`${faults[0]!.rel} in ${root} is a link or a special file; sealed hidden data holds regular files only.`);
  return Promise.all(files.map(async (f) => ({ ...f, mode: (await lstat(path.join(root, f.rel))).mode & 0o777 })));
}

/** One file of the archive: its header, then its bytes. */
export interface ArchiveEntry {
  rel: string;
  size: number;
  mode: number;
  /** The bytes, as one buffer or a stream of them. */
  data: Buffer | AsyncIterable<Buffer>;
}

/**
 * Seals the folder `dir` into the file `out` under `key`. Written to a temporary name first
 * and renamed, so a failure never leaves half a file under the name a runner reads.
 */
export async function sealFolder(dir: string, out: string, key: Buffer): Promise<{ files: number; bytes: number }> {
  const files = await filesOf(dir);
  async function* entries(): AsyncGenerator<ArchiveEntry> {
    for (const f of files)
      yield { rel: f.rel, size: f.size, mode: f.mode, data: createReadStream(path.join(dir, f.rel)) as AsyncIterable<Buffer> };
  }
  const bytes = await sealEntries(entries(), out, key);
  return { files: files.length, bytes };
}

/** Seals archive entries into the file `out` (also what the tests use to make a hostile archive). */
export async function sealEntries(entries: AsyncIterable<ArchiveEntry>, out: string, key: Buffer): Promise<number> {
  const salt = randomBytes(16);
  const header: Header = { v: 1, cipher: 'aes-256-gcm', kdf: 'hkdf-sha256', salt: salt.toString('hex'), chunk: CHUNK, key_id: keyId(key) };
  const headerLine = Buffer.from(`${JSON.stringify(header)}\n`);
  const k = fileKey(key, salt);
  const tmp = `${out}.partial-${process.pid}`;
  const fh = await open(tmp, 'wx', 0o600);
  let index = 0;
  let pending: Buffer = Buffer.alloc(0);
  let total = 0;
  const emit = async (chunk: Buffer, last: boolean) => {
    const c = createCipheriv('aes-256-gcm', k, nonce(index++, last));
    c.setAAD(headerLine);
    await fh.write(Buffer.concat([c.update(chunk), c.final(), c.getAuthTag()]));
  };
  const push = async (bytes: Buffer) => {
    pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
    while (pending.length > CHUNK) {
      await emit(pending.subarray(0, CHUNK), false);
      pending = pending.subarray(CHUNK);
    }
  };
  try {
    await fh.write(Buffer.from(MAGIC, 'latin1'));
    await fh.write(headerLine);
    for await (const e of entries) {
      await push(Buffer.from(`${JSON.stringify({ p: e.rel, s: e.size, m: e.mode })}\n`));
      let seen = 0;
      for await (const piece of Buffer.isBuffer(e.data) ? [e.data] : e.data) {
        seen += piece.length;
        await push(piece);
      }
      if (seen !== e.size) throw new SealedDataError(`${e.rel} changed size while it was being sealed; seal the folder again.`);
      total += e.size;
    }
    await emit(pending, true);
    await fh.close();
    await rename(tmp, out);
  } catch (e: unknown) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
  return total;
}

/** Reads exactly `n` bytes at `pos`, or fewer at the end of the file. */
async function readAt(fh: FileHandle, n: number, pos: number): Promise<Buffer> {
  const b = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const { bytesRead } = await fh.read(b, got, n - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return b.subarray(0, got);
}

/** Writes the archive's entries into a folder as the decrypted bytes arrive. */
class Unpacker {
  private buf: Buffer = Buffer.alloc(0);
  private current: { fh: FileHandle; left: number; rel: string } | undefined;
  files = 0;
  constructor(private readonly root: string) {}

  async push(bytes: Buffer): Promise<void> {
    this.buf = this.buf.length === 0 ? bytes : Buffer.concat([this.buf, bytes]);
    for (;;) {
      if (this.current) {
        const take = Math.min(this.current.left, this.buf.length);
        if (take > 0) await this.current.fh.write(this.buf.subarray(0, take));
        this.buf = this.buf.subarray(take);
        this.current.left -= take;
        if (this.current.left > 0) return;
        await this.current.fh.close();
        this.current = undefined;
        continue;
      }
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) {
        if (this.buf.length > 65536) throw new SealedDataError('the sealed hidden data is damaged (an entry header is too long).');
        return;
      }
      const line = this.buf.subarray(0, nl).toString('utf8');
      this.buf = this.buf.subarray(nl + 1);
      await this.begin(line);
    }
  }

  private async begin(line: string): Promise<void> {
    let e: { p?: unknown; s?: unknown; m?: unknown };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      throw new SealedDataError('the sealed hidden data is damaged (an entry header is not JSON).');
    }
    const rel = typeof e.p === 'string' ? e.p : '';
    const parts = rel.split('/');
    if (!rel || path.isAbsolute(rel) || parts.some((p) => p === '' || p === '.' || p === '..') || rel.includes('\0'))
      throw new SealedDataError(`the sealed hidden data names a file outside its folder (${JSON.stringify(rel).slice(0, 80)}).`);
    if (!Number.isSafeInteger(e.s) || (e.s as number) < 0)
      throw new SealedDataError('the sealed hidden data is damaged (a size is wrong).');
    const target = path.join(this.root, ...parts);
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const fh = await open(target, 'wx', 0o600);
    this.files++;
    this.current = { fh, left: e.s as number, rel };
    if (this.current.left === 0) {
      await fh.close();
      this.current = undefined;
    }
  }

  async end(): Promise<void> {
    if (this.current || this.buf.length > 0) throw new SealedDataError('the sealed hidden data ends in the middle of a file.');
  }

  async abort(): Promise<void> {
    await this.current?.fh.close().catch(() => {});
  }
}

/**
 * Opens a sealed file into the folder `dir` (created, mode 0700). Every chunk is checked
 * before its bytes are written; on any failure the folder is removed and nothing is left.
 */
export async function unsealInto(file: string, dir: string, key: Buffer): Promise<{ files: number }> {
  const fh = await open(file, 'r');
  try {
    await mkdir(dir, { recursive: false, mode: 0o700 });
  } catch (e: unknown) {
    await fh.close();
    throw e;
  }
  const unpacker = new Unpacker(dir);
  try {
    const head = await readAt(fh, MAGIC.length + 4096, 0);
    if (head.subarray(0, MAGIC.length).toString('latin1') !== MAGIC)
      throw new SealedDataError(`${file} is not sealed hidden data (podium hidden seal writes it).`);
    const nl = head.indexOf(0x0a, MAGIC.length);
    if (nl < 0) throw new SealedDataError(`${file} is damaged: its header is cut.`);
    const headerLine = head.subarray(MAGIC.length, nl + 1);
    let header: Header;
    try {
      header = JSON.parse(headerLine.toString('utf8')) as Header;
    } catch {
      throw new SealedDataError(`${file} is damaged: its header is not JSON.`);
    }
    // The header is authenticated only with the first chunk: nothing in it is trusted before
    // then beyond what sizes a buffer, and that within bounds.
    if (
      header.v !== 1 ||
      header.cipher !== 'aes-256-gcm' ||
      header.kdf !== 'hkdf-sha256' ||
      !Number.isInteger(header.chunk) ||
      header.chunk < 1024 ||
      header.chunk > 64 * 1024 * 1024
    )
      throw new SealedDataError(`${file} was sealed by a newer Podium (format ${String(header.v)}); update Podium on this runner.`);
    if (header.key_id !== keyId(key))
      throw new SealedDataError(
        `${file} was sealed with another key (key ${header.key_id}, given ${keyId(key)}): set the key it was sealed with, or seal the data again.`,
      );
    const k = fileKey(key, Buffer.from(header.salt, 'hex'));
    let pos = nl + 1;
    let index = 0;
    const size = (await fh.stat()).size;
    for (;;) {
      const piece = await readAt(fh, header.chunk + TAG, pos);
      if (piece.length < TAG) throw new SealedDataError(`${file} is damaged or cut short.`);
      pos += piece.length;
      const last = pos >= size;
      const d = createDecipheriv('aes-256-gcm', k, nonce(index++, last));
      d.setAAD(headerLine);
      d.setAuthTag(piece.subarray(piece.length - TAG));
      let plain: Buffer;
      try {
        plain = Buffer.concat([d.update(piece.subarray(0, piece.length - TAG)), d.final()]);
      } catch {
        throw new SealedDataError(`${file} did not open: it is damaged, cut short, or not sealed with this key.`);
      }
      await unpacker.push(plain);
      if (last) break;
    }
    await unpacker.end();
    return { files: unpacker.files };
  } catch (e: unknown) {
    await unpacker.abort();
    await rm(dir, { recursive: true, force: true });
    throw e;
  } finally {
    await fh.close();
  }
}

/** Temporary folders holding opened hidden data, for removal however the process ends. */
const opened = new Set<string>();
let exitHook = false;

/**
 * Removes every opened copy at once, synchronously: for a process that must exit now (a second
 * interrupt), and on any exit, so that no plain copy of hidden data outlives the process.
 */
export function removeOpenedSync(): void {
  for (const dir of opened) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // nothing more can be done at exit
    }
    opened.delete(dir);
  }
}

/** Hidden data ready to read: the folder, and how to put it away when the evaluation ends. */
export interface OpenedHidden {
  dir: string;
  /** True when the folder is a temporary copy opened from a sealed file. */
  sealed: boolean;
  close(): Promise<void>;
}

/**
 * The hidden folder for an evaluation: a folder is used as it is; a sealed file is opened with
 * the key in `env[keyEnv]` into a private temporary folder under `tmpRoot`, which `close`
 * removes.
 */
export async function openHidden(
  where: string,
  env: NodeJS.ProcessEnv,
  keyEnv = DEFAULT_DATA_KEY_ENV,
  tmpRoot = os.tmpdir(),
): Promise<OpenedHidden> {
  if (!(await isSealedData(where))) return { dir: where, sealed: false, close: async () => {} };
  const key = dataKey(env, keyEnv);
  const parent = await mkdtemp(path.join(tmpRoot, 'podium-hidden-'));
  await chmod(parent, 0o700);
  opened.add(parent);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', removeOpenedSync);
  }
  const dir = path.join(parent, 'data');
  try {
    await unsealInto(where, dir, key);
  } catch (e: unknown) {
    await rm(parent, { recursive: true, force: true });
    opened.delete(parent);
    throw e;
  }
  return {
    dir,
    sealed: true,
    close: async () => {
      await rm(parent, { recursive: true, force: true });
      opened.delete(parent);
    },
  };
}
