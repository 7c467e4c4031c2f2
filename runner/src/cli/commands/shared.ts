import { access, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { COMPETITION_FILE, hiddenDir, loadCompetition, viewOf, type Competition } from '../../competition/load.js';
import { openHidden, type OpenedHidden } from '../../hidden/sealed.js';
import { formatProblem, PodiumError, type Problem } from '../../contracts/problems.js';
import { UsageError, type CliIO } from '../io.js';
import type { OptionSpec } from '../args.js';
import { parseRecords, readRecordsFromRef, resultsRef, type LoadedRecords } from '../../results/git-store.js';
import type { Board } from '../../results/board.js';
import { ladderBest } from '../../results/ladder.js';
import type { ResultRecord } from '../../results/schema.js';
import { formatInterval, formatScore } from '../../format/units.js';

/** The options several commands declare alike: one declaration, so one help line for each. */
export const COMPETITION_OPTION = { type: 'string', value: 'DIR', help: 'the competition repository' } as const satisfies OptionSpec;
export const HIDDEN_OPTION = {
  type: 'string',
  value: 'PATH',
  help: 'the hidden data: a folder, or a file sealed by podium hidden seal (default: from competition.yml data.hidden)',
} as const satisfies OptionSpec;

/** The competition folder: as given, else the nearest folder above `from` with competition.yml. */
export async function findCompetitionDir(io: CliIO, given: string | undefined, from?: string): Promise<string> {
  if (given) return path.resolve(io.cwd, given);
  let dir = path.resolve(io.cwd, from ?? '.');
  for (;;) {
    try {
      await access(path.join(dir, COMPETITION_FILE));
      return dir;
    } catch {
      const up = path.dirname(dir);
      if (up === dir) return path.resolve(io.cwd);
      dir = up;
    }
  }
}

export async function openCompetition(io: CliIO, given: string | undefined, from?: string): Promise<Competition> {
  return loadCompetition(await findCompetitionDir(io, given, from));
}

export function printProblems(io: CliIO, problems: readonly Problem[]): void {
  for (const p of problems) io.stderr(`  ${formatProblem(p)}\n`);
}

/** Writes beside the target and renames, so a crash never leaves half a file. */
export async function writeAtomically(io: CliIO, file: string, text: string, what: string): Promise<string> {
  const out = path.resolve(io.cwd, file);
  await mkdir(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  try {
    await rename(tmp, out);
  } catch (e: unknown) {
    await rm(tmp, { force: true });
    const folder = (e as NodeJS.ErrnoException).code === 'EISDIR';
    throw new PodiumError(`cannot write ${what} to ${file}: ${folder ? 'it is a folder' : String(e)}.`, {
      cause: e,
      fix: folder ? 'give a file name, such as record.json.' : 'give a file in a folder you can write to.',
    });
  }
  return out;
}

/** Records from a folder holding results/ (a checkout of the results branch, or a copy). */
export async function readRecordFolder(root: string): Promise<LoadedRecords> {
  const files: { path: string; text: string }[] = [];
  let entries: string[];
  try {
    entries = (await readdir(path.join(root, 'results'), { recursive: true })) as string[];
  } catch {
    throw new PodiumError(`${root} has no results/ folder.`, {
      fix: 'give a folder that holds results/, such as a checkout of the results branch.',
    });
  }
  for (const rel of entries.filter((e) => e.endsWith('.json')).sort()) {
    files.push({ path: `results/${rel.split(path.sep).join('/')}`, text: await readFile(path.join(root, 'results', rel), 'utf8') });
  }
  return parseRecords(files);
}

/**
 * The results history for a command: the records in `resultsDir` (a folder holding results/,
 * such as a checkout of the results branch), else the competition's results branch (origin's,
 * fetched first, when there is an origin). `unavailable` says why there is none to read: the
 * competition folder is not a git repository and no folder was given.
 */
export async function resultsHistoryFor(
  competition: Competition,
  io: CliIO,
  resultsDir: string | undefined,
): Promise<{ records: ResultRecord[]; unavailable?: string }> {
  if (resultsDir) return { records: (await readRecordFolder(path.resolve(io.cwd, resultsDir))).records };
  let ref: string | undefined;
  try {
    ref = await resultsRef(competition.dir);
  } catch (e: unknown) {
    const why = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    if (/not a git repository/i.test(why)) return { records: [], unavailable: `${competition.dir} is not a git repository` };
    throw new PodiumError(`the results history cannot be read (${why}).`, {
      cause: e,
      fix: 'check that origin can be reached, or give --results DIR, a folder holding results/.',
    });
  }
  return { records: ref ? (await readRecordsFromRef(competition.dir, ref)).records : [] };
}

/**
 * Under the Ladder, where a team's best shown score so far comes from: the results history
 * (resultsHistoryFor), which must be readable. Undefined for a competition without the Ladder.
 */
export async function ladderHistory(
  competition: Competition,
  io: CliIO,
  resultsDir: string | undefined,
  history?: ResultRecord[],
): Promise<{ best(team: string, phase: string, board: Board, task?: string): number | undefined } | undefined> {
  if (!competition.config.leaderboard?.ladder) return undefined;
  let records = history;
  if (!records) {
    const read = await resultsHistoryFor(competition, io, resultsDir);
    if (read.unavailable !== undefined)
      throw new PodiumError(`the Ladder needs the results history, which cannot be read here (${read.unavailable}).`, {
        fix: "run in the competition's git repository, or give --results DIR.",
      });
    records = read.records;
  }
  const all = records;
  // A task's submissions climb the task's own ladder.
  return { best: (team, phase, board, task) => ladderBest(viewOf(competition, { task }), all, team, phase, board) };
}

/** A scored record's shown scores in one line, with intervals, and what the Ladder did if it applies. */
export function scoreSummary(whole: Competition, record: ResultRecord): string {
  // A task's record is told with its task's metrics.
  const competition = viewOf(whole, record);
  const scores = competition.metrics
    .flatMap((m) => {
      const v = record.status === 'scored' ? record.scores.public[m.name] : undefined;
      return v ? [`${m.label} ${formatScore(v.value)}${v.ci ? ` [${formatInterval(v.ci)}]` : ''}`] : [];
    })
    .join(', ');
  const ladder = record.status === 'scored' ? record.scores.ladder : undefined;
  if (!ladder) return scores;
  return `${scores}${
    ladder.improved
      ? ` (the Ladder: your best, rounded to ${ladder.step}; exact scores sealed)`
      : ` (the Ladder: not better than your best by more than ${ladder.step}, so your best again; exact scores sealed)`
  }`;
}

/**
 * The hidden data for a command: the folder given (--hidden) or named by competition.yml, or
 * a file sealed by `podium hidden seal`, opened into a private temporary folder with the key
 * in data.hidden.key_env. The caller closes it when done, which removes that folder.
 */
export async function openHiddenFor(competition: Competition, io: CliIO, given: string | undefined): Promise<OpenedHidden> {
  let where: string;
  try {
    where = hiddenDir(competition, given ? path.resolve(io.cwd, given) : undefined, io.env);
  } catch (e: unknown) {
    // Not set: --hidden is required here.
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  return openHidden(where, io.env, competition.config.data.hidden.key_env);
}
