import { randomBytes } from 'node:crypto';
import { spawn, execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initCompetition } from '../../runner/src/init/init.js';
import { publishRecords } from '../../runner/src/results/git-store.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { responseProblems, startEmulator, type Emulator } from '../helpers/github-emulator.js';
import { useTempDirs } from '../helpers/temp.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';

/**
 * The bundled Action (action/dist/index.js), run as a runner runs it: INPUT_* variables, a
 * webhook payload file adapted from @octokit/webhooks-examples, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files; against the GitHub API emulator and a local bare Git remote.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLE = path.join(ROOT, 'action', 'dist', 'index.js');
const require = createRequire(import.meta.url);
const EXAMPLES = require('@octokit/webhooks-examples/api.github.com/index.json') as {
  name: string;
  examples: Record<string, unknown>[];
}[];
const temp = useTempDirs();
const OWNER = 'podium-org';
const REPO = 'sound-events';
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

let emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
});

interface Run {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Runs the bundle in a child process (asynchronously: the emulator answers from this one). */
async function action(
  workspace: string,
  mode: string,
  event: { name: string; payload: unknown },
  w: { api: Emulator; bundle: string },
  inputs: Record<string, string> = {},
  extraEnv: Record<string, string> = {},
): Promise<Run> {
  const { api } = w;
  const dir = path.join(workspace, '..', `runner-${mode}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  await mkdir(dir, { recursive: true });
  const files = { event: path.join(dir, 'event.json'), output: path.join(dir, 'output'), summary: path.join(dir, 'summary.md') };
  await writeFile(files.event, JSON.stringify(event.payload));
  await writeFile(files.output, '');
  await writeFile(files.summary, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_API_URL: api.url,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_WORKSPACE: workspace,
    INPUT_MODE: mode,
    INPUT_TOKEN: 'ghs_test_token',
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...extraEnv,
  };
  const child = spawn(process.execPath, [w.bundle], { cwd: workspace, env });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const outputs: Record<string, string> = {};
  const text = await readFile(files.output, 'utf8');
  for (const m of text.matchAll(/^([\w-]+)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
  return { code, stdout, outputs, summary: await readFile(files.summary, 'utf8') };
}

function pullRequestPayload(number: number, head: string, base: string, author: string) {
  const e = structuredClone(EXAMPLES.find((x) => x.name === 'pull_request')!.examples.find((x) => x.action === 'opened')!) as {
    number: number;
    pull_request: { number: number; head: { sha: string }; base: { sha: string }; user: { login: string } };
    repository: { full_name: string; name: string };
  };
  e.number = number;
  e.pull_request.number = number;
  e.pull_request.head.sha = head;
  e.pull_request.base.sha = base;
  e.pull_request.user.login = author;
  e.repository.full_name = `${OWNER}/${REPO}`;
  e.repository.name = REPO;
  return { name: 'pull_request', payload: e };
}

function workflowRunPayload(head: string, conclusion = 'success') {
  const e = structuredClone(EXAMPLES.find((x) => x.name === 'workflow_run')!.examples.find((x) => x.action === 'completed')!) as {
    workflow_run: { head_sha: string; conclusion: string; event: string; pull_requests: unknown[] };
  };
  e.workflow_run.head_sha = head;
  e.workflow_run.conclusion = conclusion;
  e.workflow_run.event = 'pull_request';
  // A pull request from a fork: GitHub lists none here, so Podium must not rely on it.
  e.workflow_run.pull_requests = [];
  return { name: 'workflow_run', payload: e };
}

interface World {
  root: string;
  origin: string;
  hidden: string;
  api: Emulator;
  /** The competition's own copy of the Action (.podium/action), from a checkout of the default branch. */
  bundle: string;
  /** A fresh clone of the default branch: the trusted checkout a privileged job makes. */
  checkout(name: string, ref?: string): Promise<string>;
  /** Pushes a participant's branch adding files under submissions/<team>/<name>/ and opens a pull request. */
  openPull(
    team: string,
    name: string,
    files: Record<string, string>,
    extra?: Record<string, string>,
  ): Promise<{ number: number; sha: string; base: string }>;
  baseline: string;
}

async function world(edit: (yml: string) => string = (y) => y, files: Record<string, string> = {}): Promise<World> {
  const root = await temp();
  const origin = path.join(root, 'origin.git');
  const hidden = path.join(root, 'hidden');
  const organiser = path.join(root, 'organiser');
  await initCompetition({ dir: organiser, example: true, hiddenDir: hidden, git: true });
  const yml = path.join(organiser, 'competition.yml');
  await writeFile(yml, edit(await readFile(yml, 'utf8')));
  for (const [f, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(organiser, f)), { recursive: true });
    await writeFile(path.join(organiser, f), text);
  }
  git(organiser, 'add', '-A');
  git(organiser, 'commit', '-q', '-am', 'organiser settings', '--allow-empty');
  git(root, 'init', '-q', '--bare', '--initial-branch=main', origin);
  git(organiser, 'push', '-q', origin, 'main');
  const api = await startEmulator(OWNER, REPO, origin);
  emulators.push(api);
  const trusted = path.join(root, 'trusted');
  git(root, 'clone', '-q', origin, trusted);
  const bundle = path.join(trusted, '.podium', 'action', 'dist', 'index.js');
  const baseline = await readFile(path.join(organiser, 'submissions', 'baseline', 'nearest-centroid', 'predictions.csv'), 'utf8');
  let n = 0;
  return {
    root,
    origin,
    hidden,
    api,
    bundle,
    baseline,
    async checkout(name, ref = 'main') {
      const dir = path.join(root, name);
      git(root, 'clone', '-q', origin, dir);
      if (ref !== 'main') git(dir, 'checkout', '-q', ref);
      return dir;
    },
    async openPull(team, name, files, extra = {}) {
      const number = ++n;
      const dir = path.join(root, `participant-${number}`);
      git(root, 'clone', '-q', origin, dir);
      git(dir, 'checkout', '-q', '-b', `pr-${number}`);
      for (const [f, text] of Object.entries({
        ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`submissions/${team}/${name}/${k}`, v])),
        ...extra,
      })) {
        await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
        await writeFile(path.join(dir, f), text);
      }
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', `submission ${team}/${name}`);
      git(dir, 'push', '-q', 'origin', `pr-${number}`);
      const sha = git(dir, 'rev-parse', 'HEAD');
      const base = git(dir, 'rev-parse', 'main');
      const changed = git(dir, 'diff', '--name-only', 'main', 'HEAD').split('\n');
      api.pulls.push({
        number,
        state: 'open',
        headSha: sha,
        headRef: `pr-${number}`,
        baseSha: base,
        author: team,
        files: changed.map((filename) => ({ filename, status: 'added' })),
      });
      return { number, sha, base };
    },
  };
}

const submissionYml = (team: string, name: string) => `team: ${team}\nname: ${name}\nkind: predictions\npredictions: predictions.csv\n`;

/** validate → prepare → evaluate → report → publish, as the template's workflows run them. */
async function pipeline(
  w: World,
  pr: { number: number; sha: string; base: string },
  author: string,
  runnerEnv: Record<string, string> = {},
) {
  const v = await action(
    await w.checkout(`validate-${pr.number}`, pr.sha),
    'validate',
    pullRequestPayload(pr.number, pr.sha, pr.base, author),
    w,
  );
  const prepWs = await w.checkout(`prepare-${pr.number}`);
  // The artifact of the validate run, downloaded by the evaluation workflow.
  if (v.outputs['request-dir']) await cp(v.outputs['request-dir'], path.join(prepWs, 'podium-request'), { recursive: true });
  const p = await action(prepWs, 'prepare', workflowRunPayload(pr.sha, v.code === 0 ? 'success' : 'failure'), w);
  if (p.outputs.ready !== 'true') return { v, p };
  const evalWs = await w.checkout(`evaluate-${pr.number}`);
  await cp(path.join(prepWs, 'podium-submission'), path.join(evalWs, 'podium-submission'), { recursive: true });
  const e = await action(evalWs, 'evaluate', { name: 'workflow_run', payload: {} }, w, { hidden: w.hidden }, runnerEnv);
  const reportWs = await w.checkout(`report-${pr.number}`);
  await cp(path.join(evalWs, 'podium-record'), path.join(reportWs, 'podium-record'), { recursive: true });
  const r = await action(reportWs, 'report', { name: 'workflow_run', payload: {} }, w);
  return { v, p, e, r, reportWs };
}

describe('the GitHub API emulator', () => {
  it("refuses a response that GitHub's OpenAPI description does not allow", () => {
    expect(responseProblems('/repos/{owner}/{repo}/statuses/{sha}', 'post', 201, { state: 'success' })).toMatch(/required/);
    expect(responseProblems('/repos/{owner}/{repo}/git/blobs/{file_sha}', 'get', 200, { content: 1 })).toBeDefined();
  });
});

describe('the Action, bundled, against the API emulator and a bare remote', () => {
  beforeAll(() => {
    if (!existsSync(BUNDLE)) throw new Error('action/dist/index.js is missing: run npm run bundle:action');
  });

  it('is copied into every new competition, as the local action its workflows use', async () => {
    const w = await world();
    expect(existsSync(w.bundle)).toBe(true);
    expect((await readFile(w.bundle)).equals(await readFile(BUNDLE))).toBe(true);
    const manifest = await readFile(path.join(path.dirname(w.bundle), '..', 'action.yml'), 'utf8');
    expect(manifest).toContain('main: dist/index.js');
    expect(existsSync(path.join(w.root, 'trusted', '.github', 'workflows', 'podium-evaluate.yml'))).toBe(true);
  });

  it('a good submission: validated, fetched at its commit, scored, commented, published; a re-run updates the comment', async () => {
    const w = await world();
    const pr = await w.openPull('alpha', 'first', { 'submission.yml': submissionYml('alpha', 'first'), 'predictions.csv': w.baseline });
    const { v, p, e, r, reportWs } = await pipeline(w, pr, 'alpha');
    expect(v.code, v.stdout).toBe(0);
    expect(v.outputs).toMatchObject({ valid: 'true', team: 'alpha', name: 'first', folder: 'submissions/alpha/first' });
    expect(v.summary).toContain('Valid predictions submission');
    expect(p.code, p.stdout).toBe(0);
    expect(p.outputs).toMatchObject({ ready: 'true', 'pull-request': String(pr.number), 'head-sha': pr.sha });
    expect(e!.code, e!.stdout).toBe(0);
    expect(e!.outputs.status).toBe('scored');
    expect(r!.code, r!.stdout).toBe(0);
    expect(r!.outputs.comment).toBe('created');
    expect(w.api.comments).toHaveLength(1);
    const body = w.api.comments[0]!.body;
    expect(body.startsWith('<!-- podium:report -->')).toBe(true);
    expect(body).toContain('**Scored**');
    expect(body).toMatch(/\| accuracy ↑ \(primary\) \| 0\.\d+ \| 0\.\d+ – 0\.\d+ \|/);
    expect(body).toContain('Would rank **1** of 1');
    expect(w.api.statuses).toEqual([expect.objectContaining({ sha: pr.sha, state: 'success', context: 'podium/evaluation' })]);
    expect(r!.summary).toContain('accuracy');

    const pub = await action(reportWs!, 'publish', { name: 'workflow_run', payload: {} }, w);
    expect(pub.code, pub.stdout).toBe(0);
    expect(git(w.root, '--git-dir', w.origin, 'ls-tree', '-r', '--name-only', 'results')).toMatch(
      new RegExp(`^results/main/alpha/first/${pr.sha.slice(0, 12)}\\.json$`),
    );
    expect(await readFile(path.join(reportWs!, '_site', 'index.html'), 'utf8')).toContain('alpha');

    // The same evaluation reported again: the one comment is updated, never duplicated.
    const again = await action(reportWs!, 'report', { name: 'workflow_run', payload: {} }, w);
    expect(again.outputs.comment).toBe('updated');
    expect(w.api.comments).toHaveLength(1);
    expect(w.api.comments[0]!.updates).toBe(1);
    // Only the submission folder was read through the API, never the rest of the tree.
    expect(w.api.requests.filter((q) => q.includes('/git/blobs/'))).toHaveLength(2);
    expect(w.api.violations).toEqual([]);
  });

  it('an invalid submission: annotations on the file and line, and no evaluation', async () => {
    const w = await world();
    const bad = w.baseline.replace('id,label', 'id,lable');
    const pr = await w.openPull('beta', 'broken', { 'submission.yml': submissionYml('beta', 'broken'), 'predictions.csv': bad });
    const { v, p } = await pipeline(w, pr, 'beta');
    expect(v.code).toBe(1);
    expect(v.outputs.valid).toBe('false');
    expect(v.stdout).toMatch(/::error file=submissions\/beta\/broken\/predictions\.csv,line=1,col=\d+::/);
    expect(v.summary).toContain('Not valid');
    expect(p.outputs.ready).toBe('false');
    expect(w.api.comments).toEqual([]);
    expect(w.api.violations).toEqual([]);
  });

  it('a pull request that also changes a workflow is refused before anything runs', async () => {
    const w = await world();
    const pr = await w.openPull(
      'gamma',
      'sneaky',
      { 'submission.yml': submissionYml('gamma', 'sneaky'), 'predictions.csv': w.baseline },
      { '.github/workflows/x.yml': 'on: push\n' },
    );
    const { v, p } = await pipeline(w, pr, 'gamma');
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('.github/workflows/x.yml');
    expect(p.outputs.ready).toBe('false');
  });

  it('a team over its daily limit is refused, counted from the results history', async () => {
    const w = await world((y) => y.replace('per_day: 5', 'per_day: 1'));
    const first = await w.openPull('delta', 'one', { 'submission.yml': submissionYml('delta', 'one'), 'predictions.csv': w.baseline });
    const ran = await pipeline(w, first, 'delta');
    expect((await action(ran.reportWs!, 'publish', { name: 'workflow_run', payload: {} }, w)).code).toBe(0);
    const second = await w.openPull('delta', 'two', { 'submission.yml': submissionYml('delta', 'two'), 'predictions.csv': w.baseline });
    const { v, p } = await pipeline(w, second, 'delta');
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/::error file=submissions\/delta\/two\/submission\.yml::team delta has used its 1 submission\(s\) for today/);
    expect(p.outputs.ready).toBe('false');
  });

  it('under the Ladder: prepare hands the team’s best to the runner, and the comment says the board did not move', async () => {
    const w = await world((y) => y.replace('leaderboard:', 'leaderboard:\n  ladder:\n    step: 0.01\n'));
    const runnerEnv = { PODIUM_SEAL_KEY: randomBytes(32).toString('hex') };
    const first = await w.openPull('eta', 'one', { 'submission.yml': submissionYml('eta', 'one'), 'predictions.csv': w.baseline });
    const ran = await pipeline(w, first, 'eta', runnerEnv);
    expect(ran.e!.outputs.status, ran.e!.stdout).toBe('scored');
    expect((await action(ran.reportWs!, 'publish', { name: 'workflow_run', payload: {} }, w)).code).toBe(0);
    // Three more right answers: better by 3/600, less than the step.
    const truth = new Map(
      (await readFile(path.join(w.hidden, 'truth.csv'), 'utf8'))
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',') as [string, string]),
    );
    let fixes = 3;
    const better = w.baseline.replace(/^([^,\n]+),([^\n]+)$/gm, (line, id: string, label: string) => {
      const right = truth.get(id);
      if (fixes === 0 || right === undefined || right === label) return line;
      fixes--;
      return `${id},${right}`;
    });
    const second = await w.openPull('eta', 'two', { 'submission.yml': submissionYml('eta', 'two'), 'predictions.csv': better });
    const { p, e, r } = await pipeline(w, second, 'eta', runnerEnv);
    expect(p.code, p.stdout).toBe(0);
    expect(e!.outputs.status, e!.stdout).toBe('scored');
    const body = w.api.comments.find((c) => c.issue === second.number)!.body;
    expect(body).toContain('did not beat your best by more than 0.01, so the board still shows your best, 0.8900');
    expect(body).toMatch(/\| accuracy ↑ \(primary\) \| 0\.8900 \| — \|/);
    expect(body).not.toContain('f1_macro');
    expect(r!.code).toBe(0);
    expect(w.api.violations).toEqual([]);
  });

  it('pull requests opened at once count against the limit: the first is evaluated, the next is held', async () => {
    const w = await world((y) => y.replace('per_day: 5', 'per_day: 1'));
    const first = await w.openPull('zulu', 'one', { 'submission.yml': submissionYml('zulu', 'one'), 'predictions.csv': w.baseline });
    const second = await w.openPull('zulu', 'two', { 'submission.yml': submissionYml('zulu', 'two'), 'predictions.csv': w.baseline });
    // Neither has a record yet; both passed validation.
    const p2 = await action(await w.checkout('p2'), 'prepare', workflowRunPayload(second.sha), w);
    expect(p2.code).toBe(1);
    expect(p2.stdout).toContain('team zulu has used its 1 submission(s) for today');
    const p1 = await action(await w.checkout('p1'), 'prepare', workflowRunPayload(first.sha), w);
    expect(p1.code, p1.stdout).toBe(0);
    expect(p1.outputs.ready).toBe('true');
  });

  it('the same image from two teams is flagged to the organisers on the run, not in the comment', async () => {
    const w = await world();
    const pr = await w.openPull('psi', 'copy', { 'submission.yml': submissionYml('psi', 'copy'), 'predictions.csv': w.baseline });
    const ran = await pipeline(w, pr, 'psi');
    // Another team's record, already published, with the image this one will claim.
    const digest = `sha256:${'d'.repeat(64)}`;
    const theirs = JSON.parse(await readFile(path.join(ran.reportWs!, 'podium-record', 'record.json'), 'utf8')) as ResultRecord;
    const other: ResultRecord = {
      ...theirs,
      id: theirs.id.replace('/psi/copy/', '/omega/orig/'),
      submission: { ...theirs.submission, team: 'omega', name: 'orig', path: 'submissions/omega/orig' },
      provenance: { ...theirs.provenance, image_digest: digest },
    };
    await publishRecords([other], { remote: w.origin });
    const mine = { ...theirs, provenance: { ...theirs.provenance, image_digest: digest } };
    await writeFile(path.join(ran.reportWs!, 'podium-record', 'record.json'), JSON.stringify(mine));
    const r = await action(ran.reportWs!, 'report', { name: 'workflow_run', payload: {} }, w);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(
      `::warning::psi/copy ran the image ${digest}, which omega/orig also submitted: check whether the teams share code.`,
    );
    expect(w.api.comments.at(-1)!.body).not.toContain('omega');
  });

  it('only members may submit for a team: teams.yml, or a team of one named by the login', async () => {
    const w = await world(undefined, { 'teams.yml': 'teams:\n  alpha: [octocat]\n' });
    const files = { 'submission.yml': submissionYml('alpha', 'mine'), 'predictions.csv': w.baseline };
    const byStranger = await w.openPull('alpha', 'mine', files);
    const refused = await action(
      await w.checkout('v1', byStranger.sha),
      'validate',
      pullRequestPayload(byStranger.number, byStranger.sha, byStranger.base, 'mallory'),
      w,
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('mallory is not a member of any team in teams.yml');
    const byMember = await action(
      await w.checkout('v2', byStranger.sha),
      'validate',
      pullRequestPayload(byStranger.number, byStranger.sha, byStranger.base, 'Octocat'),
      w,
    );
    expect(byMember.code, byMember.stdout).toBe(0);
    // prepare takes the author from the API, not from the event or the artifact.
    w.api.pulls[0]!.author = 'mallory';
    const p = await action(await w.checkout('p'), 'prepare', workflowRunPayload(byStranger.sha), w);
    expect(p.code).toBe(1);
    expect(p.outputs.ready).toBe('false');
  });

  it('a push after validation: the old head is no longer a pull request head, so nothing is evaluated', async () => {
    const w = await world();
    const pr = await w.openPull('eps', 'moved', { 'submission.yml': submissionYml('eps', 'moved'), 'predictions.csv': w.baseline });
    w.api.pulls[0]!.headSha = 'f'.repeat(40);
    const prepWs = await w.checkout('prepare');
    const p = await action(prepWs, 'prepare', workflowRunPayload(pr.sha), w);
    expect(p.code).toBe(0);
    expect(p.outputs.ready).toBe('false');
    expect(p.stdout).toContain('No open pull request has');
  });

  it('a forged request artifact cannot point the evaluation at another pull request', async () => {
    const w = await world();
    const good = await w.openPull('zeta', 'real', { 'submission.yml': submissionYml('zeta', 'real'), 'predictions.csv': w.baseline });
    const other = await w.openPull('eta', 'other', { 'submission.yml': submissionYml('eta', 'other'), 'predictions.csv': w.baseline });
    const prepWs = await w.checkout('prepare');
    await mkdir(path.join(prepWs, 'podium-request'), { recursive: true });
    await writeFile(
      path.join(prepWs, 'podium-request', 'request.json'),
      JSON.stringify({ pull_request: other.number, head_sha: other.sha, folder: 'submissions/eta/other', team: 'eta', name: 'other' }),
    );
    const p = await action(prepWs, 'prepare', workflowRunPayload(good.sha), w);
    expect(p.outputs).toMatchObject({ ready: 'true', 'pull-request': String(good.number), 'head-sha': good.sha });
    expect(JSON.parse(await readFile(path.join(prepWs, 'podium-submission', 'request.json'), 'utf8'))).toMatchObject({
      folder: 'submissions/zeta/real',
    });
  });

  it('two pull requests finishing together: both records land on the results branch', async () => {
    const w = await world();
    const a = await w.openPull('ka', 'sub', { 'submission.yml': submissionYml('ka', 'sub'), 'predictions.csv': w.baseline });
    const b = await w.openPull('kb', 'sub', { 'submission.yml': submissionYml('kb', 'sub'), 'predictions.csv': w.baseline });
    const [ra, rb] = await Promise.all([pipeline(w, a, 'ka'), pipeline(w, b, 'kb')]);
    const pubs = await Promise.all([ra, rb].map((r) => action(r.reportWs!, 'publish', { name: 'workflow_run', payload: {} }, w)));
    expect(pubs.map((x) => x.code)).toEqual([0, 0]);
    const files = git(w.root, '--git-dir', w.origin, 'ls-tree', '-r', '--name-only', 'results').split('\n');
    expect(files).toEqual(
      expect.arrayContaining([`results/main/ka/sub/${a.sha.slice(0, 12)}.json`, `results/main/kb/sub/${b.sha.slice(0, 12)}.json`]),
    );
    expect(w.api.comments).toHaveLength(2);
  });
});

const engine = await engineAvailable();
describe.skipIf(!engine)('the Action with a container submission on the real engine', () => {
  beforeAll(async () => {
    await ensureBaseImage();
  }, 120_000);

  const sampleWorld = async () => {
    const w = await world(
      (y) =>
        y
          .replace(/kinds: \[.*\]/, 'kinds: [predictions, container]')
          .replace('  inputs: inputs ', '  sample_inputs: sample\n  inputs: inputs ')
          .replace('leaderboard:', `runtime:\n  timeout_seconds: 10\n  memory_mb: 64\n  base_images: [${BASE_IMAGE}]\nleaderboard:`),
      { 'data/public/sample/test.csv': 'id,loudness,centroid,zcr,flux\nsample-1,-20,0.5,0.1,0.2\nsample-2,-30,0.4,0.2,0.1\n' },
    );
    return w;
  };
  const PREDICT = `awk -F, 'NR==1{print "id,label"; next} {print $1 "," ($2 > -21 ? "music" : "speech")}' /input/test.csv > /output/predictions.csv`;

  it('validation runs a container on the public sample: a good one passes and says so', async () => {
    const w = await sampleWorld();
    const pr = await w.openPull('iota', 'box', {
      'submission.yml': 'team: iota\nname: box\nkind: container\nbuild: .\n',
      Dockerfile: `FROM ${BASE_IMAGE}\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`,
      'run.sh': `${PREDICT}\n`,
    });
    const v = await action(await w.checkout('v', pr.sha), 'validate', pullRequestPayload(pr.number, pr.sha, pr.base, 'iota'), w);
    expect(v.code, v.stdout).toBe(0);
    expect(v.summary).toContain('Dry run on the public sample inputs: 2 predictions');
  });

  it('validation runs a container on the public sample: a broken one is stopped before any approval', async () => {
    const w = await sampleWorld();
    const pr = await w.openPull('kappa', 'box', {
      'submission.yml': 'team: kappa\nname: box\nkind: container\nbuild: .\n',
      Dockerfile: `FROM ${BASE_IMAGE}\nCMD ["/bin/sh", "-c", "echo '<b>missing model</b>'; exit 2"]\n`,
    });
    const { v, p } = await pipeline(w, pr, 'kappa');
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(
      /::error file=submissions\/kappa\/box\/submission\.yml::dry run on the public sample inputs: the container exited with code 2/,
    );
    expect(v.summary).toContain('&lt;b&gt;missing model&lt;/b&gt;');
    expect(p.outputs.ready).toBe('false');
  });

  it('a failing container: a failed record, a comment that says so, a failure status', async () => {
    const w = await world((y) =>
      y
        .replace(/kinds: \[.*\]/, 'kinds: [predictions, container]')
        .replace('leaderboard:', `runtime:\n  timeout_seconds: 10\n  memory_mb: 64\n  base_images: [${BASE_IMAGE}]\nleaderboard:`),
    );
    const pr = await w.openPull('theta', 'crash', {
      'submission.yml': 'team: theta\nname: crash\nkind: container\nbuild: .\n',
      Dockerfile: `FROM ${BASE_IMAGE}\nCMD ["/bin/sh", "-c", "echo '::add-mask::x'; exit 3"]\n`,
    });
    const { v, e, r } = await pipeline(w, pr, 'theta');
    expect(v.code, v.stdout).toBe(0);
    expect(e!.outputs.status).toBe('failed');
    // The container's own output never reaches the job log, where it could issue workflow commands.
    expect(e!.stdout).not.toContain('::add-mask::');
    expect(r!.code).toBe(0);
    expect(w.api.comments[0]!.body).toContain('**Failed**');
    expect(w.api.comments[0]!.body).toContain('exited with code 3');
    expect(w.api.statuses[0]).toMatchObject({ state: 'failure', sha: pr.sha });
    expect(w.api.violations).toEqual([]);
  });
});
