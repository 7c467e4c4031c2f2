import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InputError, MODE_INPUTS, MODES, readInputs } from '../../action/src/inputs.js';
import { action, BUNDLE, pullRequestPayload, ROOT, submissionFiles, world } from '../helpers/action-world.js';

/**
 * action.yml, the Action's manifest: the inputs each mode reads are the ones it declares, with
 * their defaults there alone, and a bad input is refused by name with what to write instead.
 */
const manifest = async () =>
  parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { required?: boolean; default?: string }>;
    outputs: Record<string, { description: string }>;
  };

/** An input reader over INPUT_* values as the runner sets them: action.yml's defaults, then the step's own. */
async function asRunnerSets(step: Record<string, string>): Promise<(name: string) => string> {
  const declared = (await manifest()).inputs;
  const values: Record<string, string> = { ...Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, v.default ?? ''])), ...step };
  return (name) => values[name] ?? '';
}

describe('the Action’s outputs', () => {
  it('are declared in action.yml, each one the modes set', async () => {
    const dir = path.join(ROOT, 'action', 'src', 'modes');
    const set = new Set<string>();
    for (const file of await readdir(dir)) {
      for (const m of (await readFile(path.join(dir, file), 'utf8')).matchAll(/io\.output\('([^']+)'/g)) set.add(m[1]!);
    }
    expect(set.size).toBeGreaterThan(5);
    expect(new Set(Object.keys((await manifest()).outputs))).toEqual(set);
  });
});

describe('the Action’s inputs', () => {
  it('are the ones action.yml declares, and each that must name something has its default there', async () => {
    const declared = (await manifest()).inputs;
    for (const mode of MODES) {
      for (const [name, schema] of Object.entries(MODE_INPUTS[mode].properties)) {
        expect(Object.keys(declared), `${mode} reads ${name}`).toContain(name);
        const mustName = (schema as { minLength?: number }).minLength === 1 || name === 'mode';
        if (mustName) expect(Boolean(declared[name]!.default) || declared[name]!.required === true, `${mode}: ${name}`).toBe(true);
      }
    }
    // Every declared input is read by some mode.
    expect(new Set(MODES.flatMap((m) => Object.keys(MODE_INPUTS[m].properties)))).toEqual(new Set(Object.keys(declared)));
  });

  it('are read through the mode’s schema, with action.yml’s defaults as the runner passes them', async () => {
    const declared = (await manifest()).inputs;
    expect(readInputs(await asRunnerSets({ mode: 'report', token: 't' }))).toEqual({
      mode: 'report',
      token: 't',
      competition: declared.competition!.default,
      'record-dir': declared['record-dir']!.default,
      'bot-login': declared['bot-login']!.default,
    });
  });

  it('refuse a missing or misspelt mode and an empty folder by name, saying what to write', async () => {
    // Control: the step as the template's workflows write it is read.
    expect(readInputs(await asRunnerSets({ mode: 'publish' })).mode).toBe('publish');
    expect(() => readInputs(() => '')).toThrow(InputError);
    expect(() => readInputs(() => '')).toThrow(
      /the input "mode" is missing: .*one of validate, prepare, queue, evaluate, count, report, publish/,
    );
    expect(() => readInputs((n) => (n === 'mode' ? 'evalute' : ''))).toThrow(
      /the input "mode" is "evalute", which is not a mode\. Did you mean "evaluate"\?/,
    );
    const emptied = await asRunnerSets({ mode: 'publish', 'site-dir': '' });
    expect(() => readInputs(emptied)).toThrow(
      /the input "site-dir" is empty: give the folder .*, or leave it out of the step's with: to use the default that action.yml declares/,
    );
    // Every empty input is named, one line each.
    const both = await asRunnerSets({ mode: 'report', 'record-dir': '', 'bot-login': '' });
    expect(() => readInputs(both)).toThrow(/"record-dir" is empty[^\n]*\n[^\n]*"bot-login" is empty/);
  });
});

describe('the Action’s copy in a competition', () => {
  it('is copied into every new competition, as the local action its workflows use', async () => {
    const w = await world();
    expect(existsSync(w.bundle)).toBe(true);
    expect((await readFile(w.bundle)).equals(await readFile(BUNDLE))).toBe(true);
    const copied = await readFile(path.join(path.dirname(w.bundle), '..', 'action.yml'), 'utf8');
    expect(copied).toContain('main: dist/index.js');
    expect(existsSync(path.join(w.root, 'trusted', '.github', 'workflows', 'podium-evaluate.yml'))).toBe(true);
  });

  it('refuses, by name, an input a step writes empty; the same step with the defaults runs', async () => {
    const w = await world();
    const pr = await w.openPull('alpha', 'inputs', submissionFiles(w, 'alpha', 'inputs'));
    const step = async (workspace: string, inputs: Record<string, string>) =>
      action(await w.checkout(workspace, pr.sha), 'validate', pullRequestPayload(pr.number, pr.sha, pr.base, 'alpha'), w, { inputs });
    const emptied = await step('v1', { competition: '' });
    expect(emptied.code).toBe(1);
    expect(emptied.stdout).toContain('::error::the input "competition" is empty: give the competition folder in the checkout');
    // Control: the step as the template writes it, with action.yml's defaults, is a valid submission.
    const asTemplate = await step('v2', {});
    expect(asTemplate.code, asTemplate.stdout).toBe(0);
    expect(asTemplate.outputs.valid).toBe('true');
  });
});
