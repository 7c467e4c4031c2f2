import { PodiumError } from '../contracts/problems.js';
import type { Reveal } from '../results/seal.js';
import type { Competition } from '../competition/load.js';
import type { ResultRecord } from '../results/schema.js';

/** What the CLI may touch of the outside world; tests hand in their own. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** stderr is an interactive terminal (progress lines are shown only then). */
  isTTY: boolean;
  /**
   * Calls `stop` on the first SIGINT or SIGTERM (a cancelled job, Ctrl-C) so a long command can
   * stop its containers and still write what it must; returns how to stop listening. A second
   * signal ends the process at once. Absent where the CLI runs inside another program.
   */
  onInterrupt?: (stop: (signal: 'SIGINT' | 'SIGTERM') => void) => () => void;
}

/** The exit status of a command stopped by a signal, as shells report it. */
export function signalExit(signal: 'SIGINT' | 'SIGTERM'): number {
  return signal === 'SIGINT' ? 130 : 143;
}

/** Builds the leaderboard site; supplied by the entry point so the engine does not depend on the site. */
export type SiteBuilder = (input: {
  competition: Competition;
  records: readonly ResultRecord[];
  outDir: string;
  reveals?: readonly Reveal[];
}) => Promise<{ index: string }>;

/** One finding of `podium doctor` about a competition's GitHub deployment. */
export interface DeploymentFinding {
  check: string;
  status: 'unsafe' | 'fine' | 'unchecked';
  summary: string;
  /** What to change, for an unsafe finding. */
  fix?: string;
}

/**
 * Checks a competition's GitHub settings; supplied by the entry point (it lives with the
 * GitHub adapter, action/src/doctor.ts), so the engine has no GitHub in it.
 */
export type DeploymentDoctor = (input: DoctorInput) => Promise<DeploymentFinding[]>;

export interface DoctorInput {
  owner: string;
  repo: string;
  /** An administrator's token of the repository. */
  token: string;
  /** GITHUB_API_URL, for GitHub Enterprise Server. */
  apiUrl?: string;
  /** The competition, when doctor runs in its folder: which keys it needs. */
  competition?: Competition;
  /** The runner label the evaluate workflow asks for (default podium-gpu). */
  label?: string;
  /** The evaluate workflow's file name (default podium-evaluate.yml). */
  workflow?: string;
}

export interface CliDeps {
  buildSite?: SiteBuilder;
  doctor?: DeploymentDoctor;
  now?: () => Date;
}

/**
 * A mistake in how the command was called, whatever the files, repositories and dates it
 * names: an unknown option, a required option or argument missing, the wrong number of
 * arguments, a value of the wrong form, options that do not go together. Exit 2 with the
 * command's help. A command line that is well formed but names something not as the command
 * needs (a file that cannot be read, no remote, no such phase, a phase not over yet) is a
 * PodiumError instead: exit 1 with the message and what to do, without the help.
 */
export class UsageError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure already explained to the user: exit with this code and print nothing more. */
export class ExitCode extends PodiumError {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.name = 'ExitCode';
    this.code = code;
  }
}

/** One line that rewrites itself on a terminal; silent in CI, with --json, or when piped. */
export interface Progress {
  step(text: string): void;
  done(): void;
}

export function progress(io: CliIO, json: boolean): Progress {
  const live = io.isTTY && !json && io.env.CI !== 'true' && io.env.CI !== '1';
  let shown = false;
  return {
    step(text) {
      if (!live) return;
      io.stderr(`\r\x1b[2K… ${text}`);
      shown = true;
    },
    done() {
      if (live && shown) io.stderr('\r\x1b[2K');
      shown = false;
    },
  };
}
