import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, required } from '../args.js';
import { UsageError, progress } from '../io.js';
import { originRemote, publishFiles, readFileFromRef, readRecordsFromRef, resultsRef, rewrittenRecords } from '../../results/git-store.js';
import { checkReveal, DEFAULT_KEY_ENV, revealPath, revealPhase, sealingKey, SealError, type Reveal } from '../../results/seal.js';
import { revealedStandings } from '../../results/standings.js';
import { openCompetition, writeAtomically } from './shared.js';
import { standingsTable } from './leaderboard.js';
import type { Command } from './command.js';

export const reveal: Command = {
  name: 'reveal',
  help: `Usage: podium reveal --competition DIR --phase ID [--check] [--out FILE] [--remote URL]

At the end of a phase, decrypts every sealed score of the phase with the runners' key (the
variable competition.yml names in private.key_env, default ${DEFAULT_KEY_ENV}): the private
part's, and under the Ladder the exact public scores. Checks each against the commitment
published in its record, checks that no record was changed after it was committed, and
publishes the scores with their salts as reveals/<phase>.json on the results branch. Prints
the private leaderboard, and the exact public one under the Ladder.

With --check, needs no key: anyone can verify a published reveal against the records.

Options:
  --competition DIR  the competition repository (its origin holds the results branch)
  --phase ID         the phase to reveal
  --check            verify the published reveal instead of making one
  --out FILE         write the reveal here instead of publishing it
  --remote URL       publish to this remote (default: the competition's origin)

Examples:
  podium reveal --competition . --phase main
  podium reveal --competition . --phase main --check
`,
  async run(argv, io, deps) {
    const { values } = parse('reveal', argv, {
      competition: { type: 'string' },
      phase: { type: 'string' },
      check: { type: 'boolean' },
      out: { type: 'string' },
      remote: { type: 'string' },
    });
    const competition = await openCompetition(io, required('reveal', values.competition, '--competition'));
    const phaseId = required('reveal', values.phase, '--phase');
    const phase = competition.config.phases.find((p) => p.id === phaseId);
    if (!phase)
      throw new UsageError(`no phase "${phaseId}"; the phases are ${competition.config.phases.map((p) => p.id).join(', ')}.`, 'reveal');
    const bar = progress(io, false);
    bar.step('reading result records');
    const ref = await resultsRef(competition.dir);
    if (!ref) throw new UsageError('the competition has no results branch yet: nothing to reveal.', 'reveal');
    const { records } = await readRecordsFromRef(competition.dir, ref);
    const problems: string[] = (await rewrittenRecords(competition.dir, ref)).map(
      (x) => `${x.file} was changed after it was committed, in ${x.commit.slice(0, 12)}; records are only ever added.`,
    );
    let rev: Reveal;
    if (values.check) {
      const text = values.out
        ? await readFile(path.resolve(io.cwd, values.out), 'utf8')
        : await readFileFromRef(competition.dir, ref, revealPath(phaseId));
      if (text === undefined)
        throw new UsageError(`phase ${phaseId} has not been revealed (no ${revealPath(phaseId)} on the results branch).`, 'reveal');
      rev = JSON.parse(text) as Reveal;
    } else {
      const now = deps.now ? deps.now() : new Date();
      if (now.getTime() < Date.parse(phase.end) && !io.env.PODIUM_REVEAL_EARLY)
        throw new UsageError(`phase ${phaseId} ends ${phase.end}; its private scores stay sealed until then.`, 'reveal');
      try {
        rev = revealPhase(
          competition.config.slug,
          phaseId,
          records,
          sealingKey(io.env, competition.config.private?.key_env ?? DEFAULT_KEY_ENV),
          now,
        );
      } catch (e: unknown) {
        if (e instanceof SealError) {
          bar.done();
          io.stderr(`✗ ${e.message}\nNothing was published.\n`);
          return 1;
        }
        throw e;
      }
    }
    problems.push(...checkReveal(rev, records));
    bar.done();
    if (problems.length > 0) {
      io.stderr(`✗ ${problems.length} problem(s):\n${problems.map((p) => `  ${p}\n`).join('')}`);
      if (!values.check) io.stderr('Nothing was published.\n');
      return 1;
    }
    if (rev.records.length > 0 || !rev.exact)
      io.stdout(`✓ ${rev.records.length} sealed record(s) of phase ${phaseId}: every private score matches its commitment.\n`);
    if (rev.exact)
      io.stdout(
        `✓ ${rev.exact.length} record(s) of phase ${phaseId} behind the Ladder: every exact public score matches its commitment.\n`,
      );
    if (!values.check) {
      const text = `${JSON.stringify(rev, null, 2)}\n`;
      if (values.out) {
        await writeAtomically(io, values.out, text, 'the reveal', 'reveal');
        io.stdout(`Reveal written to ${values.out}.\n`);
      } else {
        const remote = values.remote ?? (await originRemote(competition.dir));
        if (!remote) throw new UsageError(`${competition.dir} has no "origin" remote; pass --remote URL or --out FILE.`, 'reveal');
        const outcome = await publishFiles([{ id: revealPath(phaseId), path: revealPath(phaseId), text }], { remote });
        io.stdout(
          outcome.added.length
            ? `Published ${revealPath(phaseId)} on the results branch.\n`
            : `${revealPath(phaseId)} was already published; it is never replaced.\n`,
        );
      }
    }
    if (rev.records.length > 0) {
      const standings = revealedStandings(competition, records, rev).find((s) => s.phase === phaseId)!;
      io.stdout(`\n${phase.name} — private leaderboard\n\n${standingsTable(standings)}\n`);
    }
    if (rev.exact) {
      const standings = revealedStandings(competition, records, { phase: phaseId, records: rev.exact }).find((s) => s.phase === phaseId)!;
      io.stdout(
        `\n${phase.name} — public leaderboard, exact scores (the Ladder's board showed rounded best scores)\n\n${standingsTable(standings)}\n`,
      );
    }
    return 0;
  },
};
