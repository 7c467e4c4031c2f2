import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openPromise } from 'yauzl';
import { extractZip } from '../../runner/src/import/zip.js';
import { crc32, crc32ByTable, unsafeEntryName, ZipWriter } from '../../runner/src/files/zip-writer.js';
import { useTempDirs } from '../helpers/temp.js';
import { readZipEntries } from '../helpers/zip.js';

const temp = useTempDirs();

/** Entries that exercise both methods, an empty file, a UTF-8 name and folders. */
function sampleEntries(): [string, Buffer][] {
  return [
    ['empty.txt', Buffer.alloc(0)],
    ['text/repeated.csv', Buffer.from('id,label\n'.repeat(5000))],
    ['random.bin', randomBytes(70_000)],
    ['noms/données é.txt', Buffer.from('ünïcödé\n')],
    ['a/b/c/d.json', Buffer.from('{"x":1}\n')],
  ];
}

async function write(file: string, entries: [string, Buffer][], zip64: 'auto' | 'always' = 'auto'): Promise<void> {
  const zip = await ZipWriter.create(file, { zip64 });
  for (const [name, data] of entries) await zip.add(name, data);
  await zip.close();
}

function unzipTest(file: string): { status: number | null; out: string } {
  const r = spawnSync('unzip', ['-tq', file], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('the ZIP writer', () => {
  it.each(['auto', 'always'] as const)(
    'writes archives that Info-ZIP, Python and yauzl read back byte for byte (ZIP64 %s)',
    async (zip64) => {
      const root = await temp();
      const file = path.join(root, 'a.zip');
      const entries = sampleEntries();
      await write(file, entries, zip64);

      const tested = unzipTest(file);
      expect(tested.out).toContain('No errors detected in compressed data');
      expect(tested.status).toBe(0);
      for (const [name, data] of entries) expect(execFileSync('unzip', ['-p', file, name]).equals(data)).toBe(true);
      // Both methods were used: the repeated text deflated, the random bytes stored.
      const listing = execFileSync('unzip', ['-v', file], { encoding: 'utf8' });
      expect(listing).toMatch(/Defl:N.*text\/repeated\.csv/);
      expect(listing).toMatch(/Stored.*random\.bin/);

      const python = spawnSync(
        'python3',
        ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(len(z.namelist()))', file],
        { encoding: 'utf8' },
      );
      expect(python.stderr).toBe('');
      expect(python.stdout.trim()).toBe(String(entries.length));

      const read = await readZipEntries(file);
      expect([...read.keys()]).toEqual(entries.map(([n]) => n));
      for (const [name, data] of entries) expect(read.get(name)!.equals(data)).toBe(true);
      // The project's own unpacker checks every CRC-32.
      const into = path.join(root, 'out');
      expect(await extractZip(file, into)).toEqual(entries.map(([n]) => n));
      for (const [name, data] of entries) expect((await readFile(path.join(into, ...name.split('/')))).equals(data)).toBe(true);
    },
  );

  it('writes ZIP64 end records when there are 65,535 entries or more, and only then', async () => {
    const root = await temp();
    const many = path.join(root, 'many.zip');
    const zip = await ZipWriter.create(many);
    const n = 70_000;
    for (let i = 0; i < n; i++) await zip.add(`f/${i}.txt`, Buffer.from(`${i}\n`));
    await zip.close();
    const signature = Buffer.from([0x50, 0x4b, 0x06, 0x06]);
    expect((await readFile(many)).includes(signature)).toBe(true);
    const tested = unzipTest(many);
    expect(tested.out).toContain('No errors detected');
    expect(tested.status).toBe(0);
    const z = await openPromise(many, { lazyEntries: true });
    expect(z.entryCount).toBe(n);
    z.close();
    expect(execFileSync('unzip', ['-p', many, 'f/69999.txt'], { encoding: 'utf8' })).toBe('69999\n');

    // Control: a small archive has no ZIP64 record.
    const few = path.join(root, 'few.zip');
    await write(few, sampleEntries());
    expect((await readFile(few)).includes(signature)).toBe(false);
  });

  it('refuses names that would leave the folder, and a name twice', async () => {
    const root = await temp();
    const zip = await ZipWriter.create(path.join(root, 'x.zip'));
    const why: [string, string][] = [
      ['/etc/passwd', 'it is an absolute path'],
      ['../up.txt', 'it has an empty, "." or ".." part'],
      ['a/../../b', 'it has an empty, "." or ".." part'],
      ['a\\b', 'it holds a backslash'],
      ['C:/x', 'it is an absolute path'],
      ['a//b', 'it has an empty, "." or ".." part'],
      ['./a', 'it has an empty, "." or ".." part'],
      ['', 'it is empty'],
      ['a/\u0000', 'it holds a control character'],
    ];
    for (const [bad, reason] of why) {
      expect(unsafeEntryName(bad)).toBe(reason);
      await expect(zip.add(bad, Buffer.from('x'))).rejects.toThrow(/cannot be a name in the archive/);
    }
    // Control: a plain relative name is taken, once.
    expect(unsafeEntryName('results/main/team/run/abc.json')).toBeUndefined();
    await zip.add('a/b.txt', Buffer.from('x'));
    await expect(zip.add('a/b.txt', Buffer.from('y'))).rejects.toThrow('"a/b.txt" is in the archive twice.');
    await zip.close();
    expect(execFileSync('unzip', ['-Z1', path.join(root, 'x.zip')], { encoding: 'utf8' })).toBe('a/b.txt\n');
  });

  it('computes CRC-32 as ZIP defines it, with or without node:zlib', () => {
    expect(crc32ByTable(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32ByTable(Buffer.alloc(0))).toBe(0);
    const data = randomBytes(10_000);
    const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
    if (native) expect(crc32ByTable(data)).toBe(native(data));
    expect(crc32(data)).toBe(crc32ByTable(data));
  });
});
