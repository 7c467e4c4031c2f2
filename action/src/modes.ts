import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hiddenDir, loadCompetition, findPhase, type Competition } from '../../runner/src/competition/load.js';
import { openHidden } from '../../runner/src/hidden/sealed.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { originRemote, publishRecords, readRecordsFromRef, resultsRef } from '../../runner/src/results/git-store.js';
import { checkLimits } from '../../runner/src/results/limits.js';
import { ladderBest } from '../../runner/src/results/ladder.js';
import { checkRecord, serializeRecord } from '../../runner/src/results/record.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { computeStandings } from '../../runner/src/results/standings.js';
import { validateSubmission } from '../../runner/src/submission/validate.js';
import { buildSite } from '../../leaderboard-site/src/build.js';
import { dryRun } from '../../runner/src/evaluate/dry-run.js';
import { loadTeams, mayEnter, type Teams } from '../../runner/src/competition/teams.js';
import { checkChanges, type ChangedFile, type ChangeCheck } from './changes.js';
import { MARKER, renderComment, renderNotEvaluated, type Placement } from './comment.js';
import { inert, inertBlock } from './inert.js';
import { pullRequestEvent, workflowRunEvent } from './event.js';
import { fetchFolder } from './fetch.js';
import type { GitHub, Repo } from './github.js';
import { checkRunner } from './runner.js';

/** What the action needs from @actions/core, so the modes can be tested without it. */
export interface Io {
  input(name: string): string;
  output(name: string, value: string): void;
  info(text: string): void;
  /** A warning for the organisers, shown on the workflow run. */
  warn(text: string): void;
  /** An error annotation on a file, line and column of the repository. */
  annotate(message: string, where?: { file: string; line?: number; column?: number }): void;
  summary(markdown: string): Promise<void>;
  fail(message: string): void;
  env: NodeJS.ProcessEnv;
  workspace: string;
  now: () => Date;
  /** Aborted when the job is cancelled (GitHub sends SIGINT, then SIGTERM). */
  signal?: AbortSignal;
}

/** The evaluation request, passed from job to job. Only `prepare` writes it, from the API. */
export interface Request {
  pull_request: number;
  head_sha: string;
  folder: string;
  team: string;
  name: string;
  /** Under the Ladder: the team's best shown score in the phase when prepare read the history. */
  ladder?: { phase: string; best?: number };
}

export const REQUEST_FILE = 'request.json';
/** GitHub lists at most this many files of a pull request. */
export const MAX_LISTED_FILES = 3000;
/** The most files a submission folder may hold. */
export const MAX_SUBMISSION_FILES = 1000;
export const RECORD_FILE = 'record.json';

export function parseRequest(text: string): Request {
  let v: Partial<Request>;
  try {
    v = JSON.parse(text) as Partial<Request>;
  } catch {
    throw new Error(`${REQUEST_FILE} is not JSON.`);
  }
  const ok =
    Number.isInteger(v.pull_request) &&
    typeof v.head_sha === 'string' &&
    /^[0-9a-f]{40}$/.test(v.head_sha) &&
    typeof v.folder === 'string' &&
    typeof v.team === 'string' &&
    typeof v.name === 'string' &&
    v.folder === `submissions/${v.team}/${v.name}` &&
    checkChanges([{ filename: `${v.folder}/x`, status: 'added' }]).ok &&
    (v.ladder === undefined ||
      (typeof v.ladder === 'object' &&
        typeof v.ladder.phase === 'string' &&
        (v.ladder.best === undefined || (typeof v.ladder.best === 'number' && Number.isFinite(v.ladder.best)))));
  if (!ok) throw new Error(`${REQUEST_FILE} does not describe one submission at one commit.`);
  return v as Request;
}

async function competitionAt(io: Io): Promise<Competition> {
  return loadCompetition(path.resolve(io.workspace, io.input('competition') || '.'));
}

async function history(dir: string): Promise<ResultRecord[]> {
  const ref = await resultsRef(dir);
  return ref ? (await readRecordsFromRef(dir, ref)).records : [];
}

async function changedFiles(gh: GitHub, repo: Repo, pr: number): Promise<ChangedFile[]> {
  return (await gh.paginate(gh.rest.pulls.listFiles, { ...repo, pull_number: pr, per_page: 100 })).map((f) => ({
    filename: f.filename,
    status: f.status,
    ...(f.previous_filename ? { previous_filename: f.previous_filename } : {}),
  }));
}

/**
 * Membership, phase and limits for one more submission of a team, from teams.yml and the
 * results history; the history read is handed back for what else needs it.
 */
