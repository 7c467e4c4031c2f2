import path from 'node:path';
import { UsageError } from '../io.js';
import { didYouMean } from '../../contracts/problems.js';
import { EXAMPLES, initCompetition, type ExampleName } from '../../init/init.js';
import { defineCommand, type Command } from './command.js';

const command = defineCommand({
  name: 'init',
  usage: ['init DIR [--title TEXT] [--example [NAME] [--hidden DIR]] [--no-git]'],
  description: `Makes DIR a new competition repository from Podium's template: competition.yml, a README
for participants, the public data folder, the JSON Schemas editors use to check it, the
Podium Action the workflows run, and the participant tool .podium/podium.mjs, which runs in
any fork with Node.js 20+ alone (node .podium/podium.mjs validate submissions/TEAM/NAME).
"podium upgrade DIR" brings the last three up to a newer Podium later. Values that start
with FILL IN are placeholders; podium validate --competition DIR lists those left. With
--example, DIR is a bundled example competition instead, ready to evaluate: sound-events
(audio classification, the default) or retrieval (ranked segments per query, graded qrels).`,
  options: {
    title: { type: 'string', value: 'TEXT', help: "the competition's title (the slug is derived from it; the README's heading too)" },
    example: {
      type: 'string',
      value: '[NAME]',
      help: `a bundled example competition with its data, hidden truth and a valid baseline submission: ${EXAMPLES.join(' (the default), ')}`,
    },
    hidden: {
      type: 'string',
      value: 'DIR',
      help: 'with --example: where to write the hidden truth (default: DIR-hidden); it is never written inside the repository',
    },
    'no-git': { type: 'boolean', help: 'do not make DIR a git repository' },
  },
  examples: [
    'podium init my-benchmark --title "My benchmark"',
    'podium init my-example --example --hidden my-example-hidden',
    'podium init my-search --example retrieval',
  ],
  async run({ values, positionals }, io) {
    const example = values.example;
    if (example !== undefined && !(EXAMPLES as readonly string[]).includes(example))
      throw new UsageError(`there is no example "${example}"; choose ${EXAMPLES.join(' or ')}.${didYouMean(example, EXAMPLES)}`);
    if (positionals.length !== 1) {
      const near = example !== undefined ? positionals.map((p) => didYouMean(p, EXAMPLES)).find((x) => x !== '') : undefined;
      throw new UsageError(`give exactly one folder to create.${near ? ` An example is named right after --example:${near}` : ''}`);
    }
    if (values.hidden && !example) throw new UsageError('--hidden goes with --example.');
    const dir = path.resolve(io.cwd, positionals[0]!);
    const result = await initCompetition({
      dir,
      ...(values.title ? { title: values.title } : {}),
      ...(example !== undefined ? { example: example as ExampleName } : {}),
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

/** `--example` alone is the default example; `--example NAME` names one of them. */
export function exampleArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a !== '--example') {
      out.push(a);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && (EXAMPLES as readonly string[]).includes(next)) {
      out.push(`--example=${next}`);
      i++;
    } else out.push(`--example=${EXAMPLES[0]}`);
  }
  return out;
}

export const init: Command = { ...command, run: (argv, io, deps) => command.run(exampleArgv(argv), io, deps) };
