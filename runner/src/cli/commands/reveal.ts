import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { required } from '../args.js';
import { progress } from '../io.js';
import { originRemote, publishFiles, readFileFromRef, readRecordsFromRef, resultsRef, rewrittenRecords } from '../../results/git-store.js';
import { checkReveal, DEFAULT_KEY_ENV, revealPath, revealPhase, sealingKey, SealError, type Reveal } from '../../results/seal.js';
import { revealedStandings } from '../../results/standings.js';
import { openCompetition, writeAtomically } from './shared.js';
import { standingsTable } from './leaderboard.js';
import { defineCommand } from './command.js';
import { PodiumError } from '../../contracts/problems.js';
import { COMPETITION_FILE } from '../../competition/load.js';

export const reveal = defineCommand({
  name: 'reveal',
  usage: ['reveal --competition DIR --phase ID [--check] [--out FILE] [--remote URL]'],
  description: `At the end of a phase, decrypts every sealed score of the phase with the runners' key (the
variable competition.yml names in private.key_env, default ${DEFAULT_KEY_ENV}): the private
part's, and under the Ladder the exact public scores. Checks each against the commitment
published in its record, checks that no record was changed after it was committed, and
publishes the scores with their salts as reveals/<phase>.json on the results branch. Prints
the private leaderboard, and the exact public one under the Ladder.

With --check, needs no key: anyone can verify a published reveal against the records.`,
  options: {
    competition: { type: 'string', value: 'DIR', help: 'the competition repository (its origin holds the results branch)' },
    phase: { type: 'string', value: 'ID', help: 'the phase to reveal' },
    check: { type: 'boolean', help: 'verify the published reveal instead of making one' },
    out: { type: 'string', value: 'FILE', help: 'write the reveal here instead of publishing it' },
    remote: { type: 'string', value: 'URL', help: "publish to this remote (default: the competition's origin)" },
  },
  examples: ['podium reveal --competition . --phase main', 'podium reveal --competition . --phase main --check'],
  async run({ values }, io, deps) {
    const competition = await openCompetition(io, required(values.competition, '--competition'));
    const phaseId = required(values.phase, '--phase');
    const phase = competition.config.phases.find((p) => p.id === phaseId);
    if (!phase)
      throw new PodiumError(`no phase "${phaseId}" in ${COMPETITION_FILE}.`, {
        fix: `give --phase one of: ${competition.config.phases.map((p) => p.id).join(', ')}.`,
      });
    const bar = progress(io, false);
    bar.step('reading result records');
    const ref = await resultsRef(competition.dir);
    if (!ref)
      throw new PodiumError('the competition has no results branch yet: nothing to reveal.', {
        fix: 'publish records first (podium publish); reveal reads the results branch from origin, or the local one when there is no origin.',
      });
    const { records } = await readRecordsFromRef(competition.dir, ref);
    const problems: string[] = (await rewrittenRecords(competition.dir, ref)).map(
      (x) => `${x.file} was changed after it was committed, in ${x.commit.slice(0, 12)}; records are only ever added.`,
    );
    let rev: Reveal;
    if (values.check) {
      const from = values.out ?? `${revealPath(phaseId)} on the results branch`;
      const text = values.out
        ? await readFile(path.resolve(io.cwd, values.out), 'utf8').catch((e: unknown) => {
            throw new PodiumError(`cannot read ${values.out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, { cause: e });
          })
        : await readFileFromRef(competition.dir, ref, revealPath(phaseId));
      if (text === undefined)
        throw new PodiumError(`phase ${phaseId} has not been revealed (no ${revealPath(phaseId)} on the results branch).`, {
          fix: 'check it once the organisers have revealed it, or give a reveal file with --out FILE.',
        });
      try {
        rev = JSON.parse(text) as Reveal;
      } catch (e: unknown) {
        throw new PodiumError(`${from} is not JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    } else {
      const now = deps.now ? deps.now() : new Date();
      if (now.getTime() < Date.parse(phase.end) && !io.env.PODIUM_REVEAL_EARLY)
        throw new PodiumError(`phase ${phaseId} ends ${phase.end}; its private scores stay sealed until then.`, {
          fix: 'run podium reveal again after the phase has ended.',
        });
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
        await writeAtomically(io, values.out, text, 'the reveal');
        io.stdout(`Reveal written to ${values.out}.\n`);
      } else {
        const remote = values.remote ?? (await originRemote(competition.dir));
        if (!remote)
          throw new PodiumError(`${competition.dir} has no "origin" remote.`, {
            fix: 'pass --remote URL, or --out FILE to write the reveal.',
          });
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
});
