import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scoringSpec, type Competition, type CompetitionMetric } from '../../runner/src/competition/load.js';
import { predictionFormat } from '../../runner/src/competition/format.js';
import type { ResultRecord, ScoredResult } from '../../runner/src/results/schema.js';
import { computeStandings, revealedStandings, type PhaseStandings, type Standing } from '../../runner/src/results/standings.js';
import { checkReveal, revealPath, type Reveal } from '../../runner/src/results/seal.js';
import { formatScore } from '../../runner/src/format/units.js';
import { SCRIPT, STYLE } from './assets.js';
import { costChart, progressChart, type Point } from './charts.js';
import { escapeHtml, safeUrl } from './html.js';

export { escapeHtml } from './html.js';

export interface SiteInput {
  competition: Competition;
  records: readonly ResultRecord[];
  outDir: string;
  /** Shown in the footer; defaults to now. */
  generatedAt?: Date;
  /** Published reveals of phases whose private scores were sealed (reveals/<phase>.json). */
  reveals?: readonly Reveal[];
}

export interface SiteOutput {
  index: string;
  files: string[];
  standings: PhaseStandings[];
}

/** Rows rendered into the page itself; the rest come from the phase's JSON when asked for. */
export const FIRST_ROWS = 100;

/** Efficiency columns, shown only when some record of the phase has them. */
export const COSTS: {
  key: 'per_sample_ms' | 'peak_memory_bytes' | 'energy_j';
  label: string;
  unit: string;
  format: (v: number) => string;
}[] = [
  { key: 'per_sample_ms', label: 'Time per item', unit: 'ms', format: (v) => `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms` },
  { key: 'peak_memory_bytes', label: 'Peak memory', unit: 'MiB', format: (v) => `${(v / 1048576).toFixed(v < 10 * 1048576 ? 1 : 0)} MiB` },
  { key: 'energy_j', label: 'Energy', unit: 'J', format: (v) => `${v < 10 ? v.toFixed(2) : v.toFixed(0)} J` },
];

/** One row of a phase's table, as the page's script reads it from data/<phase>.json. */
interface Row {
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
  tie?: 1;
  v: (number | null)[];
  lo: (number | null)[];
  hi: (number | null)[];
  c: (number | null)[];
}

/**
 * The static site: a leaderboard per phase with charts, a page per record, a competition page,
 * exports (CSV, JSON, badges). Every link is relative, nothing is fetched from elsewhere, so it
 * works from a GitHub Pages sub-path. Recomputed from the records on every build.
 */
