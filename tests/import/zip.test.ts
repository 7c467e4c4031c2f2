import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { openPromise } from 'yauzl';
import { describe, expect, it } from 'vitest';
import { extractZip, ZIP_LIMITS, ZipError } from '../../runner/src/import/zip.js';
import { useTempDirs } from '../helpers/temp.js';

/**
 * Archives written by Info-ZIP's zip and Python's zipfile (scripts/golden/zip-fixtures.py);
 * expected.json lists, for each archive that should unpack, the files that went into it.
 */
const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'zip');
const fixture = (name: string) => path.join(FIXTURES, name);
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as Record<string, Record<string, string>>;
const temp = useTempDirs();

/** Every file under a folder, with its SHA-256. */
async function contents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out[path.relative(dir, abs).split(path.sep).join('/')] = createHash('sha256')
      .update(await readFile(abs))
      .digest('hex');
  }
  return out;
}

async function unpacks(archive: string): Promise<Record<string, string>> {
  const to = path.join(await temp(), 'out');
  const names = await extractZip(fixture(archive), to);
  const files = await contents(to);
  expect(names.sort()).toEqual(Object.keys(files).sort());
  return files;
}

/** Refused with a ZipError that names the archive; nothing is left where it was to go. */
async function refused(archive: string, message: RegExp): Promise<void> {
  const root = await temp();
  const to = path.join(root, 'out');
  const e: unknown = await extractZip(fixture(archive), to).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ZipError);
  expect((e as Error).message).toContain(archive);
  expect((e as Error).message).toMatch(message);
  expect(await readdir(root)).toEqual([]);
}

/** Each entry's name and compression method, as yauzl lists them. */
async function entries(archive: string): Promise<Map<string, number>> {
  const zip = await openPromise(fixture(archive));
  const out = new Map<string, number>();
  for await (const entry of zip.eachEntry()) out.set(entry.fileName, entry.compressionMethod);
  return out;
}

