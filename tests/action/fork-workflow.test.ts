import { execFileSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { initCompetition } from '../../runner/src/init/init.js';
import { sealFolder } from '../../runner/src/hidden/sealed.js';
import { schedule, type JobOutcome } from '../helpers/github/actions.js';
import { settingsBefore, settingsNow, type RepoSettings } from '../helpers/github/settings.js';
import { ROOT } from '../helpers/action-world.js';
import { useTempDirs } from '../helpers/temp.js';

/**
 * The attack on the runner (issue: "a fork pull request can run its own job on the GPU
 * runner"): a fork adds a workflow that asks for the GPU runner and prints the hidden
 * labels and the runner's environment. The jobs GitHub would run are worked out by the
 * Actions model (tests/helpers/github/actions.ts) under the repository's settings, and the
 * attacker's steps then really run, with the environment the model gives them, against the
 * runner's disk as the settings leave it.
 */
const temp = useTempDirs();
const OWNER = 'podium-org';
const REPO = 'sound-events';
const WORKFLOWS = path.join(ROOT, 'templates', 'competition', '.github', 'workflows');

const ATTACK = `name: innocent
on: pull_request
permissions: {}
jobs:
  steal:
    runs-on: [self-hosted, podium-gpu]
    steps:
      - run: |
          cat "$PODIUM_HIDDEN_DIR/truth.csv" 2>/dev/null || cat "$PODIUM_HIDDEN_DIR" 2>/dev/null
          env
`;

/** The same, asking for the approved environment, in case its secrets come along. */
const ATTACK_WITH_ENVIRONMENT = ATTACK.replace('    steps:', '    environment: podium-evaluation\n    steps:').replace(
  '          env\n',
  '          env\n          echo "seal=${{ secrets.PODIUM_SEAL_KEY }} data=${{ secrets.PODIUM_DATA_KEY }}"\n',
);

async function templateWorkflows(): Promise<Record<string, string>> {
  return {
    'podium-validate.yml': await readFile(path.join(WORKFLOWS, 'podium-validate.yml'), 'utf8'),
    'podium-evaluate.yml': await readFile(path.join(WORKFLOWS, 'podium-evaluate.yml'), 'utf8'),
  };
}

interface Scene {
  truthLine: string;
  keys: { seal: string; data: string };
  before: RepoSettings;
  now: RepoSettings;
  home: string;
}

/** A competition's hidden folder, plain (as before) and sealed (as now), and both settings. */
async function scene(): Promise<Scene> {
  const root = await temp();
  const hidden = path.join(root, 'hidden');
  await initCompetition({ dir: path.join(root, 'competition'), example: true, hiddenDir: hidden, git: false });
  const truthLine = (await readFile(path.join(hidden, 'truth.csv'), 'utf8')).split('\n')[1]!;
  const keys = { seal: randomBytes(32).toString('hex'), data: randomBytes(32).toString('hex') };
  const sealed = path.join(root, 'runner-disk', 'hidden.sealed');
  await mkdir(path.dirname(sealed), { recursive: true });
  await sealFolder(hidden, sealed, Buffer.from(keys.data, 'hex'));
  const home = path.join(root, 'runner-home');
  await mkdir(home);
  return { truthLine, keys, before: settingsBefore(OWNER, REPO, keys, hidden), now: settingsNow(OWNER, REPO, keys, sealed), home };
}

/** Runs the `run:` steps of a job the model let run, as the runner would, and returns what they printed. */
function runSteps(job: JobOutcome, home: string): string {
  if (!job.runs) return '';
  let out = '';
  for (const step of job.steps) {
    if (!step.run) continue;
    const script = step.run.replace(/\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}/g, (_m, n: string) => job.secrets[n] ?? '');
    out += execFileSync('bash', ['-c', script], { env: { PATH: process.env.PATH, HOME: home, ...step.env }, encoding: 'utf8' });
  }
  return out;
}

const forkEvent = { name: 'pull_request' as const, number: 7, fork: true, author: 'mallory', firstTimeContributor: false };
const approvedByMistake = { forkRun: true, environment: true };

