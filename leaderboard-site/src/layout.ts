import type { Competition } from '../../runner/src/competition/load.js';
import { html, type SafeHtml } from './html.js';

/** What every page shares: the site's title, when it was built and from how many records. */
export interface SiteContext {
  competition: Competition;
  /** ISO time of the build, shown in the footer. */
  generated: string;
  records: number;
}

/**
 * The frame around every page: header with the site's navigation, the page's own content, the
 * footer. `root` leads from the page back to the site root ('' or '../../'), so every link is
 * relative and the site works from a GitHub Pages sub-path.
 */
export function page(site: SiteContext, p: { root: string; title: string; body: SafeHtml; script?: boolean }): string {
  const { root, title } = p;
  const name = site.competition.config.title;
  // A task's site lies two folders below the competition's (tasks/<id>/), whose root lists every task.
  const allTasks = site.competition.task && html` <a href="${root}../../index.html">All tasks</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — ${name}</title>
<link rel="stylesheet" href="${root}style.css">
<link rel="icon" href="data:,">
</head>
<body>
<header>
<p class="site"><a href="${root}index.html">${name}</a></p>
<nav aria-label="site"><a href="${root}index.html">Leaderboard</a> <a href="${root}competition.html">Competition</a> <a href="${root}leaderboard.csv">CSV</a> <a href="${root}leaderboard.json">JSON</a>${allTasks}</nav>
<h1>${title}</h1>
</header>
<main>
${p.body}
</main>
<footer><p>Built by Podium from ${site.records} result record(s) at ${site.generated}. Every score is recomputed from the records on the <code>results</code> branch.</p></footer>
${p.script && html`<script src="${root}site.js" defer></script>`}
</body>
</html>
`.toString();
}
