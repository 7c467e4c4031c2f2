/**
 * The container engine as Podium uses it: a narrow interface, so the rest of the runner never
 * sees dockerode's types and tests can hand in a fake where no engine is at hand.
 */
export interface Limits {
  memoryBytes: number;
  nanoCpus: number;
  pids: number;
  timeoutMs: number;
  /** Total bytes and files the container may leave in /output. */
  outputBytes: number;
  outputFiles: number;
  /** Log bytes kept; the rest is dropped and said so. */
  logBytes: number;
}

export interface RunSpec {
  /** Image id or reference present on the engine. */
  image: string;
  /** Host folder mounted read-only at /input. */
  inputDir: string;
  /** Host folder mounted at /output, watched for size and count. */
  outputDir: string;
  limits: Limits;
  /** Labels on everything the run creates, so a sweep can find leftovers. */
  labels: Record<string, string>;
  /** GPU device ids to hand in (none when empty). */
  gpus?: string[];
}

export type Verdict =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'timed-out'; afterSeconds: number }
  | { kind: 'out-of-memory' }
  | { kind: 'output-exceeded'; what: string };

export interface RunResult {
  verdict: Verdict;
  /** Container start to exit. */
  wallSeconds: number;
  /** The start call, until the process runs: the platform's overhead, reported apart. */
  startupSeconds: number;
  /** From the container's cgroup; absent where it could not be read (never a guess). */
  cpuSeconds?: number;
  peakMemoryBytes?: number;
  logs: string;
  logsTruncated: boolean;
}

export interface ImageInfo {
  id: string;
  /** Repository digests (name@sha256:…), when the image came from a registry. */
  digests: string[];
}

export interface ContainerEngine {
  /** Whether an engine answers. */
  ping(): Promise<boolean>;
  /** The engine's name and version, for provenance. */
  describe(): Promise<string>;
  image(ref: string): Promise<ImageInfo | undefined>;
  /** Pulls an image from its registry; throws with the engine's reason when it cannot. */
  pull(ref: string): Promise<void>;
  /** Builds a folder with a Dockerfile, without network. */
  build(contextDir: string, tag: string, labels: Record<string, string>): Promise<{ id: string; log: string }>;
  run(spec: RunSpec): Promise<RunResult>;
  /** Removes containers and images carrying the label; returns how many. */
  sweep(label: string): Promise<number>;
}
