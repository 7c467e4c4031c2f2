import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Competition } from '../../runner/src/competition/load.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { computeStandings, formatValue, type PhaseStandings } from '../../runner/src/results/standings.js';

export interface SiteInput {
  competition: Competition;
  records: readonly ResultRecord[];
  outDir: string;
  /** Shown in the footer; defaults to now. */
  generatedAt?: Date;
}

export interface SiteOutput {
  index: string;
  files: string[];
  standings: PhaseStandings[];
}

/** Every text a participant controls goes through this before it reaches HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * A plain static leaderboard: one page, no scripts, every link relative so it works from a
 * GitHub Pages sub-path. Recomputed from the records on every build.
 */
export async function buildSite(input: SiteInput): Promise<SiteOutput> {
  const { competition: c } = input;
  const standings = computeStandings(c, input.records);
  const generated = (input.generatedAt ?? new Date()).toISOString();
  await mkdir(input.outDir, { recursive: true });

  const sections = standings.map((s) => phaseSection(c, s)).join('\n');
  const concepts = (c.config.concepts ?? [])
    .map((x) => `<dt>${escapeHtml(x.name)} <code>${escapeHtml(x.id)}</code></dt><dd>${escapeHtml(x.definition)}</dd>`)
    .join('');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(c.config.title)} — leaderboard</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<header>
<h1>${escapeHtml(c.config.title)}</h1>
${c.config.description ? `<p>${escapeHtml(c.config.description)}</p>` : ''}
</header>
<main>
${sections}
${concepts ? `<section><h2>Concepts</h2><dl>${concepts}</dl></section>` : ''}
</main>
<footer><p>Built by Podium from ${input.records.length} result record(s) at ${escapeHtml(generated)}. Data: <a href="leaderboard.json">leaderboard.json</a>.</p></footer>
</body>
</html>
`;
  const json = {
    competition: c.config.slug,
    generated_at: generated,
    phases: standings.map((s) => ({
      phase: s.phase,
      primary: c.primary.name,
      rows: s.rows.map((r) => ({
        rank: r.rank,
        ...(r.versusLeader ? { versus_leader: r.versusLeader } : {}),
        team: r.record.submission.team,
        submission: r.record.submission.name,
        id: r.record.id,
        scores: Object.fromEntries(s.metrics.map((m) => [m.name, r.record.scores.public[m.name]?.value ?? null])),
        created_at: r.record.created_at,
      })),
    })),
  };
  const files = {
    'index.html': html,
    'style.css': STYLE,
    'leaderboard.json': `${JSON.stringify(json, null, 2)}\n`,
  };
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(input.outDir, name), text);
  return { index: path.join(input.outDir, 'index.html'), files: Object.keys(files), standings };
}

/** Efficiency columns, shown only when some record of the phase has them. */
const EFFICIENCY: { key: 'per_sample_ms' | 'peak_memory_bytes'; label: string; format: (v: number) => string }[] = [
  { key: 'per_sample_ms', label: 'Time per item', format: (v) => `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms` },
  { key: 'peak_memory_bytes', label: 'Peak memory', format: (v) => `${(v / 1048576).toFixed(v < 10 * 1048576 ? 1 : 0)} MiB` },
];

function phaseSection(c: Competition, s: PhaseStandings): string {
  const efficiency = EFFICIENCY.filter((col) => s.rows.some((r) => r.record.resources?.[col.key] !== undefined));
  const heads =
    s.metrics
      .map(
        (m) =>
          `<th scope="col" class="num">${escapeHtml(m.label)}<span class="dir" title="${m.direction === 'maximize' ? 'higher is better' : 'lower is better'}">${m.direction === 'maximize' ? '↑' : '↓'}</span></th>`,
      )
      .join('') + efficiency.map((col) => `<th scope="col" class="num">${col.label}</th>`).join('');
  const rows = s.rows
    .map((r) => {
      const sub = r.record.submission;
      const cells = s.metrics
        .map((m) => {
          const score = r.record.scores.public[m.name];
          if (!score) return `<td class="num">—</td>`;
          const ci = score.ci
            ? `<span class="ci" title="${Math.round(score.ci.level * 100)}% bootstrap interval">${formatValue(score.ci.low)}–${formatValue(score.ci.high)}</span>`
            : '';
          return `<td class="num${m.primary ? ' primary' : ''}">${formatValue(score.value)}${ci}</td>`;
        })
        .join('');
      const costs = efficiency
        .map((col) => {
          const v = r.record.resources?.[col.key];
          return v === undefined ? '<td class="num" title="not measured">—</td>' : `<td class="num">${col.format(v)}</td>`;
        })
        .join('');
      const title = sub.description ? ` title="${escapeHtml(sub.description)}"` : '';
      const tie =
        r.versusLeader === 'tied' ? ' <abbr class="tie" title="statistically tied with the leader (paired bootstrap)">≈</abbr>' : '';
      return `<tr><td class="num">${r.rank}${tie}</td><td>${escapeHtml(sub.team)}</td><td${title}>${escapeHtml(sub.name)}</td>${cells}${costs}<td><time datetime="${escapeHtml(r.record.created_at)}">${escapeHtml(r.record.created_at.slice(0, 10))}</time></td></tr>`;
    })
    .join('\n');
  const empty = s.rows.length === 0 ? `<p>No scored submissions yet.</p>` : '';
  return `<section aria-labelledby="phase-${escapeHtml(s.phase)}">
<h2 id="phase-${escapeHtml(s.phase)}">${escapeHtml(s.phaseName)}</h2>
<p class="meta">Ranked by ${escapeHtml(c.primary.label)} (${c.primary.direction === 'maximize' ? 'higher' : 'lower'} is better)${c.config.leaderboard?.rule === 'all' ? '' : ', best submission per team'}. ${s.unscored} submission(s) rejected or failed.</p>
${empty}${
    s.rows.length
      ? `<table>
<thead><tr><th scope="col" class="num">Rank</th><th scope="col">Team</th><th scope="col">Submission</th>${heads}<th scope="col">Date</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
      : ''
  }
</section>`;
}

const STYLE = `:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9da7b3; --line: #30363d; --accent: #6cb6ff; } }
body { font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 64rem; padding: 1rem; }
h1 { margin-bottom: .25rem; }
.meta, footer { color: var(--muted); font-size: .9rem; }
table { border-collapse: collapse; width: 100%; overflow-x: auto; display: block; }
th, td { padding: .4rem .6rem; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.primary { font-weight: 600; }
.dir { color: var(--muted); margin-left: .2rem; }
.ci { display: block; color: var(--muted); font-size: .8rem; font-weight: 400; }
.tie { text-decoration: none; color: var(--accent); font-weight: 600; }
a { color: var(--accent); }
a:focus, th:focus { outline: 3px solid var(--accent); outline-offset: 2px; }
dt { font-weight: 600; } dd { margin: 0 0 .5rem 1rem; }
`;
