import type { CliDeps, CliIO } from '../io.js';

export interface Command {
  name: string;
  /** Full help: usage, options, an example. */
  help: string;
  run(argv: string[], io: CliIO, deps: CliDeps): Promise<number>;
}
