import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hiddenDir, viewOf } from '../../../runner/src/competition/load.js';
import { ladderBest } from '../../../runner/src/results/ladder.js';
import { evaluateSubmission } from '../../../runner/src/evaluate/evaluate.js';
import { entrantOf } from '../../../runner/src/submission/validate.js';
import { openHidden } from '../../../runner/src/hidden/sealed.js';
import { serializeRecord } from '../../../runner/src/results/record.js';
import { readFileFromRef, resultsRef } from '../../../runner/src/results/git-store.js';
import { revealPath } from '../../../runner/src/results/seal.js';
import { lastPhase } from '../../../runner/src/results/board.js';
import { openCompetition, resultsHistory } from '../checkout.js';
import { fetchFolder } from '../fetch.js';
import type { GitHub, Repo } from '../github.js';
import { NOT_EVALUATED_FILE, parseRequest, RECORD_FILE, REQUEST_FILE, startHandoff, type NotEvaluated } from '../handoff.js';
import type { EvaluateInputs } from '../inputs.js';
import type { Io } from '../io.js';
import { checkPullFiles, MAX_SUBMISSION_FILES } from '../pull-files.js';
import { checkRunner } from '../runner.js';

/**
 * evaluate — on the self-hosted runner, after an organiser approved the job: checks the
 * runner is one that keeps nothing between jobs, checks the pull request is still at the
 * commit the run was prepared for (so the approval covers what is evaluated), fetches the
 * submission at that commit through the Git data API, opens the sealed hidden data with the
 * environment's key, evaluates in the sandbox and writes the record. The token can only read;
 * container logs go to a folder on the runner, never to the job log.
 */
