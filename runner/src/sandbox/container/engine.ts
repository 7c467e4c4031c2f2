/**
 * The container engine as Podium uses it: a narrow interface, so the rest of the runner never
 * sees the Docker API and tests can hand in a fake where no engine is at hand. The one
 * implementation (docker.ts, over the client in docker-api.ts) is loaded only where a
 * container runs; its errors live apart (errors.ts), for callers that must not load it.
 */
export interface Limits {
  memoryBytes: number;
  nanoCpus: number;
  pids: number;
  timeoutMs: number;
  /** Total bytes, and files and folders together, the container may leave in /output. */
  outputBytes: number;
  outputFiles: number;
  /** Folder levels below /output. */
  outputDepth: number;
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
  /**
   * Where else the input and output folders appear in the container (Codabench's programs read
   * /app/input and write /app/output); /input and /output are always there.
   */
  alsoAt?: { input?: string; output?: string };
  /**
   * More host folders to mount, each at an absolute path under /app. A writable one is watched
   * as /output is, against the same limits (a folder two programs share while they run).
   */
  mounts?: Mount[];
  /** Labels on everything the run creates, so a sweep can find leftovers. */
  labels: Record<string, string>;
  /** GPU device ids to hand in (none when empty). */
  gpus?: string[];
  /** Aborts the run: the container is killed and removed, and the verdict is "cancelled". */
  signal?: AbortSignal;
}

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
  /**
   * Watched against the run's output limits (default: when writable). A folder two programs
   * share is watched by one of them only, the participant's.
   */
  watched?: boolean;
}

export type Verdict =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'timed-out'; afterSeconds: number }
  | { kind: 'out-of-memory' }
  | { kind: 'output-exceeded'; what: string }
  | { kind: 'cancelled' };

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

/** What a build may use: the engine kills or refuses a build past any of these. */
export interface BuildLimits {
  timeoutMs: number;
  memoryBytes: number;
  nanoCpus: number;
  pids: number;
  /** The built image's size. */
  imageBytes: number;
  /** Build log bytes kept. */
  logBytes: number;
}

export interface BuildOptions {
  limits?: BuildLimits;
  /**
   * The Dockerfile to build instead of the folder's own: the canonical one checkBuild wrote,
   * so that what the engine parses is what was checked.
   */
  dockerfile?: string;
  /** Aborts the build (the engine stops it and removes its containers). */
  signal?: AbortSignal;
}

export interface BuildResult {
  id: string;
  /** The build's output, capped: the organisers' to see; participants only where the competition shows logs. */
  log: string;
}

export interface ContainerEngine {
  /** Whether an engine answers. */
  ping(): Promise<boolean>;
  /** The engine's name and version, for provenance. */
  describe(): Promise<string>;
  image(ref: string): Promise<ImageInfo | undefined>;
  /** Pulls an image from its registry; throws with the engine's reason when it cannot. */
  pull(ref: string): Promise<void>;
  /**
   * Builds a folder with a Dockerfile: no network for RUN steps, within the limits. The
   * Dockerfile must have been checked (checkBuild) first: the engine itself fetches what a
   * remote ADD or a COPY --from an image names.
   */
  build(contextDir: string, tag: string, labels: Record<string, string>, options?: BuildOptions): Promise<BuildResult>;
  run(spec: RunSpec): Promise<RunResult>;
  /**
   * Removes the containers carrying the label and, unless told to keep them, the images (those
   * Podium built carry it); says how many of each.
   */
  sweep(label: string, options?: { keepImages?: boolean }): Promise<{ containers: number; images: number }>;
}
