import type { Competition } from '../competition/load.js';
import type { Board } from '../results/board.js';
import type { ContainerEngine } from '../sandbox/container/engine.js';
import type { Smi } from '../sandbox/gpu/nvidia.js';
import type { CtkVersion } from '../sandbox/gpu/toolkit.js';

export interface EvaluateOptions {
  competition: Competition;
  /** Folder with the hidden truth on this runner. */
  hiddenDir: string;
  submissionDir: string;
  /** Commit of the submission, when it comes from git. */
  commit?: string;
  /** The record's key, in place of the commit's (podium rescore gives each re-scoring its own). */
  key?: string;
  /**
   * A container submission: run this image (the digest its record names) rather than building
   * or pulling the submission's, as podium rescore re-runs a container as it was scored.
   */
  image?: string;
  /** Phase id; default: the phase open at `now`. */
  phase?: string;
  /**
   * With `phase`: the board the record goes on (default official). A re-scoring keeps the board
   * of the record it replaces, so a post-challenge run never becomes an official one.
   */
  board?: Board;
  now?: Date;
  /** Told each step, for a progress line on a terminal. */
  onStep?: (step: string) => void;
  /** The container engine; default: the local Docker engine. */
  engine?: ContainerEngine;
  /** How GPUs are read; default: nvidia-smi on the PATH (or PODIUM_NVIDIA_SMI). */
  smi?: Smi;
  /** How the NVIDIA Container Toolkit's version is read for GPU runs; default: nvidia-ctk (or PODIUM_NVIDIA_CTK). */
  toolkit?: CtkVersion;
  /** Where the sealing key is read from (competition.yml private.key_env); default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Scores the public part only and seals nothing, so no sealing key is needed: the record has
   * no private scores. For checking public scores again without the key (`podium reproduce`);
   * under the Ladder the key is still needed, since the exact public scores are sealed.
   */
  publicOnly?: boolean;
  /** Receives a container's logs (capped), for the organiser. */
  onLogs?: (logs: string) => void;
  /**
   * Under the Ladder (competition.yml leaderboard.ladder): the team's best shown score in a
   * phase (and task) so far on a board, from the results history (ladderBest). Without it every submission
   * is taken as the team's first; `podium evaluate` and the Action always give it.
   */
  ladder?: { best(team: string, phase: string, board: Board, task?: string): number | undefined };
  /**
   * Stops the evaluation (a cancelled job): builds and containers are stopped and removed, and
   * the record says the evaluation was cancelled, the platform's doing, counting for nothing.
   */
  signal?: AbortSignal;
}

/** The error of a record whose evaluation was cancelled. */
export const CANCELLED = {
  code: 'cancelled',
  message: 'the evaluation was cancelled before it finished (the job was stopped); it does not count against the team.',
  platform_fault: true,
} as const;

/** The container engine to run in: the one given, or the local Docker engine, loaded only when needed. */
export async function engineOf(opts: EvaluateOptions): Promise<ContainerEngine> {
  return opts.engine ?? (await import('../sandbox/container/docker.js')).dockerEngine();
}
