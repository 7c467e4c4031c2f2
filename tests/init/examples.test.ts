import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_NAMES } from '../../runner/src/example/examples.js';
import { runCli } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/** The example's title, from the competition.yml init wrote. */
async function title(dir: string): Promise<string> {
  return /^title: (.*)$/m.exec(await readFile(path.join(dir, 'competition.yml'), 'utf8'))![1]!;
}

describe('podium init --example NAME', () => {
  it.each(EXAMPLE_NAMES)(
    '%s: a competition that validates, whose baseline is scored with intervals',
    async (name) => {
      const root = await temp();
      const made = await runCli(root, ['init', 'comp', '--example', name, '--hidden', 'hidden', '--no-git']);
      expect(made.code, made.err).toBe(0);
      expect(made.out).toContain('Example submission: submissions/baseline/');
      const sub = /Example submission: (\S+)/.exec(made.out)![1]!;
      const valid = await runCli(root, ['validate', '--competition', 'comp']);
      expect(valid.code, valid.out + valid.err).toBe(0);
      const out = path.join(root, 'record.json');
      const ran = await runCli(root, ['evaluate', '--competition', 'comp', '--hidden', 'hidden', '--out', out, path.join('comp', sub)]);
      expect(ran.code, ran.out + ran.err).toBe(0);
      const record = JSON.parse(await readFile(out, 'utf8'));
      expect(record.status).toBe('scored');
      const primary = Object.entries(record.scores.public as Record<string, { value: number; ci?: { low: number; high: number } }>)[0]!;
      const [, score] = primary;
      // A real method on real (generated) data: neither perfect nor nothing, with an interval around it.
      expect(score.value).toBeGreaterThan(0);
      expect(score.ci!.low).toBeLessThanOrEqual(score.value);
      expect(score.ci!.high).toBeGreaterThanOrEqual(score.value);
      expect(score.ci!.high).toBeGreaterThan(score.ci!.low);
      // Each example has slices, reported for every group.
      expect(Object.keys(record.scores.slices ?? {}).length, name).toBe(name === 'sound-events' ? 0 : 1);
    },
    120_000,
  );

  it('makes the sound-events example for --example alone, before or after the folder, and takes the name on either side', async () => {
    const root = await temp();
    expect((await runCli(root, ['init', '--example', 'a', '--no-git'])).code).toBe(0);
    expect((await runCli(root, ['init', 'b', '--example', '--no-git'])).code).toBe(0);
    expect((await runCli(root, ['init', '--example', 'detection', 'c', '--no-git'])).code).toBe(0);
    expect((await runCli(root, ['init', 'd', '--example=captions', '--no-git'])).code).toBe(0);
    expect(await title(path.join(root, 'a'))).toBe('Broadcast sound events');
    expect(await title(path.join(root, 'b'))).toBe('Broadcast sound events');
    expect(await title(path.join(root, 'c'))).toBe('Faces, logos and captions in broadcast frames');
    expect(await title(path.join(root, 'd'))).toBe('Describe the clip');
  });

  it('refuses a name it does not have, listing those it has', async () => {
    const root = await temp();
    const bad = await runCli(root, ['init', 'x', '--example=detecton', '--no-git']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--example takes sound-events, retrieval, detection, captions, not "detecton".');
    expect(bad.err).toContain('detection');
    // Without "=", a word that is nearly an example's name is taken for a mistyped one, not a folder.
    const near = await runCli(root, ['init', '--example', 'detecton', '--no-git']);
    expect(near.code).toBe(2);
    expect(near.err).toContain('--example takes sound-events, retrieval, detection, captions, not "detecton". Did you mean "detection"?');
    // Control: a word far from every name is the folder, and --example alone is sound-events.
    expect((await runCli(root, ['init', '--example', 'my-benchmark', '--no-git'])).code).toBe(0);
    expect(await title(path.join(root, 'my-benchmark'))).toBe('Broadcast sound events');
  });

  it('lists the examples in its help', async () => {
    const help = await runCli(await temp(), ['init', '--help']);
    for (const name of EXAMPLE_NAMES) expect(help.out).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(help.out).toContain('--example [NAME]');
  });
});