describe('extractZip', () => {
  it.each(Object.keys(expected))('unpacks %s file for file', async (archive) => {
    expect(await unpacks(archive)).toEqual(expected[archive]);
  });

  it('reads deflated and stored entries, and nested folders with and without folder entries', async () => {
    const deflate = await entries('zip-deflate.zip');
    expect(deflate.get('data/truth.csv')).toBe(8);
    expect(deflate.get('README.txt')).toBe(0);
    expect(new Set((await entries('zip-stored.zip')).values())).toEqual(new Set([0]));
    // zip writes an entry for each folder; python-deflate.zip has none.
    expect(deflate.has('data/nested/deeper/')).toBe(true);
    expect([...(await entries('python-deflate.zip')).keys()].filter((n) => n.endsWith('/'))).toEqual([]);
    for (const archive of ['zip-deflate.zip', 'zip-stored.zip', 'python-deflate.zip'])
      expect((await unpacks(archive))['data/nested/deeper/notes.md']).toBe(expected['zip-deflate.zip']!['data/nested/deeper/notes.md']);
  });

  it('reads ZIP64 archives: end records from zip -fz and zipfile, ZIP64 local headers from force_zip64', async () => {
    const zip64End = Buffer.from([0x50, 0x4b, 0x06, 0x06]);
    for (const archive of ['zip64-zip.zip', 'zip64-python.zip']) {
      const bytes = await readFile(fixture(archive));
      expect(bytes.includes(zip64End)).toBe(true);
      expect(await unpacks(archive)).toEqual(expected[archive]);
    }
    // The first local header's extra field is the ZIP64 one (id 1).
    const forced = await readFile(fixture('zip64-python-forced.zip'));
    expect(forced.readUInt16LE(30 + forced.readUInt16LE(26))).toBe(1);
    expect(await unpacks('zip64-python-forced.zip')).toEqual(expected['zip64-python-forced.zip']);
  });

  it('refuses an archive cut short, and the whole one unpacks', async () => {
    const whole = await readFile(fixture('zip-deflate.zip'));
    expect(whole.subarray(0, (await readFile(fixture('truncated.zip'))).length).equals(await readFile(fixture('truncated.zip')))).toBe(
      true,
    );
    await refused('truncated.zip', /not a ZIP archive, or it was cut short.*Download it again/);
    expect(await unpacks('zip-deflate.zip')).toEqual(expected['zip-deflate.zip']);
  });

  it('refuses an entry whose bytes do not match their CRC-32, leaving nothing written; the intact archive unpacks', async () => {
    await refused('bad-crc.zip', /damaged: the contents of README\.txt do not match their CRC-32.*Download it again/);
    expect(await unpacks('zip-stored.zip')).toEqual(expected['zip-stored.zip']);
  });

  it('refuses an entry longer than its stated size; the archive with the true size unpacks', async () => {
    await refused('lying-size.zip', /damaged \(too many bytes/);
    expect(await unpacks('zip-deflate.zip')).toEqual(expected['zip-deflate.zip']);
  });

  it.each([
    ['python-dotdot.zip', '../evil.txt'],
    ['python-backslash.zip', '../evil.txt'],
    ['python-absolute.zip', '/tmp/podium-evil.txt'],
    ['python-drive.zip', 'C:/evil.txt'],
  ])('refuses %s, whose entry %s leaves the folder; the same writer with plain names unpacks', async (archive, name) => {
    await refused(archive, new RegExp(`${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} would be written outside the folder`));
    expect(await unpacks('python-names.zip')).toEqual(expected['python-names.zip']);
  });

  it('refuses a symbolic link (zip -y); the same folder zipped following the link unpacks', async () => {
    await refused('zip-symlink.zip', /link\.txt is a symbolic link/);
    expect(await unpacks('zip-link-followed.zip')).toEqual(expected['zip-link-followed.zip']);
  });

  it('refuses encrypted entries (zip -P); the same folder without a password unpacks', async () => {
    await refused('zip-encrypted.zip', /is encrypted\. Zip it again without a password/);
    expect(await unpacks('zip-deflate.zip')).toEqual(expected['zip-deflate.zip']);
  });

  it('refuses a file that is not a ZIP archive', async () => {
    await refused('not-a-zip.zip', /not-a-zip\.zip is not a ZIP archive/);
    expect(await unpacks('zip-deflate.zip')).toEqual(expected['zip-deflate.zip']);
  });

  it('caps the bytes an archive unpacks to and its entries; at the cap it unpacks', async () => {
    expect(ZIP_LIMITS).toEqual({ maxBytes: 2 * 1024 ** 3, maxEntries: 100_000 });
    const zeros = 4 << 20;
    expect((await readFile(fixture('zip-zeros.zip'))).length).toBeLessThan(zeros / 500);
    const to = await temp();
    await expect(extractZip(fixture('zip-zeros.zip'), path.join(to, 'a'), { limits: { maxBytes: zeros - 1 } })).rejects.toThrow(
      /zip-zeros\.zip unpacks to more than 4194303 bytes \(a guard against zip bombs\)/,
    );
    expect(await readdir(to)).toEqual([]);
    expect(await extractZip(fixture('zip-zeros.zip'), path.join(to, 'b'), { limits: { maxBytes: zeros } })).toEqual(['zeros.bin']);

    await expect(extractZip(fixture('zip-deflate.zip'), path.join(to, 'c'), { limits: { maxEntries: 7 } })).rejects.toThrow(
      /zip-deflate\.zip holds 8 entries, more than the 7/,
    );
    expect(await extractZip(fixture('zip-deflate.zip'), path.join(to, 'c'), { limits: { maxEntries: 8 } })).toHaveLength(4);
  });

  it('names the archive as the caller asks', async () => {
    await expect(extractZip(fixture('not-a-zip.zip'), await temp(), { name: 'reference.zip in bundle.zip' })).rejects.toThrow(
      /^reference\.zip in bundle\.zip is not a ZIP archive/,
    );
  });
});
