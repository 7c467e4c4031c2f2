import type { Competition } from '../../../runner/src/competition/load.js';
import { formatInterval, formatScore } from '../../../runner/src/format/units.js';
import type { ResultRecord, ScoredResult } from '../../../runner/src/results/schema.js';
import { POST_CHALLENGE_LABEL } from '../../../runner/src/results/board.js';
import { checkReveal, revealPath, type Reveal } from '../../../runner/src/results/seal.js';
import { revealedStandings, type PhaseStandings, type Standing } from '../../../runner/src/results/standings.js';
import { marksShown, type VersusLeader } from '../../../runner/src/results/versus-leader.js';
import { costChart, progressChart, type Point } from '../charts.js';
import { html, join, type SafeHtml } from '../html.js';
import { page, type SiteContext } from '../layout.js';
import { recordPage, rowHtml, versusMark, type CostInfo, type MetricInfo, type Row } from '../table.js';

/** Rows rendered into the page itself; the rest come from the phase's JSON when asked for. */
export const FIRST_ROWS = 100;

/** One phase as the leaderboard shows it: both views' standings, its cost columns, its table. */
export interface PhaseBoard {
  /** One row per team (the team's best, last or chosen, as competition.yml says). */
  best: PhaseStandings;
  /** Every scored submission. */
  all: PhaseStandings;
  metrics: MetricInfo[];
  costs: CostInfo[];
  rows: Row[];
  /** The published reveal of the phase's sealed scores, if there is one. */
  reveal?: Reveal;
}

/** The file the post-challenge board's page is written to, and its table's data. */
export const POST_CHALLENGE_PAGE = 'post-challenge.html';
/** The post-challenge board's own exports, apart from leaderboard.csv and .json, which are the official ranking's. */
export const POST_CHALLENGE_CSV = 'post-challenge.csv';
export const POST_CHALLENGE_JSON = 'post-challenge.json';
export function postChallengeData(phase: string): string {
  return `data/post-challenge/${phase}.json`;
}

/**
 * index.html: a section per phase with its table, controls and charts, and any revealed boards;
 * where the post-challenge board has entries, a pointer to its own page after the last phase;
 * above them, when the build was told, how many evaluations were waiting.
 */
export function leaderboardPage(
  site: SiteContext,
  boards: readonly PhaseBoard[],
  rule: string,
  records: readonly ResultRecord[],
  post?: PhaseBoard,
  queue?: { waiting: number },
): string {
  const c = site.competition;
  const sections = boards.map((b) => html`${phaseSection(c, b, rule)}${b.reveal && revealedSections(c, records, b.reveal, b.best)}`);
  // How many evaluations were waiting, when the build was told.
  const waiting =
    queue &&
    html`<p class="meta queue">${queue.waiting === 0 ? 'No evaluations waiting' : `${queue.waiting} evaluation${queue.waiting === 1 ? '' : 's'} waiting`} when this page was built (${site.generated.slice(0, 16).replace('T', ' ')} UTC).</p>\n`;
  const pointer =
    post &&
    post.all.rows.length > 0 &&
    html`<section class="post-challenge" aria-labelledby="post-challenge"><h2 id="post-challenge">Post-challenge board</h2>
<p class="meta">${POST_CHALLENGE_LABEL}. ${post.all.rows.length} scored submission(s) made after ${post.all.phaseName} ended, evaluated the same way and ranked apart: <a href="${POST_CHALLENGE_PAGE}">the post-challenge board</a>.</p></section>`;
  return page(site, { root: '', title: 'Leaderboard', body: html`${waiting}${join(sections, '\n')}\n${pointer}`, script: true });
}

/**
 * post-challenge.html: the last phase's post-challenge board, in the official board's table (the
 * same columns, intervals and tie marks), labelled on the page and in its title as not part of
 * the official ranking.
 */
