import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initCompetition } from '../../runner/src/init/init.js';
import { loadCompetition, type Competition } from '../../runner/src/competition/load.js';
import type { CliDeps, CliIO } from '../../runner/src/cli/io.js';
import { main } from '../../runner/src/cli/main.js';

export interface ExampleCompetition {
  dir: string;
  hidden: string;
  competition: Competition;
  /** Writes a submission folder from a map of file name to content; returns its path. */
  submit(team: string, name: string, files: Record<string, string>): Promise<string>;
  /** The example's valid predictions file (the baseline's). */
  baselinePredictions(): Promise<string>;
  /** The baseline's answer for each test id, as a participant's system would give it. */
  baselineAnswers(): Promise<Map<string, string>>;
}

/** The bundled example competition in a temp folder (no git unless asked). */
export async function exampleCompetition(
  root: string,
  opts: {
    git?: boolean;
    edit?: (yml: string) => string;
    /** Files to write into the competition before it is loaded (a scoring program's folder, say). */
    files?: Record<string, string>;
  } = {},
): Promise<ExampleCompetition> {
  const dir = path.join(root, 'competition');
  const hidden = path.join(root, 'hidden');
  await initCompetition({ dir, example: true, hiddenDir: hidden, git: opts.git ?? false });
  if (opts.edit) {
    const file = path.join(dir, 'competition.yml');
    await writeFile(file, opts.edit(await readFile(file, 'utf8')));
  }
  for (const [name, text] of Object.entries(opts.files ?? {})) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  const competition = await loadCompetition(dir);
  return {
    dir,
    hidden,
    competition,
    async submit(team, name, files) {
      const sub = path.join(dir, 'submissions', team, name);
      await mkdir(sub, { recursive: true });
      for (const [f, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(sub, f)), { recursive: true });
        await writeFile(path.join(sub, f), text);
      }
      return sub;
    },
    baselinePredictions: () => readFile(path.join(dir, 'submissions', 'baseline', 'nearest-centroid', 'predictions.csv'), 'utf8'),
    async baselineAnswers() {
      const text = await readFile(path.join(dir, 'submissions', 'baseline', 'nearest-centroid', 'predictions.csv'), 'utf8');
      return new Map(
        text
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(',') as [string, string]),
      );
    },
  };
}

export function submissionYml(team: string, name: string, extra = ''): string {
  return `team: ${team}\nname: ${name}\nkind: predictions\npredictions: predictions.csv\n${extra}`;
}

/** A CLI IO that records what was written. */
export function captureIO(cwd: string, env: NodeJS.ProcessEnv = {}): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    env,
    cwd,
    isTTY: false,
    out: () => out,
    err: () => err,
  };
}

/** Runs the CLI in-process and returns its exit status and output. */
export async function runCli(cwd: string, argv: string[], deps: CliDeps = {}): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO(cwd);
  const code = await main(argv, io, deps);
  return { code, out: io.out(), err: io.err() };
}
