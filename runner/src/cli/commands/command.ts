import { optionsHelp, parse, type OptionSpecs, type OptionValues } from '../args.js';
import type { CliDeps, CliIO } from '../io.js';

/** A command as it is declared: its options once, the help's prose, and what it does. */
export interface CommandSpec<O extends OptionSpecs> {
  name: string;
  /** The usage lines, each as typed after "podium ". */
  usage: readonly string[];
  /** What the command does, as printed under the usage. */
  description: string;
  options: O;
  /** Printed after the options: what the output holds, how options combine. */
  notes?: string;
  /** Command lines, and lines that explain them, each printed indented. */
  examples: readonly string[];
  run(args: { values: OptionValues<O>; positionals: string[] }, io: CliIO, deps: CliDeps): Promise<number>;
}

/** A command as main sees it. */
export interface Command {
  name: string;
  options: OptionSpecs;
  /** Full help: usage, description, options, an example; made from the declaration. */
  help: string;
  /** Parses the arguments against the declared options and runs the command. */
  run(argv: string[], io: CliIO, deps: CliDeps): Promise<number>;
}

export function defineCommand<const O extends OptionSpecs>(spec: CommandSpec<O>): Command {
  return {
    name: spec.name,
    options: spec.options,
    help: helpText(spec),
    run: (argv, io, deps) => spec.run(parse(argv, spec.options), io, deps),
  };
}

function helpText(spec: CommandSpec<OptionSpecs>): string {
  const usage = spec.usage.map((u, i) => `${i === 0 ? 'Usage:' : '      '} podium ${u}`).join('\n');
  const commands = spec.examples.filter((e) => e.startsWith('podium ')).length;
  return [
    usage,
    spec.description.trim(),
    `Options:\n${optionsHelp(spec.options)}`,
    ...(spec.notes ? [spec.notes.trim()] : []),
    `${commands === 1 ? 'Example' : 'Examples'}:\n${spec.examples.map((e) => `  ${e}`).join('\n')}`,
  ]
    .join('\n\n')
    .concat('\n');
}
