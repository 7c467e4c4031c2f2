import type { Competition } from '../../runner/src/competition/load.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { POST_CHALLENGE_LABEL } from '../../runner/src/results/board.js';
import { VERSUS_LEADER, type VersusLeader } from '../../runner/src/results/versus-leader.js';
import { formatInterval, formatJoules, formatMiB, formatMs, formatScore, formatSeconds } from '../../runner/src/format/units.js';
import { groupValue, groupsWeakestFirst, withheldNote, worstOf } from '../../runner/src/results/slices.js';
import type { SliceReport } from '../../runner/src/scoring/score.js';
import { inert, inertHtml } from './inert.js';

/** The hidden line that finds Podium's comment on a pull request, so it is updated, never duplicated. */
export const MARKER = '<!-- podium:report -->';
/** GitHub refuses comment bodies longer than this. */
export const COMMENT_LIMIT = 65_536;

/** Where a scored record would stand on the public leaderboard now, as the leaderboard will show it. */
export type Placement = (
  | {
      /** Its rank, 1-based, under the leaderboard's rule. */
      rank: number;
      baseline?: undefined;
    }
  | { baseline: true; rank?: undefined }
) & {
  /** The ranked entries. */
  of: number;
  /** Against the leader by the paired bootstrap; absent for the leader and where the records cannot be paired. */
  versusLeader?: VersusLeader;
  /** The post-challenge board, where a submission made after the last phase is ranked; absent: the official one. */
  board?: 'post-challenge';
};

/** The sticky pull-request comment for one evaluation. */
export function renderComment(c: Competition, record: ResultRecord, placement?: Placement): string {
  const head = `${MARKER}\n### Podium: ${inert(record.submission.team)}/${inert(record.submission.name)}\n\n`;
  const sha = record.provenance.commit ? ` at \`${record.provenance.commit.slice(0, 12)}\`` : '';
  const lines: string[] = [];
  if (record.status === 'scored') {
    lines.push(`**Scored**${sha} in phase ${inert(record.phase)}.`, '');
    if (record.board === 'post-challenge')
      lines.push(
        `This submission came after the competition's last phase ended: it is on the **post-challenge board** (${POST_CHALLENGE_LABEL}), evaluated as the phase's submissions were. It is never part of the official ranking.${
          c.config.private || c.config.leaderboard?.ladder
            ? " What is sealed in its record stays sealed: the phase's reveal opens the official records only."
            : ''
        }`,
        '',
      );
    if (placement) lines.push(placementLine(c, placement), '');
    lines.push('| metric | value | 95% interval |', '|---|---:|---|');
    for (const m of c.metrics) {
      const v = record.scores.public[m.name];
      if (!v) continue;
      const arrow = m.direction === 'maximize' ? '↑' : '↓';
      const ci = v.ci ? formatInterval(v.ci) : '—';
      lines.push(`| ${inert(m.name)} ${arrow}${m.name === c.primary.name ? ' (primary)' : ''} | ${formatScore(v.value)} | ${ci} |`);
    }
    lines.push('');
    const primary = record.scores.public[c.primary.name];
    lines.push(...perUnit(c, primary?.per_query, QUERY), ...perUnit(c, primary?.per_category, CATEGORY));
    lines.push(...sliceSections(c, record.scores.slices));
    const ladder = record.scores.ladder;
    const sealedUntil = record.board === 'post-challenge' ? 'Exact scores stay sealed.' : 'Exact scores are sealed until the phase ends.';
    if (ladder)
      lines.push(
        ladder.improved
          ? `This competition uses the Ladder: the board shows your best score rounded to ${ladder.step}, and it moved with this submission. ${sealedUntil}`
          : `This competition uses the Ladder: this submission did not beat your best by more than ${ladder.step}, so the board still shows your best, ${formatScore(record.scores.public[ladder.metric]?.value ?? NaN)}. ${sealedUntil}`,
        '',
      );
  } else {
    const what = record.status === 'rejected' ? 'Rejected' : record.error.platform_fault ? 'Failed (platform fault)' : 'Failed';
    lines.push(`**${what}**${sha}: ${inert(record.error.message, 2000)}`, '');
    const problems = record.error.problems ?? [];
    for (const p of problems.slice(0, 50)) {
      const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
      lines.push(`- ${inert(where)}: ${inert(p.message)}`);
    }
    if (problems.length > 50) lines.push(`- … and ${problems.length - 50} more`);
    if (problems.length > 0) lines.push('');
    lines.push(
      record.error.platform_fault
        ? 'This was the platform, not your submission, and does not count against your limits; the organisers have been told by the failed run.'
        : 'Fix what is listed and push again: every push to this pull request is evaluated anew. Run `node .podium/podium.mjs validate` on your folder first (Node.js 20+ is all it needs) to catch most problems locally.',
      '',
    );
  }
  const r = record.resources ?? {};
  const res: string[] = [];
  if (r.wall_time_s !== undefined) res.push(`time ${formatSeconds(r.wall_time_s)}`);
  if (r.per_sample_ms !== undefined) res.push(`${formatMs(r.per_sample_ms)} per item`);
  if (r.cpu_time_s !== undefined) res.push(`CPU ${formatSeconds(r.cpu_time_s)}`);
  if (r.peak_memory_bytes !== undefined) res.push(`peak memory ${formatMiB(r.peak_memory_bytes)}`);
  if (r.gpu)
    res.push(
      `${r.gpu.count} × ${inert(r.gpu.name)}${r.gpu.peak_memory_bytes !== undefined ? `, ${formatMiB(r.gpu.peak_memory_bytes)} GPU memory` : ''}`,
    );
  if (r.energy_j !== undefined) res.push(`energy ${formatJoules(r.energy_j)}`);
  if (r.latency_ms) res.push(`latency p50 ${formatMs(r.latency_ms.p50)}, p95 ${formatMs(r.latency_ms.p95)}`);
  if (res.length > 0) lines.push(`Measured by the runner: ${res.join(' · ')}.`, '');
  lines.push(`<sub>record ${inert(record.id)} · Podium ${inert(record.provenance.scorer.version)}</sub>`);
  return fit(head + lines.join('\n'));
}

