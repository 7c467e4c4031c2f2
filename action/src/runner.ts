import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Whether this job runs on a runner that keeps nothing between jobs: a GitHub-hosted one (a
 * fresh virtual machine each job) or a self-hosted one registered as ephemeral, which includes
 * just-in-time runners and Actions Runner Controller's scale sets. A persistent runner would
 * let one job leave something behind for the next — a planted tool, a tampered image, a
 * process that waits for the hidden data to be opened.
 *
 * A self-hosted runner keeps its registration in `.runner`, a JSON file in the runner's root
 * folder ("ephemeral": true when registered with --ephemeral; a just-in-time configuration
 * writes the same file). The root is found from the Node.js the runner runs actions with,
 * `<root>/externals/node<N>/bin/node`.
 */
export type RunnerCheck = { ok: true; what: string } | { ok: false; why: string };

export async function checkRunner(env: NodeJS.ProcessEnv, execPath: string): Promise<RunnerCheck> {
  if (env.RUNNER_ENVIRONMENT === 'github-hosted') return { ok: true, what: 'a GitHub-hosted runner, a fresh machine for each job' };
  const m = /^(.*)[\\/]externals[\\/]node\d+[\\/]bin[\\/]node(\.exe)?$/.exec(execPath);
  if (!m)
    return {
      ok: false,
      why: `Podium cannot tell whether this runner is ephemeral: the Action runs under ${execPath}, not under a GitHub runner's own Node.js.`,
    };
  const root = m[1]!;
  let settings: { agentName?: unknown; ephemeral?: unknown };
  try {
    // The runner writes this file with a byte-order mark.
    settings = JSON.parse((await readFile(path.join(root, '.runner'), 'utf8')).replace(/^\uFEFF/, '')) as typeof settings;
  } catch {
    return { ok: false, why: `Podium cannot tell whether this runner is ephemeral: ${path.join(root, '.runner')} cannot be read.` };
  }
  const name = typeof settings.agentName === 'string' ? settings.agentName : env.RUNNER_NAME || 'this runner';
  if (settings.ephemeral === true) return { ok: true, what: `${name}, an ephemeral self-hosted runner (one job, then removed)` };
  return { ok: false, why: `The runner ${name} is not ephemeral: it keeps its machine from one job to the next.` };
}
