import { describe, expect, it } from 'vitest';
import { parse, type OptionSpec } from '../../runner/src/cli/args.js';
import { UsageError } from '../../runner/src/cli/io.js';
import { COMMANDS } from '../../runner/src/cli/main.js';
import { captureIO } from '../helpers/competition.js';
import { main } from '../../runner/src/cli/main.js';

interface Documented {
  short?: string;
  value?: string;
  text: string;
}

/** The Options section of a help text read back: each option with its short form, value and text. */
function documentedOptions(help: string): Map<string, Documented> {
  const section = /\nOptions:\n([\s\S]*?)(?:\n\n|\n?$)/.exec(help);
  if (!section) throw new Error('no Options section');
  const found = new Map<string, Documented>();
  let last: Documented | undefined;
  for (const line of section[1]!.split('\n')) {
    const head = /^ {2}(?:-(\w), )?--([a-z][a-z-]*)(?: (\S+))? {2,}(\S.*)$/.exec(line);
    if (head) {
      last = { ...(head[1] ? { short: head[1] } : {}), ...(head[3] ? { value: head[3] } : {}), text: head[4]! };
      found.set(head[2]!, last);
    } else if (last && /^ {4,}\S/.test(line)) last.text += ` ${line.trim()}`;
    else throw new Error(`a line of the Options section that is neither an option nor its continuation: "${line}"`);
  }
  return found;
}

/** What the declaration says the help must show for an option. */
function expected(o: OptionSpec): Documented {
  return {
    ...(o.short ? { short: o.short } : {}),
    // An option that may be given alone shows its value in brackets.
    ...(o.type === 'string' ? { value: o.bare !== undefined ? `[${o.value}]` : o.value } : {}),
    text: o.type === 'string' && o.default !== undefined ? `${o.help} (default: ${o.default})` : o.help,
  };
}

describe('help made from the option declarations', () => {
  it.each(COMMANDS.map((c) => c.name))('%s --help documents exactly the options it parses', async (name) => {
    const command = await COMMANDS.find((c) => c.name === name)!.load();
    const io = captureIO('/');
    expect(await main([name, '--help'], io)).toBe(0);
    expect(io.out()).toBe(command.help);

    const documented = documentedOptions(io.out());
    const declared = Object.entries(command.options);
    expect([...documented.keys()].sort()).toEqual([...declared.map(([n]) => n), 'help'].sort());
    for (const [option, spec] of declared) expect(documented.get(option), `--${option}`).toEqual(expected(spec));
    expect(documented.get('help')).toEqual({ short: 'h', text: 'show this help' });

    // Every documented option is taken, and one that is not documented is refused.
    for (const [option, spec] of declared) {
      const argv = spec.type === 'string' ? [`--${option}`, spec.choices?.[0] ?? 'x'] : [`--${option}`];
      expect(() => parse(argv, command.options), `--${option}`).not.toThrow();
    }
    expect(() => parse(['--not-an-option'], command.options)).toThrow(UsageError);

    // The usage lines name declared options only.
    const usage = io.out().slice(0, io.out().indexOf('\n\n'));
    for (const [, option] of usage.matchAll(/--([a-z][a-z-]*)/g))
      expect(command.options, `--${option} in the usage`).toHaveProperty([option!]);
  });

  it('reads a help text back, so that the check above can fail', () => {
    const help =
      'Usage: podium x\n\nOptions:\n  --out FILE  where it goes\n              (and more)\n  -q, --quiet say less\n\nExample:\n  podium x\n';
    // The second option is written with one space before its text: not an option line.
    expect(() => documentedOptions(help)).toThrow('neither an option nor its continuation');
    const good = help.replace('-q, --quiet say', '-q, --quiet  say');
    expect(documentedOptions(good)).toEqual(
      new Map([
        ['out', { value: 'FILE', text: 'where it goes (and more)' }],
        ['quiet', { short: 'q', text: 'say less' }],
      ]),
    );
  });

  it('a string option with a default gets it when not given', () => {
    const options = { branch: { type: 'string', value: 'NAME', help: 'the branch', default: 'results' } } as const;
    expect(parse([], options).values.branch).toBe('results');
    expect(parse(['--branch', 'other'], options).values.branch).toBe('other');
  });
});
