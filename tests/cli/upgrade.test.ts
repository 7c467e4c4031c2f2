import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { podiumFiles } from '../../runner/src/init/init.js';
import { exampleCompetition, runCli } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/** Every file under a competition, by path with `/`, with a hash of its content and its mode. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    const hash = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    files.set(path.relative(dir, file).split(path.sep).join('/'), `${hash} ${((await stat(file)).mode & 0o777).toString(8)}`);
  }
  return files;
}

describe('podium upgrade', () => {
  it("brings back Podium's own files as init writes them, says what it changed, and touches nothing else", async () => {
    const ex = await exampleCompetition(await temp(), { git: true });
    const fresh = await snapshot(ex.dir);
    const owned = [...(await podiumFiles()).keys()];
    expect(owned).toEqual(expect.arrayContaining(['.podium/podium.mjs', '.podium/action/action.yml', '.podium/action/dist/index.js']));
    expect(owned.some((f) => f.startsWith('.podium/schemas/'))).toBe(true);

    // Control: a current competition is left as it is.
    const same = await runCli(ex.dir, ['upgrade']);
    expect(same.code, same.err).toBe(0);
    expect(same.out).toContain(`Nothing to upgrade in ${ex.dir}: all ${owned.length} of its Podium files are those of this Podium.`);
    expect(await snapshot(ex.dir)).toEqual(fresh);

    // An older Podium's files: another tool, a schema missing, a chunk the Action no longer has,
    // the tool not executable. And the organisers' own edits, which must stay.
    await writeFile(path.join(ex.dir, '.podium/podium.mjs'), '// an older tool\n');
    await rm(path.join(ex.dir, '.podium/schemas/submission.schema.json'));
    await writeFile(path.join(ex.dir, '.podium/action/dist/77.index.js'), '// an older chunk\n');
    await writeFile(path.join(ex.dir, '.podium/schemas/retired.schema.json'), '{}\n');
    await writeFile(path.join(ex.dir, 'README.md'), '# Our own README\n');
    await writeFile(path.join(ex.dir, 'competition.yml'), `${await readFile(path.join(ex.dir, 'competition.yml'), 'utf8')}# ours\n`);
    await mkdir(path.join(ex.dir, '.podium/notes'), { recursive: true });
    await writeFile(path.join(ex.dir, '.podium/notes/todo.txt'), 'ours\n');
    const ours = await snapshot(ex.dir);

    const r = await runCli(path.dirname(ex.dir), ['upgrade', 'competition']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(
      [
        `Upgraded the Podium files in ${ex.dir}:`,
        '  updated  .podium/podium.mjs',
        '  added    .podium/schemas/submission.schema.json',
        '  removed  .podium/action/dist/77.index.js',
        '  removed  .podium/schemas/retired.schema.json',
        `  ${owned.length - 2} files already current`,
        'Next: review with "git -C competition status .podium", then commit.',
        '',
      ].join('\n'),
    );
    const after = await snapshot(ex.dir);
    // Podium's files are again those init writes, executable bit included ...
    for (const f of owned) expect(after.get(f), f).toBe(fresh.get(f));
    expect(after.has('.podium/action/dist/77.index.js')).toBe(false);
    // ... and every other file is as the organisers left it.
    expect(after.has('.podium/schemas/retired.schema.json')).toBe(false);
    for (const [f, hash] of ours)
      if (!f.startsWith('.podium/action/') && !f.startsWith('.podium/schemas/') && !owned.includes(f)) expect(after.get(f), f).toBe(hash);
    expect(after.get('README.md')).not.toBe(fresh.get('README.md'));
    expect(after.has('.podium/notes/todo.txt')).toBe(true);

    // A tool that lost its executable bit gets it back; the content alone would not show it.
    await chmod(path.join(ex.dir, '.podium/podium.mjs'), 0o644);
    const mode = await runCli(ex.dir, ['upgrade', '.']);
    expect(mode.out).toContain('  updated  .podium/podium.mjs\n');
    expect((await stat(path.join(ex.dir, '.podium/podium.mjs'))).mode & 0o777).toBe(0o755);
  });

  it('never writes or removes through a link: a linked .podium/action or tool is refused and nothing changes (control: the real folder is upgraded)', async () => {
    const ex = await exampleCompetition(await temp(), { git: true });
    const outside = await temp();
    await writeFile(path.join(outside, 'notes.txt'), 'mine');
    await writeFile(path.join(outside, 'tool.mjs'), 'mine too', { mode: 0o600 });
    const before = await snapshot(outside);
    // The Action's folder as a link to a folder outside the competition.
    await rm(path.join(ex.dir, '.podium', 'action'), { recursive: true });
    await symlink(outside, path.join(ex.dir, '.podium', 'action'));
    const linked = await runCli(ex.dir, ['upgrade']);
    expect(linked.code).toBe(1);
    expect(linked.err).toContain(`.podium/action in ${ex.dir} is a symbolic link`);
    expect(linked.err).toContain('nothing was changed');
    expect(await snapshot(outside)).toEqual(before);
    // The tool as a link to a file outside.
    await rm(path.join(ex.dir, '.podium', 'action'));
    await mkdir(path.join(ex.dir, '.podium', 'action'));
    await rm(path.join(ex.dir, '.podium', 'podium.mjs'));
    await symlink(path.join(outside, 'tool.mjs'), path.join(ex.dir, '.podium', 'podium.mjs'));
    const tool = await runCli(ex.dir, ['upgrade']);
    expect(tool.code).toBe(1);
    expect(tool.err).toContain('.podium/podium.mjs in');
    expect(await snapshot(outside)).toEqual(before);
    // Control: with the link replaced by nothing, the same upgrade writes Podium's files there.
    await rm(path.join(ex.dir, '.podium', 'podium.mjs'));
    const real = await runCli(ex.dir, ['upgrade']);
    expect(real.code, real.err).toBe(0);
    expect(real.out).toContain('.podium/podium.mjs');
    expect((await lstat(path.join(ex.dir, '.podium', 'podium.mjs'))).isFile()).toBe(true);
  });

  it('refuses a folder that is not a competition, and more than one folder', async () => {
    const empty = await temp();
    const r = await runCli(empty, ['upgrade']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`podium upgrade: ${empty} holds no competition.yml, so it is not a competition to upgrade.`);
    expect(r.err).toContain('fix: give the folder of an existing competition repository');
    expect(await readdir(empty)).toEqual([]);
    const two = await runCli(empty, ['upgrade', 'a', 'b']);
    expect(two.code).toBe(2);
    expect(two.err).toContain('give at most one competition folder.');
  });
});
