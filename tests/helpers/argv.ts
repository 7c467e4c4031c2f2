/**
 * Command-line arguments from an object of options, then the positional arguments:
 * `argv({ competition: dir, idColumn: 'key', json: true, q: true }, sub)` gives
 * `['--competition', dir, '--id-column', 'key', '--json', '-q', sub]`. A name in camelCase
 * becomes kebab-case, a one-letter name a short option; `true` gives the bare option, and
 * `false` or `undefined` leaves it out. Options keep the object's order.
 */
export function argv(options: Record<string, string | number | boolean | undefined>, ...positional: string[]): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(options)) {
    if (value === false || value === undefined) continue;
    out.push(name.length === 1 ? `-${name}` : `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    if (value !== true) out.push(String(value));
  }
  return [...out, ...positional];
}
