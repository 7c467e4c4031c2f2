import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, symlink, truncate, writeFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../runner/src/cli/main.js';
import { isSealedData, MAGIC, openHidden, sealEntries, sealFolder, unsealInto } from '../../runner/src/hidden/sealed.js';
import { argv } from '../helpers/argv.js';
import { captureIO, exampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/** Every file under a folder, by relative path, with its bytes. */
async function contents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of (await readdir(dir, { recursive: true })) as string[]) {
    const p = path.join(dir, rel);
    if ((await stat(p)).isFile()) out[rel.split(path.sep).join('/')] = (await readFile(p)).toString('base64');
  }
  return out;
}

async function hiddenFolder(root: string): Promise<string> {
  const dir = path.join(root, 'hidden');
  await mkdir(path.join(dir, 'inputs', 'deep', 'er'), { recursive: true });
  await writeFile(path.join(dir, 'truth.csv'), 'id,label\nclip-1,applause-secret-label\nclip-2,music\n');
  await writeFile(path.join(dir, 'inputs', 'empty.txt'), '');
  // Three chunks and a bit: the archive spans chunk boundaries inside one file.
  await writeFile(path.join(dir, 'inputs', 'deep', 'er', 'big.bin'), randomBytes(3 * (1 << 20) + 12345));
  return dir;
}

