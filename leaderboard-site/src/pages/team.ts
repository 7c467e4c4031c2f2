import type { Competition } from '../../../runner/src/competition/load.js';
import { formatInterval, formatJoules, formatMiB, formatMs, formatScore, formatSeconds } from '../../../runner/src/format/units.js';
import type { ResultRecord } from '../../../runner/src/results/schema.js';
import type { PhaseStandings, Standing } from '../../../runner/src/results/standings.js';
import { POST_CHALLENGE_LABEL } from '../../../runner/src/results/board.js';
import { VERSUS_LEADER } from '../../../runner/src/results/versus-leader.js';
import { supersededBy } from '../../../runner/src/results/supersede.js';
import { groupValue, groupsWeakestFirst, withheldNote, worstOf } from '../../../runner/src/results/slices.js';
import type { SliceReport } from '../../../runner/src/scoring/score.js';
import { html, join, safeUrl, type SafeHtml } from '../html.js';
import { page, type SiteContext } from '../layout.js';
import { recordPage, teamPage } from '../table.js';

/**
 * A page per team and phase, with a section per record (linked as page#name.key) and the status
 * history of each submission across its commits. One file per team rather than per record keeps
 * a large site to hundreds of files, not tens of thousands. Returns each page by its path.
 */
export function teamPages(site: SiteContext, records: readonly ResultRecord[], standings: readonly PhaseStandings[]): Map<string, string> {
  const c = site.competition;
  const history = new Map<string, ResultRecord[]>();
  const teams = new Map<string, ResultRecord[]>();
  for (const r of records) {
    const key = `${r.phase}/${r.submission.team}/${r.submission.name}`;
    (history.get(key) ?? history.set(key, []).get(key)!).push(r);
    const team = teamPage(r.phase, r.submission.team);
    (teams.get(team) ?? teams.set(team, []).get(team)!).push(r);
  }
  const replaced = supersededBy(records);
  const rankOf = new Map<string, Standing>();
  for (const s of standings) for (const row of s.rows) rankOf.set(row.record.id, row);
  const pages = new Map<string, string>();
  for (const [file, recs] of teams) {
    const root = '../'.repeat(file.split('/').length - 1);
    const first = recs[0]!;
    const phaseName = c.config.phases.find((p) => p.id === first.phase)?.name ?? first.phase;
    const sections = [...recs]
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || newerRescore(a, b) || a.id.localeCompare(b.id))
      .map((r) => {
        const siblings = history.get(`${r.phase}/${r.submission.team}/${r.submission.name}`)!;
        const anchor = recordPage(r).split('#')[1]!;
        return html`<article class="submission" id="${anchor}">
<h2>${`${r.submission.team}/${r.submission.name}`} <small class="meta">${r.provenance.commit?.slice(0, 12) ?? anchor} · ${r.created_at.slice(0, 10)}</small></h2>
${submissionSection(c, r, siblings, rankOf.get(r.id), root, replaced.get(r.id))}
</article>`;
      });
    const intro = html`<p class="meta">${recs.length} submission record(s) of team ${first.submission.team} in ${phaseName}, newest first.</p>`;
    const body = html`${intro}\n${join(sections, '\n')}`;
    pages.set(file, page(site, { root, title: `Team ${first.submission.team}`, body }));
  }
  return pages;
}

/** A re-scoring's record before the one it replaces (they share the submission's time). */
function newerRescore(a: ResultRecord, b: ResultRecord): number {
  return (b.rescore?.at ?? '').localeCompare(a.rescore?.at ?? '');
}

/** Where a scored record stands: its rank, or that it is a baseline, and how it compares with the leader. */
function placeText(c: Competition, s: Standing): string {
  const board = s.record.board === 'post-challenge' ? ` on the post-challenge board (${POST_CHALLENGE_LABEL})` : '';
  const place = `${s.baseline ? 'a baseline (not ranked)' : `rank ${s.rank}`}${board}`;
  return s.versusLeader ? `${place}, ${VERSUS_LEADER[s.versusLeader].text} (paired bootstrap on ${c.primary.label})` : place;
}