export async function buildSite(input: SiteInput): Promise<SiteOutput> {
  const { competition: c } = input;
  const generated = (input.generatedAt ?? new Date()).toISOString();
  const defaultRule = c.config.leaderboard?.rule ?? 'best-per-team';
  // The one-row-per-team view is the team's best or its last, as competition.yml says.
  const teamRule = defaultRule === 'all' ? 'best-per-team' : defaultRule;
  const best = computeStandings(c, input.records, { rule: teamRule });
  const all = computeStandings(c, input.records, { rule: 'all' });
  const standings = defaultRule === 'all' ? all : best;
  const files = new Map<string, string>();

  const phases = c.config.phases.map((phase, i) => {
    const b = best[i]!;
    const a = all[i]!;
    const costs = COSTS.filter((col) => a.rows.some((r) => r.record.resources?.[col.key] !== undefined));
    const rows = tableRows(b, a, costs);
    files.set(
      `data/${phase.id}.json`,
      JSON.stringify({ metrics: a.metrics.map(metricInfo), costs: costs.map((x) => ({ key: x.key, label: x.label, unit: x.unit })), rows }),
    );
    return { phase, b, a, costs, rows };
  });

  const sections = phases
    .map((p) => {
      const reveal = input.reveals?.find((r) => r.phase === p.phase.id);
      return phaseSection(c, p.b, p.a, p.costs, p.rows, defaultRule) + (reveal ? revealedSections(c, input.records, reveal, p.b) : '');
    })
    .join('\n');
  files.set(
    'index.html',
    page(c, '', 'Leaderboard', `${sections}`, generated, input.records.length, {
      script: true,
    }),
  );
  files.set('competition.html', page(c, '', 'Competition', competitionPage(c), generated, input.records.length, { script: true }));

  // A page per team and phase, with a section per record (linked as page#name.key), and
  // the status history of each submission across its commits. One file per team rather than
  // per record keeps a large site to hundreds of files, not tens of thousands.
  const history = new Map<string, ResultRecord[]>();
  const teams = new Map<string, ResultRecord[]>();
  for (const r of input.records) {
    const key = `${r.phase}/${r.submission.team}/${r.submission.name}`;
    (history.get(key) ?? history.set(key, []).get(key)!).push(r);
    const team = teamPage(r.phase, r.submission.team);
    (teams.get(team) ?? teams.set(team, []).get(team)!).push(r);
  }
  const rankOf = new Map<string, Standing>();
  for (const s of standings) for (const row of s.rows) rankOf.set(row.record.id, row);
  for (const [file, recs] of teams) {
    const root = '../'.repeat(file.split('/').length - 1);
    const first = recs[0]!;
    const phaseName = c.config.phases.find((p) => p.id === first.phase)?.name ?? first.phase;
    const sections = [...recs]
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id))
      .map((r) => {
        const siblings = history.get(`${r.phase}/${r.submission.team}/${r.submission.name}`)!;
        const anchor = recordPage(r).split('#')[1]!;
        return `<article class="submission" id="${escapeHtml(anchor)}">
<h2>${escapeHtml(`${r.submission.team}/${r.submission.name}`)} <small class="meta">${escapeHtml(r.provenance.commit?.slice(0, 12) ?? anchor)} · ${escapeHtml(r.created_at.slice(0, 10))}</small></h2>
${submissionPage(c, r, siblings, rankOf.get(r.id), root)}
</article>`;
      })
      .join('\n');
    const intro = `<p class="meta">${recs.length} submission record(s) of team ${escapeHtml(first.submission.team)} in ${escapeHtml(phaseName)}, newest first.</p>`;
    files.set(file, page(c, root, `Team ${first.submission.team}`, `${intro}\n${sections}`, generated, input.records.length));
  }

  files.set('style.css', STYLE);
  files.set('site.js', SCRIPT);
  files.set('leaderboard.json', `${JSON.stringify(exportJson(c, standings, generated), null, 2)}\n`);
  files.set('leaderboard.csv', exportCsv(c, all));
  for (const r of input.reveals ?? []) files.set(revealPath(r.phase), `${JSON.stringify(r, null, 2)}\n`);
  for (const [team, badge] of badges(c, best)) files.set(`badges/${team}.json`, `${JSON.stringify(badge)}\n`);

  // Synchronous on purpose: ten thousand small files go out several times faster than through
  // the thread pool, and nothing else runs while a site is built.
  const dirs = new Set([...files.keys()].map((f) => path.dirname(path.join(input.outDir, f))));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  for (const [name, text] of files) writeFileSync(path.join(input.outDir, name), text);
  return { index: path.join(input.outDir, 'index.html'), files: [...files.keys()], standings };
}

/** A team's page in a phase, relative to the site root. */
export function teamPage(phase: string, team: string): string {
  return `s/${phase}/${team}.html`;
}

/** Where a record is shown: its section on its team's page. */
export function recordPage(r: Pick<ResultRecord, 'id'>): string {
  const [phase, team, name, key] = r.id.split('/') as [string, string, string, string];
  return `${teamPage(phase, team)}#${name}.${key}`;
}

function metricInfo(m: CompetitionMetric) {
  return { name: m.name, label: m.label, dir: m.direction === 'maximize' ? 'max' : 'min', primary: m.primary === true };
}

function tableRows(b: PhaseStandings, a: PhaseStandings, costs: typeof COSTS): Row[] {
  const bestRank = new Map(b.rows.map((r) => [r.record.id, r]));
  return a.rows.map((row) => {
    const rec = row.record;
    const inBest = bestRank.get(rec.id);
    const v: (number | null)[] = [];
    const lo: (number | null)[] = [];
    const hi: (number | null)[] = [];
    for (const m of a.metrics) {
      const s = rec.scores.public[m.name];
      v.push(s ? digits(s.value) : null);
      lo.push(s?.ci ? digits(s.ci.low) : null);
      hi.push(s?.ci ? digits(s.ci.high) : null);
    }
    return {
      ...(inBest ? { p: 1 as const } : {}),
      ...(inBest && !inBest.baseline ? { r: inBest.rank } : {}),
      ...(row.baseline ? {} : { ra: row.rank }),
      t: rec.submission.team,
      n: rec.submission.name,
      k: rec.id.split('/')[3]!,
      d: rec.created_at.slice(0, 10),
      ...(row.baseline ? { b: 1 as const } : {}),
      ...((inBest ?? row).versusLeader === 'tied' ? { tie: 1 as const } : {}),
      v,
      lo,
      hi,
      c: costs.map((col) => {
        const x = rec.resources?.[col.key];
        return x === undefined ? null : digits(x);
      }),
    };
  });
}

/** Seven significant digits: more than any column shows, and the phase's JSON stays small. */
function digits(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(7)) : x;
}

