import { didYouMean, ContractError, formatProblem, PodiumError } from '../contracts/problems.js';
import { ExitCode, signalExit, UsageError, type CliDeps, type CliIO } from './io.js';
import { removeOpenedSync } from '../hidden/sealed.js';
import type { Command } from './commands/command.js';

interface CommandEntry {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Loaded on use, so that `podium score` does not pay for git or YAML it never touches. */
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'init',
    summary: 'make a new competition repository from the template',
    load: async () => (await import('./commands/init.js')).init,
  },
  {
    name: 'upgrade',
    summary: "bring an existing competition's Action, participant tool and schemas up to this Podium",
    load: async () => (await import('./commands/upgrade.js')).upgrade,
  },
  {
    name: 'import',
    summary: 'make a competition from a Codabench or CodaLab competition bundle',
    load: async () => (await import('./commands/import.js')).importCommand,
  },
  {
    name: 'validate',
    summary: 'check a competition or submission folders and report every problem',
    load: async () => (await import('./commands/validate.js')).validate,
  },
  {
    name: 'score',
    summary: 'score a predictions file against a truth file',
    load: async () => (await import('./commands/score.js')).score,
  },
  {
    name: 'compare',
    summary: 'say whether one predictions file beats another (paired bootstrap)',
    load: async () => (await import('./commands/compare.js')).compare,
  },
  {
    name: 'evaluate',
    summary: 'validate and score a submission, and write its result record',
    load: async () => (await import('./commands/evaluate.js')).evaluate,
  },
  {
    name: 'merge',
    summary: 'join the shards of a sharded evaluation and score the whole',
    load: async () => (await import('./commands/merge.js')).merge,
  },
  {
    name: 'publish',
    summary: 'commit result records to the results branch and push them',
    load: async () => (await import('./commands/publish.js')).publish,
  },
  {
    name: 'reproduce',
    summary: 'evaluate a recorded submission again and check the scores agree',
    load: async () => (await import('./commands/reproduce.js')).reproduce,
  },
  {
    name: 'rescore',
    summary: "score a phase's records again after its truth or the scorer changed; new records supersede the old",
    load: async () => (await import('./commands/rescore.js')).rescore,
  },
  {
    name: 'reveal',
    summary: 'open the sealed private scores of a phase, check them, publish the private board',
    load: async () => (await import('./commands/reveal.js')).reveal,
  },
  {
    name: 'export',
    summary: "write one archive of a phase: records, reveal, runs, and for organisers the submissions' files, with a manifest of hashes",
    load: async () => (await import('./commands/export.js')).exportCommand,
  },
  {
    name: 'hidden',
    summary: 'seal the hidden data into one encrypted file for the runners, or open it again',
    load: async () => (await import('./commands/hidden.js')).hidden,
  },
  {
    name: 'doctor',
    summary: "check the GitHub settings that keep hidden data and keys from strangers' pull requests",
    load: async () => (await import('./commands/doctor.js')).doctor,
  },
  {
    name: 'sweep',
    summary: 'remove containers left behind by a crashed runner',
    load: async () => (await import('./commands/sweep.js')).sweep,
  },
  {
    name: 'leaderboard',
    summary: 'build the leaderboard site from the result records',
    load: async () => (await import('./commands/leaderboard.js')).leaderboard,
  },
  {
    name: 'report',
    summary: "write a phase's results tables for an overview paper (Markdown, LaTeX or CSV)",
    load: async () => (await import('./commands/report.js')).report,
  },
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Podium: benchmarking competitions that live in Git.

Usage: podium <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "podium <command> --help" for a command's options and an example.

Exit status: 0 done; 1 a check failed or something is to fix (stderr says what, and what to
do); 2 the command was called wrongly (its help follows the message); 3 an unexpected error.

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
    io.stdout(topic ? (await topic.load()).help : overview());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout('podium 0.1.0\n');
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.stderr(
      `podium: unknown command "${name}".${didYouMean(
        name,
        COMMANDS.map((c) => c.name),
      )} Run "podium --help" for the list.\n`,
    );
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io, deps);
  } catch (e: unknown) {
    if (e instanceof ExitCode) return e.code;
    if (e instanceof ContractError) {
      io.stderr(`podium ${command.name}: ${e.problems.length === 1 ? 'a problem' : `${e.problems.length} problems`} to fix first:\n`);
      for (const p of e.problems) io.stderr(`  ${formatProblem(p)}\n`);
      return 1;
    }
    if (e instanceof PodiumError) {
      io.stderr(`podium ${command.name}: ${e.message}\n`);
      if (e.fix) io.stderr(`  fix: ${e.fix}\n`);
      // Misuse of the command line: the help says how to call it. A check that failed gets none.
      if (e instanceof UsageError) {
        io.stderr(`\n${command.help}`);
        return 2;
      }
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
    onInterrupt(stop) {
      let seen = false;
      const handler = (signal: 'SIGINT' | 'SIGTERM') => {
        if (seen) {
          // Asked twice: no more waiting. Opened hidden data goes with the process.
          removeOpenedSync();
          process.exit(signalExit(signal));
        }
        seen = true;
        stop(signal);
      };
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}
