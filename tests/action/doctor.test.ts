import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { doctor } from '../../action/src/doctor.js';
import type { DeploymentFinding } from '../../runner/src/cli/io.js';
import { main } from '../../runner/src/cli/main.js';
import { startEmulator, type Emulator } from '../helpers/github/emulator.js';
import { settingsBefore, settingsNow, type RepoSettings } from '../helpers/github/settings.js';
import { captureIO } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

/**
 * podium doctor against the GitHub API emulator, whose answers are checked against GitHub's
 * OpenAPI description: the settings the guide gave before are unsafe, today's prescribed
 * settings are fine, and each single departure from them is caught.
 */
const temp = useTempDirs();
const OWNER = 'podium-org';
const REPO = 'sound-events';
const keys = { seal: 'a'.repeat(64), data: 'b'.repeat(64) };
const ADMIN = {
  administration: 'read',
  actions: 'read',
  environments: 'read',
  secrets: 'read',
  pages: 'read',
  organization_self_hosted_runners: 'read',
  organization_secrets: 'read',
} as const;

let emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
});

async function emulator(settings: RepoSettings): Promise<Emulator> {
  const dir = path.join(await temp(), 'origin.git');
  execFileSync('git', ['init', '-q', '--bare', dir]);
  const api = await startEmulator(OWNER, REPO, dir, { settings });
  emulators.push(api);
  return api;
}

async function run(api: Emulator, token: string, ...args: string[]) {
  const io = captureIO(await temp(), { GITHUB_TOKEN: token, GITHUB_API_URL: api.url });
  const code = await main(['doctor', '--repo', `${OWNER}/${REPO}`, ...args], io, { doctor });
  return { code, out: io.out(), err: io.err() };
}

const statusOf = (findings: DeploymentFinding[]) => Object.fromEntries(findings.map((f) => [f.check, f.status]));

