import path from 'node:path';
import { UsageError, progress } from '../io.js';
import { importCodabench } from '../../import/codabench.js';
import { defineCommand } from './command.js';

export const importCommand = defineCommand({
  name: 'import',
  usage: ['import codabench BUNDLE DIR [--hidden DIR]'],
  description: `Makes a Podium competition repository DIR from a Codabench competition bundle
(competition.yaml version 2) or an older CodaLab 1.5 bundle, as a .zip or a folder: title,
pages, phases and dates, limits and rules, public data and starting kit. The bundle's scoring
program runs unchanged from scoring_program/ (a Dockerfile is written for it) and scores every
leaderboard column; an ingestion program makes submissions code, run from ingestion_program/.
Reference data and input data go to the hidden folder, never into the repository; the
solutions become example submissions. IMPORT-REPORT.md says what each setting became.`,
  options: {
    hidden: { type: 'string', value: 'DIR', help: 'where the hidden data goes (default: DIR-hidden)' },
  },
  examples: ['podium import codabench my_competition_bundle.zip my-benchmark'],
  async run({ values, positionals }, io) {
    const [kind, bundle, dir] = positionals;
    if (kind !== 'codabench')
      throw new UsageError(
        kind
          ? `unknown source "${kind}"; Podium imports "codabench" bundles (CodaLab 1.5 included).`
          : 'say what to import: podium import codabench BUNDLE DIR',
      );
    if (!bundle || !dir || positionals.length !== 3)
      throw new UsageError('give the bundle and the folder to create: podium import codabench BUNDLE DIR');
    const bar = progress(io, false);
    bar.step('importing');
    // What the bundle or the folder lacks is an ImportError, ZipError or InitError: exit 1 with its message.
    const result = await importCodabench({
      bundle: path.resolve(io.cwd, bundle),
      dir: path.resolve(io.cwd, dir),
      ...(values.hidden ? { hiddenDir: path.resolve(io.cwd, values.hidden) } : {}),
    });
    bar.done();
    const rel = (p: string) => path.relative(io.cwd, p) || '.';
    io.stdout(`✓ ${rel(result.dir)}: ${result.carried.length} thing(s) carried over; hidden data in ${rel(result.hiddenDir)}.\n`);
    if (result.dropped.length)
      io.stdout(`! ${result.dropped.length} thing(s) not carried over or to decide:\n${result.dropped.map((d) => `  - ${d}\n`).join('')}`);
    if (result.problems.length) io.stdout(`! podium validate finds ${result.problems.length} problem(s) to fix in competition.yml.\n`);
    io.stdout(`The full report: ${rel(path.join(result.dir, 'IMPORT-REPORT.md'))}\n`);
    return 0;
  },
});
