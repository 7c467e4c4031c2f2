import path from 'node:path';
import { progress } from '../io.js';
import { checkCompetition, COMPETITION_FILE } from '../../competition/load.js';
import { validateSubmission } from '../../submission/validate.js';
import { findCompetitionDir, printProblems } from './shared.js';
import { readFile } from 'node:fs/promises';
import { formatProblem, plural, type Problem } from '../../contracts/problems.js';
import { formatSeconds } from '../../format/units.js';
import { defineCommand } from './command.js';

export const validate = defineCommand({
  name: 'validate',
  usage: ['validate [--competition DIR] [SUBMISSION_DIR ...] [--dry-run] [--json]'],
  description: `Checks competition.yml and each submission folder (submission.yml, its files, the
predictions against the published test ids) and lists every problem with file, line and
column. Exit status 1 when anything is wrong.`,
  options: {
    competition: {
      type: 'string',
      value: 'DIR',
      help: 'the competition repository (default: the nearest folder above the submission, or the current folder, that holds competition.yml)',
    },
    'dry-run': {
      type: 'boolean',
      help: 'also run container submissions on the public sample inputs (data.sample_inputs) in the sandbox, as the pull-request check does',
    },
    json: { type: 'boolean', help: 'print a JSON report on stdout instead of text' },
  },
  examples: ['podium validate submissions/my-team/first-try', 'podium validate --competition . --json submissions/a/x submissions/b/y'],
  async run({ values, positionals }, io) {
    const json = values.json === true;
    const bar = progress(io, json);
    const dir = await findCompetitionDir(io, values.competition, positionals[0]);
    bar.step('checking competition.yml');
    let text: string | undefined;
    try {
      text = await readFile(path.join(dir, COMPETITION_FILE), 'utf8');
    } catch {
      text = undefined;
    }
    const comp =
      text === undefined
        ? {
            ok: false as const,
            problems: [{ file: COMPETITION_FILE, line: 0, column: 0, path: '', message: `not found in ${dir}; pass --competition DIR.` }],
          }
        : await checkCompetition(text, dir);
    const report: {
      competition: { ok: boolean; problems: Problem[] };
      submissions: { path: string; ok: boolean; problems: Problem[]; notices?: Problem[]; dryRun?: string; logs?: string }[];
    } = {
      competition: { ok: comp.ok, problems: comp.ok ? [] : comp.problems },
      submissions: [],
    };
    if (comp.ok) {
      for (const sub of positionals) {
        bar.step(`checking ${sub}`);
        const r = await validateSubmission(comp.competition, path.resolve(io.cwd, sub));
        const entry: (typeof report.submissions)[number] = {
          path: r.identity.path,
          ok: r.ok,
          problems: r.problems,
          ...(r.notices?.length ? { notices: r.notices } : {}),
        };
        if (values['dry-run'] && r.ok && r.submission?.kind === 'container') {
          const { dryRun } = await import('../../evaluate/dry-run.js');
          const { dockerEngine } = await import('../../sandbox/container/docker.js');
          const dry = await dryRun(comp.competition, path.resolve(io.cwd, sub), r.submission, dockerEngine(), (x) => bar.step(x));
          entry.dryRun = !dry.ran
            ? `not run: ${dry.why}`
            : dry.ok
              ? `${dry.items} predictions in ${formatSeconds(dry.seconds)}`
              : `failed: ${dry.error.message}`;
          if (dry.ran && !dry.ok) {
            entry.ok = false;
            entry.problems = [
              ...entry.problems,
              { file: entry.path, line: 0, column: 0, path: '', message: `dry run on the public sample inputs: ${dry.error.message}` },
              ...(dry.error.problems ?? []),
            ];
            entry.logs = dry.logs;
          }
        }
        report.submissions.push(entry);
      }
    }
    bar.done();
    const ok = comp.ok && report.submissions.every((s) => s.ok);
    if (json) {
      io.stdout(`${JSON.stringify({ ok, ...report }, null, 2)}\n`);
      return ok ? 0 : 1;
    }
    if (!comp.ok) {
      io.stderr(`✗ competition.yml: ${plural(comp.problems.length, 'problem')}\n`);
      printProblems(io, comp.problems);
      if (positionals.length > 0) io.stderr('Submissions were not checked: fix competition.yml first.\n');
    } else if (positionals.length === 0) {
      io.stdout(`✓ competition.yml is valid (${comp.competition.config.title})\n`);
    }
    for (const s of report.submissions) {
      if (s.ok) io.stdout(`✓ ${s.path} is valid${s.dryRun ? ` (dry run: ${s.dryRun})` : ''}\n`);
      else {
        io.stderr(`✗ ${s.path}: ${plural(s.problems.length, 'problem')}\n`);
        printProblems(io, s.problems);
        if (s.logs) io.stderr(`--- what the container printed (last lines) ---\n${s.logs.slice(-2000)}\n`);
      }
      for (const n of s.notices ?? []) io.stdout(`  ! ${formatProblem(n)}\n`);
    }
    return ok ? 0 : 1;
  },
});
