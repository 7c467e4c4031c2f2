import { access } from 'node:fs/promises';
import path from 'node:path';
import { COMPETITION_FILE, loadCompetition, type Competition } from '../../competition/load.js';
import { formatProblem, type Problem } from '../../contracts/problems.js';
import type { CliIO } from '../io.js';

/** The competition folder: as given, else the nearest folder above `from` with competition.yml. */
export async function findCompetitionDir(io: CliIO, given: string | undefined, from?: string): Promise<string> {
  if (given) return path.resolve(io.cwd, given);
  let dir = path.resolve(io.cwd, from ?? '.');
  for (;;) {
    try {
      await access(path.join(dir, COMPETITION_FILE));
      return dir;
    } catch {
      const up = path.dirname(dir);
      if (up === dir) return path.resolve(io.cwd);
      dir = up;
    }
  }
}

export async function openCompetition(io: CliIO, given: string | undefined, from?: string): Promise<Competition> {
  return loadCompetition(await findCompetitionDir(io, given, from));
}

export function printProblems(io: CliIO, problems: readonly Problem[]): void {
  for (const p of problems) io.stderr(`  ${formatProblem(p)}\n`);
}