async function admissible(
  c: Competition,
  team: string,
  login: string,
  io: Io,
  pending: (records: ResultRecord[]) => Promise<number> = async () => 0,
): Promise<{ refused: string } | { refused?: undefined; phase: string; records: ResultRecord[] }> {
  const member = mayEnter(await loadTeams(c.dir), login, team);
  if (!member.ok) return { refused: member.why };
  const phase = findPhase(c, io.now());
  if (!phase.ok) return { refused: phase.why };
  const records = await history(c.dir);
  const limit = checkLimits(c, records, team, phase.phase.id, io.now(), await pending(records));
  return limit.ok ? { phase: phase.phase.id, records } : { refused: limit.why };
}

/**
 * Evaluations of a team still under way: its open pull requests opened before this one whose
 * head commit has no record yet. Counting them keeps a team that opens many pull requests at
 * once within its limits; counting only the earlier ones lets the first of them through. Only
 * pull requests whose author may enter for the team count, so nobody can use up another
 * team's limits by opening pull requests in its folder.
 */
async function pendingOf(
  gh: GitHub,
  repo: Repo,
  open: readonly { number: number; head: { sha: string }; user?: { login: string } | null }[],
  team: string,
  teams: Teams | undefined,
  before: number,
  records: readonly ResultRecord[],
): Promise<number> {
  const recorded = new Set(records.flatMap((r) => (r.provenance.commit ? [r.provenance.commit] : [])));
  let n = 0;
  for (const p of open) {
    if (p.number >= before || recorded.has(p.head.sha)) continue;
    if (!mayEnter(teams, p.user?.login ?? '', team).ok) continue;
    const changes = checkChanges(await changedFiles(gh, repo, p.number));
    if (changes.ok && changes.team === team) n++;
  }
  return n;
}

/**
 * validate — on pull_request, with a read-only token: the pull request touches one submission
 * folder, the team may submit, and the submission is valid. Problems become annotations on
 * the right file and line. Writes the request for the evaluation workflow.
 */