export function postChallengePage(site: SiteContext, post: PhaseBoard, rule: string): string {
  const c = site.competition;
  const ended = c.config.phases.find((p) => p.id === post.all.phase)?.end ?? '';
  const intro = html`<p class="status notice"><strong>After the challenge: not part of the official ranking.</strong> Submissions made after ${post.all.phaseName} ended (${ended}), evaluated exactly as that phase's were and ranked only among themselves. The official final ranking is on <a href="index.html">the leaderboard</a> and does not change whatever is submitted here. This board's own exports: <a href="${POST_CHALLENGE_CSV}">CSV</a>, <a href="${POST_CHALLENGE_JSON}">JSON</a>.${
    (c.config.private || c.config.leaderboard?.ladder) &&
    " Scores shown are on the public part of the test set; what these records seal stays sealed, outside the phase's reveal."
  }</p>`;
  const section = phaseSection(c, post, rule, {
    heading: `${post.all.phaseName}: post-challenge board`,
    src: postChallengeData(post.all.phase),
    anchor: `post-challenge-${post.all.phase}`,
  });
  return page(site, { root: '', title: 'Post-challenge board', body: html`${intro}\n${section}`, script: true });
}

function phaseSection(c: Competition, board: PhaseBoard, rule: string, other?: { heading: string; src: string; anchor: string }): SafeHtml {
  const { best: b, all: a, costs, rows, metrics } = board;
  const id = other?.anchor ?? a.phase;
  const view = rule === 'all' ? rows : rows.filter((r) => r.p);
  const first = view.slice(0, FIRST_ROWS).map((r) => rowHtml(r, a.phase, rule === 'all' ? r.ra : r.r, metrics, costs));
  const sortable = (label: SafeHtml | string, key: string, num: boolean, title = '') =>
    html`<th scope="col"${num && html` class="num"`} data-key="${key}"${title && html` title="${title}"`}><button type="button">${label}</button></th>`;
  const heads = [
    sortable('Rank', 'rank', true),
    sortable('Team', 'team', false),
    sortable('Submission', 'name', false),
    ...a.metrics.map((m, i) =>
      sortable(
        html`${m.label}<span class="dir" aria-label="${m.direction === 'maximize' ? 'higher is better' : 'lower is better'}">${m.direction === 'maximize' ? '↑' : '↓'}</span>`,
        `v${i}`,
        true,
        `${m.name}: ${m.direction === 'maximize' ? 'higher' : 'lower'} is better; the small line is the 95% bootstrap interval`,
      ),
    ),
    ...costs.map((col, i) => sortable(col.label, `c${i}`, true, 'measured by the runner; — where not measured')),
    sortable('Date', 'date', false),
  ];
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
  ].filter((x): x is SafeHtml => x !== undefined);
  const table = html`<div class="controls" hidden>
<label>Find <input type="search" class="filter" placeholder="team or submission" aria-controls="table-${id}"></label>
<label>Show <select class="view" aria-controls="table-${id}"><option value="best"${rule !== 'all' && html` selected`}>${rule === 'last-per-team' ? 'last' : rule === 'chosen-per-team' ? 'chosen' : 'best'} per team</option><option value="all"${rule === 'all' && html` selected`}>all submissions</option></select></label>
</div>
<div class="scroll"><table id="table-${id}">
<thead><tr>${heads}</tr></thead>
<tbody>
${join(first, '\n')}
</tbody>
</table></div>
<p class="count" aria-live="polite">Showing ${Math.min(FIRST_ROWS, view.length)} of ${view.length}.${view.length > FIRST_ROWS && html` <a href="leaderboard.csv">All rows as CSV</a>.`}</p>
<button type="button" class="more" hidden>Show ${FIRST_ROWS} more</button>
${charts.length > 0 && html`<div class="charts">${join(charts, '\n')}</div>`}`;
  return html`<section class="phase" aria-labelledby="phase-${id}" data-phase="${a.phase}"${other && html` data-src="${other.src}"`} data-rule="${rule}">
<h2 id="phase-${id}">${other?.heading ?? a.phaseName}</h2>
<p class="meta">${rankingRule(c, rule)}${legends(rows, rule)} ${teams} team(s), ${rows.length} scored submission(s), ${a.unscored} rejected or failed.</p>
${rows.length === 0 ? html`<p>No scored submissions yet.</p>` : table}
</section>`;
}

