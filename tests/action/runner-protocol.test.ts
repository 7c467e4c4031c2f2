import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  appendSummary,
  error,
  escapeData,
  escapeProperty,
  getInput,
  setFailed,
  setOutput,
  setSecret,
  warning,
} from '../../action/src/runner-protocol.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/** What the step printed while `f` ran. */
function printed(f: () => void): string {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    f();
  } finally {
    spy.mockRestore();
  }
  return lines.join('');
}

afterEach(() => {
  process.exitCode = 0;
});

describe("the runner's protocol, as GitHub documents it", () => {
  it('reads an input from INPUT_<NAME>, upper-cased with spaces as underscores, trimmed; an unset one is empty', () => {
    expect(getInput('results branch', { INPUT_RESULTS_BRANCH: '  podium-results \n' })).toBe('podium-results');
    expect(getInput('mode', {})).toBe('');
  });

  it('appends outputs under a delimiter, so that a value may span lines', async () => {
    const file = path.join(await temp(), 'output');
    await writeFile(file, '');
    setOutput('record', 'line one\nline two', { GITHUB_OUTPUT: file });
    setOutput('status', 'scored', { GITHUB_OUTPUT: file });
    const text = await readFile(file, 'utf8');
    const outputs = Object.fromEntries([...text.matchAll(/^([\w-]+)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm)].map((m) => [m[1], m[3]]));
    expect(outputs).toEqual({ record: 'line one\nline two', status: 'scored' });
    // Each output has its own delimiter: a value cannot end another's early.
    expect(new Set(text.match(/ghadelimiter_[\w-]+/g)).size).toBe(2);
  });

  it('refuses to write to an output or summary file that is not there, rather than lose what it writes', async () => {
    const missing = path.join(await temp(), 'absent');
    expect(() => setOutput('x', 'y', { GITHUB_OUTPUT: missing })).toThrow('GITHUB_OUTPUT names');
    expect(() => appendSummary('# x', { GITHUB_STEP_SUMMARY: missing })).toThrow('GITHUB_STEP_SUMMARY names');
    // Without a summary file (a local run), nothing is written and nothing fails.
    expect(() => appendSummary('# x', {})).not.toThrow();
  });

  it('writes annotations with the place escaped, and a message that stays on one line', () => {
    const out = printed(() => error('bad value: 50%\nsee line 2', { file: 'submissions/a,b/x:y.csv', line: 3, column: 7 }));
    expect(out).toBe('::error file=submissions/a%2Cb/x%3Ay.csv,line=3,col=7::bad value: 50%25%0Asee line 2\n');
    expect(printed(() => warning('careful'))).toBe('::warning::careful\n');
    expect(escapeData('a\r\nb%')).toBe('a%0D%0Ab%25');
    expect(escapeProperty('a:b,c')).toBe('a%3Ab%2Cc');
  });

  it('masks a secret, and fails the step with an error annotation', () => {
    expect(printed(() => setSecret('s3cr3t'))).toBe('::add-mask::s3cr3t\n');
    expect(printed(() => setFailed('it broke'))).toBe('::error::it broke\n');
    expect(process.exitCode).toBe(1);
  });
});
