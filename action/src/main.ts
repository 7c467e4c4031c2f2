import * as core from '@actions/core';
import { evaluate, prepare, publish, report, validate, type Io } from './modes.js';
import { github, repoOf } from './github.js';
import { removeOpenedSync } from '../../runner/src/hidden/sealed.js';

/**
 * The Podium Action: inputs → engine → outputs. Each mode is one job of the competition's
 * workflows, with only the permissions that job needs (see docs/security.md).
 */
const MODES = ['validate', 'prepare', 'evaluate', 'report', 'publish'] as const;

/**
 * A cancelled job: GitHub sends SIGINT, then SIGTERM 7.5 s later, then kills. The first stops
 * the evaluation (its container is removed and the record says it was cancelled); a second
 * ends the process, with any opened hidden data removed.
 */
function cancellation(): AbortSignal {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      removeOpenedSync();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    core.info(`${signal}: the job was cancelled; stopping the evaluation and removing its containers.`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return controller.signal;
}

function io(): Io {
  return {
    signal: cancellation(),
    input: (name) => core.getInput(name),
    output: (name, value) => core.setOutput(name, value),
    info: (text) => core.info(text),
    warn: (text) => core.warning(text),
    annotate: (message, where) =>
      core.error(
        message,
        where
          ? { file: where.file, ...(where.line ? { startLine: where.line } : {}), ...(where.column ? { startColumn: where.column } : {}) }
          : {},
      ),
    summary: async (markdown) => {
      if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write();
    },
    fail: (message) => core.setFailed(message),
    env: process.env,
    workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
    now: () => new Date(),
  };
}

/** Lets git push over HTTPS with the job's token, as actions/checkout does, without writing it to disk. */
function gitAuth(token: string, env: NodeJS.ProcessEnv): void {
  if (!token) return;
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  core.setSecret(basic);
  const n = Number(env.GIT_CONFIG_COUNT ?? 0);
  env[`GIT_CONFIG_KEY_${n}`] = `http.${server}/.extraheader`;
  env[`GIT_CONFIG_VALUE_${n}`] = `AUTHORIZATION: basic ${basic}`;
  env.GIT_CONFIG_COUNT = String(n + 1);
}

export async function run(): Promise<void> {
  const mode = core.getInput('mode', { required: true });
  if (!(MODES as readonly string[]).includes(mode)) throw new Error(`mode must be one of ${MODES.join(', ')}; got "${mode}".`);
  const token = core.getInput('token');
  const x = io();
  switch (mode) {
    case 'validate':
      return validate(
        x,
        github(token, process.env, (line) => core.info(line)),
        repoOf(),
      );
    case 'prepare':
      return prepare(
        x,
        github(token, process.env, (line) => core.info(line)),
        repoOf(),
      );
    case 'evaluate':
      return evaluate(
        x,
        github(token, process.env, (line) => core.info(line)),
        repoOf(),
      );
    case 'report':
      gitAuth(token, process.env);
      return report(
        x,
        github(token, process.env, (line) => core.info(line)),
        repoOf(),
      );
    case 'publish':
      gitAuth(token, process.env);
      return publish(x);
  }
}

run().catch((e: unknown) => core.setFailed(e instanceof Error ? e.message : String(e)));