/** A definition list of facts, leaving out the ones not known; undefined when none is. */
function facts(items: [string, SafeHtml | string | undefined][]): SafeHtml | undefined {
  const known = items.filter((i): i is [string, SafeHtml | string] => i[1] !== undefined && i[1] !== '');
  return known.length === 0 ? undefined : html`<dl class="facts">${known.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

/** One record: its status, what the team said about it, scores, resources, provenance, history. */
function submissionSection(
  c: Competition,
  r: ResultRecord,
  siblings: ResultRecord[],
  standing: Standing | undefined,
  root: string,
  /** The record that re-scored this one, when one did. */
  successor: ResultRecord | undefined,
): SafeHtml {
  const s = r.submission;
  const code = (v: string | undefined) => (v === undefined ? undefined : html`<code>${v}</code>`);
  const link = (u: string | undefined) => {
    const safe = safeUrl(u);
    return safe ? html`<a href="${safe}" rel="nofollow noopener">${safe}</a>` : u;
  };
  const problems = r.status === 'scored' ? [] : (r.error.problems ?? []);
  const status =
    r.status === 'scored'
      ? html`<p class="status ok">Scored${standing && `, ${placeText(c, standing)}`}.</p>`
      : html`<p class="status bad">${r.status === 'rejected' ? 'Rejected' : 'Failed'}: ${r.error.message}</p>${
          problems.length > 0 &&
          html`<ul class="problems">${problems
            .slice(0, 50)
            .map((p) => html`<li><code>${p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file}</code> ${p.message}</li>`)}</ul>`
        }`;
  // A re-scoring says why and links the record it replaces; a replaced record links its successor.
  const keyOf = (id: string) => id.split('/').pop()!;
  const rescored =
    r.rescore &&
    html`<p class="meta">Re-scored on ${r.rescore.at.slice(0, 10)}: ${r.rescore.reason}.${
      r.supersedes !== undefined &&
      html` It replaces the record <a href="${root + recordPage({ id: r.supersedes })}">${keyOf(r.supersedes)}</a>, which stays in the history.`
    }</p>`;
  const superseded =
    successor &&
    html`<p class="status">Superseded: scored again on ${successor.rescore?.at.slice(0, 10) ?? successor.created_at.slice(0, 10)} as <a href="${root + recordPage(successor)}">${keyOf(successor.id)}</a>${successor.rescore && ` (${successor.rescore.reason})`}; the leaderboard uses that record.</p>`;
  const ladder = r.status === 'scored' && r.scores.ladder;
  const scores =
    r.status === 'scored' &&
    html`<section><h3>Scores</h3><table><thead><tr><th scope="col">Metric</th><th scope="col" class="num">Value</th><th scope="col" class="num">95% interval</th></tr></thead><tbody>${c.metrics.map(
      (m) => {
        const v = r.scores.public[m.name];
        return (
          v &&
          html`<tr><td>${m.label} ${m.direction === 'maximize' ? '↑' : '↓'}</td><td class="num">${formatScore(v.value)}</td><td class="num">${v.ci ? formatInterval(v.ci) : '—'}</td></tr>`
        );
      },
    )}</tbody></table><p class="meta">Scored${r.provenance.data_hash !== undefined && html` against the truth <code>${r.provenance.data_hash}</code>`} with ${r.provenance.scorer.name} ${r.provenance.scorer.version}.</p>${
      ladder &&
      html`<p class="meta">Under the Ladder: the team's best ${ladder.metric} rounded to ${ladder.step}, ${ladder.improved ? 'moved by this submission' : 'not moved by this submission (not better by more than the step)'}; the exact scores are sealed until the phase ends.</p>`
    }</section>`;
  const res = r.resources ?? {};
  const gpu = res.gpu;
  const resources = facts([
    ['Wall time', res.wall_time_s !== undefined ? formatSeconds(res.wall_time_s) : undefined],
    ['Container start-up', res.startup_s !== undefined ? formatSeconds(res.startup_s) : undefined],
    ['Time per item', res.per_sample_ms !== undefined ? formatMs(res.per_sample_ms) : undefined],
    ['CPU time', res.cpu_time_s !== undefined ? formatSeconds(res.cpu_time_s) : undefined],
    ['Peak memory', res.peak_memory_bytes !== undefined ? formatMiB(res.peak_memory_bytes) : undefined],
    [
      'GPU',
      gpu
        ? `${gpu.count} × ${gpu.name}${gpu.peak_memory_bytes !== undefined ? `, peak ${formatMiB(gpu.peak_memory_bytes)}` : ''}`
        : undefined,
    ],
    [
      'Energy',
      res.energy_j !== undefined ? html`${formatJoules(res.energy_j)} <span class="meta">(${res.energy_method ?? ''})</span>` : undefined,
    ],
    [
      'Latency p50 / p95 / p99',
      res.latency_ms ? `${formatMs(res.latency_ms.p50)} / ${formatMs(res.latency_ms.p95)} / ${formatMs(res.latency_ms.p99)}` : undefined,
    ],
    ['Throughput', res.throughput_per_s !== undefined ? `${res.throughput_per_s} items/s` : undefined],
    ['Scoring time', res.scoring_time_s !== undefined ? formatSeconds(res.scoring_time_s) : undefined],
  ]);
  const p = r.provenance;
  const provenance = facts([
    ['Commit', code(p.commit)],
    ['Submission files', code(p.submission_hash)],
    ['Test data', code(p.data_hash)],
    ['Image', code(p.image_digest)],
    [
      'Built from',
      p.base_images
        ? join(
            p.base_images.map((b) => html`<code>${b}</code>`),
            ', ',
          )
        : undefined,
    ],
    ['Build context', code(p.build_context_hash)],
    ['Engine', p.engine],
    ['Scorer', `${p.scorer.name} ${p.scorer.version}`],
    [
      'Runner',
      `${p.runner.cpu}, ${p.runner.cpus} CPUs, ${(p.runner.memory_bytes / 2 ** 30).toFixed(0)} GiB, ${p.runner.os}, Node ${p.runner.node}`,
    ],
    ['GPUs', p.runner.gpus ? `${p.runner.gpus.join(', ')}${p.runner.gpu_driver ? `, driver ${p.runner.gpu_driver}` : ''}` : undefined],
    // An organiser's deliberate evaluation past the team's limits is public, with its reason.
    [
      'Past the limits',
      p.limits_ignored !== undefined ? `evaluated by the organisers past the team's limits: ${p.limits_ignored}` : undefined,
    ],
  ]);
  const about = facts([
    ['Team', s.team],
    ['Kind', s.kind],
    ['Description', s.description],
    ['Authors', s.authors?.join(', ')],
    ['Paper', link(s.paper)],
    ['Code', link(s.code)],
    ['Baseline', s.baseline ? 'yes, provided by the organisers' : undefined],
  ]);
  const hist = [...siblings]
    .sort((x, y) => y.created_at.localeCompare(x.created_at) || newerRescore(x, y))
    .map(
      (x) =>
        html`<tr${x.id === r.id && html` aria-current="page"`}><td><time>${x.created_at.replace('T', ' ').slice(0, 16)}</time></td><td>${x.status}</td><td>${x.status === 'scored' && formatScore(x.scores.public[c.primary.name]?.value ?? NaN)}</td><td><a href="${root + recordPage(x)}">${x.provenance.commit?.slice(0, 12) ?? x.id.split('/').pop()!}</a></td></tr>`,
    );
  return html`${superseded}${status}${rescored}
${about}
${scores}
${r.status === 'scored' && perUnitSection(c, r.scores.public[c.primary.name]?.per_query, 'query', 'queries')}
${r.status === 'scored' && perUnitSection(c, r.scores.public[c.primary.name]?.per_category, 'category', 'categories')}
${r.status === 'scored' && slicesSection(c, r.scores.slices)}
${r.status === 'scored' && r.detailed_results !== undefined && detailedResults(r.detailed_results)}
<section><h3>Resources</h3>${resources ?? html`<p>None measured.</p>`}</section>
<section><h3>Provenance</h3>${provenance}<p class="meta">Record <code>${r.id}</code>, phase ${r.phase}, ${r.created_at}.</p></section>
<section><h3>History</h3><table><thead><tr><th scope="col">When (UTC)</th><th scope="col">Status</th><th scope="col">${c.primary.label}</th><th scope="col">Record</th></tr></thead><tbody>${hist}</tbody></table></section>`;
}

