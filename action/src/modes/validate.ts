import path from 'node:path';
import { dryRun } from '../../../runner/src/evaluate/dry-run.js';
import { validateSubmission } from '../../../runner/src/submission/validate.js';
import { admissible } from '../admission.js';
import { openCompetition } from '../checkout.js';
import { pullRequestEvent } from '../event.js';
import type { GitHub, Repo } from '../github.js';
import { inert, inertBlock } from '../inert.js';
import type { ValidateInputs } from '../inputs.js';
import type { Io } from '../io.js';
import { checkPullFiles } from '../pull-files.js';

/**
 * validate — on pull_request, with a read-only token: the pull request touches one submission
 * folder, the team may submit, and the submission is valid. Problems become annotations on
 * the right file and line. Nothing is handed on: prepare trusts none of this run's output.
 */
export async function validate(inputs: ValidateInputs, io: Io, gh: GitHub, repo: Repo): Promise<void> {
  const pr = await pullRequestEvent(io.env);
  const changes = await checkPullFiles(gh, repo, pr.number);
  io.output('valid', 'false');
  if (!changes.ok) {
    io.annotate(changes.why);
    await io.summary(`### Podium: not a submission\n\n${inert(changes.why, 2000)}\n`);
    return io.fail(changes.why);
  }
  const c = await openCompetition(io.workspace, inputs.competition);
  const report = await validateSubmission(c, path.join(c.dir, changes.folder), { now: io.now() });
  const repoRel = (f: string) => path.relative(io.workspace, path.join(c.dir, f)).split(path.sep).join('/');
  for (const p of report.problems)
    io.annotate(p.message, { file: repoRel(p.file), ...(p.line > 0 ? { line: p.line, column: p.column } : {}) });
  const refused = report.ok
    ? (
        await admissible(c, changes.team, pr.author, io.now, undefined, {
          kind: report.submission?.kind,
          runType: report.submission?.run?.type,
          priority: report.submission?.run?.priority,
          task: report.submission?.task,
          name: changes.name,
        })
      ).refused
    : undefined;
  if (refused) io.annotate(refused, { file: repoRel(`${changes.folder}/submission.yml`) });
  const notes: string[] = [];
  // Worth knowing before the evaluation, and no reason to refuse it (queries left out, tied scores).
  for (const n of report.notices ?? []) notes.push(`Note: ${inert(n.message, 2000)}`);
  let dryFailed: string | undefined;
  if (report.ok && !refused && (report.submission?.kind === 'container' || report.submission?.kind === 'code')) {
    const engine = (await import('../../../runner/src/sandbox/container/docker.js')).dockerEngine();
    const dry = await dryRun(c, path.join(c.dir, changes.folder), report.submission, engine, (s) => io.info(s));
    if (!dry.ran) notes.push(`No dry run: ${inert(dry.why, 2000)}.`);
    else if (dry.ok) notes.push(`Dry run on the public sample inputs: ${dry.items} ${dry.noun} in ${dry.seconds.toFixed(1)} s.`);
    else {
      dryFailed = `dry run on the public sample inputs: ${dry.error.message}`;
      io.annotate(dryFailed, { file: repoRel(`${changes.folder}/submission.yml`) });
      for (const p of dry.error.problems ?? [])
        io.annotate(`dry run: ${p.file} ${p.message}`, { file: repoRel(`${changes.folder}/submission.yml`) });
      // The sample is public, so the container's own output may be shown, as inert text.
      if (dry.logs) notes.push(`Dry run failed; the last lines it printed:\n\n${inertBlock(dry.logs)}`);
    }
  }
  const valid = report.ok && !refused && !dryFailed;
  const lines = [
    `### Podium: ${inert(changes.folder)}`,
    '',
    valid
      ? `Valid ${report.submission?.kind ?? ''} submission; it will be evaluated once an organiser approves the run.`
      : `Not valid: ${report.problems.length + (refused ? 1 : 0) + (dryFailed ? 1 : 0)} problem(s), shown as annotations on the files.`,
    ...notes.flatMap((n) => ['', n]),
  ];
  await io.summary(lines.join('\n') + '\n');
  io.output('team', changes.team);
  io.output('name', changes.name);
  io.output('folder', changes.folder);
  if (!valid) return io.fail(refused ?? dryFailed ?? `the submission in ${changes.folder} is not valid; see the annotations.`);
  io.output('valid', 'true');
}
