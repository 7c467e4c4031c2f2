import { open, rm, type FileHandle } from 'node:fs/promises';
import zlib from 'node:zlib';
import { PodiumError } from '../contracts/problems.js';

/**
 * Writes ZIP archives (APPNOTE 6.3.10): each entry deflated through node:zlib, or stored when
 * deflating does not make it smaller, with its CRC-32 and sizes in the local header (no data
 * descriptors), UTF-8 names, and ZIP64 records only where a count, size or offset needs them.
 * Entries go to the file as they are added, so only one entry is ever held in memory.
 */
export interface ZipWriterOptions {
  /** When entries carry ZIP64 fields: only where needed (default), or always (for tests). */
  zip64?: 'auto' | 'always';
  /** The modification time written for every entry (default: now). */
  date?: Date;
}

interface CentralEntry {
  name: Buffer;
  crc: number;
  method: number;
  compressed: number;
  size: number;
  offset: number;
}

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const UTF8_NAMES = 0x0800;
const VERSION_ZIP64 = 45;
const VERSION_DEFLATE = 20;
/** Made by Unix (3) so that the external attributes below are read as a mode. */
const MADE_BY_UNIX = 3 << 8;
/** A regular file, rw-r--r--. */
const FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;

export class ZipWriteError extends PodiumError {
  constructor(message: string, options?: ErrorOptions & { fix?: string }) {
    super(message, options);
    this.name = 'ZipWriteError';
  }
}

/**
 * Why a name may not be an archive entry's, or undefined when it may: relative, "/" separated,
 * no empty, "." or ".." part, no backslash, drive letter or control character, so that no
 * unzip puts a file outside the folder it unpacks into.
 */
export function unsafeEntryName(name: string): string | undefined {
  if (name === '') return 'it is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it holds a control character';
  if (name.includes('\\')) return 'it holds a backslash';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'it is an absolute path';
  if (name.split('/').some((part) => part === '' || part === '.' || part === '..')) return 'it has an empty, "." or ".." part';
  return undefined;
}

