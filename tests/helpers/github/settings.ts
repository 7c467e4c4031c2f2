/**
 * A repository's settings that decide who can reach the GPU runners and the evaluation's
 * secrets, as the emulator holds them: its REST API reports them to `podium doctor`, and the
 * Actions model (actions.ts) applies them to decide which jobs run where with what.
 */
export interface RunnerState {
  id: number;
  name: string;
  labels: string[];
  /** Takes one job, then is removed (registered with --ephemeral, or just in time). */
  ephemeral: boolean;
  /** The organisation runner group it is in; undefined for a runner registered on the repository. */
  group?: number;
  /** The runner service's own environment (its .env file), which every job on it inherits. */
  env: Record<string, string>;
}

export interface RunnerGroupState {
  id: number;
  name: string;
  default: boolean;
  visibility: 'all' | 'selected' | 'private';
  /** With visibility "selected": full names of the repositories that may use it. */
  repositories: string[];
  allowsPublicRepositories: boolean;
  restrictedToWorkflows: boolean;
  /** owner/repo/.github/workflows/file.yml@ref, as the runner group settings take them. */
  selectedWorkflows: string[];
}

export interface EnvironmentState {
  name: string;
  /** Logins of the required reviewers; none means no approval is asked. */
  reviewers: string[];
  preventSelfReview: boolean;
  /** Which refs may deploy: null for any ref (GitHub's default). */
  branchPolicy: null | { protectedBranches: boolean; customBranchPolicies: boolean; patterns: string[]; tagPatterns?: string[] };
  secrets: Record<string, string>;
}

export interface ProtectionState {
  requiredReviews: boolean;
  /** Approving reviews a pull request needs (with requiredReviews); default 1. */
  approvals?: number;
  allowForcePushes: boolean;
  allowDeletions: boolean;
}

/** A repository ruleset's rules for one branch, as GET /rules/branches/{branch} lists them. */
export interface RulesState {
  pullRequestApprovals?: number;
  nonFastForward?: boolean;
  deletion?: boolean;
}

export interface RepoSettings {
  ownerType: 'Organization' | 'User';
  visibility: 'public' | 'private';
  defaultBranch: string;
  /** Approval for running fork pull request workflows from contributors (public repositories). */
  forkApproval: 'first_time_contributors_new_to_github' | 'first_time_contributors' | 'all_external_contributors';
  /** Fork pull-request workflows in a private repository. */
  forkPrivate: {
    run_workflows_from_fork_pull_requests: boolean;
    send_write_tokens_to_workflows: boolean;
    send_secrets_and_variables: boolean;
    require_approval_for_fork_pr_workflows: boolean;
  };
  defaultWorkflowPermissions: 'read' | 'write';
  canApprovePullRequestReviews: boolean;
  runnerGroups: RunnerGroupState[];
  runners: RunnerState[];
  environments: EnvironmentState[];
  /** Repository secrets: given to every workflow of the repository that is not a fork's. */
  secrets: Record<string, string>;
  /** Organisation secrets this repository can use. */
  orgSecrets: Record<string, string>;
  protection: Record<string, ProtectionState>;
  /** Rulesets, by branch: protect a branch as classic protection does. */
  rules: Record<string, RulesState>;
  pages?: { buildType: 'workflow' | 'legacy' };
}

/** GitHub's defaults for fork pull requests in a private repository. */
const FORK_PRIVATE_DEFAULTS: RepoSettings['forkPrivate'] = {
  run_workflows_from_fork_pull_requests: false,
  send_write_tokens_to_workflows: false,
  send_secrets_and_variables: false,
  require_approval_for_fork_pr_workflows: true,
};

export interface Keys {
  seal: string;
  data: string;
}

/**
 * What the project's runner guide said before the deployment was hardened: a runner
 * registered on the repository with the hidden folder's path and the sealing key in its
 * .env, the podium-evaluation environment with reviewers and nothing else, GitHub's default
 * approval policy (first-time contributors only).
 */
export function settingsBefore(owner: string, repo: string, keys: Keys, hiddenDir: string): RepoSettings {
  return {
    ownerType: 'User',
    visibility: 'public',
    defaultBranch: 'main',
    forkApproval: 'first_time_contributors',
    defaultWorkflowPermissions: 'read',
    canApprovePullRequestReviews: false,
    runnerGroups: [],
    runners: [
      {
        id: 1,
        name: 'gpu-01',
        labels: ['self-hosted', 'Linux', 'X64', 'podium-gpu'],
        ephemeral: false,
        env: { PODIUM_HIDDEN_DIR: hiddenDir, PODIUM_SEAL_KEY: keys.seal },
      },
    ],
    environments: [{ name: 'podium-evaluation', reviewers: ['organiser'], preventSelfReview: false, branchPolicy: null, secrets: {} }],
    secrets: {},
    orgSecrets: {},
    forkPrivate: { ...FORK_PRIVATE_DEFAULTS },
    protection: { main: { requiredReviews: true, allowForcePushes: false, allowDeletions: false } },
    rules: {},
    pages: { buildType: 'workflow' },
  };
}

/** What docs/runners.md and docs/security.md now prescribe, and `podium doctor` checks. */
export function settingsNow(owner: string, repo: string, keys: Keys, sealedHidden: string): RepoSettings {
  return {
    ownerType: 'Organization',
    visibility: 'public',
    defaultBranch: 'main',
    forkApproval: 'all_external_contributors',
    defaultWorkflowPermissions: 'read',
    canApprovePullRequestReviews: false,
    runnerGroups: [
      {
        id: 1,
        name: 'Default',
        default: true,
        visibility: 'all',
        repositories: [],
        allowsPublicRepositories: false,
        restrictedToWorkflows: false,
        selectedWorkflows: [],
      },
      {
        id: 2,
        name: 'podium-gpu',
        default: false,
        visibility: 'selected',
        repositories: [`${owner}/${repo}`],
        allowsPublicRepositories: true,
        restrictedToWorkflows: true,
        selectedWorkflows: [`${owner}/${repo}/.github/workflows/podium-evaluate.yml@refs/heads/main`],
      },
    ],
    runners: [
      {
        id: 1,
        name: 'gpu-jit-7',
        labels: ['self-hosted', 'Linux', 'X64', 'podium-gpu'],
        ephemeral: true,
        group: 2,
        env: { PODIUM_HIDDEN_DIR: sealedHidden },
      },
    ],
    environments: [
      {
        name: 'podium-evaluation',
        reviewers: ['organiser'],
        preventSelfReview: true,
        branchPolicy: { protectedBranches: false, customBranchPolicies: true, patterns: ['main'] },
        secrets: { PODIUM_SEAL_KEY: keys.seal, PODIUM_DATA_KEY: keys.data },
      },
    ],
    secrets: {},
    orgSecrets: {},
    forkPrivate: { ...FORK_PRIVATE_DEFAULTS },
    protection: {
      main: { requiredReviews: true, allowForcePushes: false, allowDeletions: false },
      results: { requiredReviews: false, allowForcePushes: false, allowDeletions: false },
    },
    rules: {},
    pages: { buildType: 'workflow' },
  };
}
