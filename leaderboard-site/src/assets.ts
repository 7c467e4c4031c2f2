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
.vs { text-decoration: none; color: var(--accent); font-weight: 600; }
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
.status.notice { border-left: 4px solid #9a6700; padding-left: .6em; }
@media (prefers-color-scheme: dark) { .status.ok { color: #3fb950; } .status.bad { color: #ff7b72; } }
tr[aria-current] td { font-weight: 600; }
iframe.detailed { width: 100%; min-height: 16rem; border: 1px solid var(--line); background: #fff; }
article.submission { border-top: 2px solid var(--line); margin-top: 2rem; }
article.submission:target { border-top-color: var(--accent); }
article.submission h2 small { font-weight: 400; }
code { overflow-wrap: anywhere; }
table.phases th, table.phases td { white-space: normal; min-width: 7rem; }
table.phases th[scope="row"] { min-width: 10rem; }
table.phases time { white-space: nowrap; }
.note { display: block; color: var(--muted); font-size: .9rem; font-weight: 400; }
`;