export async function evaluate(inputs: EvaluateInputs, io: Io, gh: GitHub, repo: Repo, execPath: string = process.execPath): Promise<void> {
  const c = await openCompetition(io.workspace, inputs.competition);
  const runner = await checkRunner(io.env, execPath);
  if (!runner.ok) {
    const reason = c.config.runners?.persistent;
    if (!reason)
      throw new Error(
        `${runner.why} An evaluation runs strangers' code next to the hidden data, so Podium refuses such a runner: register it with --ephemeral or just in time (docs/runners.md), or state why this one may be used in competition.yml runners.persistent.`,
      );
    io.warn(`${runner.why} Evaluating anyway, as competition.yml runners.persistent says: ${reason}`);
  } else io.info(`Runner: ${runner.what}.`);

  const prepared = path.resolve(io.workspace, inputs['prepared-dir']);
  const request = parseRequest(await readFile(path.join(prepared, REQUEST_FILE), 'utf8'));
  const out = path.resolve(io.workspace, inputs['record-dir']);
  await startHandoff(out, request);
  io.output('record-dir', out);

  // The approval was given for this run's commit: evaluate it only if the pull request still holds it.
  const { data: pr } = await gh.rest.pulls.get({ ...repo, pull_number: request.pull_request });
  if (pr.state !== 'open' || pr.head.sha !== request.head_sha) {
    const note: NotEvaluated = pr.state !== 'open' ? { reason: 'closed' } : { reason: 'moved', head_sha: pr.head.sha };
    await writeFile(path.join(out, NOT_EVALUATED_FILE), `${JSON.stringify(note)}\n`);
    io.info(
      pr.state !== 'open'
        ? `Pull request #${request.pull_request} was closed after this run was prepared: nothing evaluated.`
        : `Pull request #${request.pull_request} moved from ${request.head_sha} to ${pr.head.sha} after this run was prepared: nothing evaluated; the new commit has a run of its own.`,
    );
    io.output('status', 'not-evaluated');
    return;
  }
  const changes = await checkPullFiles(gh, repo, pr.number, pr.changed_files);
  if (!changes.ok) throw new Error(changes.why);
  if (changes.folder !== request.folder) throw new Error(`the pull request now changes ${changes.folder}, not ${request.folder}.`);

  // The phase and board the run was admitted to at prepare, not those open when an organiser got
  // to approve it; but once the phase's reveal is published, an official record more would break
  // it for good (every sealed record of the phase must be in it). The run then goes to that
  // phase's post-challenge board where it is the last phase and the board is open, and is not
  // evaluated otherwise (never into a later phase, whose limits it was not counted against).
  let admittedTo = request.phase !== undefined ? { phase: request.phase, board: request.board ?? ('official' as const) } : undefined;
  if (admittedTo?.board === 'official') {
    const ref = await resultsRef(c.dir);
    if (ref && (await readFileFromRef(c.dir, ref, revealPath(admittedTo.phase))) !== undefined) {
      if (c.config.post_challenge?.open && lastPhase(c).id === admittedTo.phase) {
        io.info(
          `Phase ${admittedTo.phase} was revealed while this run waited for approval; a published reveal is final, so the run goes to the post-challenge board.`,
        );
        admittedTo = { phase: admittedTo.phase, board: 'post-challenge' };
        // Under the Ladder, the best prepare read was the official board's: the post-challenge
        // board climbs a ladder of its own, read here from the results history.
        if (request.ladder)
          request.ladder = {
            ...request.ladder,
            board: 'post-challenge',
            best: ladderBest(
              viewOf(c, { task: request.ladder.task }),
              await resultsHistory(c.dir),
              request.team,
              admittedTo.phase,
              'post-challenge',
            ),
          };
      } else {
        const note: NotEvaluated = { reason: 'revealed' };
        await writeFile(path.join(out, NOT_EVALUATED_FILE), `${JSON.stringify(note)}\n`);
        io.info(
          `Phase ${admittedTo.phase} was revealed while this run waited for approval: nothing evaluated, since a published reveal is final.`,
        );
        io.output('status', 'not-evaluated');
        return;
      }
    }
  }

  const target = path.join(c.dir, request.folder);
  await rm(target, { recursive: true, force: true });
  const maxMb = c.config.limits?.max_file_mb ?? 100;
  const files = await fetchFolder(gh, repo, request.head_sha, request.folder, c.dir, {
    maxFiles: MAX_SUBMISSION_FILES,
    maxFileBytes: maxMb * 1024 * 1024,
  });
  io.info(`Fetched ${files.length} file(s) of ${request.folder} at ${request.head_sha}.`);
  // Under the Ladder, the best prepare read must be the submission's task's: checked before
  // anything runs (a request an earlier version prepared names no task).
  if (request.ladder && c.tasks) {
    const task = (await entrantOf(c, target))?.task;
    if (task !== request.ladder.task)
      throw new Error(
        `this run was prepared with the Ladder's best of ${request.ladder.task ? `task ${request.ladder.task}` : 'no task'}, but ${request.folder}/submission.yml names ${task ? `task ${task}` : 'no task'}: nothing evaluated. Push a new commit to have it prepared again.`,
      );
  }

  const where = hiddenDir(c, inputs.hidden || undefined, io.env);
  const hidden = await openHidden(where, io.env, c.config.data.hidden.key_env, io.env.RUNNER_TEMP || undefined);
  try {
    if (!hidden.sealed) {
      const reason = c.config.runners?.plain_hidden_data;
      if (!reason)
        throw new Error(
          `the hidden data at ${where} is a plain folder, which every job that reaches this runner could read. Seal it (podium hidden seal) and give the key only to the podium-evaluation environment, or state in competition.yml runners.plain_hidden_data why a plain folder is safe here (for example, an earlier step of this job fetches it).`,
        );
      io.info(`Hidden data: a plain folder, as competition.yml runners.plain_hidden_data allows (${reason}).`);
    } else io.info('Hidden data: opened from the sealed file for this evaluation only.');
    const logsDir = inputs['logs-dir'];
    const record = await evaluateSubmission({
      competition: c,
      hiddenDir: hidden.dir,
      submissionDir: target,
      commit: request.head_sha,
      env: io.env,
      ...(admittedTo ? { phase: admittedTo.phase, board: admittedTo.board } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      onStep: (s) => io.info(s),
      ...(request.ladder
        ? {
            ladder: {
              // A best read for another phase or board (a request of an earlier version) is not this one's.
              best: (team, phase, board, task) => {
                const asked = request.ladder!;
                if (team !== request.team || phase !== asked.phase || board !== (asked.board ?? 'official')) return undefined;
                // A best read in another task is no best here; nor is none where one would have been read.
                if (task !== asked.task)
                  throw new Error(
                    `the Ladder's best was read for ${asked.task ? `task ${asked.task}` : 'no task'}, but the submission is for ${task ? `task ${task}` : 'no task'}; push a new commit to have it prepared again.`,
                  );
                return asked.best;
              },
            },
          }
        : {}),
      ...(logsDir
        ? {
            onLogs: (logs: string) =>
              void mkdir(logsDir, { recursive: true }).then(() =>
                writeFile(path.join(logsDir, `${request.team}-${request.name}-${request.head_sha}.log`), logs),
              ),
          }
        : {}),
    });
    await writeFile(path.join(out, RECORD_FILE), serializeRecord(record));
    io.info(`Result: ${record.status}${record.status === 'scored' ? '' : ` (${record.error.code})`}.`);
    io.output('status', record.status);
  } finally {
    await hidden.close();
  }
}
