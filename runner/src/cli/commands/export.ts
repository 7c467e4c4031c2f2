import path from 'node:path';
import { required } from '../args.js';
import { progress, UsageError } from '../io.js';
import { COMPETITION_FILE } from '../../competition/load.js';
import { PodiumError } from '../../contracts/problems.js';
import { exportPhase, MANIFEST_FILE, verifyArchive } from '../../results/export.js';
import { defineCommand } from './command.js';
import { COMPETITION_OPTION, openCompetition } from './shared.js';

export const exportCommand = defineCommand({
  name: 'export',
  usage: ['export --competition DIR --phase ID [--results DIR] [--with-submissions] --out FILE.zip', 'export --verify FILE.zip'],
  description: `Writes one ZIP archive of a phase: its result records and its reveal as they are in the results
history (the results branch, origin's when there is an origin, or --results DIR), runs.json
(each record's submission, run metadata and provenance), competition.yml, public-data.json
(every file of the public data folder with its size and SHA-256; not the files) and
${MANIFEST_FILE}, which lists every other file of the archive with its size and SHA-256, the
Podium version, the competition, the phase and the time of the export. Nothing is read from the
hidden data.

With --with-submissions (for organisers), each record's submission files are added as they were
at the commit the record names, read from the competition repository's history. A submission
whose files there no longer hash to the record's submission hash is not exported: the manifest
lists it as changed, as it lists records without a commit and commits not in the repository.

With --verify, reads an archive back and checks every file against its manifest.`,
  options: {
    competition: COMPETITION_OPTION,
    phase: { type: 'string', value: 'ID', help: 'the phase to export' },
    results: {
      type: 'string',
      value: 'DIR',
      help: 'read records and reveals from this folder (holding results/) instead of the results branch',
    },
    'with-submissions': { type: 'boolean', help: "add each submission's files at its recorded commit (for organisers)" },
    out: { type: 'string', value: 'FILE', help: 'the archive to write; written whole or not at all' },
    verify: { type: 'string', value: 'FILE', help: 'check an archive against its manifest instead of writing one' },
  },
  notes: `Exit status 0 when the archive was written (or verifies), 1 when it could not be written or an
archive does not match its manifest, 2 for a wrong command line.`,
  examples: [
    'podium export --competition . --phase main --out main.zip',
    'podium export --competition . --phase main --with-submissions --out main-organisers.zip',
    'podium export --verify main.zip',
  ],
  async run({ values, positionals }, io, deps) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"; the archive goes after --out or --verify.`);
    if (values.verify !== undefined) {
      const others = (['competition', 'phase', 'results', 'with-submissions', 'out'] as const).filter((k) => values[k] !== undefined);
      if (others.length > 0) throw new UsageError(`--verify takes no other option (not ${others.map((k) => `--${k}`).join(', ')}).`);
      const file = required(values.verify, '--verify');
      const outcome = await verifyArchive(path.resolve(io.cwd, file), file);
      if (outcome.problems.length > 0) {
        io.stderr(
          `✗ ${file} does not match its manifest: ${outcome.problems.length} problem(s):\n${outcome.problems.map((p) => `  ${p}\n`).join('')}`,
        );
        return 1;
      }
      const m = outcome.manifest!;
      io.stdout(
        `✓ ${file}: all ${m.files.length} file(s) match the manifest (${m.competition}, phase ${m.phase}, exported ${m.exported_at} by Podium ${m.podium}).\n`,
      );
      return 0;
    }
    const competition = await openCompetition(io, required(values.competition, '--competition'));
    const phaseId = required(values.phase, '--phase');
    const out = required(values.out, '--out');
    if (!competition.config.phases.some((p) => p.id === phaseId))
      throw new PodiumError(`no phase "${phaseId}" in ${COMPETITION_FILE}.`, {
        fix: `give --phase one of: ${competition.config.phases.map((p) => p.id).join(', ')}.`,
      });
    const bar = progress(io, false);
    let manifest;
    try {
      manifest = await exportPhase({
        competition,
        phase: phaseId,
        ...(values.results !== undefined ? { resultsDir: path.resolve(io.cwd, values.results) } : {}),
        withSubmissions: values['with-submissions'] === true,
        out: path.resolve(io.cwd, out),
        now: deps.now ? deps.now() : new Date(),
        onStep: (s) => bar.step(s),
      });
    } finally {
      bar.done();
    }
    io.stdout(`✓ ${out}: ${manifest.records} record(s) of phase ${phaseId}, ${manifest.files.length} file(s) and ${MANIFEST_FILE}.\n`);
    if (manifest.reveal) {
      const n = manifest.reveal.problems.length;
      io.stdout(
        n === 0
          ? `  ${manifest.reveal.path}: checked against the records.\n`
          : `! ${manifest.reveal.path}: ${n} problem(s), listed in the manifest.\n`,
      );
    } else io.stdout(`  phase ${phaseId} has no reveal yet.\n`);
    for (const x of manifest.invalid_records) io.stdout(`! ${x.path} is not a valid record (${x.why}); not exported.\n`);
    for (const x of manifest.rewritten_records)
      io.stdout(`! ${x.file} was changed after it was committed, in ${x.commit.slice(0, 12)}; the archive holds it as it is now.\n`);
    if (manifest.submissions) {
      const exported = manifest.submissions.filter((s) => s.status === 'exported').length;
      io.stdout(`  submissions: ${exported} of ${manifest.submissions.length} exported.\n`);
      for (const s of manifest.submissions) if (s.status !== 'exported') io.stdout(`! ${s.record}: not exported, ${s.status}: ${s.why}.\n`);
    }
    return 0;
  },
});
