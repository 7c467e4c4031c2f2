import type { GitHub, Repo } from './github.js';
import type { ActionInputs } from './inputs.js';
import type { Io } from './io.js';
import { evaluate } from './modes/evaluate.js';
import { prepare } from './modes/prepare.js';
import { count, queue } from './modes/queue.js';
import { publish } from './modes/publish.js';
import { report } from './modes/report.js';
import { validate } from './modes/validate.js';

/** What a mode may reach beyond the job: GitHub's API, for the repository the workflow runs in. */
export interface Connections {
  github(): GitHub;
  repo(): Repo;
}

/**
 * Runs the step's mode. Each mode is one job of the competition's workflows, with only the
 * permissions that job needs (see docs/security.md); publish talks to git, not the API.
 */
export async function runMode(inputs: ActionInputs, io: Io, connect: Connections): Promise<void> {
  switch (inputs.mode) {
    case 'validate':
      return validate(inputs, io, connect.github(), connect.repo());
    case 'prepare':
      return prepare(inputs, io, connect.github(), connect.repo());
    case 'queue':
      return queue(inputs, io, connect.github(), connect.repo());
    case 'count':
      return count(inputs, io, connect.github(), connect.repo());
    case 'evaluate':
      return evaluate(inputs, io, connect.github(), connect.repo());
    case 'report':
      return report(inputs, io, connect.github(), connect.repo());
    case 'publish':
      return publish(inputs, io);
  }
}
