import path from 'node:path';
import { progress, UsageError, type CliIO } from '../io.js';
import { checkCompetition, COMPETITION_FILE, findPhase, hiddenDir, type Competition } from '../../competition/load.js';
import { loadTeams } from '../../competition/teams.js';
import { checkHiddenData } from '../../evaluate/hidden-truth.js';
import { admit } from '../../results/admission.js';
import { SUBMISSION_FILE, validateSubmission } from '../../submission/validate.js';
import { findCompetitionDir, openHiddenFor, printProblems } from './shared.js';
import { readFile, stat } from 'node:fs/promises';
import { formatProblem, plural, type Problem } from '../../contracts/problems.js';
import { formatSeconds } from '../../format/units.js';
import { defineCommand } from './command.js';

export const validate = defineCommand({
  name: 'validate',
  usage: ['validate [--competition DIR] [--hidden PATH] [--phase ID] [SUBMISSION_DIR ...] [--dry-run] [--json]'],
  description: `Checks competition.yml and each submission folder (submission.yml, its files, the
predictions against the published test ids) and lists every problem with file, line and
column. Each submission also meets the competition's rules as the pull-request check applies
them: its team is in teams.yml (when there is one) and the phase open now (or --phase) takes
its kind; when no phase is open, that is a note. The limits are counted by podium evaluate.
Where the hidden data can be reached (--hidden, or data.hidden in competition.yml), it is
checked against competition.yml too: truth files, their columns, inputs folders.
Exit status 1 when anything is wrong.`,
  options: {
    competition: {
      type: 'string',
      value: 'DIR',
      help: 'the competition repository (default: the nearest folder above the submission, or the current folder, that holds competition.yml)',
    },
    hidden: {
      type: 'string',
      value: 'PATH',
      help: 'also check the hidden data (a folder, or a file sealed by podium hidden seal) against competition.yml (default: data.hidden, when it is on this machine)',
    },
    phase: { type: 'string', value: 'ID', help: "check the submissions against this phase's rules (default: the phase open now)" },
    'dry-run': {
      type: 'boolean',
      help: 'also run container submissions on the public sample inputs (data.sample_inputs) in the sandbox, as the pull-request check does',
    },
    json: { type: 'boolean', help: 'print a JSON report on stdout instead of text' },
  },
  examples: ['podium validate submissions/my-team/first-try', 'podium validate --competition . --json submissions/a/x submissions/b/y'],
  async run({ values, positionals }, io, deps) {
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
    const now = deps.now ? deps.now() : new Date();
    const competitionProblems = comp.ok ? [] : [...comp.problems];
    if (comp.ok) {
      if (values.phase !== undefined) {
        const named = findPhase(comp.competition, now, values.phase);
        if (!named.ok) throw new UsageError(`--phase: ${named.why}`);
      }
      bar.step('checking the hidden data');
      competitionProblems.push(...(await hiddenProblems(comp.competition, io, values.hidden)));
    }
    const teams = comp.ok ? await loadTeams(comp.competition.dir) : undefined;
    const report: {
      competition: { ok: boolean; problems: Problem[] };
      submissions: { path: string; ok: boolean; problems: Problem[]; notices?: Problem[]; dryRun?: string; logs?: string }[];
    } = {
      competition: { ok: competitionProblems.length === 0, problems: competitionProblems },
      submissions: [],
    };
    if (comp.ok) {
      for (const sub of positionals) {
        bar.step(`checking ${sub}`);
        const r = await validateSubmission(comp.competition, path.resolve(io.cwd, sub), { now });
        const entry: (typeof report.submissions)[number] = {
          path: r.identity.path,
          ok: r.ok,
          problems: r.problems,
          ...(r.notices?.length ? { notices: r.notices } : {}),
        };
        if (r.ok && r.submission) {
          // The rules the pull-request check applies, but the limits, which need the history.
          const ruled = await admit(
            comp.competition,
            { team: r.submission.team, kind: r.submission.kind, ...(r.submission.run?.type ? { runType: r.submission.run.type } : {}) },
            { now, teams, history: async () => [], ignoreLimits: true, ...(values.phase !== undefined ? { phase: values.phase } : {}) },
          );
          if (!ruled.ok) {
            const problem = { file: `${r.identity.path}/${SUBMISSION_FILE}`, line: 0, column: 0, path: '', message: ruled.why };
            if (ruled.rule === 'phase') entry.notices = [...(entry.notices ?? []), problem];
            else {
              entry.ok = false;
              entry.problems = [...entry.problems, problem];
            }
          }
        }
        if (values['dry-run'] && entry.ok && (r.submission?.kind === 'container' || r.submission?.kind === 'code')) {
          const { dryRun } = await import('../../evaluate/dry-run.js');
          const { dockerEngine } = await import('../../sandbox/container/docker.js');
          const dry = await dryRun(comp.competition, path.resolve(io.cwd, sub), r.submission, dockerEngine(), (x) => bar.step(x));
          entry.dryRun = !dry.ran
            ? `not run: ${dry.why}`
            : dry.ok
              ? `${dry.items} ${dry.noun} in ${formatSeconds(dry.seconds)}`
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
    const ok = report.competition.ok && report.submissions.every((s) => s.ok);
    if (json) {
      io.stdout(`${JSON.stringify({ ok, ...report }, null, 2)}\n`);
      return ok ? 0 : 1;
    }
    if (!report.competition.ok || !comp.ok) {
      io.stderr(`✗ competition.yml: ${plural(competitionProblems.length, 'problem')}\n`);
      printProblems(io, competitionProblems);
      if (positionals.length > 0 && !comp.ok) io.stderr('Submissions were not checked: fix competition.yml first.\n');
    } else if (positionals.length === 0) {
      io.stdout(`✓ competition.yml is valid (${comp.competition.config.title})\n`);
      if (hiddenChecked.has(comp.competition)) io.stdout(`✓ the hidden data fits competition.yml\n`);
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

/** Competitions whose hidden data was reached and checked, for the report's line. */
const hiddenChecked = new WeakSet<Competition>();

/**
 * The hidden data against competition.yml, as problems of competition.yml: from --hidden, else
 * from data.hidden when that is on this machine (a participant's machine has none: no check).
 */
async function hiddenProblems(c: Competition, io: CliIO, given: string | undefined): Promise<Problem[]> {
  if (given === undefined) {
    let where: string;
    try {
      where = hiddenDir(c, undefined, io.env);
    } catch {
      return [];
    }
    if (!(await stat(where).catch(() => undefined))) return [];
  }
  let hidden: Awaited<ReturnType<typeof openHiddenFor>>;
  try {
    hidden = await openHiddenFor(c, io, given);
  } catch (e: unknown) {
    if (given !== undefined) throw e;
    // Found where competition.yml says, but sealed with a key this machine lacks: not asked for, so a note.
    io.stderr(`! the hidden data was not checked: ${e instanceof Error ? e.message : String(e)}\n`);
    return [];
  }
  try {
    const faults = await checkHiddenData(c, hidden.dir, c.config.phases);
    hiddenChecked.add(c);
    return faults.map((f) => ({ file: COMPETITION_FILE, line: 0, column: 0, path: f.setting, message: `${f.setting}: ${f.message}` }));
  } finally {
    await hidden.close();
  }
}
