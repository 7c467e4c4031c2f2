import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { example, requestProblems, responseProblems, type Json } from './openapi.js';
import { allows, type Permissions } from './permissions.js';
import type { RepoSettings } from './settings.js';

/**
 * A local stand-in for the parts of GitHub's REST API that Podium uses, which enforces what
 * GitHub enforces, so that a test cannot pass on behaviour GitHub would refuse:
 *
 * - every request carries a token the emulator issued; a job's token has the permissions its
 *   workflow job declares (permissions.ts), a fork's is read-only, and a call beyond them is
 *   answered 403 "Resource not accessible by integration", as GitHub answers;
 * - requests are validated against the operation in GitHub's OpenAPI description (parameters
 *   and body), and so are responses, which start from GitHub's own examples; a mismatch is
 *   kept in `violations` and answered 500 (a bad request 422);
 * - list endpoints paginate (`per_page` at most 100, `Link` headers); a pull request's file
 *   list stops at 3,000 files; a recursive tree beyond `treeEntryLimit` entries is
 *   `truncated`; comment bodies over 65,536 characters are refused;
 * - `faults` makes chosen requests fail the way GitHub fails: secondary rate limits (403 or
 *   429 with `retry-after`), the primary rate limit, server errors.
 */
export { responseProblems } from './openapi.js';

export interface PullState {
  number: number;
  state: 'open' | 'closed';
  headSha: string;
  headRef: string;
  /** The fork the head was pushed to (owner/name); default the author's fork of the repository. */
  headRepo?: string;
  baseSha: string;
  author: string;
  files: { filename: string; status: 'added' | 'modified' | 'removed' | 'renamed'; previous_filename?: string }[];
}

export interface CommentState {
  id: number;
  issue: number;
  login: string;
  body: string;
  updates: number;
}

/** One job of a workflow run, as the Actions API lists it. */
export interface JobState {
  name: string;
  status: 'waiting' | 'queued' | 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'cancelled' | 'skipped';
  startedAt?: string;
  completedAt?: string;
}

/** One run of a workflow of the repository, with its jobs. */
export interface RunState {
  id: number;
  workflowId: number;
  /** The workflow file, `.github/workflows/<name>.yml`: its name may stand for the id. */
  path: string;
  status: 'waiting' | 'queued' | 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'cancelled';
  createdAt: string;
  jobs: JobState[];
}

export interface StatusState {
  sha: string;
  state: string;
  context: string;
  description: string;
}

export interface Fault {
  method?: string;
  /** Matched against "METHOD /path?query". */
  match: RegExp;
  kind: 'secondary-403' | 'secondary-429' | 'primary' | 'server';
  /** Seconds, for the secondary limits' retry-after header. */
  retryAfter?: number;
  /** How many matching requests fail; then they succeed. */
  times: number;
}

export interface Emulator {
  url: string;
  owner: string;
  repo: string;
  pulls: PullState[];
  comments: CommentState[];
  statuses: StatusState[];
  /** Workflow runs of the repository, for the Actions endpoints. */
  runs: RunState[];
  settings: RepoSettings;
  faults: Fault[];
  /** Every request, as "METHOD path". */
  requests: string[];
  /** Every answer, as "METHOD path status". */
  answers: string[];
  violations: string[];
  /** A GITHUB_TOKEN for one job, with these permissions (jobPermissions gives them from a workflow). */
  jobToken(perms: Permissions): string;
  /** A fine-grained personal access token of an administrator, with these repository and organisation permissions. */
  adminToken(perms: Record<string, 'read' | 'write'>): string;
  close(): Promise<void>;
}

export interface EmulatorOptions {
  settings: RepoSettings;
  /** Recursive trees with more entries come back truncated (GitHub: 100,000 entries or 7 MB). */
  treeEntryLimit?: number;
}

/** GitHub lists at most this many files of a pull request. */
export const PULL_FILES_LIMIT = 3000;

type Need = { scopes: string[]; level: 'read' | 'write' };
const need = (level: 'read' | 'write', ...scopes: string[]): Need => ({ scopes, level });

