/**
 * What the modes need from the job (the runner's protocol, the environment, the clock), so
 * that they can run without a runner. The inputs are not here: they are read once, through their
 * schema (inputs.ts), and handed to the mode as its settings.
 */
export interface Io {
  output(name: string, value: string): void;
  info(text: string): void;
  /** A warning for the organisers, shown on the workflow run. */
  warn(text: string): void;
  /** An error annotation on a file, line and column of the repository. */
  annotate(message: string, where?: { file: string; line?: number; column?: number }): void;
  summary(markdown: string): Promise<void>;
  fail(message: string): void;
  env: NodeJS.ProcessEnv;
  workspace: string;
  now: () => Date;
  /** Aborted when the job is cancelled (GitHub sends SIGINT, then SIGTERM). */
  signal?: AbortSignal;
}
