import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompetition } from '../../runner/src/competition/load.js';
import { exampleTemplateDir, templateDir } from '../../runner/src/init/init.js';
import { expectations } from '../helpers/fixtures.js';

const fixtures = path.join(import.meta.dirname, '../fixtures/competition');

describe('competition.yml', () => {
  it('accepts the example as it ships', async () => {
    const result = await checkCompetition(readFileSync(path.join(await exampleTemplateDir(), 'competition.yml'), 'utf8'));
    expect(result.ok).toBe(true);
  });

  it('finds nothing wrong in the neutral template but its placeholders, and lists them beside other problems', async () => {
    const text = readFileSync(path.join(await templateDir(), 'competition.yml'), 'utf8');
    const result = await checkCompetition(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.length).toBeGreaterThan(0);
    for (const p of result.problems) expect(p.message).toMatch(/^still the template's placeholder; write /);
    // Beside a problem of the schema, the placeholders are still listed: together, what is left to do.
    const broken = await checkCompetition(text.replace('version: 1', 'version: 2'));
    expect(broken.ok).toBe(false);
    if (!broken.ok) {
      expect(broken.problems[0]!.message).toContain('"version" must be 1');
      expect(broken.problems.slice(1)).toEqual(result.problems);
    }
  });

  it('takes only an upper-case FILL IN at the start of a value for a placeholder', async () => {
    const base = readFileSync(path.join(fixtures, 'base.yml'), 'utf8');
    expect(base).toMatch(/^title: .*$/m);
    for (const title of ['Fill in the gaps', 'How to FILL IN a form', 'fill in']) {
      expect((await checkCompetition(base.replace(/^title: .*$/m, `title: ${title}`))).ok, title).toBe(true);
    }
    // The control: the same file with a placeholder is refused, at the title's line.
    const marked = await checkCompetition(base.replace(/^title: .*$/m, 'title: "FILL IN: a name"'));
    expect(marked.ok).toBe(false);
    if (!marked.ok) expect(marked.problems).toMatchObject([{ path: '/title', message: "still the template's placeholder; write a name" }]);
  });

  it('accepts the fixtures base file', async () => {
    const result = await checkCompetition(readFileSync(path.join(fixtures, 'base.yml'), 'utf8'));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.competition.primary.name).toBe('accuracy');
      expect(result.competition.metrics.map((m) => m.direction)).toEqual(['maximize', 'maximize']);
    }
  });

  const invalid = readdirSync(path.join(fixtures, 'invalid'))
    .filter((f) => f.endsWith('.yml'))
    .sort();
  it.each(invalid)('reports %s at the right line and column', async (name) => {
    const text = readFileSync(path.join(fixtures, 'invalid', name), 'utf8');
    const expected = expectations(text);
    expect(expected.length).toBeGreaterThan(0);
    const result = await checkCompetition(text, undefined, name);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const e of expected) {
      const atPos = result.problems.filter((p) => `${p.line}:${p.column}` === e.pos);
      expect(atPos.map((p) => p.message).join('\n'), `${name} at ${e.pos}`).toContain(e.text);
    }
    // Nothing beyond what the fixture expects, and every problem names this file.
    expect(new Set(result.problems.map((p) => `${p.line}:${p.column}`))).toEqual(new Set(expected.map((e) => e.pos)));
    for (const p of result.problems) expect(p.file).toBe(name);
  });

  it('checks the files it names when given the folder', async () => {
    const text = readFileSync(path.join(fixtures, 'base.yml'), 'utf8').replace('  truth: truth.csv', '  ids: test.csv\n  truth: truth.csv');
    const result = await checkCompetition(text, fixtures);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.message).join('\n')).toContain('the folder "data/public" does not exist');
  });

  it('refuses a public folder outside the repository', async () => {
    const text = readFileSync(path.join(fixtures, 'base.yml'), 'utf8').replace('public: data/public', 'public: ../../..');
    const result = await checkCompetition(text, fixtures);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.message).toContain('must be inside the competition repository');
  });
});