/** The placement in a sentence, with the verdict against the leader in the leaderboard's words. */
function placementLine(c: Competition, p: Placement): string {
  const where = p.board === 'post-challenge' ? 'the post-challenge board' : 'the public leaderboard';
  const place = p.baseline
    ? `A baseline: shown on ${where} without a rank (${p.of} ranked ${p.of === 1 ? 'entry' : 'entries'})`
    : `Would rank **${p.rank}** of ${p.of} on ${where} now`;
  const versus = p.versusLeader && `, ${VERSUS_LEADER[p.versusLeader].text} (paired bootstrap on ${inert(c.primary.name)})`;
  return `${place}${versus || ''}.`;
}

/** Rows of the per-query table shown in a comment; the record and the site have them all. */
const PER_QUERY_ROWS = 200;

/** Retrieval: the primary metric on each query, folded, so that the scores stay on top. */
/** What the primary metric is kept on: each query (retrieval) or each category (object detection). */
interface Unit {
  one: string;
  many: string;
}
const QUERY: Unit = { one: 'query', many: 'queries' };
const CATEGORY: Unit = { one: 'category', many: 'categories' };

function perUnit(c: Competition, values: Record<string, number> | undefined, unit: Unit): string[] {
  if (!values) return [];
  const entries = Object.entries(values);
  if (entries.length === 0) return [];
  // The weakest first: they are the ones a participant looks into.
  const shown = [...entries].sort((a, b) => (c.primary.direction === 'maximize' ? a[1] - b[1] : b[1] - a[1])).slice(0, PER_QUERY_ROWS);
  const zero = entries.filter(([, v]) => v === 0).length;
  return [
    `<details><summary>${inertHtml(c.primary.name)} per ${unit.one}: ${entries.length} ${entries.length === 1 ? unit.one : unit.many}, ${zero} at 0${entries.length > PER_QUERY_ROWS ? `; the ${PER_QUERY_ROWS} weakest below, all in the record` : ', weakest first'}</summary>`,
    '',
    `| ${unit.one} | value |`,
    '|---|---:|',
    ...shown.map(([q, v]) => `| ${inert(q, 80)} | ${formatScore(v)} |`),
    '',
    '</details>',
    '',
  ];
}

