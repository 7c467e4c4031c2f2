import { access } from 'node:fs/promises';
import path from 'node:path';
import { required } from '../args.js';
import { progress, signalExit, UsageError } from '../io.js';
import { rescorePhase, type RescoreOutcome } from '../../evaluate/rescore.js';
import { checkHiddenData } from '../../evaluate/hidden-truth.js';
import { findPhase, viewOf, type Competition } from '../../competition/load.js';
import { originRemote, publishRecords, readFileFromRef, resultsRef } from '../../results/git-store.js';
import { revealPath } from '../../results/seal.js';
import { recordPath, serializeRecord } from '../../results/record.js';
import type { ResultRecord } from '../../results/schema.js';
import { formatScore } from '../../format/units.js';
import { PodiumError } from '../../contracts/problems.js';
import { COMPETITION_OPTION, HIDDEN_OPTION, openCompetition, openHiddenFor, resultsHistoryFor, writeAtomically } from './shared.js';
import { defineCommand } from './command.js';

export const rescore = defineCommand({
  name: 'rescore',
  usage: ['rescore --competition DIR --phase ID --hidden DIR [--results DIR] [--reason TEXT]'],
  description: `Evaluates every scored record of a phase again against the hidden data and scorer in use now,
after the truth was corrected or Podium was upgraded. Each submission is scored from the files
it was scored from: its folder at the record's commit (checked out aside), whose content hash
must be the record's, else the record is skipped and said why. A container runs from the image
digest its record names, when this engine has it; an API submission is not called again. A
new score, or the same score from another truth or scorer version, becomes a new record that
supersedes the old one, with the reason; the old record stays in the history, and the board
uses the new one. A record whose scores, truth and scorer are all the same is left as it is.
Each record is written only once its evaluation scored: to --results DIR's results/, else
pushed to the results branch when all are done. Exit status 0 when every scored record was
re-scored, left as it was, or is an API submission; 1 when one was skipped for another
reason (the summary says what to do).`,
  options: {
    competition: COMPETITION_OPTION,
    hidden: HIDDEN_OPTION,
    phase: { type: 'string', value: 'ID', help: 'the phase whose records are scored again' },
    results: {
      type: 'string',
      value: 'DIR',
      help: "a folder holding results/: the records are read from it and the new ones written into it (default: the competition's results branch, pushed to)",
    },
    reason: {
      type: 'string',
      value: 'TEXT',
      help: 'why, kept in every new record and shown on the site (default: what changed, the truth or the scorer)',
    },
  },
  examples: ['podium rescore --competition . --phase main --hidden ../hidden --reason "label of clip 0412 corrected"'],
  async run({ values }, io, deps) {
    const phaseId = required(values.phase, '--phase');
    const reason = values.reason?.trim();
    if (values.reason !== undefined && reason === '')
      throw new UsageError('--reason takes the reason for scoring again, kept in every new record.');
    const competition = await openCompetition(io, required(values.competition, '--competition'));
    const now = deps.now ? deps.now() : new Date();
    const phase = findPhase(competition, now, phaseId);
    if (!phase.ok) throw new PodiumError(`--phase ${phaseId}: ${phase.why}`, { fix: 'name one of the phases of competition.yml.' });
    if (competition.config.leaderboard?.ladder)
      throw new PodiumError(
        "this competition is under the Ladder, whose shown scores depend on the order of a team's submissions; podium rescore does not re-score it.",
        { fix: 'correct the truth before the phase opens, or have the teams submit again.' },
      );
    const history = await resultsHistoryFor(competition, io, values.results);
    if (history.unavailable !== undefined)
      throw new PodiumError(`there is no results history to re-score: ${history.unavailable}.`, {
        fix: "run in the competition's git repository, or give --results DIR, a folder holding results/.",
      });
    // A published reveal lists the sealed records it opens; a re-scoring's new sealed records
    // would be missing from it, and the revealed board would no longer check.
    const revealed = values.results
      ? await access(path.join(path.resolve(io.cwd, values.results), revealPath(phaseId))).then(
          () => true,
          () => false,
        )
      : await resultsRef(competition.dir).then(
          async (ref) => ref !== undefined && (await readFileFromRef(competition.dir, ref, revealPath(phaseId))) !== undefined,
        );
    if (revealed && history.records.some((r) => r.phase === phaseId && r.status === 'scored' && (r.scores.private || r.scores.exact)))
      throw new PodiumError(
        `phase ${phaseId}'s sealed scores are revealed (${revealPath(phaseId)}); re-scored records would be sealed anew and missing from that reveal.`,
        { fix: 'correct the truth and re-score before the reveal; after it, publish the correction beside the results instead.' },
      );
    // Where the new records go: the folder given, or the results branch they came from.
    let remote: string | undefined;
    if (!values.results) {
      remote = await originRemote(competition.dir);
      if (!remote && (await resultsRef(competition.dir))) remote = competition.dir;
    }

    const hidden = await openHiddenFor(competition, io, values.hidden);
    const bar = progress(io, false);
    const cancel = new AbortController();
    let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
    const stopListening = io.onInterrupt?.((signal) => {
      interrupted = signal;
      io.stderr(`\n${signal}: stopping; the records not yet re-scored stay as they are…\n`);
      cancel.abort();
    });
    const written: ResultRecord[] = [];
    try {
      const faults = await checkHiddenData(competition, hidden.dir, [phase.phase]);
      if (faults.length > 0)
        throw new PodiumError(
          `the hidden data does not fit competition.yml; nothing was re-scored:\n${faults.map((f) => `  ${f.setting}: ${f.message}`).join('\n')}`,
          { fix: 'fix the hidden data folder or competition.yml (podium validate --competition DIR --hidden DIR checks both).' },
        );
      const result = await rescorePhase({
        competition,
        hiddenDir: hidden.dir,
        phase: phaseId,
        records: history.records,
        ...(reason ? { reason } : {}),
        now,
        env: io.env,
        signal: cancel.signal,
        onStep: (s) => bar.step(s),
        onRecord: async (record) => {
          // One whole file per record, written once its evaluation scored; an existing file is never replaced.
          if (values.results) {
            const file = path.join(path.resolve(io.cwd, values.results), recordPath(record));
            if (
              !(await access(file).then(
                () => true,
                () => false,
              ))
            )
              await writeAtomically(io, file, serializeRecord(record), `the record ${record.id}`);
          }
          written.push(record);
        },
      });
      bar.done();
      let pushed: string | undefined;
      if (!values.results && written.length > 0) {
        if (interrupted) io.stderr(`! interrupted: the ${written.length} new record(s) were not pushed; the old records stay current.\n`);
        else if (!remote)
          throw new PodiumError('the competition has no "origin" remote and no local results branch to write the new records to.', {
            fix: 'add the origin remote, or give --results DIR.',
          });
        else {
          bar.step(`pushing ${written.length} record(s)`);
          const outcome = await publishRecords(written, {
            remote,
            onRetry: (n) => bar.step(`another writer pushed first; retrying (attempt ${n + 1})`),
          });
          bar.done();
          pushed = outcome.commit;
        }
      }
      printSummary(io, competition, phaseId, result.outcomes, result.unscored);
      if (values.results && written.length > 0) io.stdout(`New records written under ${path.join(values.results, 'results', phaseId)}/\n`);
      if (pushed) io.stdout(`Pushed ${pushed.slice(0, 12)} to the results branch.\n`);
      if (interrupted) return signalExit(interrupted);
      const blocking = result.outcomes.some((o) => o.status === 'skipped' && o.old.submission.kind !== 'api');
      return blocking ? 1 : 0;
    } finally {
      stopListening?.();
      await hidden.close();
    }
  },
});

