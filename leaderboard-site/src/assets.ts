/** The site's one stylesheet: system fonts, light and dark, readable at phone width. */
export const STYLE = `:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad; --pt: #57606a; --best: #0b5cad; --front: #b35900; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9da7b3; --line: #30363d; --accent: #6cb6ff; --pt: #9da7b3; --best: #6cb6ff; --front: #f0883e; } }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 72rem; padding: 1rem; }
header .site { margin: 0; font-weight: 600; }
header .site a { color: var(--fg); text-decoration: none; }
nav a { margin-right: 1rem; }
h1 { margin: .5rem 0 .25rem; }
.meta, footer, .count, .local { color: var(--muted); font-size: .9rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .35rem .5rem; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; vertical-align: top; }
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; text-align: inherit; }
th[aria-sort="ascending"] button::after { content: " ▲"; color: var(--accent); }
th[aria-sort="descending"] button::after { content: " ▼"; color: var(--accent); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.primary { font-weight: 600; }
.dir { color: var(--muted); margin-left: .2rem; }
.ci { display: block; color: var(--muted); font-size: .8rem; font-weight: 400; }
.tie { text-decoration: none; color: var(--accent); font-weight: 600; }
.baseline { font-size: .75rem; border: 1px solid var(--line); border-radius: .25rem; padding: 0 .25rem; color: var(--muted); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.controls { display: flex; flex-wrap: wrap; gap: 1rem; margin: .5rem 0; }
.controls[hidden], .more[hidden] { display: none; }
input, select, .more { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: .25rem; padding: .25rem .5rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 28rem), 1fr)); gap: 1rem; margin-top: 1rem; }
.chart { margin: 0; }
.chart svg { width: 100%; height: auto; }
.chart figcaption { color: var(--muted); font-size: .9rem; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .axis { stroke: var(--muted); }
.chart .tick, .chart .label { fill: var(--muted); font-size: 12px; }
.chart .pt { fill: var(--pt); fill-opacity: .55; }
.chart .front { fill: var(--front); fill-opacity: 1; }
.chart .best { fill: none; stroke: var(--best); stroke-width: 2; }
.chart .pareto { fill: none; stroke: var(--front); stroke-width: 2; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
.facts dt { font-weight: 600; } .facts dd { margin: 0; overflow-wrap: anywhere; }
dl:not(.facts) dt { font-weight: 600; } dl:not(.facts) dd { margin: 0 0 .5rem 1rem; }
.status.ok { color: #1a7f37; } .status.bad { color: #cf222e; }
@media (prefers-color-scheme: dark) { .status.ok { color: #3fb950; } .status.bad { color: #ff7b72; } }
tr[aria-current] td { font-weight: 600; }
iframe.detailed { width: 100%; min-height: 16rem; border: 1px solid var(--line); background: #fff; }
article.submission { border-top: 2px solid var(--line); margin-top: 2rem; }
article.submission:target { border-top-color: var(--accent); }
article.submission h2 small { font-weight: 400; }
code { overflow-wrap: anywhere; }
`;

/**
 * The leaderboard's only script: sort by any column, filter by team or submission, switch
 * between the best per team and all submissions, and page through the rows, from the phase's
 * JSON. Without it the page still shows the first rows and the charts.
 */
