/**
 * A problem found in something a user wrote: where it is and what to do about it.
 * Every validator in Podium reports these instead of throwing on the first fault, so a
 * participant sees every mistake in one run.
 */
export interface Problem {
  /** File the problem is in, relative to the folder the user named. */
  file: string;
  /** 1-based line; 0 when the problem is about the file as a whole. */
  line: number;
  /** 1-based column; 0 when the problem is about the file as a whole. */
  column: number;
  /** JSON-pointer-like path of the offending value, e.g. `/metrics/0/name`; empty for the file. */
  path: string;
  /** What is wrong and what is allowed instead. */
  message: string;
}

export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return `${where}: ${p.message}`;
}

export interface PodiumErrorOptions extends ErrorOptions {
  /** What the user can do about it, when the message alone does not say. */
  fix?: string;
}

/**
 * An error whose message is written for the user: shown as it is, without a stack trace, with
 * its `fix` on a line of its own. Every error a user can meet extends it; the CLI exits 1 on it.
 */
export class PodiumError extends Error {
  readonly fix: string | undefined;
  constructor(message: string, options?: PodiumErrorOptions) {
    super(message, options);
    this.name = 'PodiumError';
    this.fix = options?.fix;
  }
}

/** Thrown where a caller needs a valid contract and the user's file is not one. */
export class ContractError extends PodiumError {
  readonly problems: readonly Problem[];
  constructor(what: string, problems: readonly Problem[], options?: ErrorOptions) {
    const lines = problems.map((p) => `  ${formatProblem(p)}`).join('\n');
    super(`${what} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines}`, options);
    this.name = 'ContractError';
    this.problems = problems;
  }
}

/** Edit distance, for "did you mean" on misspelt keys and names. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate when it is close enough to be a plausible typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : ` Did you mean "${c}"?`;
}

/** "1 row", "3 rows". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * A value as JSON text, or undefined where it is nested too deeply to write: a participant's
 * file may hold thousands of nested lists, on which JSON.stringify overflows the stack.
 */
export function jsonText(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch (e: unknown) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

/** Participant text shortened for a message. */
export function truncate(s: string, n = 80): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
