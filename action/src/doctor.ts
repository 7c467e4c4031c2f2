import { sealsScores, type Competition } from '../../runner/src/competition/load.js';
import type { DeploymentFinding, DoctorInput } from '../../runner/src/cli/io.js';
import { DEFAULT_DATA_KEY_ENV } from '../../runner/src/hidden/sealed.js';
import { DEFAULT_KEY_ENV } from '../../runner/src/results/seal.js';
import { PodiumError } from '../../runner/src/contracts/problems.js';
import { github, type GitHub } from './github.js';

/**
 * `podium doctor`: reads, with an administrator's token, the repository settings that decide
 * whether a stranger's pull request can reach the GPU runners or the evaluation's keys, and
 * says of each whether it is unsafe, fine, or could not be checked (the token lacks the
 * permission), with the fix. What it checks is what docs/security.md prescribes.
 */

type Check = (ctx: Context) => Promise<DeploymentFinding>;

interface Context {
  gh: GitHub;
  owner: string;
  repo: string;
  label: string;
  workflow: string;
  defaultBranch: string;
  visibility: string;
  organisation: boolean;
  keys: string[];
}

const ENVIRONMENT = 'podium-evaluation';

/** The HTTP status of a failed API call, if it was one. */
function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'status' in e && typeof e.status === 'number' ? e.status : undefined;
}

class Unchecked extends Error {}

/** Runs one API read; a refusal for want of permission becomes "could not check", naming the permission. */
async function read<T>(what: string, permission: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e: unknown) {
    const status = statusOf(e);
    if (status === 401) throw new Unchecked(`GitHub refused the token (401): it is wrong or expired.`);
    if (status === 403 || status === 404) throw new Unchecked(`the token cannot read ${what} (${status}); it needs ${permission}.`);
    throw e;
  }
}

function finding(check: string, ok: boolean, summary: string, fix?: string): DeploymentFinding {
  return ok ? { check, status: 'fine', summary } : { check, status: 'unsafe', summary, ...(fix ? { fix } : {}) };
}

const forkApproval: Check = async (c) => {
  const check = 'fork pull requests';
  if (c.visibility !== 'public') {
    // In a private competition the participants are the people who can fork it.
    const { data } = await read('the fork pull-request settings of a private repository', 'Administration: read', () =>
      c.gh.request('GET /repos/{owner}/{repo}/actions/permissions/fork-pr-workflows-private-repos', { owner: c.owner, repo: c.repo }),
    );
    const problems: string[] = [];
    if (data.send_write_tokens_to_workflows) problems.push("forks' workflows get a write token (they could push records)");
    if (data.send_secrets_and_variables) problems.push("forks' workflows get the repository's secrets");
    if (data.run_workflows_from_fork_pull_requests && !data.require_approval_for_fork_pr_workflows)
      problems.push("forks' workflows run without approval");
    return finding(
      check,
      problems.length === 0,
      problems.length === 0 ? "forks' workflows get a read-only token, no secrets, and wait for approval." : `${problems.join('; ')}.`,
      'Settings → Actions → General → Fork pull request workflows in private repositories: leave "Send write tokens" and "Send secrets and variables" off, and require approval.',
    );
  }
  const { data } = await read('the fork pull-request approval policy', 'Administration: read', () =>
    c.gh.request('GET /repos/{owner}/{repo}/actions/permissions/fork-pr-contributor-approval', { owner: c.owner, repo: c.repo }),
  );
  return finding(
    check,
    data.approval_policy === 'all_external_contributors',
    data.approval_policy === 'all_external_contributors'
      ? "every outside contributor's workflow run waits for a maintainer's approval."
      : `runs from forks wait for approval only for ${data.approval_policy.replace(/_/g, ' ')}: anyone merged once runs workflows unasked.`,
    'Settings → Actions → General → "Approval for running fork pull request workflows from contributors": Require approval for all external contributors.',
  );
};

const tokenDefaults: Check = async (c) => {
  const { data } = await read('the default workflow permissions', 'Administration: read', () =>
    c.gh.rest.actions.getGithubActionsDefaultWorkflowPermissionsRepository({ owner: c.owner, repo: c.repo }),
  );
  const ok = data.default_workflow_permissions === 'read' && !data.can_approve_pull_request_reviews;
  return finding(
    'workflow token',
    ok,
    ok
      ? 'GITHUB_TOKEN is read-only unless a job asks for more, and cannot approve pull requests.'
      : `GITHUB_TOKEN is ${data.default_workflow_permissions === 'write' ? 'read-write by default' : 'read-only by default'}${data.can_approve_pull_request_reviews ? ' and may approve pull requests' : ''}.`,
    'Settings → Actions → General → Workflow permissions: "Read repository contents and packages permissions", and leave "Allow GitHub Actions to create and approve pull requests" off.',
  );
};

