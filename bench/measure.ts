import { spawnSync } from 'node:child_process';
import { open } from 'node:fs/promises';

/** A `--name=N` option of the bench's command line, or the default. */
export function option(name: string, fallback: number): number {
  const hit = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
}

/** GNU time, for each run's wall time and maximum resident set size. */
export const TIME = '/usr/bin/time';

export interface Run {
  seconds: number;
  peakKiB: number;
  stdout: string;
}

/** One run under GNU time: wall seconds and maximum resident set size. */
export function timed(command: string, argv: string[]): Run {
  const out = spawnSync(TIME, ['-f', '%e %M', command, ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (out.status !== 0) throw new Error(`${command} failed: ${out.stderr}`);
  const last = out.stderr.trim().split('\n').pop()!;
  const [seconds, kib] = last.split(' ').map(Number);
  return { seconds: seconds!, peakKiB: kib!, stdout: out.stdout };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Writes lines in pieces: ten million rows as one string would pass V8's string length limit. */
export async function writeLines(file: string, lines: string[]): Promise<void> {
  const handle = await open(file, 'w');
  try {
    for (let i = 0; i < lines.length; i += 100_000) await handle.write(lines.slice(i, i + 100_000).join('\n') + '\n');
  } finally {
    await handle.close();
  }
}