function printSummary(
  io: { stdout: (t: string) => void },
  competition: Competition,
  phase: string,
  outcomes: readonly RescoreOutcome[],
  unscored: number,
): void {
  const of = <S extends RescoreOutcome['status']>(s: S) =>
    outcomes.filter((o): o is Extract<RescoreOutcome, { status: S }> => o.status === s);
  const superseded = of('superseded');
  const unchanged = of('unchanged');
  const skipped = of('skipped');
  // Each record on its own task's primary metric.
  const primaryOf = (r: ResultRecord) => viewOf(competition, r).primary.name;
  const value = (r: ResultRecord) => (r.status === 'scored' ? r.scores.public[primaryOf(r)]?.value : undefined);
  const shown = (v: number | undefined) => (v === undefined ? '—' : formatScore(v));
  io.stdout(
    `Phase ${phase}: ${outcomes.length} scored record(s): ${superseded.length} re-scored (${superseded.filter((o) => o.changed).length} changed), ${unchanged.length} unchanged, ${skipped.length} skipped.\n`,
  );
  for (const o of superseded.filter((x) => x.changed))
    io.stdout(`  changed    ${o.old.id}: ${primaryOf(o.old)} ${shown(value(o.old))} → ${shown(value(o.record))} (now ${o.record.id})\n`);
  for (const o of superseded.filter((x) => !x.changed))
    io.stdout(`  re-scored  ${o.old.id}: same scores, recorded again (${o.record.rescore?.reason ?? ''}; now ${o.record.id})\n`);
  for (const o of unchanged) io.stdout(`  unchanged  ${o.old.id}: same scores from the same truth and scorer; left as it is\n`);
  for (const o of skipped) io.stdout(`  skipped    ${o.old.id}: ${o.why}${o.fix ? `\n             fix: ${o.fix}` : ''}\n`);
  if (unscored > 0) io.stdout(`${unscored} failed or rejected record(s) of the phase are not re-scored.\n`);
  const reason = superseded[0]?.record.rescore?.reason;
  if (reason && superseded.every((o) => o.record.rescore?.reason === reason)) io.stdout(`Reason kept in the new records: ${reason}\n`);
}