/** One table row; the page's script renders the same markup for the rows it adds. */
function rowHtml(row: Row, phase: string, rank: number | undefined, metrics: CompetitionMetric[], costs: typeof COSTS): string {
  const tie = row.tie ? ' <abbr class="tie" title="statistically tied with the leader (paired bootstrap)">≈</abbr>' : '';
  const base = row.b ? ' <span class="baseline">baseline</span>' : '';
  const cells = metrics
    .map((m, i) => {
      const v = row.v[i];
      if (v === null || v === undefined) return '<td class="num">—</td>';
      const ci =
        row.lo[i] !== null && row.hi[i] !== null ? `<span class="ci">${formatScore(row.lo[i]!)}–${formatScore(row.hi[i]!)}</span>` : '';
      return `<td class="num${m.primary ? ' primary' : ''}">${formatScore(v)}${ci}</td>`;
    })
    .join('');
  const cost = costs
    .map((col, i) => (row.c[i] === null ? '<td class="num" title="not measured">—</td>' : `<td class="num">${col.format(row.c[i]!)}</td>`))
    .join('');
  return `<tr><td class="num">${rank ?? ''}${tie}</td><td>${escapeHtml(row.t)}${base}</td><td><a href="${escapeHtml(recordPage({ id: `${phase}/${row.t}/${row.n}/${row.k}` }))}">${escapeHtml(row.n)}</a></td>${cells}${cost}<td><time>${escapeHtml(row.d)}</time></td></tr>`;
}

function phaseSection(c: Competition, b: PhaseStandings, a: PhaseStandings, costs: typeof COSTS, rows: Row[], rule: string): string {
  const id = escapeHtml(a.phase);
  const view = rule === 'all' ? rows : rows.filter((r) => r.p);
  const first = view
    .slice(0, FIRST_ROWS)
    .map((r) => rowHtml(r, a.phase, rule === 'all' ? r.ra : r.r, a.metrics, costs))
    .join('\n');
  const sortable = (label: string, key: string, num: boolean, title = '') =>
    `<th scope="col"${num ? ' class="num"' : ''} data-key="${key}"${title ? ` title="${escapeHtml(title)}"` : ''}><button type="button">${label}</button></th>`;
  const heads = [
    sortable('Rank', 'rank', true),
    sortable('Team', 'team', false),
    sortable('Submission', 'name', false),
    ...a.metrics.map((m, i) =>
      sortable(
        `${escapeHtml(m.label)}<span class="dir" aria-label="${m.direction === 'maximize' ? 'higher is better' : 'lower is better'}">${m.direction === 'maximize' ? '↑' : '↓'}</span>`,
        `v${i}`,
        true,
        `${m.name}: ${m.direction === 'maximize' ? 'higher' : 'lower'} is better; the small line is the 95% bootstrap interval`,
      ),
    ),
    ...costs.map((col, i) => sortable(col.label, `c${i}`, true, 'measured by the runner; — where not measured')),
    sortable('Date', 'date', false),
  ].join('');
  const teams = new Set(rows.map((r) => r.t)).size;
  const primary = c.primary;
  const points = (pick: (r: ScoredResult) => number | undefined, from: readonly Standing[]): Point[] =>
    from.flatMap((s) => {
      const x = pick(s.record);
      return x === undefined
        ? []
        : [
            {
              x,
              y: s.value,
              label: `${s.record.submission.team}/${s.record.submission.name}: ${formatScore(s.value)}`,
              href: recordPage(s.record),
            },
          ];
    });
  const maximize = primary.direction === 'maximize';
  const overTime = points((r) => Date.parse(r.created_at), a.rows);
  const teamBest = new Set(b.rows.map((r) => r.record.id));
  const dotted = new Set(overTime.filter((_, i) => teamBest.has(a.rows[i]!.record.id)));
  const charts = [
    progressChart(`Best ${primary.label} over time`, primary.label, overTime, maximize, dotted),
    costChart(
      `${primary.label} against time per item`,
      'time per item (ms, log scale)',
      primary.label,
      points((r) => r.resources?.per_sample_ms, b.rows),
      maximize,
    ),
    costChart(
      `${primary.label} against energy`,
      'energy (J, log scale)',
      primary.label,
      points((r) => r.resources?.energy_j, b.rows),
      maximize,
    ),
  ].filter(Boolean);
  return `<section class="phase" aria-labelledby="phase-${id}" data-phase="${id}" data-rule="${rule}">
<h2 id="phase-${id}">${escapeHtml(a.phaseName)}</h2>
<p class="meta">${escapeHtml(rankingRule(c, rule))} ≈ marks entries statistically tied with the leader. ${teams} team(s), ${rows.length} scored submission(s), ${a.unscored} rejected or failed.</p>
${
  rows.length === 0
    ? '<p>No scored submissions yet.</p>'
    : `<div class="controls" hidden>
<label>Find <input type="search" class="filter" placeholder="team or submission" aria-controls="table-${id}"></label>
<label>Show <select class="view" aria-controls="table-${id}"><option value="best"${rule === 'all' ? '' : ' selected'}>${rule === 'last-per-team' ? 'last' : rule === 'chosen-per-team' ? 'chosen' : 'best'} per team</option><option value="all"${rule === 'all' ? ' selected' : ''}>all submissions</option></select></label>
</div>
<div class="scroll"><table id="table-${id}">
<thead><tr>${heads}</tr></thead>
<tbody>
${first}
</tbody>
</table></div>
<p class="count" aria-live="polite">Showing ${Math.min(FIRST_ROWS, view.length)} of ${view.length}.${view.length > FIRST_ROWS ? ' <a href="leaderboard.csv">All rows as CSV</a>.' : ''}</p>
<button type="button" class="more" hidden>Show ${FIRST_ROWS} more</button>
${charts.length ? `<div class="charts">${charts.join('\n')}</div>` : ''}`
}
</section>`;
}