export class ZipWriter {
  private offset = 0;
  private readonly entries: CentralEntry[] = [];
  private readonly names = new Set<string>();
  private readonly dosTime: number;
  private readonly dosDate: number;
  private closed = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly zip64: 'auto' | 'always',
    date: Date,
  ) {
    this.dosTime = (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2);
    this.dosDate = ((Math.max(1980, date.getFullYear()) - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
  }

  /** A new archive at `file`, which must not exist yet. */
  static async create(file: string, opts: ZipWriterOptions = {}): Promise<ZipWriter> {
    const handle = await open(file, 'wx');
    return new ZipWriter(handle, opts.zip64 ?? 'auto', opts.date ?? new Date());
  }

  /** Adds one file; names must be unique and safe (see unsafeEntryName). */
  async add(name: string, data: Buffer): Promise<void> {
    if (this.closed) throw new Error('the archive is already closed');
    const unsafe = unsafeEntryName(name);
    if (unsafe) throw new ZipWriteError(`"${name}" cannot be a name in the archive: ${unsafe}.`);
    if (this.names.has(name)) throw new ZipWriteError(`"${name}" is in the archive twice.`);
    this.names.add(name);
    const nameBytes = Buffer.from(name, 'utf8');
    if (nameBytes.length > MAX16) throw new ZipWriteError(`"${name.slice(0, 60)}…" is longer than a ZIP name may be.`);
    const crc = crc32(data);
    const deflated = data.length > 0 ? zlib.deflateRawSync(data) : data;
    const stored = deflated.length >= data.length;
    const body = stored ? data : deflated;
    const entry: CentralEntry = {
      name: nameBytes,
      crc,
      method: stored ? 0 : 8,
      compressed: body.length,
      size: data.length,
      offset: this.offset,
    };
    // ZIP64 in the local header when a size needs it: both sizes go in its extra field then.
    const big = this.zip64 === 'always' || entry.size >= MAX32 || entry.compressed >= MAX32;
    const extra = big ? zip64Extra([entry.size, entry.compressed]) : Buffer.alloc(0);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(big ? VERSION_ZIP64 : VERSION_DEFLATE, 4);
    header.writeUInt16LE(UTF8_NAMES, 6);
    header.writeUInt16LE(entry.method, 8);
    header.writeUInt16LE(this.dosTime, 10);
    header.writeUInt16LE(this.dosDate, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(big ? MAX32 : entry.compressed, 18);
    header.writeUInt32LE(big ? MAX32 : entry.size, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    header.writeUInt16LE(extra.length, 28);
    await this.write(Buffer.concat([header, nameBytes, extra]));
    await this.write(body);
    this.entries.push(entry);
  }

  /** Writes the central directory and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    const start = this.offset;
    for (const e of this.entries) await this.write(this.centralHeader(e));
    const size = this.offset - start;
    const count = this.entries.length;
    const needs64 = this.zip64 === 'always' || count >= MAX16 || size >= MAX32 || start >= MAX32;
    if (needs64) {
      const at = this.offset;
      const record = Buffer.alloc(56);
      record.writeUInt32LE(0x06064b50, 0);
      record.writeBigUInt64LE(44n, 4);
      record.writeUInt16LE(MADE_BY_UNIX | VERSION_ZIP64, 12);
      record.writeUInt16LE(VERSION_ZIP64, 14);
      record.writeUInt32LE(0, 16);
      record.writeUInt32LE(0, 20);
      record.writeBigUInt64LE(BigInt(count), 24);
      record.writeBigUInt64LE(BigInt(count), 32);
      record.writeBigUInt64LE(BigInt(size), 40);
      record.writeBigUInt64LE(BigInt(start), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeUInt32LE(0, 4);
      locator.writeBigUInt64LE(BigInt(at), 8);
      locator.writeUInt32LE(1, 16);
      await this.write(Buffer.concat([record, locator]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(needs64 ? MAX16 : count, 8);
    end.writeUInt16LE(needs64 ? MAX16 : count, 10);
    end.writeUInt32LE(needs64 ? MAX32 : size, 12);
    end.writeUInt32LE(needs64 ? MAX32 : start, 16);
    await this.write(end);
    await this.flush();
    this.closed = true;
    await this.handle.close();
  }

  /** Closes and removes a file that will not be finished. */
  async abort(file: string): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
    }
    await rm(file, { force: true });
  }

  private centralHeader(e: CentralEntry): Buffer {
    const always = this.zip64 === 'always';
    // In the central directory each field that does not fit is 0xFFFFFFFF, and its value goes
    // in the ZIP64 extra field, in the order size, compressed size, offset.
    const wide = [always || e.size >= MAX32, always || e.compressed >= MAX32, always || e.offset >= MAX32];
    const values = [e.size, e.compressed, e.offset].filter((_, i) => wide[i]);
    const extra = values.length > 0 ? zip64Extra(values) : Buffer.alloc(0);
    const h = Buffer.alloc(46);
    h.writeUInt32LE(0x02014b50, 0);
    h.writeUInt16LE(MADE_BY_UNIX | VERSION_ZIP64, 4);
    h.writeUInt16LE(values.length > 0 ? VERSION_ZIP64 : VERSION_DEFLATE, 6);
    h.writeUInt16LE(UTF8_NAMES, 8);
    h.writeUInt16LE(e.method, 10);
    h.writeUInt16LE(this.dosTime, 12);
    h.writeUInt16LE(this.dosDate, 14);
    h.writeUInt32LE(e.crc, 16);
    h.writeUInt32LE(wide[1] ? MAX32 : e.compressed, 20);
    h.writeUInt32LE(wide[0] ? MAX32 : e.size, 24);
    h.writeUInt16LE(e.name.length, 28);
    h.writeUInt16LE(extra.length, 30);
    h.writeUInt32LE(FILE_ATTRIBUTES, 38);
    h.writeUInt32LE(wide[2] ? MAX32 : e.offset, 42);
    return Buffer.concat([h, e.name, extra]);
  }

  /** Small writes are gathered into one of about 1 MiB: thousands of small entries cost few system calls. */
  private async write(buf: Buffer): Promise<void> {
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    this.offset += buf.length;
    if (this.pendingBytes >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.handle.write(buf, done, buf.length - done);
      done += bytesWritten;
    }
  }
}

/** The ZIP64 extended information extra field (header 0x0001) holding 64-bit values. */
function zip64Extra(values: readonly number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}

let table: Uint32Array | undefined;

/** CRC-32 (ISO 3309, as ZIP uses it): node:zlib's where this Node.js has it (20.15 on), else crc32ByTable. */
export function crc32(data: Uint8Array): number {
  const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  return native ? native(data) : crc32ByTable(data);
}

/** CRC-32 computed with a 256-entry table, one byte at a time. */
export function crc32ByTable(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
