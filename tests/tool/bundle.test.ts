import { execFileSync } from 'node:child_process';
import { copyFile, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TOOL_FILE } from '../../runner/src/init/init.js';
import { exampleCompetition } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const committed = path.join(ROOT, TOOL_FILE);
/** Every competition commits a copy, and every participant's call parses it. */
const BUDGET = 1_000_000;
const temp = useTempDirs();

describe('the committed participant tool (tool/dist/podium.mjs)', () => {
  it('is what the sources give: rebuild it and compare', async () => {
    const out = path.join(await temp(), 'podium.mjs');
    execFileSync(process.execPath, ['scripts/bundle-tool.mjs', out], { cwd: ROOT, stdio: 'pipe' });
    const same = (await readFile(out)).equals(await readFile(committed));
    expect(same, `${TOOL_FILE} differs from a fresh bundle: run npm run bundle:tool, and commit`).toBe(true);
  }, 120_000);

  it('stays within its size budget, runs alone, and is what podium init copies', async () => {
    const text = await readFile(committed, 'utf8');
    const bytes = Buffer.byteLength(text);
    expect(bytes, `${TOOL_FILE} is ${bytes} bytes, over the budget of ${BUDGET}`).toBeLessThanOrEqual(BUDGET);
    // Alone in a folder of its own, it runs: nothing beside it is needed (the participant-guide
    // test runs every command of the guide that way, in a copy of a competition).
    const alone = path.join(await temp(), 'podium.mjs');
    await copyFile(committed, alone);
    expect(execFileSync(process.execPath, [alone, '--version'], { cwd: path.dirname(alone), encoding: 'utf8' })).toBe('podium 0.1.0\n');

    const ex = await exampleCompetition(await temp());
    const copy = path.join(ex.dir, '.podium', 'podium.mjs');
    expect((await readFile(copy)).equals(await readFile(committed))).toBe(true);
    expect((await stat(copy)).mode & 0o777).toBe(0o755);
  });
});