export const SCRIPT = `(() => {
  'use strict';
  const PAGE = 100;
  const fmt = (v) => {
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : v.toFixed(4);
  };
  const costFmt = {
    per_sample_ms: (v) => (v < 10 ? v.toFixed(2) : v.toFixed(0)) + ' ms',
    peak_memory_bytes: (v) => (v / 1048576).toFixed(v < 10 * 1048576 ? 1 : 0) + ' MiB',
    energy_j: (v) => (v < 10 ? v.toFixed(2) : v.toFixed(0)) + ' J',
  };
  // Dates are written in UTC; each reader also sees them in their own time zone.
  for (const t of document.querySelectorAll('time[data-local]')) {
    const d = new Date(t.dateTime);
    if (Number.isNaN(d.getTime())) continue;
    const local = d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    t.insertAdjacentHTML('afterend', ' <span class="local">(' + local.replace(/[&<>]/g, '') + ' your time)</span>');
  }
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  for (const section of document.querySelectorAll('section.phase')) {
    const table = section.querySelector('table');
    if (!table) continue;
    const tbody = table.tBodies[0];
    const filter = section.querySelector('.filter');
    const view = section.querySelector('.view');
    const count = section.querySelector('.count');
    const more = section.querySelector('.more');
    section.querySelector('.controls').hidden = false;
    const state = { view: view.value, key: 'rank', dir: 1, q: '', shown: PAGE };
    let data = null;
    let loading = null;
    const load = () =>
      (loading ??= fetch('data/' + encodeURIComponent(section.dataset.phase) + '.json')
        .then((r) => {
          if (!r.ok) throw new Error('HTTP ' + r.status);
          return r.json();
        })
        .then((d) => (data = d)));
    const value = (row, key) => {
      if (key === 'rank') return state.view === 'all' ? row.ra : row.r;
      if (key === 'team') return row.t;
      if (key === 'name') return row.n;
      if (key === 'date') return row.d;
      return key[0] === 'v' ? row.v[+key.slice(1)] : row.c[+key.slice(1)];
    };
    const rowHtml = (row) => {
      const rank = state.view === 'all' ? row.ra : row.r;
      const tie = row.tie ? ' <abbr class="tie" title="statistically tied with the leader (paired bootstrap)">≈</abbr>' : '';
      const base = row.b ? ' <span class="baseline">baseline</span>' : '';
      const cells = data.metrics.map((m, i) => {
        const v = row.v[i];
        if (v === null) return '<td class="num">—</td>';
        const ci = row.lo[i] !== null && row.hi[i] !== null ? '<span class="ci">' + fmt(row.lo[i]) + '–' + fmt(row.hi[i]) + '</span>' : '';
        return '<td class="num' + (m.primary ? ' primary' : '') + '">' + fmt(v) + ci + '</td>';
      }).join('');
      const costs = data.costs.map((c, i) =>
        row.c[i] === null ? '<td class="num" title="not measured">—</td>' : '<td class="num">' + costFmt[c.key](row.c[i]) + '</td>').join('');
      const href = 's/' + section.dataset.phase + '/' + row.t + '.html#' + row.n + '.' + row.k;
      return '<tr><td class="num">' + (rank ?? '') + tie + '</td><td>' + esc(row.t) + base + '</td><td><a href="' + esc(href) + '">' +
        esc(row.n) + '</a></td>' + cells + costs + '<td><time>' + esc(row.d) + '</time></td></tr>';
    };
    const render = () => {
      const q = state.q.toLowerCase();
      const rows = data.rows.filter((r) => (state.view === 'all' || r.p) &&
        (!q || r.t.toLowerCase().includes(q) || r.n.toLowerCase().includes(q)));
      const k = state.key;
      rows.sort((a, b) => {
        const x = value(a, k);
        const y = value(b, k);
        if (x === y) return (a.ra ?? 1e9) - (b.ra ?? 1e9);
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (typeof x === 'string' ? x.localeCompare(y) : x - y) * state.dir || (a.ra ?? 1e9) - (b.ra ?? 1e9);
      });
      tbody.innerHTML = rows.slice(0, state.shown).map(rowHtml).join('');
      count.textContent = 'Showing ' + Math.min(state.shown, rows.length) + ' of ' + rows.length + '.';
      more.hidden = rows.length <= state.shown;
      for (const th of table.tHead.rows[0].cells)
        th.setAttribute('aria-sort', th.dataset.key === k ? (state.dir > 0 ? 'ascending' : 'descending') : 'none');
    };
    const failed = (e) => {
      count.textContent = 'The full table could not be loaded (' + e.message + ').';
    };
    const update = () => load().then(render, failed);
    for (const th of table.tHead.rows[0].cells) {
      th.querySelector('button').addEventListener('click', () => {
        const key = th.dataset.key;
        load().then(() => {
          if (state.key === key) state.dir = -state.dir;
          else {
            state.key = key;
            // Best first for metrics, newest first for dates, otherwise A to Z and low to high.
            const m = key[0] === 'v' ? data.metrics[+key.slice(1)] : null;
            state.dir = (m && m.dir === 'max') || key === 'date' ? -1 : 1;
          }
          state.shown = PAGE;
          render();
        }, failed);
      });
    }
    filter.addEventListener('input', () => {
      state.q = filter.value;
      state.shown = PAGE;
      update();
    });
    view.addEventListener('change', () => {
      state.view = view.value;
      state.shown = PAGE;
      update();
    });
    more.addEventListener('click', () => {
      state.shown += PAGE;
      update();
    });
    if (section.querySelector('.count').textContent.match(/of (\\d+)/)?.[1] > PAGE) more.hidden = false;
    // The full table is fetched once the page is shown, so a sort or a search answers at once.
    addEventListener('load', () => setTimeout(load, 0), { once: true });
  }
})();
`;