const ROUTES: { method: string; route: string; needs: Need; re: RegExp }[] = (
  [
    ['get', '/repos/{owner}/{repo}', need('read', 'metadata')],
    ['get', '/repos/{owner}/{repo}/pulls/{pull_number}/files', need('read', 'pull-requests')],
    ['get', '/repos/{owner}/{repo}/pulls/{pull_number}', need('read', 'pull-requests')],
    ['get', '/repos/{owner}/{repo}/pulls', need('read', 'pull-requests')],
    ['get', '/repos/{owner}/{repo}/git/trees/{tree_sha}', need('read', 'contents')],
    ['get', '/repos/{owner}/{repo}/git/blobs/{file_sha}', need('read', 'contents')],
    ['get', '/repos/{owner}/{repo}/issues/{issue_number}/comments', need('read', 'issues', 'pull-requests')],
    ['post', '/repos/{owner}/{repo}/issues/{issue_number}/comments', need('write', 'issues', 'pull-requests')],
    ['patch', '/repos/{owner}/{repo}/issues/comments/{comment_id}', need('write', 'issues', 'pull-requests')],
    ['post', '/repos/{owner}/{repo}/statuses/{sha}', need('write', 'statuses')],
    // The evaluation queue: runs of the evaluate workflow and their jobs.
    ['get', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', need('read', 'actions')],
    ['get', '/repos/{owner}/{repo}/actions/runs/{run_id}', need('read', 'actions')],
    ['get', '/repos/{owner}/{repo}/actions/runs/{run_id}/jobs', need('read', 'actions')],
    // Read by podium doctor with an administrator's token.
    ['get', '/repos/{owner}/{repo}/actions/permissions/fork-pr-contributor-approval', need('read', 'administration')],
    ['get', '/repos/{owner}/{repo}/actions/permissions/fork-pr-workflows-private-repos', need('read', 'administration')],
    ['get', '/repos/{owner}/{repo}/actions/permissions/workflow', need('read', 'administration')],
    ['get', '/repos/{owner}/{repo}/rules/branches/{branch}', need('read', 'metadata')],
    ['get', '/repos/{owner}/{repo}/actions/runners', need('read', 'administration')],
    ['get', '/orgs/{org}/actions/runner-groups', need('read', 'organization_self_hosted_runners')],
    ['get', '/orgs/{org}/actions/runner-groups/{runner_group_id}/runners', need('read', 'organization_self_hosted_runners')],
    ['get', '/repos/{owner}/{repo}/environments', need('read', 'actions', 'environments')],
    ['get', '/repos/{owner}/{repo}/environments/{environment_name}/secrets', need('read', 'environments', 'secrets')],
    ['get', '/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies', need('read', 'actions', 'environments')],
    ['get', '/repos/{owner}/{repo}/actions/secrets', need('read', 'secrets')],
    ['get', '/orgs/{org}/actions/secrets', need('read', 'organization_secrets')],
    ['get', '/repos/{owner}/{repo}/branches/{branch}/protection', need('read', 'administration')],
    ['get', '/repos/{owner}/{repo}/pages', need('read', 'pages')],
  ] as const
).map(([method, route, needs]) => ({
  method,
  route,
  needs,
  re: new RegExp(`^${route.replace(/\{[a-z_]+\}/g, '([^/]+)')}$`),
}));

const FORBIDDEN = {
  message: 'Resource not accessible by integration',
  documentation_url: 'https://docs.github.com/rest',
  status: '403',
};

/** One page of a list, and the Link header that points at the others. */
function paginate<T>(items: T[], query: URLSearchParams, self: URL): { page: T[]; link?: string } {
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const at = (n: number) => {
    const u = new URL(self);
    u.searchParams.set('per_page', String(perPage));
    u.searchParams.set('page', String(n));
    return u.toString();
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`<${at(page - 1)}>; rel="prev"`, `<${at(1)}>; rel="first"`);
  if (page < last) rels.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
  return { page: items.slice((page - 1) * perPage, page * perPage), ...(rels.length > 0 ? { link: rels.join(', ') } : {}) };
}

/**
 * Starts the emulator for one repository `owner/repo` whose Git objects are in `gitDir`.
 * The bot that comments is `github-actions[bot]`.
 */
export async function startEmulator(owner: string, repo: string, gitDir: string, options: EmulatorOptions): Promise<Emulator> {
  const tokens = new Map<string, { perms: Record<string, string>; kind: 'job' | 'admin' }>();
  const state = {
    pulls: [] as PullState[],
    comments: [] as CommentState[],
    statuses: [] as StatusState[],
    runs: [] as RunState[],
    requests: [] as string[],
    answers: [] as string[],
    violations: [] as string[],
    faults: [] as Fault[],
    settings: options.settings,
  };
  let nextComment = 1000;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: gitDir, maxBuffer: 64 << 20 });
  const base = (url: string) => `${url}/repos/${owner}/${repo}`;

  const pullOf = (p: PullState, url: string, simple: boolean): Json => {
    const o = example(simple ? 'pull-request-simple-items' : 'pull-request');
    const head = o.head as Json;
    const baseRef = o.base as Json;
    Object.assign(o, {
      number: p.number,
      state: p.state,
      url: `${base(url)}/pulls/${p.number}`,
      user: { ...(o.user as Json), login: p.author },
    });
    if (!simple) Object.assign(o, { changed_files: p.files.length, commits: 1 });
    // GitHub's own example lists a requested team without the "type" its schema requires;
    // no team review is requested here.
    o.requested_teams = [];
    const fork = p.headRepo ?? `${p.author}/${repo}`;
    Object.assign(head, {
      sha: p.headSha,
      ref: p.headRef,
      label: `${fork.split('/')[0]}:${p.headRef}`,
      repo: {
        ...(head.repo as Json),
        full_name: fork,
        name: fork.split('/')[1],
        owner: { ...((head.repo as Json).owner as Json), login: fork.split('/')[0] },
      },
    });
    Object.assign(baseRef, { sha: p.baseSha, ref: state.settings.defaultBranch });
    return o;
  };
  const commentOf = (c: CommentState, url: string): Json => {
    const o = example('issue-comment');
    Object.assign(o, {
      id: c.id,
      body: c.body,
      url: `${base(url)}/issues/comments/${c.id}`,
      issue_url: `${base(url)}/issues/${c.issue}`,
      user: { ...(o.user as Json), login: c.login, type: 'Bot' },
    });
    return o;
  };
  const runOf = (r: RunState, url: string): Json => {
    const o = example('workflow-run');
    const last =
      r.jobs
        .map((j) => j.completedAt ?? j.startedAt ?? r.createdAt)
        .sort()
        .pop() ?? r.createdAt;
    Object.assign(o, {
      id: r.id,
      workflow_id: r.workflowId,
      path: r.path,
      status: r.status,
      conclusion: r.status === 'completed' ? (r.conclusion ?? 'success') : null,
      created_at: r.createdAt,
      updated_at: last,
      run_started_at: r.createdAt,
      pull_requests: [],
      url: `${base(url)}/actions/runs/${r.id}`,
      jobs_url: `${base(url)}/actions/runs/${r.id}/jobs`,
      workflow_url: `${base(url)}/actions/workflows/${r.workflowId}`,
    });
    return o;
  };
  const jobOf = (r: RunState, j: JobState, i: number, url: string): Json => {
    const o = example('job');
    Object.assign(o, {
      id: r.id * 100 + i,
      run_id: r.id,
      run_url: `${base(url)}/actions/runs/${r.id}`,
      url: `${base(url)}/actions/jobs/${r.id * 100 + i}`,
      name: j.name,
      status: j.status,
      conclusion: j.status === 'completed' ? (j.conclusion ?? 'success') : null,
      created_at: r.createdAt,
      started_at: j.startedAt ?? r.createdAt,
      completed_at: j.status === 'completed' ? (j.completedAt ?? j.startedAt ?? r.createdAt) : null,
      steps: [],
    });
    return o;
  };
  const runnerOf = (r: RepoSettings['runners'][number]): Json => ({
    id: r.id,
    name: r.name,
    os: 'linux',
    status: 'online',
    busy: false,
    ephemeral: r.ephemeral,
    labels: r.labels.map((name, i) => ({ id: i + 1, name, type: ['self-hosted', 'Linux', 'X64'].includes(name) ? 'read-only' : 'custom' })),
  });
  const secretsOf = (names: string[]) =>
    names.map((name) => ({ name, created_at: '2026-11-01T00:00:00Z', updated_at: '2026-11-01T00:00:00Z' }));

  type Answer = [number, unknown, Record<string, string>?];
  function handle(method: string, route: string, params: string[], query: URLSearchParams, body: Json, self: URL): Answer {
    const url = self.origin;
    const s = state.settings;
    const list = (items: unknown[]): Answer => {
      const { page, link } = paginate(items, query, self);
      return [200, page, link ? { link } : {}];
    };
    const wrapped = (key: string, items: unknown[]): Answer => {
      const { page, link } = paginate(items, query, self);
      return [200, { total_count: items.length, [key]: page }, link ? { link } : {}];
    };
    const pull = (n: string) => state.pulls.find((p) => p.number === Number(n));
    const env = (name: string) => s.environments.find((e) => e.name === decodeURIComponent(name));
    const notFound: Answer = [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' }];
    switch (`${method} ${route}`) {
      case 'get /repos/{owner}/{repo}': {
        const o = example('full-repository-default-response');
        // GitHub's own example lacks "language", which its schema requires (nullable).
        for (const r of [o, o.source, o.parent]) if (r && typeof r === 'object') (r as Json).language ??= null;
        Object.assign(o, {
          name: repo,
          full_name: `${owner}/${repo}`,
          private: s.visibility === 'private',
          visibility: s.visibility,
          default_branch: s.defaultBranch,
          owner: { ...(o.owner as Json), login: owner, type: s.ownerType },
        });
        return [200, o];
      }
      case 'get /repos/{owner}/{repo}/pulls': {
        const want = query.get('state') ?? 'open';
        return list(state.pulls.filter((p) => want === 'all' || p.state === want).map((p) => pullOf(p, url, true)));
      }
      case 'get /repos/{owner}/{repo}/pulls/{pull_number}': {
        const p = pull(params[2]!);
        return p ? [200, pullOf(p, url, false)] : notFound;
      }
      case 'get /repos/{owner}/{repo}/pulls/{pull_number}/files': {
        const p = pull(params[2]!);
        if (!p) return notFound;
        return list(
          p.files.slice(0, PULL_FILES_LIMIT).map((f) => {
            const o = example('diff-entry-items');
            Object.assign(o, { filename: f.filename, status: f.status, sha: '0'.repeat(40) });
            if (f.previous_filename) o.previous_filename = f.previous_filename;
            else delete o.previous_filename;
            return o;
          }),
        );
      }
      case 'get /repos/{owner}/{repo}/git/trees/{tree_sha}': {
        const ref = decodeURIComponent(params[2]!);
        let treeSha: string;
        try {
          treeSha = git('rev-parse', '--verify', `${ref}^{tree}`).toString().trim();
        } catch {
          return notFound;
        }
        const recursive = query.has('recursive');
        const lines = git('ls-tree', '-l', '-z', ...(recursive ? ['-r', '-t'] : []), treeSha)
          .toString()
          .split('\0')
          .filter(Boolean);
        let tree = lines.map((l) => {
          const tab = l.indexOf('\t');
          const [mode, type, sha, size] = l.slice(0, tab).split(/\s+/) as [string, string, string, string];
          const p = l.slice(tab + 1);
          return {
            path: p,
            mode,
            type,
            sha,
            ...(type === 'blob' ? { size: Number(size), url: `${base(url)}/git/blobs/${sha}` } : { url: `${base(url)}/git/trees/${sha}` }),
          };
        });
        const limit = options.treeEntryLimit ?? 100_000;
        const truncated = recursive && tree.length > limit;
        if (truncated) tree = tree.slice(0, limit);
        return [200, { sha: treeSha, url: `${base(url)}/git/trees/${treeSha}`, tree, truncated }];
      }
      case 'get /repos/{owner}/{repo}/git/blobs/{file_sha}': {
        const sha = params[2]!;
        let content: Buffer;
        try {
          content = git('cat-file', 'blob', sha);
        } catch {
          return notFound;
        }
        const o = example('blob');
        Object.assign(o, {
          content: content.toString('base64'),
          encoding: 'base64',
          sha,
          size: content.length,
          url: `${base(url)}/git/blobs/${sha}`,
        });
        return [200, o];
      }
      case 'get /repos/{owner}/{repo}/issues/{issue_number}/comments':
        return list(state.comments.filter((c) => c.issue === Number(params[2])).map((c) => commentOf(c, url)));
      case 'post /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        if (typeof body.body !== 'string') return [422, { message: 'body is required' }];
        if (body.body.length > 65536)
          return [
            422,
            {
              message: 'Validation Failed',
              errors: [
                { resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' },
              ],
            },
          ];
        const c: CommentState = { id: nextComment++, issue: Number(params[2]), login: 'github-actions[bot]', body: body.body, updates: 0 };
        state.comments.push(c);
        return [201, commentOf(c, url)];
      }
      case 'patch /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        const c = state.comments.find((x) => x.id === Number(params[2]));
        if (!c) return notFound;
        if (typeof body.body !== 'string' || body.body.length > 65536) return [422, { message: 'Validation Failed' }];
        c.body = body.body;
        c.updates++;
        return [200, commentOf(c, url)];
      }
      case 'post /repos/{owner}/{repo}/statuses/{sha}': {
        const st = {
          sha: params[2]!,
          state: String(body.state),
          context: String(body.context ?? 'default'),
          description: String(body.description ?? ''),
        };
        if (st.description.length > 140) return [422, { message: 'description is too long (maximum is 140 characters)' }];
        state.statuses.push(st);
        const o = example('status');
        Object.assign(o, { state: st.state, context: st.context, description: st.description });
        return [201, o];
      }
      case 'get /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs': {
        const wf = decodeURIComponent(params[2]!);
        const want = query.get('status');
        const runs = state.runs
          .filter((r) => String(r.workflowId) === wf || r.path.split('/').pop() === wf)
          // GitHub's status filter takes a status or a conclusion.
          .filter((r) => !want || r.status === want || (r.status === 'completed' && (r.conclusion ?? 'success') === want))
          // Newest first, as GitHub lists them.
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
        return wrapped(
          'workflow_runs',
          runs.map((r) => runOf(r, url)),
        );
      }
      case 'get /repos/{owner}/{repo}/actions/runs/{run_id}': {
        const r = state.runs.find((x) => x.id === Number(params[2]));
        return r ? [200, runOf(r, url)] : notFound;
      }
      case 'get /repos/{owner}/{repo}/actions/runs/{run_id}/jobs': {
        const r = state.runs.find((x) => x.id === Number(params[2]));
        return r
          ? wrapped(
              'jobs',
              r.jobs.map((j, i) => jobOf(r, j, i, url)),
            )
          : notFound;
      }
      case 'get /repos/{owner}/{repo}/actions/permissions/fork-pr-contributor-approval':
        return [200, { approval_policy: s.forkApproval }];
      case 'get /repos/{owner}/{repo}/actions/permissions/fork-pr-workflows-private-repos':
        // GitHub answers this for private and internal repositories only.
        if (s.visibility === 'public')
          return [403, { message: 'Forbidden', documentation_url: 'https://docs.github.com/rest', status: '403' }];
        return [200, { ...s.forkPrivate }];
      case 'get /repos/{owner}/{repo}/rules/branches/{branch}': {
        const r = s.rules[decodeURIComponent(params[2]!)] ?? {};
        const rule = (type: string, parameters?: Json) => ({
          type,
          ruleset_source_type: 'Repository',
          ruleset_source: `${owner}/${repo}`,
          ruleset_id: 1,
          ...(parameters ? { parameters } : {}),
        });
        return list([
          ...(r.pullRequestApprovals !== undefined
            ? [
                rule('pull_request', {
                  required_approving_review_count: r.pullRequestApprovals,
                  dismiss_stale_reviews_on_push: true,
                  require_code_owner_review: false,
                  require_last_push_approval: false,
                  required_review_thread_resolution: false,
                }),
              ]
            : []),
          ...(r.nonFastForward ? [rule('non_fast_forward')] : []),
          ...(r.deletion ? [rule('deletion')] : []),
        ]);
      }
      case 'get /repos/{owner}/{repo}/actions/permissions/workflow':
        return [
          200,
          { default_workflow_permissions: s.defaultWorkflowPermissions, can_approve_pull_request_reviews: s.canApprovePullRequestReviews },
        ];
      case 'get /repos/{owner}/{repo}/actions/runners':
        return wrapped('runners', s.runners.filter((r) => r.group === undefined).map(runnerOf));
      case 'get /orgs/{org}/actions/runner-groups': {
        if (s.ownerType !== 'Organization' || params[0] !== owner) return notFound;
        return wrapped(
          'runner_groups',
          s.runnerGroups.map((g) => ({
            id: g.id,
            name: g.name,
            visibility: g.visibility,
            default: g.default,
            runners_url: `${url}/orgs/${owner}/actions/runner-groups/${g.id}/runners`,
            ...(g.visibility === 'selected'
              ? { selected_repositories_url: `${url}/orgs/${owner}/actions/runner-groups/${g.id}/repositories` }
              : {}),
            inherited: false,
            allows_public_repositories: g.allowsPublicRepositories,
            restricted_to_workflows: g.restrictedToWorkflows,
            selected_workflows: g.selectedWorkflows,
            workflow_restrictions_read_only: false,
          })),
        );
      }
      case 'get /orgs/{org}/actions/runner-groups/{runner_group_id}/runners': {
        if (s.ownerType !== 'Organization' || params[0] !== owner) return notFound;
        const g = s.runnerGroups.find((x) => x.id === Number(params[1]));
        if (!g) return notFound;
        return wrapped('runners', s.runners.filter((r) => r.group === g.id).map(runnerOf));
      }
      case 'get /repos/{owner}/{repo}/environments':
        return wrapped(
          'environments',
          s.environments.map((e, i) => ({
            id: 100 + i,
            node_id: `EN_${i}`,
            name: e.name,
            url: `${base(url)}/environments/${e.name}`,
            html_url: `https://github.com/${owner}/${repo}/deployments/activity_log?environments_filter=${e.name}`,
            created_at: '2026-11-01T00:00:00Z',
            updated_at: '2026-11-01T00:00:00Z',
            protection_rules: [
              ...(e.reviewers.length > 0
                ? [
                    {
                      id: 1,
                      node_id: 'GA_1',
                      type: 'required_reviewers',
                      prevent_self_review: e.preventSelfReview,
                      reviewers: e.reviewers.map((login) => ({ type: 'User', reviewer: { ...(example('simple-user') as Json), login } })),
                    },
                  ]
                : []),
              ...(e.branchPolicy ? [{ id: 2, node_id: 'GA_2', type: 'branch_policy' }] : []),
            ],
            deployment_branch_policy: e.branchPolicy
              ? { protected_branches: e.branchPolicy.protectedBranches, custom_branch_policies: e.branchPolicy.customBranchPolicies }
              : null,
          })),
        );
      case 'get /repos/{owner}/{repo}/environments/{environment_name}/secrets': {
        const e = env(params[2]!);
        return e ? wrapped('secrets', secretsOf(Object.keys(e.secrets))) : notFound;
      }
      case 'get /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies': {
        const e = env(params[2]!);
        if (!e) return notFound;
        const patterns = e.branchPolicy?.customBranchPolicies ? e.branchPolicy.patterns : [];
        return wrapped(
          'branch_policies',
          patterns.map((name, i) => ({ id: i + 1, node_id: `BP_${i}`, name, type: 'branch' })),
        );
      }
      case 'get /repos/{owner}/{repo}/actions/secrets':
        return wrapped('secrets', secretsOf(Object.keys(s.secrets)));
      case 'get /orgs/{org}/actions/secrets':
        if (s.ownerType !== 'Organization' || params[0] !== owner) return notFound;
        return wrapped(
          'secrets',
          secretsOf(Object.keys(s.orgSecrets)).map((x) => ({ ...x, visibility: 'all' })),
        );
      case 'get /repos/{owner}/{repo}/branches/{branch}/protection': {
        const name = decodeURIComponent(params[2]!);
        const p = s.protection[name];
        if (!p) return [404, { message: 'Branch not protected', documentation_url: 'https://docs.github.com/rest', status: '404' }];
        const o: Json = {
          url: `${base(url)}/branches/${name}/protection`,
          allow_force_pushes: { enabled: p.allowForcePushes },
          allow_deletions: { enabled: p.allowDeletions },
          enforce_admins: { url: `${base(url)}/branches/${name}/protection/enforce_admins`, enabled: true },
        };
        if (p.requiredReviews)
          o.required_pull_request_reviews = {
            url: `${base(url)}/branches/${name}/protection/required_pull_request_reviews`,
            dismiss_stale_reviews: true,
            require_code_owner_reviews: false,
            required_approving_review_count: p.approvals ?? 1,
          };
        return [200, o];
      }
      case 'get /repos/{owner}/{repo}/pages': {
        if (!s.pages) return notFound;
        const o = example('page');
        Object.assign(o, { build_type: s.pages.buildType, url: `${base(url)}/pages`, html_url: `https://${owner}.github.io/${repo}/` });
        o.cname = null;
        return [200, o];
      }
    }
    return notFound;
  }

  function fault(method: string, target: string): Answer | undefined {
    const f = state.faults.find((x) => x.times > 0 && (!x.method || x.method === method) && x.match.test(`${method} ${target}`));
    if (!f) return undefined;
    f.times--;
    const docs = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api';
    switch (f.kind) {
      case 'secondary-403':
      case 'secondary-429':
        return [
          f.kind === 'secondary-403' ? 403 : 429,
          { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: docs },
          { 'retry-after': String(f.retryAfter ?? 1) },
        ];
      case 'primary':
        return [
          403,
          { message: 'API rate limit exceeded for installation.', documentation_url: docs },
          { 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '1000', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1) },
        ];
      case 'server':
        return [502, { message: 'Server Error' }];
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const u = new URL(req.url ?? '/', origin);
      const method = (req.method ?? 'GET').toLowerCase();
      const raw = Buffer.concat(chunks).toString();
      state.requests.push(`${method.toUpperCase()} ${u.pathname}`);
      const found = ROUTES.map((r) => ({ r, m: r.re.exec(u.pathname) })).find((x) => x.r.method === method && x.m);
      const auth = /^(?:token|bearer) (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const token = auth ? tokens.get(auth) : undefined;
      let answer: Answer;
      const forThisRepo =
        found && (found.r.route.startsWith('/orgs/') ? found.m![1] === owner : found.m![1] === owner && found.m![2] === repo);
      if (!token) answer = [401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' }];
      else if (!found || !forThisRepo) answer = [404, { message: 'Not Found' }];
      else if (!found.r.needs.scopes.some((sc) => allows(token.perms as Permissions, sc, found.r.needs.level))) answer = [403, FORBIDDEN];
      else {
        let body: Json | undefined;
        try {
          body = raw ? (JSON.parse(raw) as Json) : {};
        } catch {
          body = undefined;
        }
        const names = [...found.r.route.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!);
        const pathParams = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found.m![i + 1]!)]));
        const bad =
          body === undefined
            ? 'body is not JSON'
            : requestProblems(found.r.route, method, { path: pathParams, query: u.searchParams, body: raw ? body : undefined });
        if (bad) {
          state.violations.push(`${method.toUpperCase()} ${found.r.route} request: ${bad}`);
          answer = [422, { message: `Invalid request: ${bad}` }];
        } else {
          answer =
            fault(method.toUpperCase(), `${u.pathname}${u.search}`) ??
            handle(method, found.r.route, found.m!.slice(1), u.searchParams, body!, u);
          const [status, payload] = answer;
          if (status < 300) {
            const why = responseProblems(found.r.route, method, status, payload);
            if (why) {
              state.violations.push(`${method.toUpperCase()} ${found.r.route} ${status}: ${why}`);
              answer = [500, { message: 'emulator response does not match the OpenAPI description' }];
            }
          }
        }
      }
      const [status, payload, headers = {}] = answer;
      state.answers.push(`${method.toUpperCase()} ${u.pathname} ${status}`);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issue = (perms: Record<string, string>, kind: 'job' | 'admin', prefix: string) => {
    const t = `${prefix}${randomBytes(16).toString('hex')}`;
    tokens.set(t, { perms, kind });
    return t;
  };
  const emulator: Emulator = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    owner,
    repo,
    ...state,
    get settings() {
      return state.settings;
    },
    set settings(v: RepoSettings) {
      state.settings = v;
    },
    jobToken: (perms) => issue({ metadata: 'read', ...perms }, 'job', 'ghs_'),
    adminToken: (perms) => issue({ metadata: 'read', ...perms }, 'admin', 'github_pat_'),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return emulator;
}
