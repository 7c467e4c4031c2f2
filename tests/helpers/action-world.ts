import { randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll } from 'vitest';
import { parse } from 'yaml';
import { initCompetition } from '../../runner/src/init/init.js';
import { sealFolder } from '../../runner/src/hidden/sealed.js';
import { artifactRoundTrip } from './github/artifact.js';
import { startEmulator, type Emulator, type EmulatorOptions } from './github/emulator.js';
import { jobPermissions } from './github/permissions.js';
import { settingsNow } from './github/settings.js';
import { useTempDirs } from './temp.js';

/**
 * A competition on GitHub, as far as this machine can have one: the repository as a bare Git
 * remote, the GitHub API emulator in front of it, and the bundled Action run as a runner runs
 * it (INPUT_* variables, action.yml's defaults included, a webhook payload file adapted from @octokit/webhooks-examples,
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), each job with the token its workflow job
 * declares and the artifacts between jobs passed through a ZIP round trip.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUNDLE = path.join(ROOT, 'action', 'dist', 'index.js');
const WORKFLOWS = path.join(ROOT, 'templates', 'competition', '.github', 'workflows');
const require = createRequire(import.meta.url);
const EXAMPLES = require('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Record<string, unknown>[] }[];
export const OWNER = 'podium-org';
export const REPO = 'sound-events';

export const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error('action/dist/index.js is missing: run npm run bundle:action');
});

const temp = useTempDirs();
let emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
});

export interface Run {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Which workflow job each mode is, for the token it gets. */
const JOBS: Record<string, { workflow: string; job: string; fork?: boolean }> = {
  validate: { workflow: 'podium-validate.yml', job: 'validate', fork: true },
  prepare: { workflow: 'podium-evaluate.yml', job: 'prepare' },
  queue: { workflow: 'podium-evaluate.yml', job: 'queue' },
  count: { workflow: 'podium-evaluate.yml', job: 'count' },
  evaluate: { workflow: 'podium-evaluate.yml', job: 'evaluate' },
  report: { workflow: 'podium-evaluate.yml', job: 'report' },
  publish: { workflow: 'podium-evaluate.yml', job: 'publish' },
};

export interface Runner {
  /** The runner's root folder, holding .runner and the Node.js it runs actions with. */
  root: string;
  node: string;
}

/**
 * A self-hosted runner's layout: `<root>/externals/node24/bin/node` (this machine's Node.js,
 * linked) and `<root>/.runner` as the runner writes it, with a byte-order mark.
 */
export async function fakeRunner(dir: string, ephemeral: boolean): Promise<Runner> {
  const node = path.join(dir, 'externals', 'node24', 'bin', 'node');
  await mkdir(path.dirname(node), { recursive: true });
  await link(process.execPath, node).catch(() => copyFile(process.execPath, node));
  const settings = {
    agentId: 7,
    agentName: ephemeral ? 'gpu-jit-7' : 'gpu-01',
    poolId: 1,
    workFolder: '_work',
    ...(ephemeral ? { ephemeral: true } : {}),
  };
  await writeFile(path.join(dir, '.runner'), `\uFEFF${JSON.stringify(settings, null, 2)}`);
  return { root: dir, node };
}

export interface ActionOptions {
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  /** Run under this runner's Node.js (the evaluate job's self-hosted runner). */
  runner?: Runner;
  /** A token other than the job's own. */
  token?: string;
}

/** The variable the runner passes an input in (GitHub's INPUT_<NAME>, spaces as _). */
const inputVariable = (name: string) => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

/**
 * The defaults the action.yml beside a bundle declares, as INPUT_* variables: the runner passes
 * one for every declared input a step leaves out, so the Action has no defaults of its own.
 */
