import * as core from './runner-protocol.js';
import { removeOpenedSync } from '../../runner/src/hidden/sealed.js';
import { runMode } from './dispatch.js';
import { github, repoOf } from './github.js';
import { readInputs } from './inputs.js';
import type { Io } from './io.js';

/**
 * The Podium Action: inputs → engine → outputs. This file is the one that talks to the runner
 * (runner-protocol.ts); the modes get the inputs, read through their schema, and an Io.
 */

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
    output: (name, value) => core.setOutput(name, value),
    info: (text) => core.info(text),
    warn: (text) => core.warning(text),
    annotate: (message, where) =>
      core.error(
        message,
        where ? { file: where.file, ...(where.line ? { line: where.line } : {}), ...(where.column ? { column: where.column } : {}) } : {},
      ),
    summary: async (markdown) => core.appendSummary(markdown),
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
  const inputs = readInputs((name) => core.getInput(name));
  const x = io();
  // The modes that read or write the results branch over git.
  if (inputs.mode === 'report' || inputs.mode === 'publish') gitAuth(inputs.token, process.env);
  await runMode(inputs, x, {
    github: () => github(inputs.token, process.env, (line) => core.info(line)),
    repo: () => repoOf(),
  });
}

run().catch((e: unknown) => core.setFailed(e instanceof Error ? e.message : String(e)));
