import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getFileNameLowLevel, openPromise, validateFileName, type Entry, type ZipFile } from 'yauzl';
import { PodiumError } from '../contracts/problems.js';

/**
 * Unpacks ZIP archives (CodaLab and Codabench bundles, and the data archives inside them) with
 * yauzl, one entry at a time from the file, so an archive never has to fit in memory; ZIP64
 * included. Names that would leave the folder, links, encrypted entries and archives that
 * unpack to too much are refused, and a refused or damaged archive leaves nothing behind.
 */
export class ZipError extends PodiumError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ZipError';
  }
}

/** Bounds on what one archive may unpack to: a small archive can inflate a thousandfold. */
export interface ZipLimits {
  /** Uncompressed bytes of all its files together. */
  maxBytes: number;
  /** Entries, folders included. */
  maxEntries: number;
}

export const ZIP_LIMITS: ZipLimits = { maxBytes: 2 * 1024 ** 3, maxEntries: 100_000 };

export interface ExtractOptions {
  /** How messages name the archive (default: its path). */
  name?: string;
  limits?: Partial<ZipLimits>;
}

const AGAIN = 'Download it again, or zip it again';

/**
 * Unpacks the files of ARCHIVE under INTO (made if missing) and returns their names, with "/"
 * separators, in the archive's order. Folders come from the files' names; macOS's __MACOSX
 * folders are left out.
 */
export async function extractZip(archive: string, into: string, opts: ExtractOptions = {}): Promise<string[]> {
  const label = opts.name ?? archive;
  const limits = { ...ZIP_LIMITS, ...opts.limits };
  let zip: ZipFile;
  try {
    // Names are decoded and checked here rather than by yauzl, so that a refusal says which.
    zip = await openPromise(archive, { decodeStrings: false, validateEntrySizes: true });
  } catch (e: unknown) {
    if (isFsError(e)) throw new ZipError(`cannot read ${label}: ${e.message}`, { cause: e });
    throw new ZipError(
      `${label} is not a ZIP archive, or it was cut short (${reason(e)}). ${AGAIN}; a bundle is the .zip Codabench or CodaLab exports.`,
      { cause: e },
    );
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw new ZipError(
      `${label} holds ${zip.entryCount} entries, more than the ${limits.maxEntries} an archive may hold here (a guard against zip bombs). Unpack it yourself if you trust it, and give the folder instead.`,
    );
  }

  const written: string[] = [];
  const made: string[] = [];
  const makeDir = async (dir: string) => {
    const first = await mkdir(dir, { recursive: true });
    if (first !== undefined) made.push(first);
  };
  let current: string | undefined;
  let total = 0;
  try {
    await makeDir(into);
    for await (const entry of zip.eachEntry()) {
      const name = getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const outside = leavesFolder(name);
      if (outside)
        throw new ZipError(`${label}: ${name} would be written outside the folder (${outside}); refused. ${AGAIN} with relative names.`);
      if (name.endsWith('/') || name.split('/').includes('__MACOSX')) continue;
      if (isLink(entry))
        throw new ZipError(`${label}: ${name} is a symbolic link; links are refused. Zip the files themselves (zip without -y).`);
      if (entry.isEncrypted()) throw new ZipError(`${label}: ${name} is encrypted. Zip it again without a password.`);
      if (!entry.canDecodeFileData())
        throw new ZipError(
          `${label}: ${name} uses compression method ${entry.compressionMethod}; only stored and deflated entries are read. Zip it again with the default method.`,
        );
      total += entry.uncompressedSize;
      if (total > limits.maxBytes)
        throw new ZipError(
          `${label} unpacks to more than ${limits.maxBytes} bytes (a guard against zip bombs). Unpack it yourself if you trust it, and give the folder instead.`,
        );
      const target = path.join(into, ...name.split('/'));
      await makeDir(path.dirname(target));
      current = target;
      // yauzl holds each entry to the size the archive states; the CRC-32 it leaves to us.
      await pipeline(await zip.openReadStreamPromise(entry), new CrcCheck(entry.crc32, label, name), createWriteStream(target));
      written.push(name);
      current = undefined;
    }
  } catch (e: unknown) {
    zip.close();
    // Nothing of a refused archive stays: the files written, then the folders made for them.
    for (const f of [...written.map((n) => path.join(into, ...n.split('/'))), ...(current ? [current] : [])]) await rm(f, { force: true });
    for (const d of made.reverse()) await rm(d, { recursive: true, force: true });
    if (e instanceof ZipError) throw e;
    if (isFsError(e)) throw new ZipError(`cannot unpack ${label}: ${e.message}`, { cause: e });
    throw new ZipError(`${label} is damaged (${reason(e)}). ${AGAIN}.`, { cause: e });
  }
  return written;
}

/** Why a name may not be written under the folder, or undefined when it may. */
function leavesFolder(name: string): string | undefined {
  if (name.includes('\0')) return 'a NUL character in its name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'an absolute name';
  if (name.split('/').includes('..')) return 'a ".." in its name';
  // yauzl's own check, in case it ever knows more.
  return validateFileName(name) ?? undefined;
}

/** A Unix symbolic link, as `zip -y` stores one: the link's text as the entry's data. */
function isLink(entry: Entry): boolean {
  const unix = entry.versionMadeBy >> 8 === 3;
  return unix && ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
}

function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

function reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return /end of central directory record signature not found/i.test(text) ? 'no end-of-central-directory record' : text.replace(/\.$/, '');
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** Passes an entry's bytes through and fails at the end when their CRC-32 is not the stated one. */
class CrcCheck extends Transform {
  private crc = 0xffffffff;
  constructor(
    private readonly expected: number,
    private readonly label: string,
    private readonly name: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let c = this.crc;
    for (let i = 0; i < chunk.length; i++) c = CRC_TABLE[(c ^ chunk[i]!) & 0xff]! ^ (c >>> 8);
    this.crc = c;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const actual = (this.crc ^ 0xffffffff) >>> 0;
    if (actual === this.expected >>> 0) done();
    else done(new ZipError(`${this.label} is damaged: the contents of ${this.name} do not match their CRC-32. ${AGAIN}.`));
  }
}