/**
 * A revealed phase's board on revealed scores: the private part's, or under the Ladder the exact
 * public scores; each score checked against the commitment its record carried all along, and
 * the rank on the board shown during the phase beside it.
 */
function revealedSections(c: Competition, records: readonly ResultRecord[], reveal: Reveal, publicBoard: PhaseStandings): SafeHtml {
  const problems = checkReveal(reveal, records);
  return join((['private', 'exact'] as const).map((kind) => revealedSection(c, records, reveal, publicBoard, kind, problems)));
}

function revealedSection(
  c: Competition,
  records: readonly ResultRecord[],
  reveal: Reveal,
  publicBoard: PhaseStandings,
  kind: 'private' | 'exact',
  problems: readonly string[],
): SafeHtml | undefined {
  const list = kind === 'private' ? reveal.records : reveal.exact;
  if (!list || list.length === 0) return undefined;
  const id = `${kind}-${reveal.phase}`;
  const title = kind === 'private' ? 'Private leaderboard' : 'Public leaderboard, exact scores';
  if (problems.length > 0)
    return html`<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2><p class="status bad">The published reveal does not match the records' commitments (${problems.length} problem(s)); it is not shown.</p></section>`;
  const board = revealedStandings(c, records, { phase: reveal.phase, records: list }).find((s) => s.phase === reveal.phase);
  if (!board || board.rows.length === 0) return undefined;
  const publicRank = new Map(publicBoard.rows.filter((r) => !r.baseline).map((r) => [r.record.submission.team, r.rank]));
  const rows = board.rows.map((r) => {
    const v = r.record.scores.public[c.primary.name]!;
    const ci = v.ci && html`<span class="ci">${formatInterval(v.ci, { tight: true })}</span>`;
    const tie = versusMark(r.versusLeader);
    const baseline = r.baseline && html` <span class="baseline">baseline</span>`;
    return html`<tr><td class="num">${r.baseline ? '' : r.rank}${tie}</td><td>${r.record.submission.team}${baseline}</td><td><a href="${recordPage(r.record)}">${r.record.submission.name}</a></td><td class="num primary">${formatScore(v.value)}${ci}</td><td class="num">${publicRank.get(r.record.submission.team) ?? '—'}</td></tr>`;
  });
  const what =
    kind === 'private'
      ? 'Scored on the private part of the test set, sealed during the phase'
      : "Exact scores on the public part, sealed during the phase while the board showed the Ladder's rounded best scores,";
  return html`<section aria-labelledby="${id}">
<h2 id="${id}">${title}</h2>
<p class="meta">${what} and revealed ${reveal.revealed_at.slice(0, 10)}; every score matches the commitment published with its record (<a href="${revealPath(reveal.phase)}">the reveal</a>).${legend(board.rows.map((r) => r.versusLeader))}</p>
<div class="scroll"><table><thead><tr><th scope="col" class="num">Rank</th><th scope="col">Team</th><th scope="col">Submission</th><th scope="col" class="num">${c.primary.label}</th><th scope="col" class="num">Rank during the phase</th></tr></thead>
<tbody>
${join(rows, '\n')}
</tbody></table></div>
</section>`;
}

/**
 * The legend of the rows a view shows, and of each view, so that the page's script can show the
 * one that goes with the view chosen: a mark is explained only where it is on screen.
 */
function legends(rows: readonly { p?: unknown; vs?: VersusLeader }[], rule: string): SafeHtml {
  const best = legend(rows.filter((r) => r.p).map((r) => r.vs));
  const all = legend(rows.map((r) => r.vs));
  return html`<span class="legend" data-best="${best}" data-all="${all}">${rule === 'all' ? all : best}</span>`;
}

/** What the marks in a table mean, for those it shows only (by a paired bootstrap on the primary metric); empty when it shows none. */
function legend(verdicts: Iterable<VersusLeader | undefined>): string {
  return marksShown(verdicts)
    .map((m) => ` ${m.mark} marks entries ${m.text}.`)
    .join('');
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