const runners: Check = async (c) => {
  const check = 'GPU runners';
  const allowed = [`@${c.defaultBranch}`, `@refs/heads/${c.defaultBranch}`].map((ref) =>
    `${c.owner}/${c.repo}/.github/workflows/${c.workflow}${ref}`.toLowerCase(),
  );
  const problems: string[] = [];
  let seen = 0;
  const own = await read('the repository runners', 'Administration: read', () =>
    c.gh.paginate(c.gh.rest.actions.listSelfHostedRunnersForRepo, { owner: c.owner, repo: c.repo, per_page: 100 }),
  );
  const carries = (r: { labels: { name: string }[] }) => r.labels.some((l) => l.name.toLowerCase() === c.label.toLowerCase());
  for (const r of own.filter(carries)) {
    seen++;
    problems.push(`${r.name} is registered on the repository, where any workflow of any pull request can ask for it`);
    if (!r.ephemeral) problems.push(`${r.name} is not ephemeral`);
  }
  if (c.organisation) {
    const groups = await read('the organisation runner groups', 'the organisation permission "Self-hosted runners: read"', () =>
      c.gh.paginate('GET /orgs/{org}/actions/runner-groups', { org: c.owner, per_page: 100 }),
    );
    for (const g of groups) {
      const members = await read(`the runners of group ${g.name}`, 'the organisation permission "Self-hosted runners: read"', () =>
        c.gh.paginate('GET /orgs/{org}/actions/runner-groups/{runner_group_id}/runners', {
          org: c.owner,
          runner_group_id: g.id,
          per_page: 100,
        }),
      );
      const gpu = members.filter(carries);
      if (gpu.length === 0) continue;
      seen += gpu.length;
      const selected = (g.selected_workflows ?? []).map((w) => w.toLowerCase());
      if (!g.restricted_to_workflows)
        problems.push(`runner group ${g.name} (${gpu.map((r) => r.name).join(', ')}) admits every workflow, a fork's included`);
      else if (selected.length === 0 || selected.some((w) => !allowed.includes(w)))
        problems.push(`runner group ${g.name} admits ${selected.join(', ') || 'no workflow'}; it should admit ${allowed[1]} alone`);
      for (const r of gpu) if (!r.ephemeral) problems.push(`${r.name} is not ephemeral`);
    }
  }
  if (seen === 0)
    return {
      check,
      status: 'unchecked',
      summary: `no runner${c.organisation ? ' of the repository or its organisation' : ' of the repository'} carries the label ${c.label} yet.`,
      fix: 'Register the GPU runners as docs/runners.md says, then run podium doctor again.',
    };
  return finding(
    check,
    problems.length === 0,
    problems.length === 0
      ? `${seen} runner(s) with ${c.label}, all ephemeral, in groups that admit ${c.workflow} on ${c.defaultBranch} alone.`
      : `${problems.join('; ')}.`,
    `Put the GPU runners in an organisation runner group with Workflow access → Selected workflows: ${allowed[1]} (and only it), and register them ephemeral (--ephemeral, just-in-time, or an Actions Runner Controller scale set). docs/runners.md`,
  );
};

const environment: Check = async (c) => {
  const check = `environment ${ENVIRONMENT}`;
  const envs = await read('the environments', 'Actions: read or Environments: read', () =>
    c.gh.paginate('GET /repos/{owner}/{repo}/environments', { owner: c.owner, repo: c.repo, per_page: 100 }),
  );
  const env = envs.find((e) => e.name === ENVIRONMENT);
  const fix = `Settings → Environments → ${ENVIRONMENT}: Required reviewers (the organisers), "Prevent self-review", and Deployment branches → Selected branches: ${c.defaultBranch} only.`;
  if (!env)
    return finding(check, false, `it does not exist: GitHub would create it on first use, with no reviewers and no branch rule.`, fix);
  const problems: string[] = [];
  const reviewers = env.protection_rules?.find((r) => r.type === 'required_reviewers') as
    { reviewers?: unknown[]; prevent_self_review?: boolean } | undefined;
  if (!reviewers?.reviewers?.length) problems.push('no required reviewers: every evaluation starts without an organiser looking');
  else if (reviewers.prevent_self_review === false) problems.push('reviewers may approve runs they started themselves');
  const policy = env.deployment_branch_policy;
  if (!policy) problems.push('every branch may deploy to it, so a workflow on any branch gets its secrets after one approval');
  else if (policy.protected_branches) problems.push('every protected branch may deploy to it, not the default branch alone');
  else {
    const names = await read('the deployment branch policies', 'Actions: read or Environments: read', () =>
      c.gh.paginate(c.gh.rest.repos.listDeploymentBranchPolicies, {
        owner: c.owner,
        repo: c.repo,
        environment_name: ENVIRONMENT,
        per_page: 100,
      }),
    );
    // A tag policy of the same name does not admit the branch; anything but the branch is too much.
    const others = names
      .filter((p) => p.name !== c.defaultBranch || (p.type ?? 'branch') !== 'branch')
      .map((p) => `${p.type === 'tag' ? 'tag ' : ''}${p.name}`);
    if (others.length > 0 || names.length === 0)
      problems.push(`branches ${others.join(', ') || '(none)'} may deploy to it; only ${c.defaultBranch} should`);
  }
  return finding(
    check,
    problems.length === 0,
    problems.length === 0 ? `required reviewers, no self-review, and only ${c.defaultBranch} may deploy to it.` : `${problems.join('; ')}.`,
    fix,
  );
};

