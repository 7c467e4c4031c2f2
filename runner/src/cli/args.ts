import { parseArgs } from 'node:util';
import { didYouMean } from '../contracts/problems.js';
import { UsageError } from './io.js';

/**
 * One option of a command, declared once: the parser and the help are both made from it, so
 * an option cannot be taken without being documented, or documented without being taken.
 */
export type OptionSpec =
  | {
      type: 'boolean';
      short?: string;
      /** One line for the help (wrapped there when long). */
      help: string;
    }
  | {
      type: 'string';
      short?: string;
      /** What the value is, in the help: DIR, FILE, N. */
      value: string;
      help: string;
      /** The value when the option is not given; the help shows it. */
      default?: string;
      /** The only values it takes; any other is a usage error that lists them. */
      choices?: readonly string[];
      /**
       * The value when the option is given alone (`--example`); then the word after it is its
       * value only when it is one of `choices` (`--example detection`), else a positional.
       */
      bare?: string;
    };

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** What parse gives: a string option with a default always has a value. */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]: O[K] extends { type: 'boolean' } ? boolean | undefined : O[K] extends { default: string } ? string : string | undefined;
};

/** Every command takes it; main answers it before the command runs. */
const HELP: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help' };

function withHelp(options: OptionSpecs): [string, OptionSpec][] {
  return [...Object.entries(options), ['help', HELP]];
}

/** node:util parseArgs over the declared options, with messages that suggest the option meant. */
export function parse<O extends OptionSpecs>(argv: string[], options: O): { values: OptionValues<O>; positionals: string[] } {
  const config = Object.fromEntries(
    withHelp(options).map(([name, o]) => [
      name,
      {
        type: o.type,
        ...(o.short ? { short: o.short } : {}),
        ...(o.type === 'string' && o.default !== undefined ? { default: o.default } : {}),
      },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({
      args: withBareValues(argv, options),
      options: config,
      allowPositionals: true,
      strict: true,
    });
    for (const [name, o] of Object.entries(options)) {
      const v = (values as Record<string, unknown>)[name];
      if (o.type === 'string' && o.choices && typeof v === 'string' && !o.choices.includes(v))
        throw new UsageError(`--${name} takes ${o.choices.join(', ')}, not "${v}".${didYouMean(v, [...o.choices])}`);
    }
    return { values: values as OptionValues<O>, positionals };
  } catch (e: unknown) {
    if (e instanceof UsageError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message);
    if (unknown) {
      const names = Object.keys(options).map((n) => `--${n}`);
      throw new UsageError(`unknown option ${unknown[1]}.${didYouMean(unknown[1]!, names)}`);
    }
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, '.'));
  }
}

/** `--name` given alone becomes `--name=BARE`; `--name CHOICE` becomes `--name=CHOICE`. */
function withBareValues(argv: string[], options: OptionSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const o = arg.startsWith('--') ? options[arg.slice(2)] : undefined;
    if (o?.type !== 'string' || o.bare === undefined) {
      out.push(arg);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && o.choices?.includes(next)) {
      out.push(`${arg}=${next}`);
      i++;
      continue;
    }
    // A word that is nearly a choice is a mistyped one, not the positional it would become.
    const near = next !== undefined && !next.startsWith('-') && o.choices ? didYouMean(next, [...o.choices]) : '';
    if (near) throw new UsageError(`${arg} takes ${o.choices!.join(', ')}, not "${next}".${near}`);
    out.push(`${arg}=${o.bare}`);
  }
  return out;
}

export function required(value: string | undefined, option: string): string {
  if (value === undefined || value === '') throw new UsageError(`${option} is required.`);
  return value;
}

/** How an option is written in the help: `-c, --complete`, `--truth FILE`. */
export function optionHead(name: string, o: OptionSpec): string {
  const value = o.type !== 'string' ? '' : o.bare !== undefined ? ` [${o.value}]` : ` ${o.value}`;
  return `${o.short ? `-${o.short}, ` : ''}--${name}${value}`;
}

/** The text after an option in the help, its default included. */
export function optionText(o: OptionSpec): string {
  return o.type === 'string' && o.default !== undefined ? `${o.help} (default: ${o.default})` : o.help;
}

/** Lines no wider than the help's paragraphs, where the words allow. */
export const HELP_WIDTH = 92;

/** The Options section: the heads in one column, each text wrapped beside its head. */
export function optionsHelp(options: OptionSpecs): string {
  const entries = withHelp(options);
  const column = Math.max(...entries.map(([name, o]) => optionHead(name, o).length)) + 2;
  return entries
    .map(([name, o]) => {
      const indent = ' '.repeat(2 + column);
      const lines: string[] = [];
      let line = `  ${optionHead(name, o).padEnd(column)}`;
      let empty = true;
      for (const word of optionText(o).split(/\s+/)) {
        if (!empty && line.length + 1 + word.length > HELP_WIDTH) {
          lines.push(line);
          line = indent;
          empty = true;
        }
        line += empty ? word : ` ${word}`;
        empty = false;
      }
      lines.push(line);
      return lines.join('\n');
    })
    .join('\n');
}
