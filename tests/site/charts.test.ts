import { describe, expect, it } from 'vitest';
import { progressChart, type Point } from '../../leaderboard-site/src/charts.js';

/** The time axis of the best-over-time chart: labels chosen by the span, never the same twice in a row. */
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const start = Date.parse('2026-03-01T09:58:00Z');

function points(span: number, n = 6): Point[] {
  return Array.from({ length: n }, (_, i) => ({ x: start + (n > 1 ? (span * i) / (n - 1) : 0), y: 0.5 + i / 100, label: `s${i}` }));
}

/** The x axis's tick labels (anchored in the middle; the y axis's are anchored at the end). */
function xTicks(span: number, n?: number): string[] {
  const svg = String(progressChart('Best', 'accuracy', points(span, n), true));
  return [...svg.matchAll(/<text class="tick" [^>]*text-anchor="middle">([^<]*)<\/text>/g)].map((m) => m[1]!);
}

function axisLabel(span: number): string {
  const svg = String(progressChart('Best', 'accuracy', points(span), true));
  return /<text class="label" [^>]*text-anchor="middle">([^<]*)<\/text>/.exec(svg)![1]!;
}

describe('the time axis of the best-over-time chart', () => {
  it.each([
    ['seconds', 40_000, /^\d\d:\d\d:\d\d$/],
    ['minutes', 4 * MIN, /^\d\d:\d\d$/],
    ['an hour', 50 * MIN, /^\d\d:\d\d$/],
    ['hours', 9 * HOUR, /^\d\d:\d\d$/],
    ['hours across midnight', 20 * HOUR, /^\d\d-\d\d \d\d:\d\d$/],
    ['days', 6 * DAY, /^\d{4}-\d\d-\d\d$/],
    ['weeks', 40 * DAY, /^\d{4}-\d\d-\d\d$/],
    ['months', 300 * DAY, /^\d{4}-\d\d$/],
    ['years', 4 * 365 * DAY, /^\d{4}(-\d\d)?$/],
  ])('%s: labels in the form the span needs, none repeated', (_, span, form) => {
    const ticks = xTicks(span);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(8);
    for (const t of ticks) expect(t).toMatch(form);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i], ticks.join(' | ')).not.toBe(ticks[i - 1]);
  });

  it('ticks fall on round times: whole minutes for minutes, the start of a month for months', () => {
    expect(xTicks(4 * MIN)).toEqual(['09:58', '09:59', '10:00', '10:01', '10:02']);
    expect(xTicks(300 * DAY).every((t) => /^\d{4}-\d\d$/.test(t))).toBe(true);
  });

  it('within one day the axis names the date the times are on', () => {
    expect(axisLabel(4 * MIN)).toBe('submitted (UTC), 2026-03-01');
    expect(axisLabel(6 * DAY)).toBe('submitted (UTC)');
  });

  it('a single submission still gets a readable axis', () => {
    const ticks = xTicks(0, 1);
    expect(ticks.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]).not.toBe(ticks[i - 1]);
  });
});