const secrets: Check = async (c) => {
  const check = 'keys';
  const inEnv = await read(`the secrets of ${ENVIRONMENT}`, 'Environments: read or Secrets: read', () =>
    c.gh.paginate(c.gh.rest.actions.listEnvironmentSecrets, { owner: c.owner, repo: c.repo, environment_name: ENVIRONMENT, per_page: 100 }),
  ).catch((e: unknown) => {
    if (e instanceof Unchecked && e.message.includes('(404)')) return [];
    throw e;
  });
  const inRepo = await read('the repository secrets', 'Secrets: read', () =>
    c.gh.paginate(c.gh.rest.actions.listRepoSecrets, { owner: c.owner, repo: c.repo, per_page: 100 }),
  );
  const inOrg = c.organisation
    ? await read('the organisation secrets', 'the organisation permission "Secrets: read"', () =>
        c.gh.paginate(c.gh.rest.actions.listOrgSecrets, { org: c.owner, per_page: 100 }),
      )
    : [];
  const problems: string[] = [];
  for (const key of c.keys) {
    if (!inEnv.some((s) => s.name === key)) problems.push(`${key} is not a secret of ${ENVIRONMENT}`);
    if (inRepo.some((s) => s.name === key))
      problems.push(`${key} is a repository secret, given to every workflow of the repository's own branches`);
    if (inOrg.some((s) => s.name === key)) problems.push(`${key} is an organisation secret, given beyond this competition`);
  }
  return finding(
    check,
    problems.length === 0,
    problems.length === 0 ? `${c.keys.join(' and ')}: secrets of ${ENVIRONMENT} only.` : `${problems.join('; ')}.`,
    `Store ${c.keys.join(' and ')} as secrets of the ${ENVIRONMENT} environment only (Settings → Environments → ${ENVIRONMENT} → Environment secrets), delete them elsewhere, and keep them out of the runners' own environment (.env).`,
  );
};

async function protection(c: Context, branch: string) {
  try {
    return (await c.gh.rest.repos.getBranchProtection({ owner: c.owner, repo: c.repo, branch })).data;
  } catch (e: unknown) {
    const status = statusOf(e);
    // GitHub answers 404 "Branch not protected" (and 404 for a branch that does not exist).
    if (status === 404 && /not protected|not found/i.test(e instanceof Error ? e.message : '')) return undefined;
    if (status === 403) throw new Unchecked(`the token cannot read the protection of ${branch} (403); it needs Administration: read.`);
    throw e;
  }
}

/** The rules of a branch that rulesets add (pull request reviews, no force push, no deletion). */
async function rulesOf(c: Context, branch: string): Promise<{ approvals: number; nonFastForward: boolean; deletion: boolean }> {
  const rules = await read(`the rulesets of ${branch}`, 'Metadata: read', () =>
    c.gh.paginate(c.gh.rest.repos.getBranchRules, { owner: c.owner, repo: c.repo, branch, per_page: 100 }),
  );
  let approvals = 0;
  for (const r of rules)
    if (r.type === 'pull_request')
      approvals = Math.max(
        approvals,
        (r.parameters as { required_approving_review_count?: number } | undefined)?.required_approving_review_count ?? 0,
      );
  return {
    approvals,
    nonFastForward: rules.some((r) => r.type === 'non_fast_forward'),
    deletion: rules.some((r) => r.type === 'deletion'),
  };
}

