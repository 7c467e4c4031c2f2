import { parse } from 'yaml';

/**
 * The security rules for competition workflows that actionlint does not check (see
 * docs/security.md). Returns one line per breach, naming the file and the job.
 */
type Job = {
  'runs-on'?: unknown;
  permissions?: unknown;
  environment?: unknown;
  concurrency?: { 'cancel-in-progress'?: unknown } | string;
  steps?: { uses?: string; run?: string; with?: Record<string, unknown> }[];
};
type Workflow = { on?: unknown; permissions?: unknown; jobs?: Record<string, Job> };

/** What a self-hosted job's token may hold: reading the pull request and the repository, nothing else. */
const SELF_HOSTED_READS = ['contents:read', 'pull-requests:read'];
const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;
const PR_HEAD = /github\.event\.pull_request\.head\.(sha|ref)|github\.head_ref|refs\/pull\/|workflow_run\.head_(sha|branch)/;
const UNTRUSTED_IN_RUN = /\$\{\{[^}]*(github\.event|github\.head_ref|inputs\.)[^}]*\}\}/;

function triggers(on: unknown): string[] {
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return on && typeof on === 'object' ? Object.keys(on) : [];
}

function writes(permissions: unknown): boolean {
  if (permissions === 'write-all') return true;
  return !!permissions && typeof permissions === 'object' && Object.values(permissions).some((v) => v === 'write');
}

export function workflowBreaches(file: string, text: string): string[] {
  const wf = parse(text) as Workflow;
  const out: string[] = [];
  const on = triggers(wf.on);
  if (on.includes('pull_request_target'))
    out.push(`${file}: uses pull_request_target, which runs with a write token in the context of the base repository`);
  if (wf.permissions === undefined) out.push(`${file}: no top-level permissions; set them, read-only or none`);
  const privileged = on.some((t) => ['workflow_run', 'pull_request_target', 'push', 'schedule', 'workflow_dispatch'].includes(t));
  for (const [name, job] of Object.entries(wf.jobs ?? {})) {
    const where = `${file} job ${name}`;
    const perms = job.permissions ?? wf.permissions;
    if (on.includes('workflow_run') && job.permissions === undefined) out.push(`${where}: no permissions of its own`);
    const selfHosted = JSON.stringify(job['runs-on'] ?? '').includes('self-hosted');
    if (selfHosted) {
      const readOnly =
        perms && typeof perms === 'object' && Object.entries(perms).every(([k, v]) => SELF_HOSTED_READS.includes(`${k}:${String(v)}`));
      if (!readOnly)
        out.push(
          `${where}: runs on a self-hosted runner with token permissions beyond ${SELF_HOSTED_READS.join(', ')}; give it those or none`,
        );
      if (!job.environment) out.push(`${where}: runs on a self-hosted runner without an environment that requires approval`);
      if (on.some((t) => t.startsWith('pull_request')))
        out.push(`${where}: runs on a self-hosted runner for a pull-request event, with the pull request's own workflow files`);
    }
    if (typeof job.concurrency === 'object' && job.concurrency['cancel-in-progress'] !== false && writes(perms))
      out.push(`${where}: a writer whose concurrency group may cancel a pending result`);
    for (const [i, step] of (job.steps ?? []).entries()) {
      const at = `${where} step ${i + 1}`;
      if (step.uses && !step.uses.startsWith('./') && !step.uses.startsWith('docker://') && !PINNED.test(step.uses))
        out.push(`${at}: ${step.uses} is not pinned to a commit SHA`);
      if (step.run && UNTRUSTED_IN_RUN.test(step.run))
        out.push(`${at}: an expression from the event inside run:; pass it through env: instead`);
      // Secrets only in a job gated by an environment (its secrets come after approval, and
      // only to a ref its branch policy admits), never where a pull request's files decide.
      if (JSON.stringify(step).includes('secrets.') && (!job.environment || on.some((t) => t.startsWith('pull_request'))))
        out.push(`${at}: uses a secret outside an approved environment, or in a pull-request workflow`);
      const ref = step.uses?.startsWith('actions/checkout@') ? String(step.with?.ref ?? '') : '';
      if (ref && PR_HEAD.test(ref) && (privileged || writes(perms) || selfHosted))
        out.push(`${at}: checks out the pull request's head in a privileged job; fetch the submission as data instead`);
    }
  }
  return out;
}