export async function validate(io: Io, gh: GitHub, repo: Repo): Promise<void> {
  const pr = await pullRequestEvent(io.env);
  const changes = await checkPullFiles(gh, repo, pr.number);
  io.output('valid', 'false');
  if (!changes.ok) {
    io.annotate(changes.why);
    await io.summary(`### Podium: not a submission\n\n${inert(changes.why, 2000)}\n`);
    return io.fail(changes.why);
  }
  const c = await competitionAt(io);
  const report = await validateSubmission(c, path.join(c.dir, changes.folder));
  const repoRel = (f: string) => path.relative(io.workspace, path.join(c.dir, f)).split(path.sep).join('/');
  for (const p of report.problems)
    io.annotate(p.message, { file: repoRel(p.file), ...(p.line > 0 ? { line: p.line, column: p.column } : {}) });
  const refused = report.ok ? (await admissible(c, changes.team, pr.author, io)).refused : undefined;
  if (refused) io.annotate(refused, { file: repoRel(`${changes.folder}/submission.yml`) });
  const notes: string[] = [];
  // Worth knowing before the evaluation, and no reason to refuse it (queries left out, tied scores).
  for (const n of report.notices ?? []) notes.push(`Note: ${inert(n.message, 2000)}`);
  let dryFailed: string | undefined;
  if (report.ok && !refused && report.submission?.kind === 'container') {
    const engine = (await import('../../runner/src/sandbox/container/docker.js')).dockerEngine();
    const dry = await dryRun(c, path.join(c.dir, changes.folder), report.submission, engine, (s) => io.info(s));
    if (!dry.ran) notes.push(`No dry run: ${inert(dry.why, 2000)}.`);
    else if (dry.ok) notes.push(`Dry run on the public sample inputs: ${dry.items} predictions in ${dry.seconds.toFixed(1)} s.`);
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

/**
 * prepare — on workflow_run, with read access: the pull request is found from what GitHub
 * reports for the run (head SHA, fork and branch; the validate run's artifact is not read), its
 * files, the team's membership and limits are checked again, and the request for the
 * evaluation is written. Nothing of the submission is fetched here: the evaluation job fetches it after an
 * organiser's approval, at that commit, once it has checked the pull request is still there.
 */
export async function prepare(io: Io, gh: GitHub, repo: Repo): Promise<void> {
  const run = await workflowRunEvent(io.env);
  io.output('ready', 'false');
  if (run.conclusion !== 'success') {
    io.info(`The validation run ended "${run.conclusion ?? 'unknown'}": nothing to evaluate.`);
    return;
  }
  // The pull request is the open one whose head is this commit on this fork's branch, as GitHub
  // reports the run (the validate run's artifact could say anything, and the same commit can be
  // the head of another pull request too: anyone can push a team's public commit to a fork).
  const open = await gh.paginate(gh.rest.pulls.list, { ...repo, state: 'open', per_page: 100 });
  const same = open.filter((p) => p.head.sha === run.headSha);
  const exact = same.filter(
    (p) =>
      (run.headRepository === undefined || p.head.repo?.full_name === run.headRepository) &&
      (run.headBranch === undefined || p.head.ref === run.headBranch),
  );
  if (same.length > 0 && exact.length === 0) {
    io.info(
      `No open pull request has ${run.headSha} as the head of ${run.headRepository ?? '?'}:${run.headBranch ?? '?'}: nothing to evaluate.`,
    );
    return;
  }
  const pr = exact.sort((a, b) => a.number - b.number)[0];
  const found = pr ? { number: pr.number, author: pr.user?.login ?? '' } : undefined;
  if (found === undefined) {
    io.info(`No open pull request has ${run.headSha} as its head (it was pushed to or closed since): nothing to evaluate.`);
    return;
  }
  const { number } = found;
  const changes = await checkPullFiles(gh, repo, number);
  if (!changes.ok) return io.fail(changes.why);
  const c = await competitionAt(io);
  const teams = await loadTeams(c.dir);
  const admitted = await admissible(c, changes.team, found.author, io, async (records) =>
    pendingOf(gh, repo, open, changes.team, teams, number, records),
  );
  if (admitted.refused !== undefined) return io.fail(admitted.refused);
  // Reopening a pull request, or re-running the workflow, evaluates the same commit again:
  // that would be a new score for free, so the earlier record stands instead.
  const earlier = admitted.records.find(
    (r) =>
      r.provenance.commit === run.headSha &&
      r.submission.team === changes.team &&
      r.submission.name === changes.name &&
      !(r.status === 'failed' && r.error.platform_fault),
  );
  if (earlier) {
    const why = `commit ${run.headSha.slice(0, 12)} was evaluated already (record ${earlier.id}, ${earlier.status}); that record stands. Push a new commit to submit again.`;
    io.info(`Not evaluated again: ${why}`);
    await io.summary(`### Podium: ${inert(changes.folder)}\n\nNot evaluated again: ${inert(why, 2000)}\n`);
    return;
  }
  const request: Request = { pull_request: number, head_sha: run.headSha, folder: changes.folder, team: changes.team, name: changes.name };
  if (c.config.leaderboard?.ladder) {
    // The evaluation runs with no history; the Ladder needs the team's best so far.
    const best = ladderBest(c, admitted.records, changes.team, admitted.phase);
    request.ladder = { phase: admitted.phase, ...(best !== undefined ? { best } : {}) };
  }
  const out = path.resolve(io.workspace, io.input('prepared-dir') || 'podium-prepared');
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, REQUEST_FILE), `${JSON.stringify(request)}\n`);
  io.info(`Pull request #${number} at ${run.headSha}: ${changes.folder}, waiting for an organiser's approval to be evaluated.`);
  io.output('pull-request', String(number));
  io.output('head-sha', run.headSha);
  io.output('prepared-dir', out);
  io.output('ready', 'true');
}

/** The files of a pull request, checked: one submission folder, and no more files than GitHub lists. */
async function checkPullFiles(gh: GitHub, repo: Repo, pr: number, changedCount?: number): Promise<ChangeCheck> {
  const files = await changedFiles(gh, repo, pr);
  // GitHub lists at most 3,000 files of a pull request: what it leaves out cannot be checked.
  const count = changedCount ?? (await gh.rest.pulls.get({ ...repo, pull_number: pr })).data.changed_files;
  if (files.length >= MAX_LISTED_FILES || count > files.length)
    return {
      ok: false,
      why: `this pull request changes ${Math.max(count, files.length)} files, more than GitHub lists (${MAX_LISTED_FILES}); a submission changes one folder of at most ${MAX_SUBMISSION_FILES} files.`,
    };
  return checkChanges(files);
}

/** Written by evaluate instead of a record when it evaluates nothing, for report to say why. */
export const NOT_EVALUATED_FILE = 'not-evaluated.json';

interface NotEvaluated {
  reason: 'moved' | 'closed';
  /** The pull request's head when evaluate looked. */
  head_sha?: string;
}

