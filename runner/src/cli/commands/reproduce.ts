import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { markdownTable } from 'markdown-table';
import { simpleGit } from 'simple-git';
import { required } from '../args.js';
import { ExitCode, progress, UsageError } from '../io.js';
import { evaluateSubmission } from '../../evaluate/evaluate.js';
import { DEFAULT_KEY_ENV, exactSealId, isSealed, sealingKey, unseal, type ScoreMap, type Sealed } from '../../results/seal.js';
import { checkRecord } from '../../results/record.js';
import { formatScore } from '../../format/units.js';
import { openCompetition, openHiddenFor, COMPETITION_OPTION, HIDDEN_OPTION } from './shared.js';
import { defineCommand } from './command.js';
import { PodiumError } from '../../contracts/problems.js';

export const reproduce = defineCommand({
  name: 'reproduce',
  usage: ['reproduce --competition DIR --hidden DIR RECORD.json [--tolerance X] [--json]'],
  description: `Evaluates the submission a result record describes again, from the commit the record names
(checked out aside, so the working folder is untouched), in the record's phase, and says
whether every public score agrees with the record within the tolerance (relative, default
1e-9). It also compares the hashes of the submission and of the truth. With the sealing key
(competition.yml private.key_env, default PODIUM_SEAL_KEY) it checks the private part's sealed
scores too; without it, the public scores only, and it says the private part was not checked.
Exit status 0 when everything checked agrees, 1 when something differs.`,
  options: {
    competition: COMPETITION_OPTION,
    hidden: HIDDEN_OPTION,
    tolerance: { type: 'string', value: 'X', help: 'how far, relative, a score may be from the recorded one', default: '1e-9' },
    json: { type: 'boolean', help: 'print the comparison as JSON' },
  },
  examples: ['podium reproduce --competition . --hidden /srv/hidden record.json'],
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('give exactly one record file.');
    const tolerance = Number(values.tolerance);
    if (!(tolerance >= 0)) throw new UsageError('--tolerance takes a number such as 1e-9.');
    const file = positionals[0]!;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path.resolve(io.cwd, file), 'utf8'));
    } catch (e: unknown) {
      throw new PodiumError(`cannot read ${file} as JSON: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
        fix: 'give a result record, as podium evaluate --out writes it.',
      });
    }
    const checked = checkRecord(parsed);
    if (!checked.ok)
      throw new PodiumError(`${file} is not a valid result record: ${checked.why}`, {
        fix: 'give a result record, as podium evaluate --out writes it.',
      });
    const original = checked.record;
    if (original.status !== 'scored')
      throw new PodiumError(`the record's status is "${original.status}"; only scored records can be reproduced.`, {
        fix: 'give the record of a scored submission.',
      });
    const competition = await openCompetition(io, required(values.competition, '--competition'));
    const keyEnv = competition.config.private?.key_env ?? DEFAULT_KEY_ENV;
    // Without the key the public scores can still be checked; a key set but malformed is an error.
    const key = io.env[keyEnv]?.trim() ? sealingKey(io.env, keyEnv) : undefined;
    if (!key && original.scores.ladder)
      throw new PodiumError(`the record is under the Ladder, so its exact public scores are sealed, and ${keyEnv} is not set.`, {
        fix: `set ${keyEnv} to the competition's sealing key (the one its runners seal with) and run again.`,
      });
    const hidden = await openHiddenFor(competition, io, values.hidden);
    const bar = progress(io, values.json === true);

    const commit = original.provenance.commit;
    let checkout: string | undefined;
    try {
      let submissionDir = path.join(competition.dir, original.submission.path);
      if (commit) {
        checkout = await mkdtemp(path.join(os.tmpdir(), 'podium-reproduce-'));
        bar.step(`checking out ${commit.slice(0, 12)}`);
        await simpleGit(competition.dir).raw(['worktree', 'add', '--detach', '--force', checkout, commit]);
        submissionDir = path.join(checkout, original.submission.path);
      }
      const again = await evaluateSubmission({
        competition,
        hiddenDir: hidden.dir,
        submissionDir,
        ...(commit ? { commit } : {}),
        phase: original.phase,
        now: new Date(original.created_at),
        env: io.env,
        ...(key ? {} : { publicOnly: true }),
        onStep: (s) => bar.step(s),
      });
      bar.done();
      if (again.status !== 'scored') {
        io.stderr(`✗ the submission did not score this time: ${again.status}, ${again.error.message}\n`);
        throw new ExitCode(1);
      }
      // Under the Ladder the shown score depends on the team's earlier submissions: compare the
      // exact scores, sealed in both records (the key was checked above).
      let recorded = original.scores.public;
      let reproduced = again.scores.public;
      if (original.scores.ladder && key) {
        if (!isSealed(original.scores.exact) || !isSealed(again.scores.exact))
          throw new PodiumError('the record is under the Ladder but holds no sealed exact scores to compare.');
        recorded = unseal(exactSealId(original.id), original.scores.exact, key).scores;
        reproduced = unseal(exactSealId(again.id), again.scores.exact, key).scores;
      }
      const compare = (was: ScoreMap, now: ScoreMap) =>
        Object.entries(was).map(([name, s]) => {
          const value = now[name]?.value;
          const agrees = value !== undefined && Math.abs(value - s.value) <= tolerance * Math.max(1, Math.abs(s.value));
          return { name, recorded: s.value, reproduced: value, agrees };
        });
      const rows = compare(recorded, reproduced);
      // The private part: its sealed scores compared when the key is here, else said to be unchecked.
      let privatePart: { checked: true; scores: ReturnType<typeof compare> } | { checked: false; why: string; fix: string } | undefined;
      if (original.scores.private) {
        if (!key)
          privatePart = {
            checked: false,
            why: `${keyEnv} is not set, so the private part's scores were not checked`,
            fix: `to check them too, set ${keyEnv} to the competition's sealing key (the one its runners seal with) and run again`,
          };
        else {
          // A revealed record holds the private scores in the clear; this run sealed them again.
          const open = (id: string, v: Sealed | ScoreMap | undefined) =>
            v === undefined ? {} : isSealed(v) ? unseal(id, v, key).scores : v;
          const was = open(original.id, original.scores.private);
          const now = open(again.id, again.scores.private);
          privatePart = { checked: true, scores: compare(was, now) };
        }
      }
      const hashes = [
        { what: 'submission files', agrees: again.provenance.submission_hash === original.provenance.submission_hash },
        { what: 'truth', agrees: again.provenance.data_hash === original.provenance.data_hash },
      ];
      const ok =
        rows.every((r) => r.agrees) &&
        hashes.every((h) => h.agrees) &&
        (!privatePart?.checked || privatePart.scores.every((r) => r.agrees));
      if (values.json)
        io.stdout(
          `${JSON.stringify({ agrees: ok, tolerance, scores: rows, ...(privatePart ? { private: privatePart } : {}), hashes }, null, 2)}\n`,
        );
      else {
        const table = (part: ReturnType<typeof compare>) =>
          markdownTable(
            [
              ['metric', 'recorded', 'reproduced', 'agrees'],
              ...part.map((r) => [
                r.name,
                formatScore(r.recorded),
                r.reproduced === undefined ? '—' : formatScore(r.reproduced),
                r.agrees ? 'yes' : 'NO',
              ]),
            ],
            { align: ['l', 'r', 'r', 'l'] },
          );
        io.stdout(`${privatePart ? 'Public part:\n' : ''}${table(rows)}\n`);
        if (privatePart?.checked) io.stdout(`Private part:\n${table(privatePart.scores)}\n`);
        for (const h of hashes) io.stdout(`${h.agrees ? '✓' : '✗'} ${h.what} ${h.agrees ? 'identical' : 'differ'}\n`);
        if (privatePart && !privatePart.checked) io.stdout(`! ${privatePart.why}; ${privatePart.fix}.\n`);
        io.stdout(
          ok
            ? `Reproduced within a relative ${tolerance}${privatePart && !privatePart.checked ? ' (the public part only)' : ''}.\n`
            : 'NOT reproduced.\n',
        );
      }
      return ok ? 0 : 1;
    } finally {
      await hidden.close();
      if (checkout) {
        await simpleGit(competition.dir)
          .raw(['worktree', 'remove', '--force', checkout])
          .catch(() => undefined);
        await rm(checkout, { recursive: true, force: true });
      }
    }
  },
});