const defaultBranch: Check = async (c) => {
  const p = await protection(c, c.defaultBranch);
  const rules = await rulesOf(c, c.defaultBranch);
  // Branch protection or a ruleset: either may require the review.
  const approvals = Math.max(p?.required_pull_request_reviews?.required_approving_review_count ?? 0, rules.approvals);
  const noForce = (!!p && p.allow_force_pushes?.enabled !== true) || rules.nonFastForward;
  const ok = approvals >= 1 && noForce;
  return finding(
    'default branch',
    ok,
    ok
      ? `changes to ${c.defaultBranch} (the workflows and competition.yml among them) need ${approvals} approving review(s); no force pushes.`
      : !p && rules.approvals === 0 && !rules.nonFastForward
        ? `${c.defaultBranch} is not protected: anyone with write access changes the workflows that hold the keys, unreviewed.`
        : [approvals < 1 ? 'changes need no approving review' : '', noForce ? '' : 'force pushes are allowed'].filter(Boolean).join('; ') +
          '.',
    `Settings → Branches (or Rules): protect ${c.defaultBranch} with a pull request and at least one approving review, and no force pushes.`,
  );
};

const resultsBranch: Check = async (c) => {
  const p = await protection(c, 'results');
  const rules = await rulesOf(c, 'results');
  const noForce = (!!p && p.allow_force_pushes?.enabled !== true) || rules.nonFastForward;
  const noDelete = (!!p && p.allow_deletions?.enabled !== true) || rules.deletion;
  const ok = noForce && noDelete;
  return finding(
    'branch results',
    ok,
    ok
      ? 'records can be added, never rewritten or deleted.'
      : 'force pushes or deletion are allowed: the history of records could be rewritten.',
    'Settings → Branches (or Rules): protect results against force pushes and deletion (without required reviews, so the publish job can add records).',
  );
};

const pages: Check = async (c) => {
  const check = 'leaderboard site';
  let data: { build_type?: string | null };
  try {
    data = (await c.gh.rest.repos.getPages({ owner: c.owner, repo: c.repo })).data;
  } catch (e: unknown) {
    const status = statusOf(e);
    if (status === 404)
      return finding(
        check,
        false,
        'GitHub Pages is not enabled: the leaderboard is not published.',
        'Settings → Pages → Source: GitHub Actions.',
      );
    if (status === 403) throw new Unchecked('the token cannot read the Pages settings (403); it needs Pages: read.');
    throw e;
  }
  return finding(
    check,
    data.build_type === 'workflow',
    data.build_type === 'workflow'
      ? 'published by the workflow from the records.'
      : 'published from a branch, which anyone who can push to it changes, records or not.',
    'Settings → Pages → Source: GitHub Actions.',
  );
};

const CHECKS: [string, Check][] = [
  ['fork pull requests', forkApproval],
  ['workflow token', tokenDefaults],
  ['GPU runners', runners],
  [`environment ${ENVIRONMENT}`, environment],
  ['keys', secrets],
  ['default branch', defaultBranch],
  ['branch results', resultsBranch],
  ['leaderboard site', pages],
];

/** The keys the evaluation needs, by their variables' names. */
function keysOf(c: Competition | undefined): string[] {
  if (!c) return [DEFAULT_DATA_KEY_ENV, DEFAULT_KEY_ENV];
  const keys: string[] = [];
  if (!c.config.runners?.plain_hidden_data) keys.push(c.config.data.hidden.key_env ?? DEFAULT_DATA_KEY_ENV);
  if (sealsScores(c)) keys.push(c.config.private?.key_env ?? DEFAULT_KEY_ENV);
  return keys;
}

export async function doctor(input: DoctorInput): Promise<DeploymentFinding[]> {
  const gh = github(input.token, { GITHUB_API_URL: input.apiUrl });
  let repoInfo: { default_branch: string; visibility?: string; private: boolean; owner: { type: string } };
  try {
    repoInfo = (await gh.rest.repos.get({ owner: input.owner, repo: input.repo })).data;
  } catch (e: unknown) {
    const status = statusOf(e);
    throw new PodiumError(
      status === 401
        ? 'GitHub refused the token (401): it is wrong or expired.'
        : status === 404
          ? `${input.owner}/${input.repo} does not exist, or the token cannot see it.`
          : `GitHub could not be asked about ${input.owner}/${input.repo}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  const ctx: Context = {
    gh,
    owner: input.owner,
    repo: input.repo,
    label: input.label ?? 'podium-gpu',
    workflow: input.workflow ?? 'podium-evaluate.yml',
    defaultBranch: repoInfo.default_branch,
    visibility: repoInfo.visibility ?? (repoInfo.private ? 'private' : 'public'),
    organisation: repoInfo.owner.type === 'Organization',
    keys: keysOf(input.competition),
  };
  const out: DeploymentFinding[] = [];
  for (const [check, run] of CHECKS) {
    try {
      out.push(await run(ctx));
    } catch (e: unknown) {
      if (!(e instanceof Unchecked)) throw e;
      out.push({ check, status: 'unchecked', summary: `could not check: ${e.message}` });
    }
  }
  return out;
}