async function declaredDefaults(bundle: string): Promise<Record<string, string>> {
  const manifest = parse(await readFile(path.join(path.dirname(bundle), '..', 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: unknown } | null>;
  };
  return Object.fromEntries(
    Object.entries(manifest.inputs ?? {}).flatMap(([name, spec]) =>
      spec?.default === undefined ? [] : [[inputVariable(name), String(spec.default)]],
    ),
  );
}

/** Runs the bundle in a child process (asynchronously: the emulator answers from this one). */
export async function action(
  workspace: string,
  mode: string,
  event: { name: string; payload: unknown },
  w: { api: Emulator; bundle: string },
  opts: ActionOptions = {},
): Promise<Run> {
  const { api } = w;
  const dir = path.join(workspace, '..', `runner-${mode}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  await mkdir(dir, { recursive: true });
  const files = { event: path.join(dir, 'event.json'), output: path.join(dir, 'output'), summary: path.join(dir, 'summary.md') };
  await writeFile(files.event, JSON.stringify(event.payload));
  await writeFile(files.output, '');
  await writeFile(files.summary, '');
  const job = JOBS[mode];
  const token =
    opts.token ??
    (job
      ? api.jobToken(
          jobPermissions(await readFile(path.join(WORKFLOWS, job.workflow), 'utf8'), job.job, {
            fork: job.fork ?? false,
            repoDefault: api.settings.defaultWorkflowPermissions,
          }),
        )
      : '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_REPOSITORY: `${api.owner}/${api.repo}`,
    GITHUB_API_URL: api.url,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: dir,
    ...(await declaredDefaults(w.bundle)),
    INPUT_MODE: mode,
    INPUT_TOKEN: token,
    ...Object.fromEntries(Object.entries(opts.inputs ?? {}).map(([k, v]) => [inputVariable(k), v])),
    ...(opts.env ?? {}),
  };
  const child = spawn(opts.runner?.node ?? process.execPath, [w.bundle], { cwd: workspace, env });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const outputs: Record<string, string> = {};
  const text = await readFile(files.output, 'utf8');
  for (const m of text.matchAll(/^([\w-]+)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
  return { code, stdout, outputs, summary: await readFile(files.summary, 'utf8') };
}

export function pullRequestPayload(number: number, head: string, base: string, author: string) {
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

/**
 * A completed validate run, as the evaluate workflow receives it. `from` is where the head was
 * pushed (the fork and its branch); without it, the example's own repository and branch stay,
 * which match no pull request.
 */
export function workflowRunPayload(head: string, conclusion = 'success', from?: { repo: string; branch: string }) {
  const e = structuredClone(EXAMPLES.find((x) => x.name === 'workflow_run')!.examples.find((x) => x.action === 'completed')!) as {
    workflow_run: {
      head_sha: string;
      conclusion: string;
      event: string;
      pull_requests: unknown[];
      head_branch: string;
      head_repository: { full_name: string };
    };
  };
  e.workflow_run.head_sha = head;
  if (from) {
    e.workflow_run.head_branch = from.branch;
    e.workflow_run.head_repository.full_name = from.repo;
  }
  e.workflow_run.conclusion = conclusion;
  e.workflow_run.event = 'pull_request';
  // A pull request from a fork: GitHub lists none here, so Podium must not rely on it.
  e.workflow_run.pull_requests = [];
  return { name: 'workflow_run', payload: e };
}

export interface World {
  root: string;
  origin: string;
  /** The hidden folder as the organiser made it. */
  hidden: string;
  /** The hidden data as it sits on the runner: sealed, unless the world was made with plain hidden data. */
  hiddenOnRunner: string;
  keys: { seal: string; data: string };
  api: Emulator;
  /** The competition's own copy of the Action (.podium/action), from a checkout of the default branch. */
  bundle: string;
  runner: Runner;
  /** A fresh clone of the default branch: the trusted checkout a privileged job makes. */
  checkout(name: string, ref?: string): Promise<string>;
  /** Pushes a participant's branch adding files under submissions/<team>/<name>/ and opens a pull request. */
  openPull(
    team: string,
    name: string,
    files: Record<string, string>,
    extra?: Record<string, string>,
    author?: string,
  ): Promise<{ number: number; sha: string; base: string; dir: string }>;
  /** Where a pull request's head was pushed: its fork and branch, as a workflow_run reports them. */
  headOf(pr: number): { repo: string; branch: string };
  /** A new commit on the pull request's branch; returns its SHA. */
  push(pr: { number: number; dir: string }, files: Record<string, string>): Promise<string>;
  baseline: string;
  /** The environment the evaluate job's Podium step gets: the podium-evaluation environment's secrets. */
  evaluateEnv: Record<string, string>;
}

export interface WorldOptions {
  edit?: (yml: string) => string;
  files?: Record<string, string>;
  emulator?: Omit<EmulatorOptions, 'settings'>;
  /** Keep the hidden data as a plain folder on the runner. */
  plainHidden?: boolean;
  ephemeral?: boolean;
}

export async function world(opts: WorldOptions = {}): Promise<World> {
  const root = await temp();
  const origin = path.join(root, 'origin.git');
  const hidden = path.join(root, 'hidden');
  const organiser = path.join(root, 'organiser');
  await initCompetition({ dir: organiser, example: true, hiddenDir: hidden, git: true });
  const yml = path.join(organiser, 'competition.yml');
  await writeFile(yml, (opts.edit ?? ((y) => y))(await readFile(yml, 'utf8')));
  for (const [f, text] of Object.entries(opts.files ?? {})) {
    await mkdir(path.dirname(path.join(organiser, f)), { recursive: true });
    await writeFile(path.join(organiser, f), text);
  }
  git(organiser, 'add', '-A');
  git(organiser, 'commit', '-q', '-am', 'organiser settings', '--allow-empty');
  git(root, 'init', '-q', '--bare', '--initial-branch=main', origin);
  git(organiser, 'push', '-q', origin, 'main');
  const keys = { seal: randomBytes(32).toString('hex'), data: randomBytes(32).toString('hex') };
  let hiddenOnRunner = hidden;
  if (!opts.plainHidden) {
    hiddenOnRunner = path.join(root, 'runner-disk', 'sound-events.hidden');
    await mkdir(path.dirname(hiddenOnRunner), { recursive: true });
    await sealFolder(hidden, hiddenOnRunner, Buffer.from(keys.data, 'hex'));
  }
  const api = await startEmulator(OWNER, REPO, origin, { ...opts.emulator, settings: settingsNow(OWNER, REPO, keys, hiddenOnRunner) });
  emulators.push(api);
  const trusted = path.join(root, 'trusted');
  git(root, 'clone', '-q', origin, trusted);
  const bundle = path.join(trusted, '.podium', 'action', 'dist', 'index.js');
  const baseline = await readFile(path.join(organiser, 'submissions', 'baseline', 'nearest-centroid', 'predictions.csv'), 'utf8');
  const runner = await fakeRunner(path.join(root, 'actions-runner'), opts.ephemeral ?? true);
  let n = 0;
  const writeFiles = async (dir: string, files: Record<string, string>) => {
    for (const [f, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
      await writeFile(path.join(dir, f), text);
    }
  };
  const changed = (dir: string) =>
    git(dir, 'diff', '--name-only', '-z', 'main', 'HEAD')
      .split('\0')
      .filter(Boolean)
      .map((filename) => ({ filename, status: 'added' as const }));
  return {
    root,
    origin,
    hidden,
    hiddenOnRunner,
    keys,
    api,
    bundle,
    baseline,
    runner,
    evaluateEnv: { PODIUM_SEAL_KEY: keys.seal, PODIUM_DATA_KEY: keys.data },
    async checkout(name, ref = 'main') {
      const dir = path.join(root, name);
      git(root, 'clone', '-q', origin, dir);
      if (ref !== 'main') git(dir, 'checkout', '-q', ref);
      return dir;
    },
    async openPull(team, name, files, extra = {}, author = team) {
      const number = ++n;
      const dir = path.join(root, `participant-${number}`);
      git(root, 'clone', '-q', origin, dir);
      git(dir, 'checkout', '-q', '-b', `pr-${number}`);
      await writeFiles(dir, {
        ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`submissions/${team}/${name}/${k}`, v])),
        ...extra,
      });
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', `submission ${team}/${name}`);
      git(dir, 'push', '-q', 'origin', `pr-${number}`);
      const sha = git(dir, 'rev-parse', 'HEAD');
      const base = git(dir, 'rev-parse', 'main');
      api.pulls.push({ number, state: 'open', headSha: sha, headRef: `pr-${number}`, baseSha: base, author, files: changed(dir) });
      return { number, sha, base, dir };
    },
    headOf(number) {
      const p = api.pulls.find((x) => x.number === number)!;
      return { repo: p.headRepo ?? `${p.author}/${REPO}`, branch: p.headRef };
    },
    async push(pr, files) {
      await writeFiles(pr.dir, files);
      git(pr.dir, 'add', '-A');
      git(pr.dir, 'commit', '-q', '-m', 'another try');
      git(pr.dir, 'push', '-q', 'origin', `pr-${pr.number}`);
      const sha = git(pr.dir, 'rev-parse', 'HEAD');
      const p = api.pulls.find((x) => x.number === pr.number)!;
      p.headSha = sha;
      p.files = changed(pr.dir);
      return sha;
    },
  };
}

export const submissionYml = (team: string, name: string) =>
  `team: ${team}\nname: ${name}\nkind: predictions\npredictions: predictions.csv\n`;

/** A predictions submission's files: its submission.yml and predictions (the baseline's unless given). */
export const submissionFiles = (w: Pick<World, 'baseline'>, team: string, name: string, predictions = w.baseline) => ({
  'submission.yml': submissionYml(team, name),
  'predictions.csv': predictions,
});

/** The event of the report and publish jobs, which read nothing of it. */
export const WORKFLOW_RUN = { name: 'workflow_run', payload: {} };

/** An edit of competition.yml that takes container submissions too, built from `image` under small limits. */
export const takingContainers = (image: string) => (yml: string) =>
  yml
    .replace(/kinds: \[.*\]/, 'kinds: [predictions, container]')
    .replace('leaderboard:', `runtime:\n  timeout_seconds: 10\n  memory_mb: 64\n  base_images: [${image}]\nleaderboard:`);

/** Passes one job's artifact folder to the next job's workspace, as upload/download-artifact do. */
export async function handOver(fromDir: string, toWorkspace: string, name: string): Promise<void> {
  await artifactRoundTrip(fromDir, path.join(toWorkspace, name));
}

export interface Pipeline {
  v: Run;
  p: Run;
  e?: Run;
  r?: Run;
  reportWs?: string;
}

/**
 * validate → prepare → (approval) → evaluate → report, as the template's workflows run them.
 * `beforeApproval` runs between prepare and evaluate: what a participant may do while the
 * run waits for an organiser.
 */
export async function pipeline(
  w: World,
  pr: { number: number; sha: string; base: string },
  author: string,
  opts: { runnerEnv?: Record<string, string>; beforeApproval?: () => Promise<void>; hidden?: string } = {},
): Promise<Pipeline> {
  const v = await action(
    await w.checkout(`validate-${pr.number}-${Date.now()}`, pr.sha),
    'validate',
    pullRequestPayload(pr.number, pr.sha, pr.base, author),
    w,
  );
  const prepWs = await w.checkout(`prepare-${pr.number}-${Date.now()}`);
  const p = await action(prepWs, 'prepare', workflowRunPayload(pr.sha, v.code === 0 ? 'success' : 'failure', w.headOf(pr.number)), w);
  if (p.outputs.ready !== 'true') return { v, p };
  await opts.beforeApproval?.();
  const evalWs = await w.checkout(`evaluate-${pr.number}-${Date.now()}`);
  await handOver(path.join(prepWs, 'podium-prepared'), evalWs, 'podium-prepared');
  const e = await action(evalWs, 'evaluate', workflowRunPayload(pr.sha, 'success', w.headOf(pr.number)), w, {
    inputs: { hidden: opts.hidden ?? w.hiddenOnRunner },
    env: { ...w.evaluateEnv, ...(opts.runnerEnv ?? {}) },
    runner: w.runner,
  });
  if (e.code !== 0) return { v, p, e };
  const reportWs = await w.checkout(`report-${pr.number}-${Date.now()}`);
  await handOver(path.join(evalWs, 'podium-record'), reportWs, 'podium-record');
  const r = await action(reportWs, 'report', workflowRunPayload(pr.sha, 'success', w.headOf(pr.number)), w);
  return { v, p, e, r, reportWs };
}