/**
 * A revealed phase's board on revealed scores: the private part's, or under the Ladder the exact
 * public scores; each score checked against the commitment its record carried all along, and
 * the rank on the board shown during the phase beside it.
 */
function revealedSections(c: Competition, records: readonly ResultRecord[], reveal: Reveal, publicBoard: PhaseStandings): string {
  const problems = checkReveal(reveal, records);
  return (['private', 'exact'] as const).map((kind) => revealedSection(c, records, reveal, publicBoard, kind, problems)).join('');
}

function revealedSection(
  c: Competition,
  records: readonly ResultRecord[],
  reveal: Reveal,
  publicBoard: PhaseStandings,
  kind: 'private' | 'exact',
  problems: readonly string[],
): string {
  const list = kind === 'private' ? reveal.records : reveal.exact;
  if (!list || list.length === 0) return '';
  const id = `${kind}-${escapeHtml(reveal.phase)}`;
  const title = kind === 'private' ? 'Private leaderboard' : 'Public leaderboard, exact scores';
  if (problems.length > 0)
    return `<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2><p class="status bad">The published reveal does not match the records' commitments (${problems.length} problem(s)); it is not shown.</p></section>`;
  const board = revealedStandings(c, records, { phase: reveal.phase, records: list }).find((s) => s.phase === reveal.phase);
  if (!board || board.rows.length === 0) return '';
  const publicRank = new Map(publicBoard.rows.filter((r) => !r.baseline).map((r) => [r.record.submission.team, r.rank]));
  const rows = board.rows
    .map((r) => {
      const v = r.record.scores.public[c.primary.name]!;
      const ci = v.ci ? `<span class="ci">${formatScore(v.ci.low)}–${formatScore(v.ci.high)}</span>` : '';
      const tie = r.versusLeader === 'tied' ? ' <abbr class="tie" title="statistically tied with the leader">≈</abbr>' : '';
      return `<tr><td class="num">${r.baseline ? '' : r.rank}${tie}</td><td>${escapeHtml(r.record.submission.team)}${r.baseline ? ' <span class="baseline">baseline</span>' : ''}</td><td><a href="${escapeHtml(recordPage(r.record))}">${escapeHtml(r.record.submission.name)}</a></td><td class="num primary">${formatScore(v.value)}${ci}</td><td class="num">${publicRank.get(r.record.submission.team) ?? '—'}</td></tr>`;
    })
    .join('\n');
  const what =
    kind === 'private'
      ? 'Scored on the private part of the test set, sealed during the phase'
      : "Exact scores on the public part, sealed during the phase while the board showed the Ladder's rounded best scores,";
  return `<section aria-labelledby="${id}">
<h2 id="${id}">${title}</h2>
<p class="meta">${what} and revealed ${escapeHtml(reveal.revealed_at.slice(0, 10))}; every score matches the commitment published with its record (<a href="${escapeHtml(revealPath(reveal.phase))}">the reveal</a>).</p>
<div class="scroll"><table><thead><tr><th scope="col" class="num">Rank</th><th scope="col">Team</th><th scope="col">Submission</th><th scope="col" class="num">${escapeHtml(c.primary.label)}</th><th scope="col" class="num">Rank during the phase</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>
</section>`;
}

/** How the board is ranked, in a sentence. */
export function rankingRule(c: Competition, rule: string): string {
  const b = c.config.leaderboard;
  const primary = c.primary;
  const by =
    b?.rank_by === 'average-rank'
      ? `Ranked by the average of each metric's rank`
      : `Ranked by ${primary.label} (${primary.direction === 'maximize' ? 'higher' : 'lower'} is better)${
          b?.tie_breakers?.length
            ? `, then ${b.tie_breakers.map((t) => c.metrics.find((m) => m.name === t)?.label ?? t).join(', then ')}`
            : ''
        }`;
  const per =
    rule === 'all'
      ? ''
      : rule === 'last-per-team'
        ? ", each team's last submission"
        : rule === 'chosen-per-team'
          ? `, each team's best among the (up to ${b?.choose ?? 2}) submissions it chose for the final ranking, or among all when it chose none`
          : ', best submission per team';
  const ladder = b?.ladder
    ? ` Under the Ladder (Blum & Hardt, 2015), a team's shown score changes only when a submission beats its best by more than ${b.ladder.step}, and is shown rounded to ${b.ladder.step}; exact scores are sealed until the phase ends.`
    : '';
  return `${by}${per}; ties share a rank, earlier first.${b?.baselines?.length ? ' Baselines are shown but not ranked.' : ''}${ladder}`;
}

