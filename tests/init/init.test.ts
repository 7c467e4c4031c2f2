import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { setScalars, templateDir } from '../../runner/src/init/init.js';
import { argv } from '../helpers/argv.js';
import { runCli } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/** Text only the bundled example has: its title, labels, data columns, files and baseline. */
const EXAMPLE_TEXT = [
  'Broadcast sound events',
  'broadcast audio',
  'speech',
  'applause',
  'loudness_db',
  'id,label',
  'submissions/baseline',
  'shows a complete example',
  'nearest-centroid',
];

/** Every file of a made competition with its text, but the bundled Action and git's own files. */
async function texts(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.relative(dir, path.join(entry.parentPath, entry.name));
    // Podium's own programs (the Action, the participant tool) carry the example's code; they
    // are not the template's text.
    if (
      file.startsWith(path.join('.podium', 'action')) ||
      file === path.join('.podium', 'podium.mjs') ||
      file.startsWith(`.git${path.sep}`)
    )
      continue;
    out.set(file, await readFile(path.join(dir, file), 'utf8'));
  }
  return out;
}

function holding(files: Map<string, string>, text: string): string[] {
  return [...files].filter(([, t]) => t.includes(text)).map(([f]) => f);
}

interface Report {
  ok: boolean;
  competition: { problems: { line: number; path: string; message: string }[] };
}

