import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { required } from '../args.js';
import type { Board } from '../../results/board.js';
import { UsageError } from '../io.js';
import { PodiumError } from '../../contracts/problems.js';
import { competitionForTask, type Competition } from '../../competition/load.js';
import { readFileFromRef, readRecordsFromRef, resultsRef, type LoadedRecords } from '../../results/git-store.js';
import { revealPath, type Reveal } from '../../results/seal.js';
import {
  csvReport,
  renderReport,
  reportTables,
  REPORT_FORMATS,
  REPORT_TABLES,
  withRevealedScores,
  type ReportFormat,
  type ReportTableChoice,
} from '../../results/report.js';
import { COMPETITION_OPTION, openCompetition, readRecordFolder, writeAtomically } from './shared.js';
import { defineCommand } from './command.js';

export const report = defineCommand({
  name: 'report',
  usage: ['report --competition DIR --phase ID [--task ID] [--format markdown|latex|csv] [--table all|runs|slices|topics] [--out FILE]'],
  description: `Writes the results tables of a phase for a campaign's overview paper, from the result
records: every run with its rank, its tie with the leader as the board marks it, its run
metadata (type, priority, training data, external resources, notes link) and every metric
with its interval; the primary metric per slice group and per topic (or category) when the
records have them. Records come from the results branch, a git ref, or a folder.`,
  options: {
    competition: COMPETITION_OPTION,
    phase: { type: 'string', value: 'ID', help: 'the phase to report' },
    task: { type: 'string', value: 'ID', help: 'in a competition with tasks (competition.yml tasks), the task whose runs to report' },
    format: {
      type: 'string',
      value: 'FORMAT',
      help: 'markdown (GitHub tables), latex or csv (RFC 4180)',
      default: 'markdown',
      choices: REPORT_FORMATS,
    },
    table: {
      type: 'string',
      value: 'TABLE',
      help: 'which table: all, runs, slices or topics (default: all; runs for csv, which holds one table)',
      choices: REPORT_TABLES,
    },
    part: {
      type: 'string',
      value: 'PART',
      help: "whose scores: public, or private once podium reveal has opened the phase's sealed scores",
      default: 'public',
      choices: ['public', 'private'],
    },
    board: {
      type: 'string',
      value: 'BOARD',
      help: 'which board: official, or post-challenge (the runs after the last phase, ranked apart)',
      default: 'official',
      choices: ['official', 'post-challenge'],
    },
    out: { type: 'string', value: 'FILE', help: 'write the report to FILE instead of standard output' },
    results: { type: 'string', value: 'DIR', help: 'read records (and reveals/) from DIR instead of git' },
    ref: { type: 'string', value: 'REF', help: 'read records from this git ref of the competition repository' },
  },
  notes: `Runs are ordered as the board orders them, every run of a team on its own row; a
baseline is marked as one. In LaTeX every special character of names and texts is escaped
(the tables need no package); in Markdown pipes and markup characters are. In CSV, scores are
full-precision numbers with their interval in _low and _high columns, and slices come as one
long table (team, run, slice, group, n, every metric).`,
  examples: [
    'podium report --competition . --phase final --format latex --out overview/results.tex',
    'podium report --competition . --phase final --format csv --table topics --out per-topic.csv',
  ],
  async run({ values, positionals }, io) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"; the options say what to report.`);
    if (values.results && values.ref) throw new UsageError('give --results or --ref, not both.');
    const format = values.format as ReportFormat;
    const table = (values.table ?? (format === 'csv' ? 'runs' : 'all')) as ReportTableChoice;
    if (format === 'csv' && table === 'all') throw new UsageError('a CSV file holds one table: give --table runs, slices or topics.');
    const whole = await openCompetition(io, required(values.competition, '--competition'));
    const competition = reportedTask(whole, values.task);
    const phaseId = required(values.phase, '--phase');
    const phase = competition.config.phases.find((p) => p.id === phaseId);
    if (!phase)
      throw new UsageError(
        `--phase: "${phaseId}" is not a phase of this competition; its phases: ${competition.config.phases.map((p) => p.id).join(', ')}.`,
      );

    let loaded: LoadedRecords;
    let reveal: Reveal | undefined;
    if (values.results) {
      const root = path.resolve(io.cwd, values.results);
      loaded = await readRecordFolder(root);
      const text = await readFile(path.join(root, revealPath(phaseId)), 'utf8').catch(() => undefined);
      if (text) reveal = JSON.parse(text) as Reveal;
    } else {
      const ref = values.ref ?? (await resultsRef(competition.dir));
      loaded = ref ? await readRecordsFromRef(competition.dir, ref) : { records: [], invalid: [] };
      const text = ref ? await readFileFromRef(competition.dir, ref, revealPath(phaseId)) : undefined;
      if (text) reveal = JSON.parse(text) as Reveal;
    }
    for (const bad of loaded.invalid) io.stderr(`! skipped ${bad.path}: ${bad.why}\n`);

    let records = loaded.records.filter((r) => r.phase === phaseId && r.task === competition.task?.id);
    const board = values.board as Board;
    // A post-challenge run's private scores are never revealed.
    if (board === 'post-challenge' && values.part === 'private')
      throw new UsageError('the post-challenge board has no private scores to report: its runs stay sealed; use --part public.');
    if (values.part === 'private') {
      if (!reveal)
        throw new PodiumError(`phase ${phaseId} has no revealed private scores (${revealPath(phaseId)}).`, {
          fix: 'reveal them first (podium reveal), or report the public part: --part public.',
        });
      records = withRevealedScores(records, reveal);
    }
    const input = { competition, records, phase: phaseId, part: values.part as 'public' | 'private', board };
    const text =
      format === 'csv'
        ? csvReport(input, table as Exclude<ReportTableChoice, 'all'>)
        : renderReport(
            reportTables(input).filter((t) => table === 'all' || t.key === table),
            format,
          );
    if (values.out) {
      const file = await writeAtomically(io, values.out, text, 'the report');
      io.stderr(`✓ ${records.length} record(s) of phase ${phaseId} reported in ${file}\n`);
    } else io.stdout(text);
    return 0;
  },
});

/** A competition with tasks reports one task at a time (its view); one without takes no --task. */
function reportedTask(c: Competition, task: string | undefined): Competition {
  const ids = (c.tasks ?? []).map((v) => v.task!.id);
  if (ids.length === 0) {
    if (task !== undefined)
      throw new UsageError('--task: this competition has no tasks (competition.yml lists no "tasks"); leave --task out.');
    return c;
  }
  if (task === undefined) throw new UsageError(`this competition has several tasks: give --task with one of: ${ids.join(', ')}.`);
  if (!ids.includes(task)) throw new UsageError(`--task: "${task}" is not a task of this competition; its tasks: ${ids.join(', ')}.`);
  return competitionForTask(c, task);
}
