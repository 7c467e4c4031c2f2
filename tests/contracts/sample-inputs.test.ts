import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleCompetition, runCli } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

describe('competition.yml data.sample_inputs', () => {
  it('must name a folder in the public data, with the line of the key', async () => {
    const ex = await exampleCompetition(await temp());
    const yml = path.join(ex.dir, 'competition.yml');
    const text = (await readFile(yml, 'utf8')).replace('  inputs: inputs ', '  sample_inputs: sample\n  inputs: inputs ');
    await writeFile(yml, text);
    const line = text.split('\n').findIndex((l) => l.includes('sample_inputs')) + 1;
    const missing = await runCli(ex.dir, ['validate', '--competition', '.']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`competition.yml:${line}`);
    expect(missing.err).toContain('the folder "sample" does not exist in "data/public"');
    await mkdir(path.join(ex.dir, 'data', 'public', 'sample'));
    expect((await runCli(ex.dir, ['validate', '--competition', '.'])).code).toBe(0);
  });
});
