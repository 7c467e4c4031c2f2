import { html, type SafeHtml } from './html.js';

/**
 * Charts as plain SVG written at build time: readable without JavaScript, no library in the
 * page, nothing fetched. Two kinds are enough for a leaderboard: a time series of the best
 * score, and a scatter of score against a cost with its Pareto front.
 */
export interface Point {
  x: number;
  y: number;
  label: string;
  href?: string;
}

const W = 640;
const H = 300;
const M = { top: 16, right: 16, bottom: 44, left: 64 };

function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

interface Axis {
  map(v: number): number;
  ticks: { at: number; text: string }[];
}

function linear(lo: number, hi: number, from: number, to: number, text: (v: number) => string = fmt): Axis {
  const pad = hi > lo ? (hi - lo) * 0.05 : Math.abs(lo) * 0.05 || 1;
  const a = lo - pad;
  const b = hi + pad;
  const map = (v: number) => from + ((v - a) / (b - a)) * (to - from);
  return { map, ticks: ticks(a, b).map((t) => ({ at: map(t), text: text(t) })) };
}

function logarithmic(lo: number, hi: number, from: number, to: number): Axis {
  const a = Math.floor(Math.log10(lo));
  const b = Math.max(a + 1, Math.ceil(Math.log10(hi)));
  const map = (v: number) => from + ((Math.log10(v) - a) / (b - a)) * (to - from);
  const out: { at: number; text: string }[] = [];
  for (let e = a; e <= b; e++) out.push({ at: map(10 ** e), text: fmt(10 ** e) });
  return { map, ticks: out };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Steps a time axis may take: fixed lengths up to two weeks, then calendar months. */
const TIME_STEPS: ({ ms: number } | { months: number })[] = [
  ...[1, 2, 5, 10, 15, 30].map((n) => ({ ms: n * SECOND })),
  ...[1, 2, 5, 10, 15, 30].map((n) => ({ ms: n * MINUTE })),
  ...[1, 2, 3, 6, 12].map((n) => ({ ms: n * HOUR })),
  ...[1, 2, 7, 14].map((n) => ({ ms: n * DAY })),
  ...[1, 2, 3, 6, 12, 24, 60, 120].map((n) => ({ months: n })),
];

/**
 * A UTC time axis whose ticks fall on round times and whose labels say as much as the step
 * needs and no more: seconds, minutes (with the day when the ticks cross midnight), days, or
 * months. A label never repeats its neighbour, since the step is never finer than the label.
 * Within one day the date goes into the axis's caption instead.
 */
function timeAxis(lo: number, hi: number, from: number, to: number, n = 5): { axis: Axis; day?: string } {
  const pad = hi > lo ? (hi - lo) * 0.05 : 30 * MINUTE;
  const a = lo - pad;
  const b = hi + pad;
  const map = (v: number) => from + ((v - a) / (b - a)) * (to - from);
  const monthMs = 30.44 * DAY;
  const step = TIME_STEPS.find((st) => (b - a) / ('ms' in st ? st.ms : st.months * monthMs) <= n) ?? TIME_STEPS.at(-1)!;
  const at: number[] = [];
  if ('ms' in step) {
    // Days and longer from midnight UTC; the epoch is one, so whole multiples fall on round times.
    for (let t = Math.ceil(a / step.ms) * step.ms; t <= b; t += step.ms) at.push(t);
  } else {
    const first = new Date(a);
    let months = first.getUTCFullYear() * 12 + first.getUTCMonth();
    months = Math.ceil(months / step.months) * step.months;
    for (;;) {
      const t = Date.UTC(Math.floor(months / 12), months % 12, 1);
      if (!(t <= b)) break;
      if (t >= a) at.push(t);
      months += step.months;
    }
  }
  const iso = (t: number) => new Date(t).toISOString();
  const days = new Set(at.map((t) => iso(t).slice(0, 10)));
  const size = 'ms' in step ? step.ms : Infinity;
  const text = (t: number): string => {
    if (size < MINUTE) return iso(t).slice(11, 19);
    if (size < DAY) return days.size > 1 ? iso(t).slice(5, 16).replace('T', ' ') : iso(t).slice(11, 16);
    if (size < Infinity) return iso(t).slice(0, 10);
    return 'months' in step && step.months % 12 === 0 ? iso(t).slice(0, 4) : iso(t).slice(0, 7);
  };
  const day = size < DAY && days.size <= 1 ? iso(at[0] ?? lo).slice(0, 10) : undefined;
  return { axis: { map, ticks: at.map((t) => ({ at: map(t), text: text(t) })) }, ...(day ? { day } : {}) };
}

function frame(title: string, xLabel: string, yLabel: string, x: Axis, y: Axis, body: SafeHtml, desc: string): SafeHtml {
  const grid = y.ticks.map(
    (t) =>
      html`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${t.at.toFixed(1)}" y2="${t.at.toFixed(1)}"/><text class="tick" x="${M.left - 6}" y="${(t.at + 4).toFixed(1)}" text-anchor="end">${t.text}</text>`,
  );
  const xt = x.ticks.map(
    (t) => html`<text class="tick" x="${t.at.toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${t.text}</text>`,
  );
  return html`<figure class="chart"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}"><title>${title}</title><desc>${desc}</desc>
<g>${grid}${xt}</g>
<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}"/><line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}"/>
<text class="label" x="${(M.left + W - M.right) / 2}" y="${H - 6}" text-anchor="middle">${xLabel}</text>
<text class="label" transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>
${body}</svg><figcaption>${title}</figcaption></figure>`;
}

function dot(cx: number, cy: number, p: Point, cls: string): SafeHtml {
  const c = html`<circle class="${cls}" cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="4"><title>${p.label}</title></circle>`;
  return p.href ? html`<a href="${p.href}">${c}</a>` : c;
}

/**
 * The best score so far over time: every submission as a dot, the running best as a step
 * line. `better(a, b)` says whether a beats b.
 */
export function progressChart(
  title: string,
  yLabel: string,
  points: readonly Point[],
  maximize: boolean,
  dotted?: ReadonlySet<Point>,
): SafeHtml | undefined {
  const pts = [...points].sort((a, b) => a.x - b.x);
  if (pts.length === 0) return undefined;
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const { axis: x, day } = timeAxis(Math.min(...xs), Math.max(...xs), M.left, W - M.right);
  const y = linear(Math.min(...ys), Math.max(...ys), H - M.bottom, M.top);
  let best: number | undefined;
  const steps: string[] = [];
  const records = new Set<Point>();
  for (const p of pts) {
    if (best === undefined || (maximize ? p.y > best : p.y < best)) {
      if (best !== undefined) steps.push(`L${x.map(p.x).toFixed(1)},${y.map(best).toFixed(1)}`);
      best = p.y;
      records.add(p);
      steps.push(`${steps.length === 0 ? 'M' : 'L'}${x.map(p.x).toFixed(1)},${y.map(best).toFixed(1)}`);
    }
  }
  steps.push(`L${(W - M.right).toFixed(1)},${y.map(best!).toFixed(1)}`);
  // With thousands of submissions, dots only for the given ones (each team's best) and for
  // every submission that set a new best; the line itself uses them all.
  const dots = pts
    .filter((p) => !dotted || dotted.has(p) || records.has(p))
    .map((p) => dot(x.map(p.x), y.map(p.y), p, records.has(p) ? 'pt front' : 'pt'));
  const desc = `Best ${yLabel} over time: ${fmt(pts[0]!.y)} at first, ${fmt(best!)} now, over ${pts.length} submission(s).`;
  return frame(
    title,
    `submitted (UTC)${day ? `, ${day}` : ''}`,
    yLabel,
    x,
    y,
    html`<path class="best" d="${steps.join('')}"/>${dots}`,
    desc,
  );
}

/** Indices of the points no other point beats on both cost (lower) and score. */
export function paretoFront(points: readonly Point[], maximize: boolean): Set<number> {
  const order = points
    .map((_, i) => i)
    .sort((a, b) => points[a]!.x - points[b]!.x || (maximize ? points[b]!.y - points[a]!.y : points[a]!.y - points[b]!.y));
  const front = new Set<number>();
  let best: number | undefined;
  for (const i of order) {
    const y = points[i]!.y;
    if (best === undefined || (maximize ? y > best : y < best)) {
      front.add(i);
      best = y;
    }
  }
  return front;
}

/** Score against a cost (log scale), the Pareto front joined and highlighted. */
export function costChart(
  title: string,
  xLabel: string,
  yLabel: string,
  points: readonly Point[],
  maximize: boolean,
): SafeHtml | undefined {
  const pts = points.filter((p) => p.x > 0 && Number.isFinite(p.x));
  if (pts.length === 0) return undefined;
  const x = logarithmic(Math.min(...pts.map((p) => p.x)), Math.max(...pts.map((p) => p.x)), M.left, W - M.right);
  const y = linear(Math.min(...pts.map((p) => p.y)), Math.max(...pts.map((p) => p.y)), H - M.bottom, M.top);
  const front = paretoFront(pts, maximize);
  const line = [...front]
    .map((i) => pts[i]!)
    .sort((a, b) => a.x - b.x)
    .map((p, k) => `${k === 0 ? 'M' : 'L'}${x.map(p.x).toFixed(1)},${y.map(p.y).toFixed(1)}`)
    .join('');
  const dots = pts.map((p, i) => dot(x.map(p.x), y.map(p.y), p, front.has(i) ? 'pt front' : 'pt'));
  const desc = `${pts.length} submission(s); ${front.size} on the Pareto front (no other is both cheaper and better).`;
  return frame(title, xLabel, yLabel, x, y, html`<path class="pareto" d="${line}"/>${dots}`, desc);
}
