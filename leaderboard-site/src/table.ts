import { formatInterval, formatJoules, formatMiB, formatMs, formatScore } from '../../runner/src/format/units.js';
import { html, type SafeHtml } from './html.js';
import { VERSUS_LEADER, type VersusLeader } from '../../runner/src/results/versus-leader.js';

/**
 * A phase's table, as the build writes it to data/<phase>.json and the page's script reads it
 * back: the one contract between the two, and the one row markup both of them write. Shared by
 * the build and the browser script (bundled in), so it uses no Node API.
 */

/** Efficiency columns, shown only when some record of the phase has them. */
export const COSTS = [
  { key: 'per_sample_ms', label: 'Time per item', unit: 'ms', format: formatMs },
  { key: 'peak_memory_bytes', label: 'Peak memory', unit: 'MiB', format: formatMiB },
  { key: 'energy_j', label: 'Energy', unit: 'J', format: formatJoules },
] as const satisfies readonly { key: string; label: string; unit: string; format: (v: number) => string }[];

export type Cost = (typeof COSTS)[number];
export type CostKey = Cost['key'];

/** A metric as the page's script needs it. */
export interface MetricInfo {
  name: string;
  label: string;
  dir: 'max' | 'min';
  primary: boolean;
}

export interface CostInfo {
  key: CostKey;
  label: string;
  unit: string;
}

/** One row of a phase's table. */
export interface Row {
  /** In the one-row-per-team view; its rank there (absent for baselines) and in the all view. */
  p?: 1;
  r?: number;
  ra?: number;
  t: string;
  n: string;
  /** The record's key: it is shown at s/<phase>/<t>.html#<n>.<k>. */
  k: string;
  d: string;
  b?: 1;
  /** Better than the leader or tied with it, by the paired bootstrap; absent otherwise. */
  vs?: Exclude<VersusLeader, 'behind'>;
  v: (number | null)[];
  lo: (number | null)[];
  hi: (number | null)[];
  c: (number | null)[];
}

/** data/<phase>.json. */
export interface PhaseData {
  metrics: MetricInfo[];
  costs: CostInfo[];
  rows: Row[];
}

/** A team's page in a phase, relative to the site root. */
export function teamPage(phase: string, team: string): string {
  return `s/${phase}/${team}.html`;
}

/** Where a record is shown: its section on its team's page. */
export function recordPage(r: { id: string }): string {
  const [phase, team, name, key] = r.id.split('/') as [string, string, string, string];
  return `${teamPage(phase, team)}#${name}.${key}`;
}

const formats = new Map<string, (v: number) => string>(COSTS.map((c) => [c.key, c.format]));

/** One table row, with the given rank (the view decides which). */
export function rowHtml(
  row: Row,
  phase: string,
  rank: number | undefined,
  metrics: readonly MetricInfo[],
  costs: readonly CostInfo[],
): SafeHtml {
  const cells = metrics.map((m, i) => {
    const v = row.v[i];
    if (v === null || v === undefined) return html`<td class="num">—</td>`;
    const low = row.lo[i];
    const high = row.hi[i];
    const ci =
      typeof low === 'number' &&
      typeof high === 'number' &&
      html`<span class="ci">${formatInterval({ low, high }, { tight: true })}</span>`;
    return html`<td class="num${m.primary ? ' primary' : ''}">${formatScore(v)}${ci}</td>`;
  });
  const cost = costs.map((col, i) => {
    const x = row.c[i];
    return x === null || x === undefined
      ? html`<td class="num" title="not measured">—</td>`
      : html`<td class="num">${formats.get(col.key)!(x)}</td>`;
  });
  const tie = row.vs && versusMark(row.vs);
  const base = row.b && html` <span class="baseline">baseline</span>`;
  const href = recordPage({ id: `${phase}/${row.t}/${row.n}/${row.k}` });
  return html`<tr><td class="num">${rank}${tie}</td><td>${row.t}${base}</td><td><a href="${href}">${row.n}</a></td>${cells}${cost}<td><time>${row.d}</time></td></tr>`;
}

/** The mark of an entry better than the leader or tied with it, explained on hover. */
export function versusMark(v: VersusLeader | undefined): SafeHtml | undefined {
  const said = v && VERSUS_LEADER[v];
  return said?.mark === undefined ? undefined : html` <abbr class="vs ${v}" title="${said.text} (paired bootstrap)">${said.mark}</abbr>`;
}