/** Rows of each slice table shown in a comment; the record and the site have them all. */
const SLICE_ROWS = 100;

/**
 * Each slice column of the record (data.slices): every metric per group, folded like the
 * per-query table, weakest group first on the primary metric, each metric's worst group in
 * bold. Group names come from the organiser's truth and are shown as inert text.
 */
function sliceSections(c: Competition, slices: Record<string, SliceReport> | undefined): string[] {
  if (!slices) return [];
  const out: string[] = [];
  for (const [column, report] of Object.entries(slices)) {
    // A metric the slices do not hold (one a scoring program computes) has no column.
    const metrics = c.metrics.filter((m) => Object.values(report.groups).some((g) => Object.hasOwn(g.metrics, m.name)));
    if (metrics.length === 0) continue;
    const groups = groupsWeakestFirst(report, c.primary.name, c.primary.direction);
    const shown = groups.slice(0, SLICE_ROWS);
    const weakest = worstOf(report, c.primary.name);
    const summary = [
      `${inertHtml(c.primary.name)} by ${summaryText(column)}: ${groups.length} ${groups.length === 1 ? 'group' : 'groups'}`,
      groups.length > SLICE_ROWS ? `, the ${SLICE_ROWS} weakest below (all in the record)` : ', weakest first',
      weakest
        ? `; worst ${summaryText(weakest.group)} at ${formatScore(weakest.value)}, ${formatScore(weakest.gap)} from the best group`
        : '',
    ].join('');
    const worst = metrics.flatMap((m) => {
      const w = worstOf(report, m.name);
      return w ? [`${inert(m.name)}: ${inert(w.group, 80)} (gap ${formatScore(w.gap)})`] : [];
    });
    out.push(
      `<details><summary>${summary}</summary>`,
      '',
      `| ${inert(column, 80)} | n | ${metrics.map((m) => `${inert(m.name)} ${m.direction === 'maximize' ? '↑' : '↓'}`).join(' | ')} |`,
      `|---|---:|${metrics.map(() => '---:|').join('')}`,
      ...shown.map((g) => {
        const cells = metrics.map((m) => {
          const v = groupValue(g, m.name);
          if (v === undefined) return '–';
          return worstOf(report, m.name)?.group === g.name ? `**${formatScore(v)}**` : formatScore(v);
        });
        return `| ${inert(g.name, 80)} | ${g.n} | ${cells.join(' | ')} |`;
      }),
      '',
      ...(worst.length > 0 ? [`Worst group (in bold) and its gap to the best: ${worst.join('; ')}.`, ''] : []),
      ...(withheldNote(report) ? [withheldNote(report)!, ''] : []),
      '</details>',
      '',
    );
  }
  return out;
}

/**
 * A name from the truth inside <summary>: no Markdown applies there, but GitHub still links
 * @mentions, #references and addresses in it, so those are broken as `inert` breaks them.
 */