/** The primary metric on each query (the public part), as TREC campaigns hand it to participants. */
function perUnitSection(c: Competition, values: Record<string, number> | undefined, one: string, many: string): SafeHtml | undefined {
  if (!values) return undefined;
  const entries = Object.entries(values);
  if (entries.length === 0) return undefined;
  const sorted = entries.map(([, v]) => v).sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  const zero = sorted.filter((v) => v === 0).length;
  const Title = `${one[0]!.toUpperCase()}${one.slice(1)}`;
  const rows = entries.map(([q, v]) => html`<tr><td><code>${q}</code></td><td class="num">${formatScore(v)}</td></tr>`);
  return html`<section><h3>Per ${one}</h3><p>${c.primary.label} on each of the ${entries.length} ${entries.length === 1 ? one : many} of the public part: median ${formatScore(median)}, ${zero} at 0.</p><details><summary>Every ${one}</summary><table class="per-query"><thead><tr><th scope="col">${Title}</th><th scope="col" class="num">${c.primary.label}</th></tr></thead><tbody>${rows}</tbody></table></details></section>`;
}

/** Groups shown unfolded; a slice with more folds its table. */
const OPEN_GROUPS = 20;

/**
 * Each slice column of the record (data.slices): every metric per group of the public part,
 * weakest group first on the primary metric, each metric's worst group in bold.
 */
