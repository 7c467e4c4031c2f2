import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildSite } from '../../leaderboard-site/src/build.js';
import { SCRIPT } from '../../leaderboard-site/src/generated/site-script.js';
import { exampleCompetition } from '../helpers/competition.js';
import { scoredRecord } from '../helpers/records.js';
import { useTempDirs } from '../helpers/temp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const temp = useTempDirs();

describe("the site's browser script", () => {
  it('is what leaderboard-site/browser gives: the bundled module is current (npm run build makes it)', async () => {
    const fresh = path.join(await temp(), 'site-script.ts');
    execFileSync(process.execPath, ['scripts/bundle-browser.mjs', fresh], { cwd: ROOT, stdio: 'pipe' });
    const committed = await readFile(path.join(ROOT, 'leaderboard-site/src/generated/site-script.ts'), 'utf8');
    expect(committed === (await readFile(fresh, 'utf8')), 'the bundled browser script is out of date: run `npm run build`').toBe(true);
  });

  it('is written as site.js: one self-contained script, with the shared row markup in it', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const out = path.join(root, 'site');
    await buildSite({ competition: ex.competition, records: [scoredRecord(1, { value: 0.9 })], outDir: out });
    expect(await readFile(path.join(out, 'site.js'), 'utf8')).toBe(SCRIPT);
    // An immediately invoked function: nothing imported, nothing left in the page's globals.
    expect(SCRIPT).toMatch(/^"use strict";\(\(\)=>\{[\s\S]*\}\)\(\);\n$/);
    expect(SCRIPT).not.toMatch(/\b(?:import|require)\s*\(/);
    // The row markup is the one the pages use, bundled in (the browser tests check it draws).
    expect(SCRIPT).toContain('statistically tied with the leader');
    expect(SCRIPT).toContain('better than the leader');
    expect(SCRIPT).toContain('(paired bootstrap)');
  });
});
