/**
 * The leaderboard's only script: sort by any column, filter by team or submission, switch
 * between the best per team and all submissions, and page through the rows, from the phase's
 * JSON. Without it the page still shows the first rows and the charts. Bundled at build time
 * (scripts/bundle-browser.mjs) into the site's site.js, with the row markup and number formats
 * the build itself uses.
 */
import { html } from '../src/html.js';
import { rowHtml, type PhaseData, type Row } from '../src/table.js';

const PAGE = 100;

// Dates are written in UTC; each reader also sees them in their own time zone.
for (const t of document.querySelectorAll<HTMLTimeElement>('time[data-local]')) {
  const d = new Date(t.dateTime);
  if (Number.isNaN(d.getTime())) continue;
  const local = document.createElement('span');
  local.className = 'local';
  local.textContent = `(${d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })} your time)`;
  t.after(' ', local);
}

for (const section of document.querySelectorAll<HTMLElement>('section.phase')) {
  const table = section.querySelector('table');
  if (table) interactive(section, table);
}

/** Sorting, filtering, the two views and paging for one phase's table. */
function interactive(section: HTMLElement, table: HTMLTableElement): void {
  const tbody = table.tBodies[0]!;
  const head = table.tHead!.rows[0]!;
  const filter = section.querySelector<HTMLInputElement>('.filter')!;
  const view = section.querySelector<HTMLSelectElement>('.view')!;
  const count = section.querySelector<HTMLElement>('.count')!;
  const more = section.querySelector<HTMLButtonElement>('.more')!;
  const controls = section.querySelector<HTMLElement>('.controls')!;
  const phase = section.dataset['phase']!;
  controls.hidden = false;
  const state = { view: view.value, key: 'rank', dir: 1, q: '', shown: PAGE };
  let loading: Promise<PhaseData> | undefined;
  const load = (): Promise<PhaseData> =>
    // A board other than the phase's official one (the post-challenge board) names its own table.
    (loading ??= fetch(section.dataset['src'] ?? `data/${encodeURIComponent(phase)}.json`).then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json() as Promise<PhaseData>;
    }));
  const rank = (row: Row) => (state.view === 'all' ? row.ra : row.r);
  const value = (row: Row, key: string): string | number | null | undefined => {
    if (key === 'rank') return rank(row);
    if (key === 'team') return row.t;
    if (key === 'name') return row.n;
    if (key === 'date') return row.d;
    return (key[0] === 'v' ? row.v : row.c)[Number(key.slice(1))];
  };
  const render = (d: PhaseData) => {
    const q = state.q.toLowerCase();
    const rows = d.rows.filter(
      (r) => (state.view === 'all' || r.p) && (!q || r.t.toLowerCase().includes(q) || r.n.toLowerCase().includes(q)),
    );
    const k = state.key;
    const order = (a: Row, b: Row) => (a.ra ?? 1e9) - (b.ra ?? 1e9);
    rows.sort((a, b) => {
      const x = value(a, k);
      const y = value(b, k);
      if (x === y) return order(a, b);
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      const c = typeof x === 'string' ? x.localeCompare(String(y)) : x - Number(y);
      return c * state.dir || order(a, b);
    });
    tbody.innerHTML = html`${rows.slice(0, state.shown).map((r) => rowHtml(r, phase, rank(r), d.metrics, d.costs))}`.toString();
    count.textContent = `Showing ${Math.min(state.shown, rows.length)} of ${rows.length}.`;
    more.hidden = rows.length <= state.shown;
    for (const th of head.cells)
      th.setAttribute('aria-sort', th.dataset['key'] === k ? (state.dir > 0 ? 'ascending' : 'descending') : 'none');
  };
  const failed = (e: unknown) => {
    count.textContent = `The full table could not be loaded (${e instanceof Error ? e.message : String(e)}).`;
  };
  const update = () => load().then(render, failed);
  for (const th of head.cells) {
    th.querySelector('button')!.addEventListener('click', () => {
      const key = th.dataset['key']!;
      load().then((d) => {
        if (state.key === key) state.dir = -state.dir;
        else {
          state.key = key;
          // Best first for metrics, newest first for dates, otherwise A to Z and low to high.
          const m = key[0] === 'v' ? d.metrics[Number(key.slice(1))] : undefined;
          state.dir = m?.dir === 'max' || key === 'date' ? -1 : 1;
        }
        state.shown = PAGE;
        render(d);
      }, failed);
    });
  }
  filter.addEventListener('input', () => {
    state.q = filter.value;
    state.shown = PAGE;
    void update();
  });
  const legend = section.querySelector<HTMLElement>('.legend');
  view.addEventListener('change', () => {
    state.view = view.value;
    // The marks explained are those of the view now shown.
    if (legend) legend.textContent = (state.view === 'all' ? legend.dataset.all : legend.dataset.best) ?? '';
    state.shown = PAGE;
    void update();
  });
  more.addEventListener('click', () => {
    state.shown += PAGE;
    void update();
  });
  if (Number(count.textContent?.match(/of (\d+)/)?.[1] ?? 0) > PAGE) more.hidden = false;
  // The full table is fetched once the page is shown, so a sort or a search answers at once.
  addEventListener('load', () => setTimeout(load, 0), { once: true });
}
