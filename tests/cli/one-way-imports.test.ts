import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.join(import.meta.dirname, '../..');

/** The rules that fire on a file at `file` (relative to the repository) holding `code`; the file need not exist. */
async function rulesFired(code: string, file: string): Promise<string[]> {
  const [result] = await new ESLint({ cwd: root }).lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map((m) => `${m.line}:${m.ruleId ?? m.message}`);
}

const reachingOut = [
  "import { doctor } from '../../../action/src/doctor.js';",
  "import type { SiteBuilder } from '../../leaderboard-site/src/build.js';",
  "export { fetchSubmission } from '../../action/src/fetch.js';",
  "export const site = () => import('../../leaderboard-site/src/build.js');",
  'export const mode = (m: string) => import(`../../action/src/${m}.js`);',
  'export type { SiteBuilder };',
  'void doctor;',
].join('\n');

describe('runner/ never imports action/ or leaderboard-site/ (eslint)', () => {
  it('flags each way of importing them from a file under runner/', async () => {
    expect(await rulesFired(reachingOut, 'runner/src/cli/commands/probe.ts')).toEqual([
      '1:no-restricted-imports',
      '2:no-restricted-imports',
      '3:no-restricted-imports',
      '4:no-restricted-syntax',
      '5:no-restricted-syntax',
    ]);
  }, 30_000);

  it('leaves the same imports alone outside runner/, and runner folders that merely look alike', async () => {
    expect(await rulesFired(reachingOut, 'action/src/probe.ts')).toEqual([]);
    const alike = [
      "import { a } from './actions/a.js';",
      "import { b } from '../transaction/b.js';",
      "import * as core from '@actions/core';",
      'export { a, b, core };',
    ].join('\n');
    expect(await rulesFired(alike, 'runner/src/cli/probe.ts')).toEqual([]);
  }, 30_000);
});