describe('podium init', () => {
  it('writes a neutral template: none of the example is in it, and --example has all of it', async () => {
    const root = await temp();
    expect((await runCli(root, ['init', 'neutral', '--no-git'])).code).toBe(0);
    expect((await runCli(root, ['init', 'example', ...argv({ example: true, hidden: 'hidden', noGit: true })])).code).toBe(0);
    const neutral = await texts(path.join(root, 'neutral'));
    const example = await texts(path.join(root, 'example'));
    for (const text of EXAMPLE_TEXT) {
      expect(holding(neutral, text), `"${text}" in the neutral template`).toEqual([]);
      // The control: the probe finds each text where it belongs.
      expect(holding(example, text).length, `"${text}" in the example`).toBeGreaterThan(0);
    }
    // No data or submission of the example, and no README that promises one.
    expect([...neutral.keys()].filter((f) => f.startsWith('data') || f.startsWith('submissions')).sort()).toEqual([
      path.join('data', 'public', 'README.md'),
      path.join('submissions', 'README.md'),
    ]);
    expect(example.has(path.join('submissions', 'baseline', 'nearest-centroid', 'predictions.csv'))).toBe(true);
    expect(neutral.get('README.md')).toMatch(/^# FILL IN: /);
    expect(neutral.get('README.md')).toContain('node .podium/podium.mjs validate submissions/<team>/<name>');
  });

  it('keeps the example as it was: its own competition.yml and README, a baseline that validates', async () => {
    const root = await temp();
    const made = await runCli(root, ['init', 'comp', ...argv({ example: true, hidden: 'hidden', noGit: true })]);
    expect(made.out).toContain('Example submission: submissions/baseline/nearest-centroid');
    const yml = parse(await readFile(path.join(root, 'comp', 'competition.yml'), 'utf8')) as { title: string; concepts: { id: string }[] };
    expect(yml.title).toBe('Broadcast sound events');
    expect(yml.concepts.map((c) => c.id)).toEqual(['speech', 'music', 'applause', 'noise']);
    expect(await readFile(path.join(root, 'comp', 'README.md'), 'utf8')).toMatch(/^# Broadcast sound events\n/);
    const checked = await runCli(root, ['validate', '--competition', 'comp', 'comp/submissions/baseline/nearest-centroid']);
    expect(checked.code, checked.err).toBe(0);
  });

  it('lists exactly the placeholders left, each at its line, and accepts the template once they are written', async () => {
    const root = await temp();
    const made = await runCli(root, ['init', 'comp', '--no-git']);
    expect(made.out).toContain('Next: fill in every FILL IN of competition.yml (');
    const file = path.join(root, 'comp', 'competition.yml');
    const yml = await readFile(file, 'utf8');
    const lines = yml.split('\n');

    const first = await runCli(root, ['validate', '--competition', 'comp', '--json']);
    expect(first.code).toBe(1);
    const problems = (JSON.parse(first.out) as Report).competition.problems;
    expect(problems.map((p) => p.path)).toEqual([
      '/title',
      '/description',
      ...[0, 1].flatMap((i) => [`/concepts/${i}/id`, `/concepts/${i}/name`, `/concepts/${i}/definition`]),
      '/data/ids',
    ]);
    for (const p of problems.slice(0, -1)) {
      expect(p.message).toMatch(/^still the template's placeholder; write \w/);
      expect(lines[p.line - 1]).toContain(`${p.path.split('/').pop()!}:`);
    }
    expect(problems[0]!.message).toBe("still the template's placeholder; write the competition's name, as the leaderboard shows it");
    expect(problems.at(-1)!.message).toBe('the file "test.csv" does not exist in "data/public".');
    const text = await runCli(root, ['validate', '--competition', 'comp']);
    expect(text.err).toContain(`✗ competition.yml: 9 problems\n  competition.yml:${problems[0]!.line}:`);

    // Written by the organiser: nothing else in the template needs changing.
    let n = 0;
    const filled = yml
      .replace(/^description: >-\n(?: {2}.*\n)+/m, 'description: Tell bird calls apart.\n')
      .replace(/"FILL IN: [^"]*"/g, () => `word-${n++}`);
    await writeFile(file, filled);
    await writeFile(path.join(root, 'comp', 'data', 'public', 'test.csv'), 'id\nc1\n');
    const second = await runCli(root, ['validate', '--competition', 'comp']);
    expect(second.err).toBe('');
    expect(second.out).toBe('✓ competition.yml is valid (word-0)\n');
  });

  it('fills the title from --title in competition.yml and the README, and leaves every comment in place', async () => {
    const root = await temp();
    const title = 'My <Bench>: "one" #1';
    expect((await runCli(root, ['init', 'comp', ...argv({ title, noGit: true })])).code).toBe(0);
    const yml = await readFile(path.join(root, 'comp', 'competition.yml'), 'utf8');
    expect((parse(yml) as { title: string; slug: string }).title).toBe(title);
    expect((parse(yml) as { title: string; slug: string }).slug).toBe('my-bench-one-1');
    expect(await readFile(path.join(root, 'comp', 'README.md'), 'utf8')).toMatch(/^# My <Bench>: "one" #1\n\nFILL IN: /);
    // Only the lines of the values init sets differ from the template.
    const template = (await readFile(path.join(await templateDir(), 'competition.yml'), 'utf8')).split('\n');
    const changed = yml
      .split('\n')
      .map((l, i) => [l, template[i]] as const)
      .filter(([a, b]) => a !== b)
      .map(([a]) => a.trim().split(':')[0]);
    expect(changed).toEqual(['title', 'slug', 'start', 'end']);
    const report = JSON.parse((await runCli(root, ['validate', '--competition', 'comp', '--json'])).out) as Report;
    expect(report.competition.problems.map((p) => p.path)).not.toContain('/title');
  });

  it('writes any title as one YAML line that reads back the same', () => {
    for (const title of ['Plain', 'a: b # c', 'it\'s "quoted"', 'two\nlines', '- dash', '2026-01-01', 'yes', ` ${'x'.repeat(150)} `]) {
      const text = setScalars('title: x # the name\nslug: y\n', [[['title'], title]]);
      expect(parse(text), JSON.stringify(title)).toEqual({ title, slug: 'y' });
      expect(text.split('\n')).toHaveLength(3);
      expect(text).toContain(' # the name\nslug: y\n');
    }
  });
});
