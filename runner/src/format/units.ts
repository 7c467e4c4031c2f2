/**
 * How Podium writes numbers for people: scores and their intervals, times, memory, energy.
 * One copy, shared by the terminal, the pull-request comment, the site's pages and the site's
 * browser script (bundled in), so a figure reads the same wherever it is shown. Pure and free
 * of Node and DOM APIs for that reason.
 */

const MIB = 1024 * 1024;

/** A metric's value: four decimals, or exponent form when it is very small or very large. */
export function formatScore(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(3);
  return v.toFixed(4);
}

/**
 * A confidence interval, "low – high". `tight` leaves out the spaces, for a table cell where the
 * interval sits in small type under its score.
 */
export function formatInterval(ci: { low: number; high: number }, opts: { tight?: boolean } = {}): string {
  return `${formatScore(ci.low)}${opts.tight ? '–' : ' – '}${formatScore(ci.high)}`;
}

/** Two decimals below 10, whole numbers from there: enough to compare, short enough for a column. */
function compact(v: number): string {
  return v < 10 ? v.toFixed(2) : v.toFixed(0);
}

/** Milliseconds (time per item, latency). */
export function formatMs(ms: number): string {
  return `${compact(ms)} ms`;
}

/** Memory in MiB: one decimal below 10 MiB, whole MiB from there. */
export function formatMiB(bytes: number): string {
  return `${(bytes / MIB).toFixed(bytes < 10 * MIB ? 1 : 0)} MiB`;
}

/** Energy in joules. */
export function formatJoules(j: number): string {
  return `${compact(j)} J`;
}

/** Seconds: three significant digits, whole seconds from 100 s. */
export function formatSeconds(s: number): string {
  return s >= 100 ? `${Math.round(s)} s` : `${s.toPrecision(3)} s`;
}
