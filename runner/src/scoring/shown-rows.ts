import { truncate } from '../contracts/problems.js';
import type { Table } from './table.js';

/** How messages show a participant's rows. */
export interface QuoteOptions {
  /**
   * Whether a message may quote the rows: yes for a participant's own file; no for what a
   * container or endpoint produced from hidden inputs, which could carry those inputs out.
   * Without quotes, messages give line numbers and counts only.
   */
  quote?: boolean;
}

/** A row as the participant wrote it, from the columns read (in the order they were asked for). */
export function rowText(table: Table, i: number): string {
  const parts = [...table.columns.values()].map((c) => {
    if (c.kind === 'key') return c.keys.get(i);
    if (c.kind === 'category') return c.values[c.codes[i]!]!;
    return String(c.values[i]);
  });
  return truncate(parts.join(table.trec ? ' ' : ','));
}

/** Up to three rows, quoted or by line number only. */
export function shownRows(t: Table, rows: readonly number[], quote: boolean): string {
  return rows
    .slice(0, 3)
    .map((i) => (quote ? `line ${t.lines[i]}: "${rowText(t, i)}"` : `line ${t.lines[i]}`))
    .join('; ');
}