describe('podium doctor', () => {
  it('finds the settings the guide gave before unsafe, and says how to fix each', async () => {
    const api = await emulator(settingsBefore(OWNER, REPO, keys, '/srv/hidden'));
    const { code, out } = await run(api, api.adminToken(ADMIN));
    expect(code).toBe(1);
    expect(out).toMatch(/UNSAFE +fork pull requests +runs from forks wait for approval only for first time contributors/);
    expect(out).toContain(
      'gpu-01 is registered on the repository, where any workflow of any pull request can ask for it; gpu-01 is not ephemeral',
    );
    expect(out).toContain('every branch may deploy to it');
    expect(out).toContain('PODIUM_DATA_KEY is not a secret of podium-evaluation; PODIUM_SEAL_KEY is not a secret of podium-evaluation');
    expect(out).toMatch(/UNSAFE +branch results/);
    expect(out).toContain('fix: Settings → Actions → General → "Approval for running fork pull request workflows from contributors"');
    expect(out).toMatch(/^5 unsafe, 3 fine, 0 not checked\.$/m);
    expect(api.violations).toEqual([]);
  });

  it('finds today’s prescribed settings fine, with --json', async () => {
    const api = await emulator(settingsNow(OWNER, REPO, keys, '/srv/hidden.sealed'));
    const { code, out } = await run(api, api.adminToken(ADMIN), '--json');
    expect(code, out).toBe(0);
    const report = JSON.parse(out) as { unsafe: number; findings: DeploymentFinding[] };
    expect(report.unsafe).toBe(0);
    expect(report.findings.every((f) => f.status === 'fine')).toBe(true);
    expect(report.findings.map((f) => f.check)).toEqual([
      'fork pull requests',
      'workflow token',
      'GPU runners',
      'environment podium-evaluation',
      'keys',
      'default branch',
      'branch results',
      'leaderboard site',
    ]);
    expect(api.violations).toEqual([]);
  });

  const departures: [string, string | string[], (s: RepoSettings) => void][] = [
    ['approval for first-time contributors only', 'fork pull requests', (s) => (s.forkApproval = 'first_time_contributors')],
    ['a read-write default token', 'workflow token', (s) => (s.defaultWorkflowPermissions = 'write')],
    ['Actions may approve pull requests', 'workflow token', (s) => (s.canApprovePullRequestReviews = true)],
    ['a runner group open to every workflow', 'GPU runners', (s) => (s.runnerGroups[1]!.restrictedToWorkflows = false)],
    [
      'a runner group admitting the workflow on any branch',
      'GPU runners',
      (s) => (s.runnerGroups[1]!.selectedWorkflows = [`${OWNER}/${REPO}/.github/workflows/podium-evaluate.yml@refs/heads/*`]),
    ],
    [
      'a runner group admitting another workflow too',
      'GPU runners',
      (s) => s.runnerGroups[1]!.selectedWorkflows.push(`${OWNER}/${REPO}/.github/workflows/ci.yml@refs/heads/main`),
    ],
    ['a runner that is not ephemeral', 'GPU runners', (s) => (s.runners[0]!.ephemeral = false)],
    ['a GPU runner registered on the repository', 'GPU runners', (s) => delete s.runners[0]!.group],
    ['no environment (so no keys in it either)', ['environment podium-evaluation', 'keys'], (s) => (s.environments = [])],
    ['no reviewers', 'environment podium-evaluation', (s) => (s.environments[0]!.reviewers = [])],
    ['self-review allowed', 'environment podium-evaluation', (s) => (s.environments[0]!.preventSelfReview = false)],
    ['every branch may deploy', 'environment podium-evaluation', (s) => (s.environments[0]!.branchPolicy = null)],
    ['a second branch may deploy', 'environment podium-evaluation', (s) => s.environments[0]!.branchPolicy!.patterns.push('dev')],
    ['the seal key as a repository secret', 'keys', (s) => (s.secrets.PODIUM_SEAL_KEY = 'x')],
    ['the data key as an organisation secret', 'keys', (s) => (s.orgSecrets.PODIUM_DATA_KEY = 'x')],
    ['a key missing from the environment', 'keys', (s) => delete s.environments[0]!.secrets.PODIUM_DATA_KEY],
    ['an unprotected default branch', 'default branch', (s) => delete s.protection.main],
    ['force pushes to the results branch', 'branch results', (s) => (s.protection.results!.allowForcePushes = true)],
    ['Pages from a branch', 'leaderboard site', (s) => (s.pages = { buildType: 'legacy' })],
    [
      'a tag rule named like the default branch',
      'environment podium-evaluation',
      (s) => {
        s.environments[0]!.branchPolicy!.patterns = [];
        s.environments[0]!.branchPolicy!.tagPatterns = ['main'];
      },
    ],
    ['a pull request needing no approving review', 'default branch', (s) => (s.protection.main!.approvals = 0)],
    [
      'a private repository sending write tokens to forks',
      'fork pull requests',
      (s) => {
        s.visibility = 'private';
        s.forkPrivate.send_write_tokens_to_workflows = true;
      },
    ],
    [
      'a private repository running forks unasked',
      'fork pull requests',
      (s) => {
        s.visibility = 'private';
        s.forkPrivate.run_workflows_from_fork_pull_requests = true;
        s.forkPrivate.require_approval_for_fork_pr_workflows = false;
      },
    ],
  ];

  it.each([
    ['a private repository with GitHub’s defaults for forks', (s: RepoSettings) => (s.visibility = 'private')],
    [
      'branches protected by rulesets instead of branch protection',
      (s: RepoSettings) => {
        s.protection = {};
        s.rules = {
          main: { pullRequestApprovals: 1, nonFastForward: true, deletion: true },
          results: { nonFastForward: true, deletion: true },
        };
      },
    ],
  ])('finds %s fine', async (_name, change) => {
    const settings = settingsNow(OWNER, REPO, keys, '/srv/hidden.sealed');
    change(settings);
    const api = await emulator(settings);
    const findings = await doctor({ owner: OWNER, repo: REPO, token: api.adminToken(ADMIN), apiUrl: api.url });
    expect(findings.filter((f) => f.status !== 'fine')).toEqual([]);
    expect(api.violations).toEqual([]);
  });

  it.each(departures)('catches %s, and nothing else', async (_name, check, change) => {
    const settings = settingsNow(OWNER, REPO, keys, '/srv/hidden.sealed');
    change(settings);
    const api = await emulator(settings);
    const findings = await doctor({ owner: OWNER, repo: REPO, token: api.adminToken(ADMIN), apiUrl: api.url });
    const unsafe = findings.filter((f) => f.status !== 'fine');
    expect(unsafe.map((f) => [f.check, f.status])).toEqual([check].flat().map((c) => [c, 'unsafe']));
    expect(api.violations).toEqual([]);
  });

  it('says what it could not check when the token lacks a permission, and does not call that fine', async () => {
    const api = await emulator(settingsNow(OWNER, REPO, keys, '/srv/hidden.sealed'));
    const { administration: _a, secrets: _s, ...partial } = ADMIN;
    const findings = await doctor({ owner: OWNER, repo: REPO, token: api.adminToken(partial), apiUrl: api.url });
    expect(statusOf(findings)).toMatchObject({
      'fork pull requests': 'unchecked',
      'workflow token': 'unchecked',
      'GPU runners': 'unchecked',
      'environment podium-evaluation': 'fine',
      keys: 'unchecked',
      'default branch': 'unchecked',
      'leaderboard site': 'fine',
    });
    expect(findings.find((f) => f.check === 'keys')!.summary).toBe(
      'could not check: the token cannot read the repository secrets (403); it needs Secrets: read.',
    );
    // A job's GITHUB_TOKEN cannot read these settings at all.
    const job = await doctor({
      owner: OWNER,
      repo: REPO,
      token: api.jobToken({ contents: 'read', 'pull-requests': 'read' }),
      apiUrl: api.url,
    });
    expect(job.filter((f) => f.status === 'fine').map((f) => f.check)).toEqual([]);
  });

  it('runs from the build, with the GitHub client wired in by bin/podium.js', async () => {
    const api = await emulator(settingsNow(OWNER, REPO, keys, '/srv/hidden.sealed'));
    const bin = path.join(import.meta.dirname, '../../bin/podium.js');
    const out = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(
        process.execPath,
        [bin, 'doctor', '--repo', `${OWNER}/${REPO}`],
        { env: { PATH: process.env.PATH, GITHUB_TOKEN: api.adminToken(ADMIN), GITHUB_API_URL: api.url } },
        (e, stdout) => resolve({ code: e ? Number(e.code) : 0, stdout }),
      ),
    );
    expect(out.code, out.stdout).toBe(0);
    expect(out.stdout).toMatch(/^0 unsafe, 8 fine, 0 not checked\.$/m);
  });

  it('refuses without a token or a repository, and with a wrong token says so', async () => {
    const api = await emulator(settingsNow(OWNER, REPO, keys, '/srv/hidden.sealed'));
    const none = captureIO(await temp(), { GITHUB_API_URL: api.url });
    expect(await main(['doctor', '--repo', `${OWNER}/${REPO}`], none, { doctor })).toBe(1);
    expect(none.err()).toContain('set GITHUB_TOKEN to an administrator token');
    const norepo = captureIO(await temp(), { GITHUB_TOKEN: 'x' });
    expect(await main(['doctor'], norepo, { doctor })).toBe(2);
    expect(norepo.err()).toContain('--repo OWNER/NAME is required');
    const wrong = await run(api, 'github_pat_wrong');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('GitHub refused the token (401)');
  });
});
