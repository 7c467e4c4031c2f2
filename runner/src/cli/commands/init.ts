import path from 'node:path';
import { parse } from '../args.js';
import { UsageError } from '../io.js';
import { initCompetition } from '../../init/init.js';
import type { Command } from './command.js';

export const init: Command = {
  name: 'init',
  help: `Usage: podium init DIR [--title TEXT] [--example [--hidden DIR]] [--no-git]

Makes DIR a new competition repository from Podium's template: competition.yml, a README
for participants, the public data folder, and the JSON Schemas editors use to check it.

Options:
  --title TEXT   the competition's title (the slug is derived from it)
  --example      also generate the example's data and a valid example submission
  --hidden DIR   with --example: where to write the hidden truth (default: DIR-hidden);
                 it is never written inside the repository
  --no-git       do not make DIR a git repository

Example:
  podium init my-benchmark --example --hidden my-benchmark-hidden
`,
  async run(argv, io) {
    const { values, positionals } = parse('init', argv, {
      title: { type: 'string' },
      example: { type: 'boolean' },
      hidden: { type: 'string' },
      'no-git': { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one folder to create.', 'init');
    if (values.hidden && !values.example) throw new UsageError('--hidden goes with --example.', 'init');
    const dir = path.resolve(io.cwd, positionals[0]!);
    const result = await initCompetition({
      dir,
      ...(values.title ? { title: values.title } : {}),
      example: values.example === true,
      ...(values.hidden ? { hiddenDir: path.resolve(io.cwd, values.hidden) } : {}),
      git: values['no-git'] !== true,
    });
    io.stdout(`Created the competition in ${dir}\n`);
    if (result.hiddenDir) io.stdout(`Hidden truth written to ${result.hiddenDir} (keep it off the repository)\n`);
    if (result.exampleSubmission) io.stdout(`Example submission: ${result.exampleSubmission}\n`);
    io.stdout(`Next: edit competition.yml, then run "podium validate --competition ${positionals[0]}".\n`);
    return 0;
  },
};
