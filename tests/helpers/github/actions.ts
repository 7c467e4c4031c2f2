import { parse } from 'yaml';
import type { EnvironmentState, RepoSettings, RunnerState } from './settings.js';

/**
 * How GitHub Actions decides, for one event, which jobs of which workflow files run, on which
 * runner, with which secrets — the rules a fork's pull request meets, written from GitHub's
 * documentation of them, so that a test can put an attacker's workflow through them:
 *
 * - for `pull_request`, the workflow files are the pull request's own (its merge commit) and
 *   the ref is `refs/pull/N/merge`; for `workflow_run`, the default branch's, at its ref
 *   ("Events that trigger workflows");
 * - a run from a fork waits for a maintainer's approval when the repository's approval policy
 *   covers the author ("Approving workflow runs from public forks");
 * - a fork's run gets no secrets but a read-only GITHUB_TOKEN ("Using secrets in GitHub
 *   Actions"; permissions.ts);
 * - a self-hosted runner takes a job only if it carries every label of `runs-on`, and, in an
 *   organisation runner group, only if the group admits the repository and, when restricted
 *   to workflows, this workflow file at this ref ("Managing access to self-hosted runners
 *   using groups"); a runner registered on the repository takes any job of it;
 * - a job naming an environment waits for its required reviewers, and fails when the ref may
 *   not deploy there (deployment branch policy); only then does it get the environment's
 *   secrets ("Managing environments for deployment");
 * - a step sees the runner service's own environment, then the job's and step's `env:`, with
 *   `${{ secrets.X }}` empty for a secret the job does not get.
 */
export type Event =
  | { name: 'pull_request'; number: number; fork: boolean; author: string; firstTimeContributor: boolean; newToGitHub?: boolean }
  | { name: 'workflow_run' };

export interface Approvals {
  /** A maintainer approved the fork's run (when the policy asked). */
  forkRun: boolean;
  /** A required reviewer approved the deployment to the environment. */
  environment: boolean;
}

export type JobOutcome =
  | { workflow: string; job: string; runs: false; why: string }
  | {
      workflow: string;
      job: string;
      runs: true;
      /** The self-hosted runner, or undefined for a GitHub-hosted one. */
      runner?: RunnerState;
      secrets: Record<string, string>;
      /** Each step (a `run:` script or a `uses:` action) with the environment it sees. */
      steps: { run?: string; uses?: string; env: Record<string, string> }[];
    };

interface WorkflowFile {
  on?: unknown;
  env?: Record<string, unknown>;
  jobs?: Record<
    string,
    {
      'runs-on'?: unknown;
      environment?: unknown;
      env?: Record<string, unknown>;
      steps?: { run?: string; uses?: string; env?: Record<string, unknown> }[];
    }
  >;
}

function triggers(on: unknown, event: string): boolean {
  if (typeof on === 'string') return on === event;
  if (Array.isArray(on)) return on.includes(event);
  return on !== null && typeof on === 'object' && event in on;
}

const HOSTED = /^(ubuntu|windows|macos)-/;

/** The labels a job asks for, and whether they name a GitHub-hosted runner. */
function labelsOf(runsOn: unknown): { hosted: boolean; labels: string[] } {
  const labels =
    typeof runsOn === 'string'
      ? [runsOn]
      : Array.isArray(runsOn)
        ? runsOn.map(String)
        : runsOn && typeof runsOn === 'object'
          ? [((runsOn as { labels?: unknown }).labels ?? []) as string[]].flat().map(String)
          : [];
  return { hosted: labels.length === 1 && HOSTED.test(labels[0]!), labels };
}

/** owner/repo/.github/workflows/f.yml@main and @refs/heads/main name the same thing. */
function sameWorkflowRef(a: string, b: string): boolean {
  const norm = (s: string) =>
    s.replace(/@(?!refs\/)([^@]+)$/, (_m, r: string) => (/^[0-9a-f]{40}$/.test(r) ? `@${r}` : `@refs/heads/${r}`));
  return norm(a) === norm(b);
}

function mayUse(s: RepoSettings, owner: string, repo: string, runner: RunnerState, workflowRef: string): boolean {
  if (runner.group === undefined) return true;
  const g = s.runnerGroups.find((x) => x.id === runner.group);
  if (!g) return false;
  if (g.visibility === 'selected' && !g.repositories.includes(`${owner}/${repo}`)) return false;
  if (g.visibility === 'private' && s.visibility !== 'private') return false;
  if (s.visibility === 'public' && !g.allowsPublicRepositories) return false;
  if (g.restrictedToWorkflows && !g.selectedWorkflows.some((w) => sameWorkflowRef(w, workflowRef))) return false;
  return true;
}

