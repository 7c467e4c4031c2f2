import { didYouMean, ContractError, formatProblem } from '../contracts/problems.js';
import { PublishError } from '../results/git-store.js';
import { InitError } from '../init/init.js';
import { ExitCode, UsageError, type CliDeps, type CliIO } from './io.js';
import type { Command } from './commands/command.js';
import { init } from './commands/init.js';
import { validate } from './commands/validate.js';
import { score } from './commands/score.js';
import { compare } from './commands/compare.js';
import { evaluate } from './commands/evaluate.js';
import { publish } from './commands/publish.js';
import { leaderboard } from './commands/leaderboard.js';

export const COMMANDS: readonly Command[] = [init, validate, score, compare, evaluate, publish, leaderboard];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Podium: benchmarking competitions that live in Git.

Usage: podium <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "podium <command> --help" for a command's options and an example.

Example, a whole round on one machine:
  podium init my-benchmark --example --hidden my-hidden
  podium evaluate --competition my-benchmark --hidden my-hidden --out r.json \\
    my-benchmark/submissions/baseline/nearest-centroid
`;
}

/**
 * The CLI as a function: arguments in, exit status out. Every failure the user can fix is a
 * message on stderr, never a stack trace (PODIUM_DEBUG=1 shows one for unexpected errors).
 */
export async function main(argv: string[], io: CliIO, deps: CliDeps = {}): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout(topic ? topic.help : overview());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout('podium 0.1.0\n');
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(
      `podium: unknown command "${name}".${didYouMean(
        name,
        COMMANDS.map((c) => c.name),
      )} Run "podium --help" for the list.\n`,
    );
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io, deps);
  } catch (e: unknown) {
    if (e instanceof ExitCode) return e.code;
    if (e instanceof UsageError) {
      if (e.message) io.stderr(`podium ${command.name}: ${e.message}\n\n`);
      io.stderr(command.help);
      return 2;
    }
    if (e instanceof ContractError) {
      io.stderr(`podium ${command.name}: ${e.problems.length === 1 ? 'a problem' : `${e.problems.length} problems`} to fix first:\n`);
      for (const p of e.problems) io.stderr(`  ${formatProblem(p)}\n`);
      return 1;
    }
    if (e instanceof PublishError || e instanceof InitError) {
      io.stderr(`podium ${command.name}: ${e.message}\n`);
      return 1;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`podium ${command.name}: unexpected error: ${message}\n`);
    if (io.env.PODIUM_DEBUG && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    else io.stderr('Set PODIUM_DEBUG=1 to see where it happened, and report it if it looks like a bug in Podium.\n');
    return 3;
  }
}

/** The real process's IO. */
export function processIO(): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTTY: process.stderr.isTTY === true,
  };
}
