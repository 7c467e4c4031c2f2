import path from 'node:path';
import { UsageError } from '../io.js';
import { initCompetition } from '../../init/init.js';
import { EXAMPLE_NAMES, EXAMPLES } from '../../example/examples.js';
import { defineCommand } from './command.js';

export const init = defineCommand({
  name: 'init',
  usage: ['init DIR [--title TEXT] [--example [NAME] [--hidden DIR]] [--no-git]'],
  description: `Makes DIR a new competition repository from Podium's template: competition.yml, a README
for participants, the public data folder, the JSON Schemas editors use to check it, the
Podium Action the workflows run, and the participant tool .podium/podium.mjs, which runs in
any fork with Node.js 20+ alone (node .podium/podium.mjs validate submissions/TEAM/NAME).
"podium upgrade DIR" brings the last three up to a newer Podium later. Values that start
with FILL IN are placeholders; podium validate --competition DIR lists those left. With
--example, DIR is a bundled example competition instead, ready to evaluate: one per family of
metrics, so start from the closest to yours.`,
  options: {
    title: { type: 'string', value: 'TEXT', help: "the competition's title (the slug is derived from it; the README's heading too)" },
    example: {
      type: 'string',
      value: 'NAME',
      bare: 'sound-events',
      choices: EXAMPLE_NAMES,
      help: 'a bundled example competition with its data, hidden truth and a valid baseline submission (see below)',
    },
    hidden: {
      type: 'string',
      value: 'DIR',
      help: 'with --example: where to write the hidden truth (default: DIR-hidden); it is never written inside the repository',
    },
    'no-git': { type: 'boolean', help: 'do not make DIR a git repository' },
  },
  notes: `Examples (--example NAME; alone, sound-events):\n${EXAMPLE_NAMES.map((n) => `  ${n.padEnd(14)}${EXAMPLES[n].about}`).join('\n')}`,
  examples: [
    'podium init my-benchmark --title "My benchmark"',
    'podium init my-example --example --hidden my-example-hidden',
    'podium init my-detection --example detection',
  ],
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('give exactly one folder to create.');
    if (values.hidden && !values.example) throw new UsageError('--hidden goes with --example.');
    const dir = path.resolve(io.cwd, positionals[0]!);
    const result = await initCompetition({
      dir,
      ...(values.title ? { title: values.title } : {}),
      ...(values.example ? { example: values.example as (typeof EXAMPLE_NAMES)[number] } : {}),
      ...(values.hidden ? { hiddenDir: path.resolve(io.cwd, values.hidden) } : {}),
      git: values['no-git'] !== true,
    });
    io.stdout(`Created the competition in ${dir}\n`);
    if (result.hiddenDir) io.stdout(`Hidden truth written to ${result.hiddenDir} (keep it off the repository)\n`);
    if (result.exampleSubmission) io.stdout(`Example submission: ${result.exampleSubmission}\n`);
    // The competition's own copy of Podium runs anywhere Node.js does, PATH or not.
    const check = `node ${path.join(positionals[0]!, '.podium', 'podium.mjs')} validate --competition ${positionals[0]}`;
    io.stdout(
      result.exampleSubmission
        ? `Next: edit competition.yml, then run "${check}".\n`
        : `Next: fill in every FILL IN of competition.yml ("${check}" lists those left) and of README.md, and put the data in data/public/.\n`,
    );
    return 0;
  },
});