function page(
  c: Competition,
  root: string,
  title: string,
  body: string,
  generated: string,
  n: number,
  opts: { script?: boolean } = {},
): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — ${escapeHtml(c.config.title)}</title>
<link rel="stylesheet" href="${root}style.css">
<link rel="icon" href="data:,">
</head>
<body>
<header>
<p class="site"><a href="${root}index.html">${escapeHtml(c.config.title)}</a></p>
<nav aria-label="site"><a href="${root}index.html">Leaderboard</a> <a href="${root}competition.html">Competition</a> <a href="${root}leaderboard.csv">CSV</a> <a href="${root}leaderboard.json">JSON</a></nav>
<h1>${escapeHtml(title)}</h1>
</header>
<main>
${body}
</main>
<footer><p>Built by Podium from ${n} result record(s) at ${escapeHtml(generated)}. Every score is recomputed from the records on the <code>results</code> branch.</p></footer>
${opts.script ? `<script src="${root}site.js" defer></script>` : ''}
</body>
</html>
`;
}

function competitionPage(c: Competition): string {
  const cfg = c.config;
  const format = predictionFormat(c);
  const retrieval = scoringSpec(c).reads.has('ranking');
  const concepts = (cfg.concepts ?? [])
    .map((x) => `<dt>${escapeHtml(x.name)} <code>${escapeHtml(x.id)}</code></dt><dd>${escapeHtml(x.definition)}</dd>`)
    .join('');
  const metrics = c.metrics
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.label)}${m.primary ? ' <strong>(primary)</strong>' : ''}</td><td><code>${escapeHtml(m.name)}</code></td><td>${m.direction === 'maximize' ? 'higher is better' : 'lower is better'}</td></tr>`,
    )
    .join('');
  const phases = cfg.phases
    .map(
      (p) =>
        `<tr><td>${escapeHtml(p.name)}</td><td>${utcTime(p.start)}</td><td>${utcTime(p.end)}</td><td>${escapeHtml(p.description ?? '')}</td></tr>`,
    )
    .join('');
  const limits = cfg.limits
    ? [
        cfg.limits.per_day ? `${cfg.limits.per_day} per team per day (UTC)` : '',
        cfg.limits.total ? `${cfg.limits.total} per team per phase` : '',
      ]
        .filter(Boolean)
        .join(', ')
    : '';
  const kinds = cfg.submissions.kinds
    .map(
      (k) =>
        ({
          predictions: 'a predictions file',
          container: 'a container image (built from a Dockerfile, or pinned by digest), run without network on the hidden inputs',
          api: 'the address of a running system (an HTTPS endpoint), called in batches',
        })[k],
    )
    .join('; ');
  const rule = cfg.leaderboard?.rule === 'all' ? 'every submission is listed' : "each team's best submission is listed";
  return `${cfg.description ? `<p>${escapeHtml(cfg.description)}</p>` : ''}
${concepts ? `<section><h2>Concepts</h2><dl>${concepts}</dl></section>` : ''}
<section><h2>Data</h2><p>Public data is in the repository folder <code>${escapeHtml(cfg.data.public)}</code>${cfg.data.ids ? `; <code>${escapeHtml(cfg.data.ids)}</code> lists every test ${retrieval ? 'query to rank documents for' : 'id to predict'}` : ''}${cfg.data.documents ? `; <code>${escapeHtml(cfg.data.documents)}</code> lists every document that may be ranked` : ''}. The test ${retrieval ? 'relevance judgements are' : 'labels are'} hidden: they live only on the evaluation runners and never enter the repository, the logs or this site.</p></section>
${cfg.submissions.kinds.some((k) => k !== 'api') ? `<section><h2>Predictions</h2><p>A predictions file${cfg.submissions.kinds.includes('container') ? ', or what a container writes to <code>/output</code>,' : ''} is ${escapeHtml(format.name)}: ${escapeHtml(format.description)}${cfg.data.format === undefined && format.name.endsWith('(CSV)') ? ' A .jsonl file with the same keys on each line is read too.' : ''} For example:</p><pre><code>${escapeHtml(format.example.join('\n'))}</code></pre>${retrieval ? `<p>${escapeHtml(retrievalNote(c))}</p>` : ''}</section>` : ''}
<section><h2>Metrics and ranking</h2><table><thead><tr><th scope="col">Metric</th><th scope="col">Name</th><th scope="col">Direction</th></tr></thead><tbody>${metrics}</tbody></table>
<p>Ranked by ${escapeHtml(c.primary.label)}; ${rule}. Equal scores share a rank, the earlier submission first. Every score has a 95% bootstrap confidence interval, and entries whose difference from the leader is not significant by a paired bootstrap are marked ≈.</p></section>
<section><h2>Phases</h2><table><thead><tr><th scope="col">Phase</th><th scope="col">Opens (UTC)</th><th scope="col">Closes (UTC)</th><th scope="col"></th></tr></thead><tbody>${phases}</tbody></table></section>
<section><h2>How to submit</h2><p>Fork the competition repository, add a folder <code>submissions/&lt;team&gt;/&lt;name&gt;/</code> with a <code>submission.yml</code> and ${escapeHtml(kinds)}, and open a pull request that changes only that folder. It is checked at once, evaluated on the organisers' runners after approval, and the result is commented on the pull request and shown here.${limits ? ` Limits: ${escapeHtml(limits)}.` : ''}</p></section>`;
}