function stole(out: string, s: Scene): string[] {
  const found: string[] = [];
  if (out.includes(s.truthLine)) found.push('hidden labels');
  if (out.includes(s.keys.seal)) found.push('sealing key');
  if (out.includes(s.keys.data)) found.push('data key');
  return found;
}

describe('a fork’s workflow that asks for the GPU runner', () => {
  it('took the labels and the sealing key under the settings the guide gave before', async () => {
    const s = await scene();
    const jobs = schedule(
      s.before,
      OWNER,
      REPO,
      forkEvent,
      { ...(await templateWorkflows()), 'x.yml': ATTACK },
      { forkRun: false, environment: false },
    );
    const steal = jobs.find((j) => j.job === 'steal')!;
    // A contributor who was merged once is not asked for approval by GitHub's default policy.
    expect(steal.runs).toBe(true);
    expect(stole(runSteps(steal, s.home), s)).toEqual(['hidden labels', 'sealing key']);
  });

  it('gets no runner under today’s settings: the runner group admits podium-evaluate.yml on the default branch alone', async () => {
    const s = await scene();
    const all = { ...(await templateWorkflows()), 'x.yml': ATTACK };
    // Control: the same repository with the group open to every workflow runs the job.
    const open = structuredClone(s.now);
    open.runnerGroups.find((g) => g.name === 'podium-gpu')!.restrictedToWorkflows = false;
    expect(schedule(open, OWNER, REPO, forkEvent, all, approvedByMistake).find((j) => j.job === 'steal')!.runs).toBe(true);
    // Even with every approval given by mistake, the restricted group does not take it.
    const steal = schedule(s.now, OWNER, REPO, forkEvent, all, approvedByMistake).find((j) => j.job === 'steal')!;
    expect(steal).toMatchObject({
      runs: false,
      why: expect.stringMatching(
        /^queued: no runner .* may take podium-org\/sound-events\/\.github\/workflows\/x\.yml@refs\/pull\/7\/merge$/,
      ),
    });
  });

  it('finds only ciphertext and no key when the group is left open by mistake, on a runner that takes no other job', async () => {
    const s = await scene();
    const open = structuredClone(s.now);
    open.runnerGroups.find((g) => g.name === 'podium-gpu')!.restrictedToWorkflows = false;
    const steal = schedule(open, OWNER, REPO, forkEvent, { 'x.yml': ATTACK }, approvedByMistake).find((j) => j.job === 'steal')!;
    expect(steal.runs).toBe(true);
    const out = runSteps(steal, s.home);
    expect(out).toContain('PODIUM-HIDDEN-DATA');
    expect(stole(out, s)).toEqual([]);
    // The runner is ephemeral: the machine that ran this job takes no other.
    expect(steal.runs && steal.runner?.ephemeral).toBe(true);
  });

  it('does not get the environment’s secrets by naming the environment: the pull request’s ref may not deploy there', async () => {
    const s = await scene();
    const open = structuredClone(s.now);
    open.runnerGroups.find((g) => g.name === 'podium-gpu')!.restrictedToWorkflows = false;
    const steal = schedule(open, OWNER, REPO, forkEvent, { 'x.yml': ATTACK_WITH_ENVIRONMENT }, approvedByMistake).find(
      (j) => j.job === 'steal',
    )!;
    expect(steal).toMatchObject({ runs: false, why: expect.stringContaining('not allowed to deploy to podium-evaluation') });
    // Control: without the deployment branch policy, a mistaken approval would hand the keys over.
    open.environments[0]!.branchPolicy = null;
    const fromSameRepo = { ...forkEvent, fork: false };
    const leaked = schedule(open, OWNER, REPO, fromSameRepo, { 'x.yml': ATTACK_WITH_ENVIRONMENT }, approvedByMistake).find(
      (j) => j.job === 'steal',
    )!;
    expect(stole(runSteps(leaked, s.home), s)).toEqual(['sealing key', 'data key']);
  });

  it('cannot change what the approved job is by editing podium-evaluate.yml in the pull request', async () => {
    const s = await scene();
    const workflows = await templateWorkflows();
    // The pull request's copy runs on pull_request, and its evaluate job dumps the environment first.
    const edited = workflows['podium-evaluate.yml']!.replace(
      /on:\n {2}workflow_run:[\s\S]*?types: \[completed\]\n/,
      'on: pull_request\n',
    ).replace(/( {6}- name: Fetch the approved commit and evaluate it in the sandbox\n)/, '      - run: env; cat "$PODIUM_HIDDEN_DIR"\n$1');
    expect(edited).toContain('on: pull_request\n');
    expect(edited).toContain('- run: env; cat "$PODIUM_HIDDEN_DIR"\n      - name: Fetch the approved commit');
    const jobs = schedule(s.now, OWNER, REPO, forkEvent, { 'podium-evaluate.yml': edited }, approvedByMistake);
    expect(jobs.find((j) => j.job === 'evaluate')).toMatchObject({
      runs: false,
      why: expect.stringMatching(
        /^queued: no runner .* may take podium-org\/sound-events\/\.github\/workflows\/podium-evaluate\.yml@refs\/pull\/7\/merge$/,
      ),
    });
    // Control: with the group admitting any workflow, the edited job would run there, and its
    // environment request is what stops it next.
    const open = structuredClone(s.now);
    open.runnerGroups.find((g) => g.name === 'podium-gpu')!.restrictedToWorkflows = false;
    expect(
      schedule(open, OWNER, REPO, forkEvent, { 'podium-evaluate.yml': edited }, approvedByMistake).find((j) => j.job === 'evaluate'),
    ).toMatchObject({
      runs: false,
      why: expect.stringContaining('not allowed to deploy to podium-evaluation'),
    });
  });

  it('the template’s own evaluation still runs there, after approval, with both keys and nothing else', async () => {
    const s = await scene();
    const jobs = schedule(s.now, OWNER, REPO, { name: 'workflow_run' }, await templateWorkflows(), { forkRun: false, environment: false });
    expect(jobs.find((j) => j.job === 'evaluate')).toMatchObject({ runs: false, why: 'waiting for a reviewer of podium-evaluation' });
    const approved = schedule(s.now, OWNER, REPO, { name: 'workflow_run' }, await templateWorkflows(), {
      forkRun: false,
      environment: true,
    });
    const evaluate = approved.find((j) => j.job === 'evaluate')!;
    expect(evaluate.runs).toBe(true);
    if (!evaluate.runs) return;
    expect(evaluate.runner?.name).toBe('gpu-jit-7');
    const podium = evaluate.steps.find((st) => st.uses === './.podium/action' && st.env.PODIUM_DATA_KEY !== undefined)!;
    expect(podium.env).toMatchObject({ PODIUM_DATA_KEY: s.keys.data, PODIUM_SEAL_KEY: s.keys.seal });
    // The other steps of the job, and every other job, see neither key.
    for (const j of approved)
      if (j.runs)
        for (const st of j.steps)
          if (st !== podium)
            expect(Object.values(st.env).join(' '), `${j.job} ${st.uses ?? st.run}`).not.toMatch(
              new RegExp(`${s.keys.data}|${s.keys.seal}`),
            );
  });
});

