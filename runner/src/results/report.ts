import { markdownTable } from 'markdown-table';
import type { Competition, CompetitionMetric } from '../competition/load.js';
import type { RunMetadata } from '../contracts/common.js';
import { csvField, spreadsheetSafe } from '../format/csv.js';
import { formatScore } from '../format/units.js';
import type { ResultRecord, ScoredResult, ScoreValue } from './schema.js';
import { computeStandings, type Standing } from './standings.js';
import { POST_CHALLENGE_LABEL, type Board } from './board.js';
import { marksShown, VERSUS_LEADER, type VersusLeader } from './versus-leader.js';

/*
 * The results tables an organiser pastes into a campaign's overview paper: every run of a
 * phase with its scores and intervals, its tie with the leader as the board marks it and its
 * run metadata; the primary metric per slice group and per topic. Built once as cells, then
 * written as Markdown, LaTeX or CSV, each escaped as its readers need.
 */

export const REPORT_FORMATS = ['markdown', 'latex', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const REPORT_TABLES = ['all', 'runs', 'slices', 'topics'] as const;
export type ReportTableChoice = (typeof REPORT_TABLES)[number];

/**
 * A cell: text; a score with its interval (one cell, or three CSV columns: value, low, high); a
 * rank with the board's mark against the leader (one cell, or two CSV columns: rank, verdict);
 * or a web link.
 */
type Cell =
  | string
  | { value: number | undefined; ci?: { low: number; high: number } }
  | { rank: string; verdict: VersusLeader | undefined }
  | { link: string };

interface Column {
  head: string;
  align: 'l' | 'r';
  /** Which cells it holds, where they are not text: CSV splits them into columns. */
  holds?: 'score' | 'rank';
  /** The CSV heading, where it differs (a metric's name rather than its label and arrow). */
  csv?: string;
}

export interface ReportTable {
  /** Which table it is, as --table chooses it. */
  key: 'runs' | 'slices' | 'topics';
  caption: string;
  columns: Column[];
  rows: Cell[][];
  /** Lines under the table: what the marks mean. */
  legend: string[];
}

export interface ReportInput {
  competition: Competition;
  records: readonly ResultRecord[];
  phase: string;
  /** Which scores: the public part's, or the private part's a reveal has opened. */
  part: 'public' | 'private';
  /** Which board: the official one (default), or the post-challenge board's runs. */
  board?: Board;
}

/** The phase's tables: runs, then one per slice column, then per topic (or category) when records have them. */
export function reportTables(input: ReportInput): ReportTable[] {
  const { competition: c, phase, part } = input;
  const [standings] = computeStandings(
    { ...c, config: { ...c.config, phases: c.config.phases.filter((p) => p.id === phase) } },
    input.records,
    { rule: 'all', board: input.board ?? 'official' },
  );
  const rows = standings?.rows ?? [];
  const metrics = c.metrics;
  const primary = c.primary;
  const partName = `${part === 'private' ? 'private part (revealed)' : 'public part'}${input.board === 'post-challenge' ? `, post-challenge board (${POST_CHALLENGE_LABEL})` : ''}`;
  const name = (r: Standing) => `${r.record.submission.team} / ${r.record.submission.name}`;

  const runOf = (r: Standing): RunMetadata => r.record.submission.run ?? {};
  const runColumns = (
    [
      ['type', 'type', 'l'],
      ['priority', 'priority', 'r'],
      ['training_data', 'training data', 'l'],
      ['external_resources', 'external resources', 'l'],
      ['notes', 'notes', 'l'],
    ] as const
  ).filter(([f]) => rows.some((r) => runOf(r)[f] !== undefined));
  const level = levelOf(rows, metrics);
  const runs: ReportTable = {
    key: 'runs',
    caption: `${c.config.title}${c.task ? `, ${c.task.name}` : ''}, ${standings?.phaseName ?? phase}: every run on the ${partName}${level ? `, with ${level} intervals` : ''}`,
    columns: [
      { head: 'rank', align: 'r', holds: 'rank' },
      { head: 'team', align: 'l' },
      { head: 'run', align: 'l' },
      ...runColumns.map(([f, head, align]) => ({ head, align, csv: f })),
      ...metrics.map((m) => ({
        head: `${m.label} ${m.direction === 'maximize' ? '↑' : '↓'}`,
        align: 'r' as const,
        holds: 'score' as const,
        csv: m.name,
      })),
    ],
    rows: rows.map((r) => {
      const run = runOf(r);
      return [
        { rank: r.baseline ? 'baseline' : String(r.rank), verdict: r.versusLeader },
        r.record.submission.team,
        r.record.submission.name,
        ...runColumns.map(([f]) => {
          const v = run[f];
          if (f === 'notes' && typeof v === 'string') return { link: v };
          return v === undefined ? '' : v === true ? 'yes' : v === false ? 'no' : String(v);
        }),
        ...metrics.map((m) => scoreCell(r.record.scores.public[m.name])),
      ];
    }),
    legend: marksShown(rows.map((r) => r.versusLeader)).map((m) => `${m.mark} ${m.text} (paired bootstrap on ${primary.label})`),
  };
  const tables = [runs];

  // Per slice column: the primary metric in each group, groups in the order of the truth's values.
  const sliceColumns = [...new Set(rows.flatMap((r) => Object.keys(r.record.scores.slices ?? {})))].sort();
  for (const column of sliceColumns) {
    const groups = [...new Set(rows.flatMap((r) => Object.keys(r.record.scores.slices?.[column]?.groups ?? {})))].sort(natural);
    tables.push({
      key: 'slices',
      caption: `${primary.label} per ${column} group, ${partName}`,
      columns: [
        { head: 'team', align: 'l' },
        { head: 'run', align: 'l' },
        ...groups.map((g) => ({ head: g, align: 'r' as const })),
        { head: 'worst group', align: 'l' },
      ],
      rows: rows.map((r) => {
        const s = r.record.scores.slices?.[column];
        const worst = s?.worst[primary.name];
        return [
          r.record.submission.team,
          r.record.submission.name,
          ...groups.map((g) => {
            const v = s?.groups[g]?.metrics[primary.name];
            return v === undefined ? '' : formatScore(v);
          }),
          worst ? worst.group : '',
        ];
      }),
      legend: [],
    });
  }

  // Per topic (retrieval) or per category (detection): topics as rows, every run a column.
  for (const [field, noun] of [
    ['per_query', 'topic'],
    ['per_category', 'category'],
  ] as const) {
    const with_ = rows.filter((r) => r.record.scores.public[primary.name]?.[field] !== undefined);
    if (with_.length === 0) continue;
    const topics = [...new Set(with_.flatMap((r) => Object.keys(r.record.scores.public[primary.name]![field]!)))].sort(natural);
    tables.push({
      key: 'topics',
      caption: `${primary.label} per ${noun}, ${partName}: best, median and worst over the runs, then each run`,
      columns: [
        { head: noun, align: 'l' },
        { head: 'best', align: 'r' },
        { head: 'median', align: 'r' },
        { head: 'worst', align: 'r' },
        ...with_.map((r) => ({ head: name(r), align: 'r' as const })),
      ],
      rows: topics.map((t) => {
        const values = with_.map((r) => r.record.scores.public[primary.name]![field]![t]);
        const seen = Float64Array.from(values.filter((v): v is number => v !== undefined && Number.isFinite(v))).sort();
        const best = seen.length ? (primary.direction === 'maximize' ? seen[seen.length - 1]! : seen[0]!) : undefined;
        const worst = seen.length ? (primary.direction === 'maximize' ? seen[0]! : seen[seen.length - 1]!) : undefined;
        const mid = seen.length >> 1;
        const median = seen.length === 0 ? undefined : seen.length % 2 ? seen[mid]! : (seen[mid - 1]! + seen[mid]!) / 2;
        const f = (v: number | undefined) => (v === undefined ? '' : formatScore(v));
        return [t, f(best), f(median), f(worst), ...values.map(f)];
      }),
      legend: [],
    });
  }
  return tables;
}

/** The records of a phase with a reveal's scores in place of their public ones: the records it opened only. */
export function withRevealedScores(
  records: readonly ResultRecord[],
  reveal: { phase: string; records: { id: string; scores: ScoredResult['scores']['public'] }[] },
): ResultRecord[] {
  const revealed = new Map(reveal.records.map((r) => [r.id, r.scores]));
  return records.flatMap((r): ResultRecord[] => {
    if (r.phase !== reveal.phase || r.status !== 'scored') return [];
    const scores = revealed.get(r.id);
    return scores ? [{ ...r, scores: { public: scores } }] : [];
  });
}

/** The tables in one format; CSV holds one table (csvReport). */
export function renderReport(tables: readonly ReportTable[], format: Exclude<ReportFormat, 'csv'>): string {
  return tables.map(format === 'latex' ? latexTable : markdownOf).join('\n');
}

/**
 * One table as CSV. Slices come as one long table (run, slice column, group, size, every
 * metric), since a file holds one table and a phase may have several slice columns.
 */
export function csvReport(input: ReportInput, table: Exclude<ReportTableChoice, 'all'>): string {
  if (table === 'slices') return csvTable(slicesLong(input));
  const found = reportTables(input).filter((t) => t.key === table);
  // A phase has at most one per-topic table (retrieval) or per-category table (detection).
  return found[0] ? csvTable(found[0]) : csvTable({ key: table, caption: '', columns: [], rows: [], legend: [] });
}

function slicesLong(input: ReportInput): ReportTable {
  const [standings] = computeStandings(
    {
      ...input.competition,
      config: { ...input.competition.config, phases: input.competition.config.phases.filter((p) => p.id === input.phase) },
    },
    input.records,
    { rule: 'all', board: input.board ?? 'official' },
  );
  const metrics = input.competition.metrics;
  const rows: Cell[][] = [];
  for (const r of standings?.rows ?? [])
    for (const [column, s] of Object.entries(r.record.scores.slices ?? {}).sort(([a], [b]) => natural(a, b)))
      for (const [group, g] of Object.entries(s.groups).sort(([a], [b]) => natural(a, b)))
        rows.push([
          r.record.submission.team,
          r.record.submission.name,
          column,
          group,
          String(g.n),
          ...metrics.map((m) => (g.metrics[m.name] === undefined ? '' : String(g.metrics[m.name]))),
        ]);
  return {
    key: 'slices',
    caption: '',
    columns: ['team', 'run', 'slice', 'group', 'n', ...metrics.map((m) => m.name)].map((head) => ({ head, align: 'l' as const })),
    rows,
    legend: [],
  };
}

/** The interval level shown in the caption, e.g. "95%", from the first interval found. */
function levelOf(rows: readonly Standing[], metrics: readonly CompetitionMetric[]): string | undefined {
  for (const r of rows)
    for (const m of metrics) {
      const ci = r.record.scores.public[m.name]?.ci;
      if (ci) return `${Math.round(ci.level * 1000) / 10}%`;
    }
  return undefined;
}

function scoreCell(s: ScoreValue | undefined): Cell {
  return { value: s?.value, ...(s?.ci ? { ci: { low: s.ci.low, high: s.ci.high } } : {}) };
}

function natural(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** A cell as people read it: a score with its interval in brackets, a rank with the board's mark. */
function cellText(cell: Cell): string {
  if (typeof cell === 'string') return cell;
  if ('link' in cell) return cell.link;
  if ('rank' in cell) {
    const mark = cell.verdict ? VERSUS_LEADER[cell.verdict].mark : undefined;
    return `${cell.rank}${mark ? ` ${mark}` : ''}`;
  }
  if (cell.value === undefined) return '—';
  return `${formatScore(cell.value)}${cell.ci ? ` [${formatScore(cell.ci.low)}, ${formatScore(cell.ci.high)}]` : ''}`;
}

/** Text in a GitHub table cell: the characters that would end the cell or start markup are escaped, line breaks become spaces. */
export function markdownCell(text: string): string {
  return (
    text
      .replace(/\r\n|\r|\n/g, ' ')
      .replace(/[\\|*_`<>[\]$~]/g, (ch) => `\\${ch}`)
      // Pasted on GitHub, @name would notify that user and #12 link an issue: broken by a word joiner.
      .replace(/@/g, '@\u2060')
      .replace(/#(?=\d)/g, '#\u2060')
  );
}

function markdownOf(t: ReportTable): string {
  const head = t.columns.map((c) => markdownCell(c.head));
  // Texts are escaped; the cells made here (scores, ranks) need not be, and a web link is written
  // as an autolink, inside which nothing is escaped (a URI has no space, pipe or angle bracket).
  const rows = t.rows.map((r) =>
    r.map((cell) =>
      typeof cell === 'string'
        ? markdownCell(cell)
        : 'link' in cell
          ? /^https?:\/\/[^\s<>|]+$/.test(cell.link)
            ? `<${cell.link}>`
            : markdownCell(cell.link)
          : cellText(cell),
    ),
  );
  const table = rows.length ? markdownTable([head, ...rows], { align: t.columns.map((c) => c.align) }) : '(no scored runs in this phase)';
  return [`**${markdownCell(t.caption)}**`, '', table, ...(t.legend.length ? ['', ...t.legend.map(markdownCell)] : []), ''].join('\n');
}

const LATEX_SPECIAL: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '<': '\\textless{}',
  '>': '\\textgreater{}',
  '|': '\\textbar{}',
};
const LATEX_MARKS: Record<string, string> = { '≈': '$\\approx$', '▲': '$\\triangle$', '↑': '$\\uparrow$', '↓': '$\\downarrow$', '—': '--' };

/** Text as LaTeX typesets it literally: its ten special characters (and <, >, |) escaped, line breaks as spaces. */
export function latexText(text: string): string {
  return (
    text
      .replace(/\r\n|\r|\n/g, ' ')
      .replace(/[\\&%$#_{}~^<>|]/g, (ch) => LATEX_SPECIAL[ch]!)
      .replace(/[≈▲↑↓—]/g, (ch) => LATEX_MARKS[ch]!)
      // After \\ a leading [ would be read as the row's spacing: braced.
      .replace(/^\[/, '{[}')
  );
}

function latexTable(t: ReportTable): string {
  const line = (cells: string[]) => `    ${cells.join(' & ')} \\\\`;
  const rows = t.rows.map((r) => line(r.map((cell) => latexText(cellText(cell)))));
  return [
    '\\begin{table}[htbp]',
    '  \\centering',
    `  \\caption{${latexText(t.caption)}}`,
    `  \\begin{tabular}{${t.columns.map((c) => c.align).join('')}}`,
    '    \\hline',
    line(t.columns.map((c) => latexText(c.head))),
    '    \\hline',
    ...rows,
    '    \\hline',
    '  \\end{tabular}',
    ...t.legend.map((l) => `\n  \\par\\smallskip\\footnotesize ${latexText(l)}`),
    '\\end{table}',
    '',
  ].join('\n');
}

/**
 * RFC 4180: CRLF line ends, a field quoted when it holds a comma, a quote or a line break.
 * Scores as full-precision numbers with their interval in two more columns; a rank with the
 * verdict against the leader in a column of its own.
 */
function csvTable(t: ReportTable): string {
  const head = t.columns.flatMap(({ head, holds, csv = head }) =>
    holds === 'rank' ? [csv, 'versus_leader'] : holds === 'score' ? [csv, `${csv}_low`, `${csv}_high`] : [csv],
  );
  const rows = t.rows.map((r) =>
    r.flatMap((cell) => {
      if (typeof cell === 'string') return [spreadsheetSafe(cell)];
      if ('link' in cell) return [spreadsheetSafe(cell.link)];
      if ('rank' in cell) return [cell.rank, cell.verdict ?? ''];
      return [cell.value === undefined ? '' : String(cell.value), cell.ci ? String(cell.ci.low) : '', cell.ci ? String(cell.ci.high) : ''];
    }),
  );
  return [head, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