/** How a retrieval competition averages, in a sentence for its page. */
function retrievalNote(c: Competition): string {
  const names = c.metrics.map((m) => m.name);
  const trec = names.filter((n) => !n.includes('@'));
  const own = names.filter((n) => n.includes('@'));
  const parts = [
    'Each query counts once in every mean, and a test query with no ranked documents scores 0.',
    trec.length > 0
      ? `${trec.join(', ')} ${trec.length === 1 ? 'is' : 'are'} computed exactly as trec_eval computes ${trec.length === 1 ? 'it' : 'them'} with -c.`
      : '',
    own.length > 0
      ? `${own.join(', ')} ${own.length === 1 ? 'is' : 'are'} Podium's cut-off measures, averaged over the queries with a relevant document (see the scoring documentation).`
      : '',
  ];
  return parts.filter(Boolean).join(' ');
}

/** A UTC date-time people read, which the page's script also gives in the reader's own time zone. */
function utcTime(iso: string): string {
  const d = new Date(iso);
  const text = Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<time datetime="${escapeHtml(iso)}" data-local>${escapeHtml(text)}</time>`;
}

function dl(items: [string, string | undefined][]): string {
  return `<dl class="facts">${items
    .filter((i): i is [string, string] => i[1] !== undefined && i[1] !== '')
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`)
    .join('')}</dl>`;
}

function submissionPage(c: Competition, r: ResultRecord, siblings: ResultRecord[], standing: Standing | undefined, root: string): string {
  const s = r.submission;
  const code = (v: string | undefined) => (v === undefined ? undefined : `<code>${escapeHtml(v)}</code>`);
  const link = (u: string | undefined) => {
    const safe = safeUrl(u);
    return safe ? `<a href="${escapeHtml(safe)}" rel="nofollow noopener">${escapeHtml(safe)}</a>` : u ? escapeHtml(u) : undefined;
  };
  const status =
    r.status === 'scored'
      ? `<p class="status ok">Scored${standing ? `, rank ${standing.rank}${standing.versusLeader === 'tied' ? ' (statistically tied with the leader)' : ''}` : ''}.</p>`
      : `<p class="status bad">${r.status === 'rejected' ? 'Rejected' : 'Failed'}: ${escapeHtml(r.error.message)}</p>${
          r.error.problems?.length
            ? `<ul class="problems">${r.error.problems
                .slice(0, 50)
                .map(
                  (p) =>
                    `<li><code>${escapeHtml(p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file)}</code> ${escapeHtml(p.message)}</li>`,
                )
                .join('')}</ul>`
            : ''
        }`;
  const scores =
    r.status === 'scored'
      ? `<section><h3>Scores</h3><table><thead><tr><th scope="col">Metric</th><th scope="col" class="num">Value</th><th scope="col" class="num">95% interval</th></tr></thead><tbody>${c.metrics
          .map((m) => {
            const v = r.scores.public[m.name];
            if (!v) return '';
            return `<tr><td>${escapeHtml(m.label)} ${m.direction === 'maximize' ? '↑' : '↓'}</td><td class="num">${formatScore(v.value)}</td><td class="num">${v.ci ? `${formatScore(v.ci.low)} – ${formatScore(v.ci.high)}` : '—'}</td></tr>`;
          })
          .join('')}</tbody></table>${
          r.scores.ladder
            ? `<p class="meta">Under the Ladder: the team's best ${escapeHtml(r.scores.ladder.metric)} rounded to ${r.scores.ladder.step}, ${r.scores.ladder.improved ? 'moved by this submission' : 'not moved by this submission (not better by more than the step)'}; the exact scores are sealed until the phase ends.</p>`
            : ''
        }</section>`
      : '';
  const res = r.resources ?? {};
  const resources = dl([
    ['Wall time', res.wall_time_s !== undefined ? `${res.wall_time_s.toFixed(3)} s` : undefined],
    ['Container start-up', res.startup_s !== undefined ? `${res.startup_s.toFixed(3)} s` : undefined],
    ['Time per item', res.per_sample_ms !== undefined ? `${res.per_sample_ms} ms` : undefined],
    ['CPU time', res.cpu_time_s !== undefined ? `${res.cpu_time_s.toFixed(3)} s` : undefined],
    ['Peak memory', res.peak_memory_bytes !== undefined ? `${(res.peak_memory_bytes / 1048576).toFixed(1)} MiB` : undefined],
    [
      'GPU',
      res.gpu
        ? escapeHtml(
            `${res.gpu.count} × ${res.gpu.name}${res.gpu.peak_memory_bytes !== undefined ? `, peak ${(res.gpu.peak_memory_bytes / 1048576).toFixed(0)} MiB` : ''}`,
          )
        : undefined,
    ],
    [
      'Energy',
      res.energy_j !== undefined ? `${res.energy_j} J <span class="meta">(${escapeHtml(res.energy_method ?? '')})</span>` : undefined,
    ],
    ['Latency p50 / p95 / p99', res.latency_ms ? `${res.latency_ms.p50} / ${res.latency_ms.p95} / ${res.latency_ms.p99} ms` : undefined],
    ['Throughput', res.throughput_per_s !== undefined ? `${res.throughput_per_s} items/s` : undefined],
    ['Scoring time', res.scoring_time_s !== undefined ? `${res.scoring_time_s.toFixed(3)} s` : undefined],
  ]);
  const p = r.provenance;
  const provenance = dl([
    ['Commit', code(p.commit)],
    ['Submission files', code(p.submission_hash)],
    ['Test data', code(p.data_hash)],
    ['Image', code(p.image_digest)],
    ['Built from', p.base_images ? p.base_images.map((b) => `<code>${escapeHtml(b)}</code>`).join(', ') : undefined],
    ['Build context', code(p.build_context_hash)],
    ['Engine', p.engine ? escapeHtml(p.engine) : undefined],
    ['Scorer', escapeHtml(`${p.scorer.name} ${p.scorer.version}`)],
    [
      'Runner',
      escapeHtml(
        `${p.runner.cpu}, ${p.runner.cpus} CPUs, ${(p.runner.memory_bytes / 2 ** 30).toFixed(0)} GiB, ${p.runner.os}, Node ${p.runner.node}`,
      ),
    ],
    [
      'GPUs',
      p.runner.gpus ? escapeHtml(`${p.runner.gpus.join(', ')}${p.runner.gpu_driver ? `, driver ${p.runner.gpu_driver}` : ''}`) : undefined,
    ],
  ]);
  const about = dl([
    ['Team', escapeHtml(s.team)],
    ['Kind', s.kind ? escapeHtml(s.kind) : undefined],
    ['Description', s.description ? escapeHtml(s.description) : undefined],
    ['Authors', s.authors ? escapeHtml(s.authors.join(', ')) : undefined],
    ['Paper', link(s.paper)],
    ['Code', link(s.code)],
    ['Baseline', s.baseline ? 'yes, provided by the organisers' : undefined],
  ]);
  const hist = [...siblings]
    .sort((x, y) => y.created_at.localeCompare(x.created_at))
    .map(
      (x) =>
        `<tr${x.id === r.id ? ' aria-current="page"' : ''}><td><time>${escapeHtml(x.created_at.replace('T', ' ').slice(0, 16))}</time></td><td>${escapeHtml(x.status)}</td><td>${x.status === 'scored' ? formatScore(x.scores.public[c.primary.name]?.value ?? NaN) : ''}</td><td><a href="${root}${escapeHtml(recordPage(x))}">${escapeHtml(x.provenance.commit?.slice(0, 12) ?? x.id.split('/').pop()!)}</a></td></tr>`,
    )
    .join('');
  return `${status}
${about}
${scores}
${r.status === 'scored' ? perQuerySection(c, r.scores.public[c.primary.name]?.per_query) : ''}
${r.status === 'scored' && r.detailed_results !== undefined ? detailedResults(r.detailed_results) : ''}
<section><h3>Resources</h3>${resources.includes('<dt>') ? resources : '<p>None measured.</p>'}</section>
<section><h3>Provenance</h3>${provenance}<p class="meta">Record <code>${escapeHtml(r.id)}</code>, phase ${escapeHtml(r.phase)}, ${escapeHtml(r.created_at)}.</p></section>
<section><h3>History</h3><table><thead><tr><th scope="col">When (UTC)</th><th scope="col">Status</th><th scope="col">${escapeHtml(c.primary.label)}</th><th scope="col">Record</th></tr></thead><tbody>${hist}</tbody></table></section>`;
}

/** The primary metric on each query (the public part), as TREC campaigns hand it to participants. */
function perQuerySection(c: Competition, perQuery: Record<string, number> | undefined): string {
  if (!perQuery) return '';
  const entries = Object.entries(perQuery);
  if (entries.length === 0) return '';
  const values = entries.map(([, v]) => v).sort((a, b) => a - b);
  const median = values.length % 2 ? values[(values.length - 1) / 2]! : (values[values.length / 2 - 1]! + values[values.length / 2]!) / 2;
  const zero = values.filter((v) => v === 0).length;
  const rows = entries.map(([q, v]) => `<tr><td><code>${escapeHtml(q)}</code></td><td class="num">${formatScore(v)}</td></tr>`).join('');
  return `<section><h3>Per query</h3><p>${escapeHtml(c.primary.label)} on each of the ${entries.length} ${entries.length === 1 ? 'query' : 'queries'} of the public part: median ${formatScore(median)}, ${zero} at 0.</p><details><summary>Every query</summary><table class="per-query"><thead><tr><th scope="col">Query</th><th scope="col" class="num">${escapeHtml(c.primary.label)}</th></tr></thead><tbody>${rows}</tbody></table></details></section>`;
}

/**
 * The scoring program's detailed_results.html, in a sandboxed frame: no script, no form, its
 * own origin, and a content policy that lets nothing be fetched from elsewhere.
 */
function detailedResults(html: string): string {
  const policy = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`;
  return `<section><h3>Detailed results</h3><p class="meta">Written by the organisers' scoring program.</p><iframe class="detailed" sandbox="" title="Detailed results" srcdoc="${escapeHtml(policy + html)}"></iframe></section>`;
}