/**
 * evaluate — on the self-hosted runner, after an organiser approved the job: checks the
 * runner is one that keeps nothing between jobs, checks the pull request is still at the
 * commit the run was prepared for (so the approval covers what is evaluated), fetches the
 * submission at that commit through the Git data API, opens the sealed hidden data with the
 * environment's key, evaluates in the sandbox and writes the record. The token can only read;
 * container logs go to a folder on the runner, never to the job log.
 */
export async function evaluate(io: Io, gh: GitHub, repo: Repo, execPath: string = process.execPath): Promise<void> {
  const c = await competitionAt(io);
  const runner = await checkRunner(io.env, execPath);
  if (!runner.ok) {
    const reason = c.config.runners?.persistent;
    if (!reason)
      throw new Error(
        `${runner.why} An evaluation runs strangers' code next to the hidden data, so Podium refuses such a runner: register it with --ephemeral or just in time (docs/runners.md), or state why this one may be used in competition.yml runners.persistent.`,
      );
    io.warn(`${runner.why} Evaluating anyway, as competition.yml runners.persistent says: ${reason}`);
  } else io.info(`Runner: ${runner.what}.`);

  const prepared = path.resolve(io.workspace, io.input('prepared-dir') || 'podium-prepared');
  const request = parseRequest(await readFile(path.join(prepared, REQUEST_FILE), 'utf8'));
  const out = path.resolve(io.workspace, io.input('record-dir') || 'podium-record');
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, REQUEST_FILE), `${JSON.stringify(request)}\n`);
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

  const target = path.join(c.dir, request.folder);
  await rm(target, { recursive: true, force: true });
  const maxMb = c.config.limits?.max_file_mb ?? 100;
  const files = await fetchFolder(gh, repo, request.head_sha, request.folder, c.dir, {
    maxFiles: MAX_SUBMISSION_FILES,
    maxFileBytes: maxMb * 1024 * 1024,
  });
  io.info(`Fetched ${files.length} file(s) of ${request.folder} at ${request.head_sha}.`);

  const where = hiddenDir(c, io.input('hidden') || undefined, io.env);
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
    const logsDir = io.input('logs-dir');
    const record = await evaluateSubmission({
      competition: c,
      hiddenDir: hidden.dir,
      submissionDir: target,
      commit: request.head_sha,
      env: io.env,
      ...(io.signal ? { signal: io.signal } : {}),
      onStep: (s) => io.info(s),
      ...(request.ladder
        ? {
            ladder: {
              best: (team, phase) => (team === request.team && phase === request.ladder!.phase ? request.ladder!.best : undefined),
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

type Evaluation = { request: Request } & ({ record: ResultRecord; skipped?: undefined } | { record?: undefined; skipped: NotEvaluated });

async function readEvaluation(io: Io): Promise<Evaluation> {
  const dir = path.resolve(io.workspace, io.input('record-dir') || 'podium-record');
  const request = parseRequest(await readFile(path.join(dir, REQUEST_FILE), 'utf8'));
  const skippedText = await readFile(path.join(dir, NOT_EVALUATED_FILE), 'utf8').catch(() => undefined);
  if (skippedText !== undefined) {
    const v = JSON.parse(skippedText) as NotEvaluated;
    const head = typeof v.head_sha === 'string' && /^[0-9a-f]{40}$/.test(v.head_sha) ? v.head_sha : undefined;
    return { request, skipped: { reason: v.reason === 'closed' ? 'closed' : 'moved', ...(head ? { head_sha: head } : {}) } };
  }
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path.join(dir, RECORD_FILE), 'utf8'));
  } catch (e: unknown) {
    throw new Error(`${RECORD_FILE} cannot be read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const checked = checkRecord(value);
  if (!checked.ok) throw new Error(`${RECORD_FILE} is not a valid result record: ${checked.why}`);
  const { record } = checked;
  if (record.provenance.commit !== request.head_sha || record.submission.team !== request.team || record.submission.name !== request.name)
    throw new Error(`${RECORD_FILE} is not the result of ${request.folder} at ${request.head_sha}.`);
  return { record, request };
}

/** Where a record would rank against the other teams now (their records from the history). */
export function placement(c: Competition, records: readonly ResultRecord[], record: ResultRecord): Placement | undefined {
  if (record.status !== 'scored') return undefined;
  const others = records.filter((r) => r.submission.team !== record.submission.team && r.id !== record.id);
  const phase = computeStandings(c, [...others, record]).find((s) => s.phase === record.phase);
  const row = phase?.rows.find((r) => r.record.id === record.id);
  if (!row || !phase || row.baseline) return undefined;
  return { rank: row.rank, of: phase.rows.filter((r) => !r.baseline).length };
}

/** Finds the bot's sticky comment on the pull request and updates it, or creates it. */
async function stickyComment(io: Io, gh: GitHub, repo: Repo, pr: number, body: string): Promise<'created' | 'updated'> {
  const bot = io.input('bot-login') || 'github-actions[bot]';
  const comments = await gh.paginate(gh.rest.issues.listComments, { ...repo, issue_number: pr, per_page: 100 });
  const mine = comments.find((x) => x.user?.login === bot && (x.body ?? '').startsWith(MARKER));
  if (mine) await gh.rest.issues.updateComment({ ...repo, comment_id: mine.id, body });
  else await gh.rest.issues.createComment({ ...repo, issue_number: pr, body });
  return mine ? 'updated' : 'created';
}

/**
 * report — the sticky comment on the pull request (found by its marker among the bot's own
 * comments and updated in place), a commit status on the head SHA, and the job summary.
 */
export async function report(io: Io, gh: GitHub, repo: Repo): Promise<void> {
  const evaluation = await readEvaluation(io);
  const { request } = evaluation;
  if (evaluation.skipped) {
    const body = renderNotEvaluated(request, evaluation.skipped);
    io.output('comment', await stickyComment(io, gh, repo, request.pull_request, body));
    await gh.rest.repos.createCommitStatus({
      ...repo,
      sha: request.head_sha,
      state: 'error',
      context: 'podium/evaluation',
      description:
        evaluation.skipped.reason === 'closed' ? 'not evaluated: the pull request was closed' : 'not evaluated: a newer commit was pushed',
    });
    await io.summary(body.replace(MARKER, '') + '\n');
    return;
  }
  const { record } = evaluation;
  const c = await competitionAt(io);
  let records: ResultRecord[] = [];
  try {
    records = await history(c.dir);
  } catch (e: unknown) {
    // The ranking line is a courtesy: the comment goes out without it.
    io.info(
      `The results history cannot be read (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); the comment leaves out the rank.`,
    );
  }
  const body = renderComment(c, record, placement(c, records, record));
  // The same image from two teams is for the organisers to look at, not for the comment.
  const digest = record.provenance.image_digest;
  const shared = digest ? records.filter((r) => r.provenance.image_digest === digest && r.submission.team !== record.submission.team) : [];
  if (shared.length > 0) {
    const others = [...new Set(shared.map((r) => `${r.submission.team}/${r.submission.name}`))].join(', ');
    io.warn(
      `${record.submission.team}/${record.submission.name} ran the image ${digest}, which ${others} also submitted: check whether the teams share code.`,
    );
  }
  const made = await stickyComment(io, gh, repo, request.pull_request, body);
  const state = record.status === 'scored' ? 'success' : record.status === 'failed' && record.error.platform_fault ? 'error' : 'failure';
  const primary = record.status === 'scored' ? record.scores.public[c.primary.name]?.value : undefined;
  const description =
    record.status === 'scored' ? `${c.primary.name} ${primary ?? ''}`.trim() : `${record.status}: ${record.error.code}`.slice(0, 140);
  await gh.rest.repos.createCommitStatus({ ...repo, sha: request.head_sha, state, context: 'podium/evaluation', description });
  await io.summary(body.replace(MARKER, '') + '\n');
  io.output('comment', made);
}

/**
 * publish — commits the record to the results branch (compare-and-swap, retried) and builds
 * the leaderboard site for Pages.
 */
export async function publish(io: Io): Promise<void> {
  const { record } = await readEvaluation(io);
  const c = await competitionAt(io);
  let outcome: { commit?: string | undefined } = {};
  if (record) {
    const remote = io.input('remote') || (await originRemote(c.dir));
    if (!remote) throw new Error('no remote to publish to: check out the competition repository first (actions/checkout).');
    const pushed = await publishRecords([record], { remote, onRetry: (n, why) => io.info(`push ${n} lost a race (${why}); retrying`) });
    io.info(pushed.added.length > 0 ? `Committed ${record.id} to the results branch.` : `${record.id} was already on the results branch.`);
    outcome = pushed;
  } else io.info('Nothing was evaluated, so there is no record to publish; the leaderboard is built as it stands.');
  const site = path.resolve(io.workspace, io.input('site-dir') || '_site');
  const built = await buildSite({ competition: c, records: await history(c.dir), outDir: site, generatedAt: io.now() });
  io.output('site-dir', site);
  io.output('commit', outcome.commit ?? '');
  io.info(`Leaderboard built: ${built.files.length} file(s) in ${site}.`);
}
