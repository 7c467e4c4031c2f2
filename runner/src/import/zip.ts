import { inflateRawSync } from 'node:zlib';
import { PodiumError } from '../contracts/problems.js';

/**
 * Reads the files of a ZIP archive (stored or deflated entries; what CodaLab and Codabench
 * bundles use), without an external tool. Entry names that would leave the target folder
 * (absolute, or with "..") are refused, as are ZIP64 archives and encrypted entries.
 */
export class ZipError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

export interface ZipEntry {
  name: string;
  data: Buffer;
}

export function readZip(buf: Buffer, maxBytes = 2 * 1024 ** 3): ZipEntry[] {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not a ZIP archive (no end-of-central-directory record)');
  const count = buf.readUInt16LE(eocd + 10);
  let pos = buf.readUInt32LE(eocd + 16);
  if (pos === 0xffffffff || count === 0xffff) throw new ZipError('ZIP64 archives are not supported; re-zip the bundle without ZIP64');
  const out: ZipEntry[] = [];
  let total = 0;
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(pos) !== 0x02014b50) throw new ZipError('a broken central directory');
    const flags = buf.readUInt16LE(pos + 8);
    const method = buf.readUInt16LE(pos + 10);
    const compressed = buf.readUInt32LE(pos + 20);
    const size = buf.readUInt32LE(pos + 24);
    const nameLen = buf.readUInt16LE(pos + 28);
    const extraLen = buf.readUInt16LE(pos + 30);
    const commentLen = buf.readUInt16LE(pos + 32);
    const local = buf.readUInt32LE(pos + 42);
    const name = buf
      .subarray(pos + 46, pos + 46 + nameLen)
      .toString('utf8')
      .replace(/\\/g, '/');
    pos += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (flags & 1) throw new ZipError(`${name} is encrypted`);
    if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.split('/').includes('..'))
      throw new ZipError(`${name} would be written outside the folder`);
    if (name.split('/').some((p) => p === '__MACOSX')) continue;
    total += size;
    if (total > maxBytes) throw new ZipError(`the archive unpacks to more than ${maxBytes} bytes`);
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new ZipError(`${name}: a broken local header`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + compressed);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) });
    else throw new ZipError(`${name} uses compression method ${method}; only stored and deflated entries are read`);
    if (data.length !== size) throw new ZipError(`${name} unpacks to ${data.length} bytes, not the ${size} its header says`);
    out.push({ name, data });
  }
  return out;
}
