import { parse } from 'yaml';

/**
 * GITHUB_TOKEN permissions as GitHub derives them for a job, from the workflow file: the
 * job's `permissions`, else the workflow's, else the repository's default; `read-all`,
 * `write-all` and `{}`; and a pull request from a fork gets no write permission whatever the
 * file asks (docs: "Automatic token authentication", "Controlling permissions for
 * GITHUB_TOKEN"). `metadata: read` is always granted.
 */
export type Level = 'none' | 'read' | 'write';
export type Permissions = Record<string, Level>;

/** The scopes a workflow can set for GITHUB_TOKEN. */
export const TOKEN_SCOPES = [
  'actions',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
] as const;

const rank: Record<Level, number> = { none: 0, read: 1, write: 2 };

function all(level: Level): Permissions {
  return Object.fromEntries(TOKEN_SCOPES.map((s) => [s, s === 'id-token' && level === 'read' ? 'none' : level]));
}

function fromYaml(value: unknown): Permissions | undefined {
  if (value === undefined) return undefined;
  if (value === 'read-all') return all('read');
  if (value === 'write-all') return all('write');
  if (value === null || typeof value !== 'object') throw new Error(`permissions: ${JSON.stringify(value)} is not valid`);
  const out: Permissions = Object.fromEntries(TOKEN_SCOPES.map((s) => [s, 'none' as Level]));
  for (const [scope, level] of Object.entries(value as Record<string, unknown>)) {
    if (!(TOKEN_SCOPES as readonly string[]).includes(scope)) throw new Error(`permissions: unknown scope ${scope}`);
    if (level !== 'read' && level !== 'write' && level !== 'none') throw new Error(`permissions: ${scope}: ${String(level)}`);
    out[scope] = level;
  }
  return out;
}

/** The repository default (Settings → Actions → Workflow permissions). */
export function repoDefault(setting: 'read' | 'write'): Permissions {
  if (setting === 'write') return all('write');
  return { ...Object.fromEntries(TOKEN_SCOPES.map((s) => [s, 'none' as Level])), contents: 'read', packages: 'read' };
}

/** The permissions of one job's GITHUB_TOKEN. */
export function jobPermissions(
  workflowYaml: string,
  job: string,
  opts: { fork?: boolean; repoDefault?: 'read' | 'write' } = {},
): Permissions {
  const wf = parse(workflowYaml) as { permissions?: unknown; jobs?: Record<string, { permissions?: unknown }> };
  const j = wf.jobs?.[job];
  if (!j) throw new Error(`the workflow has no job ${job}`);
  const declared = fromYaml(j.permissions) ?? fromYaml(wf.permissions) ?? repoDefault(opts.repoDefault ?? 'read');
  const out: Permissions = { ...declared, metadata: 'read' };
  if (opts.fork) for (const [k, v] of Object.entries(out)) if (v === 'write') out[k] = 'read';
  return out;
}

/** Whether a token with `have` may do what needs `scope` at `level`. */
export function allows(have: Permissions, scope: string, level: Exclude<Level, 'none'>): boolean {
  return rank[have[scope] ?? 'none'] >= rank[level];
}