describe('hidden data sealed at rest', () => {
  it('seals a folder into one file that shows nothing of the labels, and opens it back byte for byte', async () => {
    const root = await temp();
    const dir = await hiddenFolder(root);
    const key = randomBytes(32);
    const file = path.join(root, 'hidden.sealed');
    expect(await sealFolder(dir, file, key)).toEqual({ files: 3, bytes: expect.any(Number) });
    const raw = await readFile(file);
    expect(raw.subarray(0, MAGIC.length).toString()).toBe(MAGIC);
    // Control: the plain folder shows the label; the sealed file does not.
    expect((await readFile(path.join(dir, 'truth.csv'), 'utf8')).includes('applause-secret-label')).toBe(true);
    expect(raw.includes('applause-secret-label')).toBe(false);
    expect(raw.includes('truth.csv')).toBe(false);
    expect(await isSealedData(file)).toBe(true);
    expect(await isSealedData(dir)).toBe(false);

    const back = path.join(root, 'opened');
    expect(await unsealInto(file, back, key)).toEqual({ files: 3 });
    expect(await contents(back)).toEqual(await contents(dir));
    expect((await stat(back)).mode & 0o777).toBe(0o700);
  });

  it('refuses a wrong key, a flipped byte, a cut, a swapped or an added chunk, and leaves no folder behind', async () => {
    const root = await temp();
    const dir = await hiddenFolder(root);
    const key = randomBytes(32);
    const file = path.join(root, 'hidden.sealed');
    await sealFolder(dir, file, key);
    const good = await readFile(file);
    const headerEnd = good.indexOf(0x0a, MAGIC.length) + 1;
    const chunk = (1 << 20) + 16;
    const chunks = (b: Buffer) => [0, 1, 2, 3].map((i) => b.subarray(headerEnd + i * chunk, headerEnd + (i + 1) * chunk));

    // Control: the untouched file opens.
    await expect(unsealInto(file, path.join(root, 'control'), key)).resolves.toEqual({ files: 3 });

    const cases: [string, Buffer, RegExp, Buffer?][] = [
      ['wrong key', good, /sealed with another key/, randomBytes(32)],
      ['flipped byte', Buffer.from(good).fill(good[headerEnd + 5]! ^ 1, headerEnd + 5, headerEnd + 6), /did not open/],
      ['cut at a chunk boundary', good.subarray(0, headerEnd + 2 * chunk), /did not open/],
      ['cut mid-chunk', good.subarray(0, good.length - 7), /did not open/],
      [
        'chunks swapped',
        Buffer.concat([good.subarray(0, headerEnd), chunks(good)[1]!, chunks(good)[0]!, good.subarray(headerEnd + 2 * chunk)]),
        /did not open/,
      ],
      ['a chunk added', Buffer.concat([good, chunks(good)[0]!]), /did not open/],
      // Still valid JSON, chunks where they were: only the header's authentication can tell.
      ['header edited', Buffer.from(good.toString('latin1').replace('{"v":1,', '{"v":1, '), 'latin1'), /did not open/],
    ];
    for (const [name, bytes, why, otherKey] of cases) {
      const bad = path.join(root, `${name.replace(/ /g, '-')}.sealed`);
      await writeFile(bad, bytes);
      const out = path.join(root, `out-${name.replace(/ /g, '-')}`);
      await expect(unsealInto(bad, out, otherKey ?? key), name).rejects.toThrow(why);
      await expect(stat(out), name).rejects.toThrow(/ENOENT/);
    }
    await truncate(file, MAGIC.length + 3);
    await expect(unsealInto(file, path.join(root, 'short'), key)).rejects.toThrow(/header is cut/);
  });

  it('writes nothing outside the folder it opens into, whatever the archive names', async () => {
    const root = await temp();
    const key = randomBytes(32);
    const hostile = path.join(root, 'hostile.sealed');
    async function* entries() {
      yield { rel: 'fine.txt', size: 2, mode: 0o644, data: Buffer.from('ok') };
      yield { rel: '../escaped.txt', size: 4, mode: 0o644, data: Buffer.from('gone') };
    }
    await sealEntries(entries(), hostile, key);
    const into = path.join(root, 'inside', 'data');
    await mkdir(path.dirname(into));
    await expect(unsealInto(hostile, into, key)).rejects.toThrow(/names a file outside its folder/);
    expect(await readdir(path.join(root, 'inside'))).toEqual([]);
    // Control: the same archive without the hostile entry opens.
    async function* benign() {
      yield { rel: 'fine.txt', size: 2, mode: 0o644, data: Buffer.from('ok') };
    }
    const fine = path.join(root, 'fine.sealed');
    await sealEntries(benign(), fine, key);
    await expect(unsealInto(fine, into, key)).resolves.toEqual({ files: 1 });
  });

  it('holds regular files only: a link in the folder is refused, and nothing is written', async () => {
    const root = await temp();
    const dir = await hiddenFolder(root);
    await symlink('/etc/passwd', path.join(dir, 'inputs', 'link'));
    const file = path.join(root, 'x.sealed');
    await expect(sealFolder(dir, file, randomBytes(32))).rejects.toThrow(/link or a special file/);
    expect(await readdir(root)).toEqual(['hidden']);
  });

  it('openHidden: a folder is used as it is; a sealed file opens into a private folder that close() removes', async () => {
    const root = await temp();
    const dir = await hiddenFolder(root);
    const key = randomBytes(32);
    const file = path.join(root, 'hidden.sealed');
    await sealFolder(dir, file, key);
    const plain = await openHidden(dir, {});
    expect(plain).toMatchObject({ dir, sealed: false });
    const tmp = path.join(root, 'tmp');
    await mkdir(tmp);
    await expect(openHidden(file, {}, 'PODIUM_DATA_KEY', tmp)).rejects.toThrow(/PODIUM_DATA_KEY is not set/);
    const opened = await openHidden(file, { MY_KEY: key.toString('base64') }, 'MY_KEY', tmp);
    expect(opened.sealed).toBe(true);
    expect(opened.dir.startsWith(tmp)).toBe(true);
    expect(await readFile(path.join(opened.dir, 'truth.csv'), 'utf8')).toContain('applause-secret-label');
    await opened.close();
    expect(await readdir(tmp)).toEqual([]);
  });

  it('podium hidden seal, then podium evaluate on the sealed file: the same scores as on the folder', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const key = randomBytes(32).toString('hex');
    const sealedFile = path.join(root, 'hidden.sealed');
    const cli = async (...args: string[]) => {
      const io = captureIO(root, { PODIUM_DATA_KEY: key, PODIUM_SEAL_KEY: randomBytes(32).toString('hex') });
      const code = await main(args, io);
      return { code, out: io.out(), err: io.err() };
    };
    const sealed = await cli('hidden', 'seal', ex.hidden, sealedFile);
    expect(sealed.code, sealed.err).toBe(0);
    expect(sealed.out).toMatch(/^Sealed \d+ file\(s\)/);
    expect((await cli('hidden', 'seal', ex.hidden, sealedFile)).err).toContain('exists already');
    const sub = path.join(ex.dir, 'submissions', 'baseline', 'nearest-centroid');
    const fromFolder = await cli('evaluate', ...argv({ competition: ex.dir, hidden: ex.hidden, json: true }, sub));
    const fromSealed = await cli('evaluate', ...argv({ competition: ex.dir, hidden: sealedFile, json: true }, sub));
    expect(fromSealed.code, fromSealed.err).toBe(0);
    const scores = (out: string) => JSON.parse(out) as { scores: { public: unknown }; provenance: { data_hash: string } };
    expect(scores(fromSealed.out).scores.public).toEqual(scores(fromFolder.out).scores.public);
    expect(scores(fromSealed.out).provenance.data_hash).toBe(scores(fromFolder.out).provenance.data_hash);
    const opened = path.join(root, 'opened');
    expect((await cli('hidden', 'open', sealedFile, opened)).code).toBe(0);
    expect(await contents(opened)).toEqual(await contents(ex.hidden));
    const wrong = captureIO(root, { PODIUM_DATA_KEY: randomBytes(32).toString('hex') });
    expect(await main(['evaluate', ...argv({ competition: ex.dir, hidden: sealedFile }, sub)], wrong)).toBe(1);
    expect(wrong.err()).toContain('sealed with another key');
  });
});