describe('the Actions model follows GitHub’s documented rules', () => {
  it('a fork’s run waits for approval when the policy covers its author, and gets no secrets and a read-only token', async () => {
    const s = await scene();
    const wf =
      'on: pull_request\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "$K"\n        env: { K: "${{ secrets.K }}" }\n';
    s.now.secrets.K = 'repository-secret';
    const first = { ...forkEvent, firstTimeContributor: true };
    expect(schedule(s.now, OWNER, REPO, first, { 'w.yml': wf }, { forkRun: false, environment: false })[0]).toMatchObject({ runs: false });
    const ran = schedule(s.now, OWNER, REPO, first, { 'w.yml': wf }, approvedByMistake)[0]!;
    expect(ran.runs && ran.secrets).toEqual({});
    // Control: a branch of the repository itself gets the repository's secrets.
    const own = schedule(s.now, OWNER, REPO, { ...first, fork: false }, { 'w.yml': wf }, approvedByMistake)[0]!;
    expect(own.runs && own.steps[0]!.env.K).toBe('repository-secret');
    // The old default policy asks only first-time contributors.
    expect(schedule(s.before, OWNER, REPO, forkEvent, { 'w.yml': wf }, { forkRun: false, environment: false })[0]!.runs).toBe(true);
  });
});
