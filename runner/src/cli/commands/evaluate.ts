import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { required } from '../args.js';
import { progress, signalExit, UsageError, type CliIO } from '../io.js';
import { evaluateShard, evaluateSubmission, type EvaluateOptions } from '../../evaluate/evaluate.js';
import { parseShard } from '../../evaluate/shard.js';
import { serializeRecord } from '../../results/record.js';
import {
  COMPETITION_OPTION,
  HIDDEN_OPTION,
  ladderHistory,
  openCompetition,
  openHiddenFor,
  printProblems,
  resultsHistoryFor,
  scoreSummary,
  writeAtomically,
} from './shared.js';
import { defineCommand } from './command.js';
import { sliceTables } from './slice-table.js';
import { PodiumError } from '../../contracts/problems.js';
import { findPhase, viewOf, type Competition, type Phase } from '../../competition/load.js';
import { loadTeams } from '../../competition/teams.js';
import { checkHiddenData } from '../../evaluate/hidden-truth.js';
import { admit, hasLimits } from '../../results/admission.js';
import type { ResultRecord } from '../../results/schema.js';
import { entrantOf } from '../../submission/validate.js';

export const evaluate = defineCommand({
  name: 'evaluate',
  usage: ['evaluate --competition DIR --hidden DIR SUBMISSION_DIR [options]'],
  description: `Validates the submission, scores it against the hidden truth and writes the result record.
First the competition's rules, as the pull-request check applies them: the team must be in
teams.yml (when there is one), a phase must be open (or named with --phase), the phase must
take the submission's kind, and the team must be within the phase's limits, counted from the
results history (--results, else the results branch). A refusal, a hidden data folder that
does not fit competition.yml, or an unknown --phase writes no record and exits 1 (2 for the
flag). Exit status 0 when scored; otherwise 1, with a record whose status and error say why. On
SIGINT or SIGTERM (a cancelled job) it stops and removes its build or container, writes a
record saying the evaluation was cancelled (the platform's doing: no limit used), and exits
130 or 143.`,
  options: {
    competition: COMPETITION_OPTION,
    hidden: HIDDEN_OPTION,
    out: { type: 'string', value: 'FILE', help: 'write the record here (default: print it with --json, else a summary)' },
    commit: { type: 'string', value: 'SHA', help: 'the git commit the submission was taken from, for provenance' },
    phase: { type: 'string', value: 'ID', help: 'score for this phase (default: the phase open now)' },
    logs: { type: 'string', value: 'FILE', help: "write a container submission's logs here (kept for organisers)" },
    shard: {
      type: 'string',
      value: 'I/N',
      help: 'run shard I of N only (container and API submissions) and write its predictions to --out, for podium merge (see docs/runners.md)',
    },
    results: {
      type: 'string',
      value: 'DIR',
      help: "a folder holding results/, the earlier records that the limits are counted from and, under the Ladder, the team's best taken from (default: the competition's results branch)",
    },
    'ignore-limits': {
      type: 'string',
      value: 'REASON',
      help: "evaluate past the phase's limits (per_day, total); the reason is kept in the record (provenance.limits_ignored)",
    },
    json: { type: 'boolean', help: 'print the record on stdout' },
  },
  examples: ['podium evaluate --competition . --hidden ../hidden --out record.json submissions/a/x'],
  async run({ values, positionals }, io, deps) {
    if (positionals.length !== 1) throw new UsageError('give exactly one submission folder.');
    if (values.commit !== undefined && !/^[0-9a-f]{40}$/.test(values.commit))
      throw new UsageError('--commit takes a full 40-character commit id.');
    const json = values.json === true;
    if (values.out && (await stat(path.resolve(io.cwd, values.out)).catch(() => undefined))?.isDirectory()) {
      throw new PodiumError(`--out ${values.out} is a folder.`, { fix: 'give a file name, such as record.json.' });
    }
    const ignoreLimits = values['ignore-limits']?.trim();
    if (ignoreLimits === '') throw new UsageError('--ignore-limits takes the reason for evaluating past the limits, kept in the record.');
    // A shard writes no record, so the reason would not reach the one podium merge writes.
    if (ignoreLimits !== undefined && values.shard !== undefined)
      throw new UsageError(
        '--ignore-limits goes with an evaluation in one run, whose record keeps the reason; it cannot be given with --shard.',
      );
    const bar = progress(io, json);
    const competition = await openCompetition(io, required(values.competition, '--competition'));
    const now = deps.now ? deps.now() : new Date();
    if (values.phase !== undefined) {
      const named = findPhase(competition, now, values.phase);
      if (!named.ok) throw new UsageError(`--phase: ${named.why}`);
    }
    const submissionDir = path.resolve(io.cwd, positionals[0]!);
    const history = await admitOrRefuse(competition, io, submissionDir, now, values.phase, values.results, ignoreLimits);
    const hidden = await openHiddenFor(competition, io, values.hidden);
    // A cancelled job (SIGINT, then SIGTERM) or Ctrl-C: stop the build or container, remove
    // them, and still write the record, which says the evaluation was cancelled.
    const cancel = new AbortController();
    let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
    const stopListening = io.onInterrupt?.((signal) => {
      interrupted = signal;
      io.stderr(`\n${signal}: stopping the evaluation and removing its containers…\n`);
      cancel.abort();
    });
    try {
      const faults = await checkHiddenData(competition, hidden.dir, history.phase ? [history.phase] : []);
      if (faults.length > 0)
        throw new PodiumError(
          `the hidden data does not fit competition.yml; nothing was evaluated:\n${faults.map((f) => `  ${f.setting}: ${f.message}`).join('\n')}`,
          { fix: 'fix the hidden data folder or competition.yml (podium validate --competition DIR --hidden DIR checks both).' },
        );
      let logs = '';
      const options: EvaluateOptions = {
        competition,
        hiddenDir: hidden.dir,
        signal: cancel.signal,
        env: io.env,
        submissionDir,
        ...(values.commit ? { commit: values.commit } : {}),
        ...(values.phase ? { phase: values.phase } : {}),
        now,
        onStep: (s) => bar.step(s),
        ...(values.logs ? { onLogs: (text: string) => (logs = text) } : {}),
      };
      if (values.shard !== undefined) {
        const shard = parseShard(values.shard);
        if (!shard) throw new UsageError(`--shard takes I/N with 1 ≤ I ≤ N, e.g. 2/4; got "${values.shard}".`);
        if (!values.out) throw new UsageError('--shard needs --out FILE for the shard file that podium merge reads.');
        const part = await evaluateShard(options, shard);
        if (values.logs) await writeFile(path.resolve(io.cwd, values.logs), logs);
        bar.done();
        await writeAtomically(io, values.out, `${JSON.stringify(part)}\n`, 'the shard file');
        const label = `${part.team}/${part.name} shard ${shard.index}/${shard.count}`;
        if (part.status === 'predicted') io.stdout(`✓ ${label}: ${part.items} item(s) predicted; shard file ${values.out}\n`);
        else io.stderr(`✗ ${label}: ${part.status} — ${part.error?.message ?? ''}\n`);
        if (interrupted) return signalExit(interrupted);
        return part.status === 'predicted' ? 0 : 1;
      }
      const ladder = await ladderHistory(competition, io, values.results, history.records);
      if (ladder) options.ladder = ladder;
      const record = await evaluateSubmission(options);
      if (ignoreLimits !== undefined) record.provenance.limits_ignored = ignoreLimits;
      if (values.logs) await writeFile(path.resolve(io.cwd, values.logs), logs);
      bar.done();
      const text = serializeRecord(record);
      if (values.out) {
        await writeAtomically(io, values.out, text, 'the record');
      }
      if (json) io.stdout(text);
      else if (record.status === 'scored') {
        io.stdout(`✓ ${record.submission.team}/${record.submission.name}: scored — ${scoreSummary(competition, record)}\n`);
        const view = viewOf(competition, record);
        if (record.scores.slices) io.stdout(`\n${sliceTables(record.scores.slices, view.metrics, view.primary)}`);
      } else {
        io.stderr(`✗ ${record.submission.team}/${record.submission.name}: ${record.status} — ${record.error.message}\n`);
        printProblems(io, record.error.problems ?? []);
      }
      if (values.out && !json) io.stdout(`Record written to ${path.relative(io.cwd, path.resolve(io.cwd, values.out))}\n`);
      if (interrupted) return signalExit(interrupted);
      return record.status === 'scored' ? 0 : 1;
    } finally {
      stopListening?.();
      await hidden.close();
    }
  },
});