function summaryText(text: string): string {
  return inertHtml(text, 80)
    .replace(/@/g, '@\u2060')
    .replace(/#(?=\d)/g, '#\u2060')
    .replace(/\b(GH)-(?=\d)/gi, '$1-\u2060')
    .replace(/:\/\//g, ':\u2060//')
    .replace(/(^|[^\p{L}\p{N}])(www)\./giu, '$1$2\u2060.');
}

/** The comment when a run evaluated nothing because the pull request moved on or closed. */
export function renderNotEvaluated(
  request: { team: string; name: string; head_sha: string },
  why: { reason: 'moved' | 'closed' | 'revealed'; head_sha?: string },
): string {
  const head = `${MARKER}\n### Podium: ${inert(request.team)}/${inert(request.name)}\n\n`;
  const at = `\`${request.head_sha.slice(0, 12)}\``;
  const text =
    why.reason === 'closed'
      ? `**Not evaluated** at ${at}: the pull request was closed after this run was prepared. Nothing was counted against your limits.`
      : why.reason === 'revealed'
        ? `**Not evaluated** at ${at}: the phase ended, and its private scores were revealed, before this run was approved. A published reveal is final, so no official run can be added to it. Nothing was counted against your limits.`
        : `**Not evaluated** at ${at}: a newer commit${why.head_sha ? ` (\`${why.head_sha.slice(0, 12)}\`)` : ''} was pushed after this run was prepared, and an approval covers only the commit it was given for. Wait for the next run: the newest commit is evaluated on its own once an organiser approves it. Nothing was counted against your limits.`;
  return fit(`${head}${text}\n`);
}

/** The second line of a comment written while a submission waits, so the queue job knows its own. */
export const QUEUE_MARKER = '<!-- podium:queue -->';

/** Where a waiting submission stands, as the queue job saw it. */
export interface QueueView {
  /** Evaluations ahead of it. */
  ahead: number;
  /** Seconds until it starts by the estimate; absent when no evaluation has finished yet. */
  waitS?: number;
  /** How many recent evaluations the estimate goes by, and their median in seconds. */
  history: { count: number; medianS?: number };
  /** Its evaluate job: waiting for an organiser's approval, or approved and queued for a runner. */
  stage: 'approval' | 'runner' | 'unknown';
  /** When the queue was read. */
  at: Date;
}

/** A duration for people: minutes up to two hours, then hours. */
export function roughDuration(s: number): string {
  if (s < 60) return 'under a minute';
  if (s < 7200) return `about ${Math.round(s / 60)} min`;
  return `about ${(s / 3600).toFixed(1)} h`;
}

/** A time of day in UTC, HH:MM. */
const clock = (d: Date) => `${d.toISOString().slice(11, 16)} UTC`;

/**
 * The sticky comment while a submission waits: how many evaluations are ahead of it, and when
 * it should start by the median of recent evaluations. Only counts: nothing of other teams' runs.
 */
export function renderQueued(request: { team: string; name: string; head_sha: string }, q: QueueView): string {
  const head = `${MARKER}\n${QUEUE_MARKER}\n### Podium: ${inert(request.team)}/${inert(request.name)}\n\n`;
  const at = `\`${request.head_sha.slice(0, 12)}\``;
  const stage =
    q.stage === 'approval'
      ? " It waits for an organiser's approval."
      : q.stage === 'runner'
        ? ' An organiser approved it; it waits for a runner.'
        : '';
  const ahead =
    q.ahead === 0 ? 'No evaluation is ahead of it.' : `**${q.ahead}** evaluation${q.ahead === 1 ? ' is' : 's are'} ahead of it.`;
  const { count, medianS } = q.history;
  const estimate =
    q.waitS === undefined || medianS === undefined
      ? 'No estimate yet: no evaluation has finished here so far.'
      : q.ahead === 0
        ? `Estimated start: as soon as it is approved and a runner is free. Recent evaluations took ${roughDuration(medianS)} (the median of the last ${count}).`
        : `Estimated start: in ${roughDuration(q.waitS)}, around ${clock(new Date(q.at.getTime() + q.waitS * 1000))} (${q.ahead} × ${roughDuration(medianS).replace(/^about /, '')}, the median time of the last ${count} evaluation${count === 1 ? '' : 's'}, one after another; more runners make it sooner, a late approval later).`;
  const text = [
    `**Waiting to be evaluated** at ${at}.${stage}`,
    '',
    `${ahead} ${estimate}`,
    '',
    `<sub>as of ${clock(q.at)}; this comment changes when the evaluation starts and shows the result when it is done</sub>`,
  ];
  return fit(`${head}${text.join('\n')}\n`);
}

/** The sticky comment once the evaluate job has started on a runner. */
export function renderStarted(request: { team: string; name: string; head_sha: string }, startedAt: Date): string {
  const head = `${MARKER}\n${QUEUE_MARKER}\n### Podium: ${inert(request.team)}/${inert(request.name)}\n\n`;
  return fit(
    `${head}**Evaluation started** at ${clock(startedAt)} on \`${request.head_sha.slice(0, 12)}\`. This comment shows the result when it is done.\n`,
  );
}

/** Cuts a body to GitHub's limit, saying so. */
export function fit(body: string): string {
  if (body.length <= COMMENT_LIMIT) return body;
  const note = '\n\n… cut to fit GitHub’s comment limit; the full record is in the job summary.';
  return body.slice(0, COMMENT_LIMIT - note.length) + note;
}