function exportJson(c: Competition, standings: PhaseStandings[], generated: string) {
  return {
    competition: c.config.slug,
    generated_at: generated,
    phases: standings.map((s) => ({
      phase: s.phase,
      primary: c.primary.name,
      rows: s.rows.map((r) => ({
        rank: r.baseline ? null : r.rank,
        ...(r.baseline ? { baseline: true } : {}),
        ...(r.averageRank !== undefined ? { average_rank: r.averageRank } : {}),
        ...(r.versusLeader ? { versus_leader: r.versusLeader } : {}),
        team: r.record.submission.team,
        submission: r.record.submission.name,
        id: r.record.id,
        page: recordPage(r.record),
        scores: Object.fromEntries(s.metrics.map((m) => [m.name, r.record.scores.public[m.name]?.value ?? null])),
        intervals: Object.fromEntries(
          s.metrics.map((m) => {
            const ci = r.record.scores.public[m.name]?.ci;
            return [m.name, ci ? [ci.low, ci.high] : null];
          }),
        ),
        resources: r.record.resources ?? {},
        created_at: r.record.created_at,
      })),
    })),
  };
}

function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // A leading =, +, - or @ would be a formula in a spreadsheet: quote it as text.
  const guarded = /^[=+\-@]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

function exportCsv(c: Competition, all: PhaseStandings[]): string {
  const metrics = all[0]?.metrics ?? c.metrics;
  const header = [
    'phase',
    'rank_all',
    'team',
    'submission',
    ...metrics.flatMap((m) => [m.name, `${m.name}_low`, `${m.name}_high`]),
    ...COSTS.map((x) => x.key),
    'created_at',
    'record',
  ];
  const lines = [header.join(',')];
  for (const s of all) {
    for (const r of s.rows) {
      const rec = r.record;
      lines.push(
        [
          s.phase,
          r.baseline ? '' : r.rank,
          rec.submission.team,
          rec.submission.name,
          ...metrics.flatMap((m) => {
            const v = rec.scores.public[m.name];
            return [v?.value ?? null, v?.ci?.low ?? null, v?.ci?.high ?? null];
          }),
          ...COSTS.map((x) => rec.resources?.[x.key] ?? null),
          rec.created_at,
          rec.id,
        ]
          .map(csvCell)
          .join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** shields.io "endpoint" badges: each team's best rank in the latest phase that has scores. */
function badges(c: Competition, best: PhaseStandings[]): Map<string, { schemaVersion: 1; label: string; message: string; color: string }> {
  const out = new Map<string, { schemaVersion: 1; label: string; message: string; color: string }>();
  for (const s of [...best].reverse()) {
    for (const r of s.rows) {
      const team = r.record.submission.team;
      if (out.has(team) || r.baseline) continue;
      out.set(team, {
        schemaVersion: 1,
        label: c.config.slug,
        message: `#${r.rank} · ${c.primary.name} ${formatScore(r.value)}`,
        color: r.rank === 1 ? 'brightgreen' : r.rank <= 3 ? 'green' : 'blue',
      });
    }
  }
  return out;
}
