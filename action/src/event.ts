import { readFile } from 'node:fs/promises';

/** The parts of the triggering event that Podium uses; read from GITHUB_EVENT_PATH. */
export interface PullRequestEvent {
  number: number;
  headSha: string;
  baseSha: string;
  author: string;
}

export interface WorkflowRunEvent {
  runId: number;
  headSha: string;
  /** The event that started the triggering run: "pull_request" for Podium's validate workflow. */
  event: string;
  conclusion: string | null;
  /** Where the head commit was pushed: the fork (owner/name) and its branch. */
  headRepository?: string;
  headBranch?: string;
}

async function payload(env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const file = env.GITHUB_EVENT_PATH;
  if (!file) throw new Error('GITHUB_EVENT_PATH is not set: run this action inside a GitHub Actions workflow.');
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
}

const SHA = /^[0-9a-f]{40}$/;

export async function pullRequestEvent(env: NodeJS.ProcessEnv = process.env): Promise<PullRequestEvent> {
  const p = (await payload(env)).pull_request as
    { number?: unknown; head?: { sha?: unknown }; base?: { sha?: unknown }; user?: { login?: unknown } } | undefined;
  if (!p || typeof p.number !== 'number' || typeof p.head?.sha !== 'string' || !SHA.test(p.head.sha))
    throw new Error(`mode "validate" runs on pull_request events; this run was started by "${env.GITHUB_EVENT_NAME ?? 'unknown'}".`);
  return {
    number: p.number,
    headSha: p.head.sha,
    baseSha: typeof p.base?.sha === 'string' ? p.base.sha : '',
    author: typeof p.user?.login === 'string' ? p.user.login : '',
  };
}

export async function workflowRunEvent(env: NodeJS.ProcessEnv = process.env): Promise<WorkflowRunEvent> {
  const w = (await payload(env)).workflow_run as
    | {
        id?: unknown;
        head_sha?: unknown;
        event?: unknown;
        conclusion?: unknown;
        head_branch?: unknown;
        head_repository?: { full_name?: unknown };
      }
    | undefined;
  if (!w || typeof w.id !== 'number' || typeof w.head_sha !== 'string' || !SHA.test(w.head_sha))
    throw new Error(`mode "prepare" runs on workflow_run events; this run was started by "${env.GITHUB_EVENT_NAME ?? 'unknown'}".`);
  return {
    runId: w.id,
    headSha: w.head_sha,
    event: typeof w.event === 'string' ? w.event : '',
    conclusion: typeof w.conclusion === 'string' ? w.conclusion : null,
    ...(typeof w.head_repository?.full_name === 'string' ? { headRepository: w.head_repository.full_name } : {}),
    ...(typeof w.head_branch === 'string' ? { headBranch: w.head_branch } : {}),
  };
}
