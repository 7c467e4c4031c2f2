import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '../contracts/problems.js';
import { UsageError } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, with messages that name the command and suggest the right option. */
export function parse<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e: unknown) {
    const message = e instanceof Error ? e.message : String(e);
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message);
    if (unknown) {
      const names = Object.keys(options).map((n) => `--${n}`);
      throw new UsageError(`unknown option ${unknown[1]}.${didYouMean(unknown[1]!, names)}`, command);
    }
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, '.'), command);
  }
}

export function required(command: string, value: string | undefined, option: string): string {
  if (value === undefined || value === '') throw new UsageError(`${option} is required.`, command);
  return value;
}