function glob(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*/g, '<<any>>')
      .replace(/\*/g, '[^/]*')
      .replace(/<<any>>/g, '.*')}$`,
  );
  return re.test(name);
}

/** Whether `ref` may deploy to the environment, by its deployment branch policy. */
function mayDeploy(s: RepoSettings, e: EnvironmentState, ref: string): boolean {
  if (!e.branchPolicy) return true;
  const branch = /^refs\/heads\/(.+)$/.exec(ref)?.[1];
  if (branch === undefined) return false;
  if (e.branchPolicy.protectedBranches) return s.protection[branch] !== undefined;
  return e.branchPolicy.patterns.some((p) => glob(p, branch));
}

function expand(value: unknown, secrets: Record<string, string>): string {
  return String(value).replace(/\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}/g, (_m, n: string) => secrets[n] ?? '');
}

/** What GitHub does with one event for these workflow files (name → YAML). */
export function schedule(
  s: RepoSettings,
  owner: string,
  repo: string,
  event: Event,
  workflows: Record<string, string>,
  approvals: Approvals,
): JobOutcome[] {
  const ref = event.name === 'pull_request' ? `refs/pull/${event.number}/merge` : `refs/heads/${s.defaultBranch}`;
  const fork = event.name === 'pull_request' && event.fork;
  const out: JobOutcome[] = [];
  for (const [file, text] of Object.entries(workflows)) {
    const wf = parse(text) as WorkflowFile;
    if (!triggers(wf.on, event.name)) continue;
    const workflowRef = `${owner}/${repo}/.github/workflows/${file}@${ref}`;
    let waiting: string | undefined;
    if (fork && event.name === 'pull_request' && s.visibility === 'public') {
      const asks =
        s.forkApproval === 'all_external_contributors' ||
        (s.forkApproval === 'first_time_contributors' && event.firstTimeContributor) ||
        (s.forkApproval === 'first_time_contributors_new_to_github' && event.firstTimeContributor && event.newToGitHub === true);
      if (asks && !approvals.forkRun) waiting = "the run waits for a maintainer's approval";
    }
    for (const [job, j] of Object.entries(wf.jobs ?? {})) {
      if (waiting) {
        out.push({ workflow: file, job, runs: false, why: waiting });
        continue;
      }
      const { hosted, labels } = labelsOf(j['runs-on']);
      let runner: RunnerState | undefined;
      if (!hosted) {
        runner = s.runners.find(
          (r) => labels.every((l) => r.labels.some((x) => x.toLowerCase() === l.toLowerCase())) && mayUse(s, owner, repo, r, workflowRef),
        );
        if (!runner) {
          out.push({ workflow: file, job, runs: false, why: `queued: no runner with [${labels.join(', ')}] may take ${workflowRef}` });
          continue;
        }
      }
      let secrets: Record<string, string> = fork ? {} : { ...s.orgSecrets, ...s.secrets };
      const envName = typeof j.environment === 'string' ? j.environment : (j.environment as { name?: string } | undefined)?.name;
      if (envName !== undefined) {
        const e = s.environments.find((x) => x.name === envName);
        if (e) {
          if (!mayDeploy(s, e, ref)) {
            out.push({ workflow: file, job, runs: false, why: `${ref} is not allowed to deploy to ${envName} (deployment branch policy)` });
            continue;
          }
          if (e.reviewers.length > 0 && !approvals.environment) {
            out.push({ workflow: file, job, runs: false, why: `waiting for a reviewer of ${envName}` });
            continue;
          }
          if (!fork) secrets = { ...secrets, ...e.secrets };
        }
      }
      const jobEnv = { ...(wf.env ?? {}), ...(j.env ?? {}) };
      const steps = (j.steps ?? []).map((st) => ({
        ...(st.run !== undefined ? { run: st.run } : {}),
        ...(st.uses !== undefined ? { uses: st.uses } : {}),
        env: {
          ...(runner?.env ?? {}),
          ...Object.fromEntries(Object.entries({ ...jobEnv, ...(st.env ?? {}) }).map(([k, v]) => [k, expand(v, secrets)])),
        },
      }));
      out.push({ workflow: file, job, runs: true, ...(runner ? { runner } : {}), secrets, steps });
    }
  }
  return out;
}