/**
 * The competition's rules before an evaluation (results/admission.ts, as the Action applies
 * them): a refusal is an error and nothing is recorded. Hands back the phase and the history
 * read, when one was; undefined history means it could not be read (no git, no --results).
 */
async function admitOrRefuse(
  competition: Competition,
  io: CliIO,
  submissionDir: string,
  now: Date,
  phase: string | undefined,
  resultsDir: string | undefined,
  ignoreLimits: string | undefined,
): Promise<{ phase?: Phase; records?: ResultRecord[] }> {
  const entrant = await entrantOf(competition, submissionDir);
  // A folder with no readable submission.yml and no team in its path: the evaluation rejects it.
  if (!entrant) return {};
  let unavailable: string | undefined;
  let records: ResultRecord[] | undefined;
  const admitted = await admit(competition, entrant, {
    now,
    teams: await loadTeams(competition.dir),
    ...(phase !== undefined ? { phase } : {}),
    ...(ignoreLimits !== undefined ? { ignoreLimits: true } : {}),
    history: async () => {
      const read = await resultsHistoryFor(competition, io, resultsDir);
      unavailable = read.unavailable;
      records = unavailable === undefined ? read.records : undefined;
      return read.records;
    },
  });
  if (!admitted.ok)
    throw new PodiumError(admitted.why, {
      fix: {
        membership: 'add the team to teams.yml, or evaluate a submission of a team that is there.',
        phase: 'to score for a phase outside its dates, name it: --phase ID.',
        kind: "to take this kind in the phase, add it to the phase's kinds in competition.yml.",
        limits: 'to evaluate past the limits deliberately, pass --ignore-limits REASON; the reason is kept in the record.',
      }[admitted.rule],
    });
  if (unavailable !== undefined && ignoreLimits === undefined && hasLimits(competition, admitted.phase, admitted.board))
    io.stderr(`! limits not counted: ${unavailable} and no --results DIR was given, so there are no earlier records to count.\n`);
  if (admitted.board === 'post-challenge')
    io.stderr(
      `! phase ${admitted.phase.id} has ended: this submission goes to the post-challenge board, ranked apart from the official results.\n`,
    );
  return { phase: admitted.phase, ...(records ? { records } : {}) };
}