function slicesSection(c: Competition, slices: Record<string, SliceReport> | undefined): SafeHtml | undefined {
  if (!slices) return undefined;
  const parts = Object.entries(slices).flatMap(([column, report]) => {
    // A metric the slices do not hold (one a scoring program computes) has no column.
    const metrics = c.metrics.filter((m) => Object.values(report.groups).some((g) => Object.hasOwn(g.metrics, m.name)));
    if (metrics.length === 0) return [];
    const groups = groupsWeakestFirst(report, c.primary.name, c.primary.direction);
    const weakest = worstOf(report, c.primary.name);
    const worstGroup = new Map(metrics.map((m) => [m.name, worstOf(report, m.name)?.group]));
    const rows = groups.map(
      (g) =>
        html`<tr><td>${g.name}</td><td class="num">${g.n}</td>${metrics.map((m) => {
          const v = groupValue(g, m.name);
          if (v === undefined) return html`<td class="num">–</td>`;
          return html`<td class="num">${worstGroup.get(m.name) === g.name ? html`<strong>${formatScore(v)}</strong>` : formatScore(v)}</td>`;
        })}</tr>`,
    );
    const table = html`<table class="slices"><thead><tr><th scope="col">${column}</th><th scope="col" class="num">n</th>${metrics.map(
      (m) => html`<th scope="col" class="num">${m.label} ${m.direction === 'maximize' ? '↑' : '↓'}</th>`,
    )}</tr></thead><tbody>${rows}</tbody></table>`;
    const lead = weakest
      ? html`Weakest group on ${c.primary.label}: <strong>${weakest.group}</strong> at ${formatScore(weakest.value)}, ${formatScore(weakest.gap)} from the best group. `
      : undefined;
    return [
      html`<h4>By ${column}</h4><p>${lead}${groups.length} ${groups.length === 1 ? 'group' : 'groups'}, weakest first; each metric's worst group in bold.${withheldNote(report) && html` ${withheldNote(report)}`}</p>${
        groups.length > OPEN_GROUPS ? html`<details><summary>Every group</summary>${table}</details>` : table
      }`,
    ];
  });
  if (parts.length === 0) return undefined;
  return html`<section class="slices"><h3>Slices</h3><p class="meta">Every metric on each group of the public part, by the organisers' slice columns.</p>${join(parts, '\n')}</section>`;
}

/**
 * The scoring program's detailed_results.html, in a sandboxed frame: no script, no form, its
 * own origin, and a content policy that lets nothing be fetched from elsewhere. The document
 * is the frame's srcdoc attribute, so the template escapes it like any attribute value.
 */
function detailedResults(document: string): SafeHtml {
  const policy = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`;
  return html`<section><h3>Detailed results</h3><p class="meta">Written by the organisers' scoring program.</p><iframe class="detailed" sandbox="" title="Detailed results" srcdoc="${policy + document}"></iframe></section>`;
}
