import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hiddenDir, loadCompetition, findPhase, type Competition } from '../../runner/src/competition/load.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { originRemote, publishRecords, readRecordsFromRef, resultsRef } from '../../runner/src/results/git-store.js';
import { checkLimits } from '../../runner/src/results/limits.js';
import { ladderBest } from '../../runner/src/results/ladder.js';
import { checkRecord, serializeRecord } from '../../runner/src/results/record.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { computeStandings } from '../../runner/src/results/standings.js';
import { validateSubmission } from '../../runner/src/submission/validate.js';
import { buildSite, escapeHtml } from '../../leaderboard-site/src/build.js';
import { dryRun } from '../../runner/src/evaluate/dry-run.js';
import { loadTeams, mayEnter } from '../../runner/src/competition/teams.js';
import { checkChanges, type ChangedFile } from './changes.js';
import { MARKER, renderComment, type Placement } from './comment.js';
import { pullRequestEvent, workflowRunEvent } from './event.js';
import { fetchFolder } from './fetch.js';
import type { GitHub, Repo } from './github.js';

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
 * once within its limits; counting only the earlier ones lets the first of them through.
 */
async function pendingOf(
  gh: GitHub,
  repo: Repo,
  open: readonly { number: number; head: { sha: string } }[],
  team: string,
  before: number,
  records: readonly ResultRecord[],
): Promise<number> {
  const recorded = new Set(records.flatMap((r) => (r.provenance.commit ? [r.provenance.commit] : [])));
  let n = 0;
  for (const p of open) {
    if (p.number >= before || recorded.has(p.head.sha)) continue;
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
  const changes = checkChanges(await changedFiles(gh, repo, pr.number));
  io.output('valid', 'false');
  if (!changes.ok) {
    io.annotate(changes.why);
    await io.summary(`### Podium: not a submission\n\n${changes.why}\n`);
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
  let dryFailed: string | undefined;
  if (report.ok && !refused && report.submission?.kind === 'container') {
    const engine = (await import('../../runner/src/sandbox/container/docker.js')).dockerEngine();
    const dry = await dryRun(c, path.join(c.dir, changes.folder), report.submission, engine, (s) => io.info(s));
    if (!dry.ran) notes.push(`No dry run: ${dry.why}.`);
    else if (dry.ok) notes.push(`Dry run on the public sample inputs: ${dry.items} predictions in ${dry.seconds.toFixed(1)} s.`);
    else {
      dryFailed = `dry run on the public sample inputs: ${dry.error.message}`;
      io.annotate(dryFailed, { file: repoRel(`${changes.folder}/submission.yml`) });
      for (const p of dry.error.problems ?? [])
        io.annotate(`dry run: ${p.file} ${p.message}`, { file: repoRel(`${changes.folder}/submission.yml`) });
      // The sample is public, so the container's own output may be shown, as inert text.
      if (dry.logs) notes.push(`Dry run failed; the last lines it printed:\n\n<pre>${escapeHtml(dry.logs.slice(-2000))}</pre>`);
    }
  }
  const valid = report.ok && !refused && !dryFailed;
  const lines = [
    `### Podium: ${changes.folder}`,
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
  // Written either way: the evaluation workflow reads nothing from it but a hint (see prepare).
  const dir = path.resolve(io.workspace, io.input('request-dir') || 'podium-request');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, REQUEST_FILE),
    `${JSON.stringify({ pull_request: pr.number, head_sha: pr.headSha, folder: changes.folder, team: changes.team, name: changes.name })}\n`,
  );
  io.output('request-dir', dir);
  if (!valid) return io.fail(refused ?? dryFailed ?? `the submission in ${changes.folder} is not valid; see the annotations.`);
  io.output('valid', 'true');
}

/**
 * prepare — on workflow_run, with read access: the artifact of the validate run is untrusted,
 * so the pull request is found from the head SHA that GitHub reports for the run, its files
 * are checked again, and the submission folder is copied out at that exact commit as data.
 */
export async function prepare(io: Io, gh: GitHub, repo: Repo): Promise<void> {
  const run = await workflowRunEvent(io.env);
  io.output('ready', 'false');
  if (run.conclusion !== 'success') {
    io.info(`The validation run ended "${run.conclusion ?? 'unknown'}": nothing to evaluate.`);
    return;
  }
  let hint: number | undefined;
  try {
    const dir = io.input('request-dir') || 'podium-request';
    const text = await readFile(path.resolve(io.workspace, dir, REQUEST_FILE), 'utf8');
    const n = (JSON.parse(text.slice(0, 4096)) as { pull_request?: unknown }).pull_request;
    if (Number.isInteger(n)) hint = n as number;
  } catch {
    // No usable hint: the pull request is looked up by its head SHA alone.
  }
  // The open pull requests, listed once: to find this one by its head, and to count the
  // team's evaluations under way.
  let listed: Awaited<ReturnType<typeof listOpen>> | undefined;
  const listOpen = () => gh.paginate(gh.rest.pulls.list, { ...repo, state: 'open', per_page: 100 });
  const openPulls = async () => (listed ??= await listOpen());
  let found: { number: number; author: string } | undefined;
  if (hint !== undefined) {
    const { data } = await gh.rest.pulls.get({ ...repo, pull_number: hint }).catch(() => ({ data: undefined }));
    if (data && data.state === 'open' && data.head.sha === run.headSha) found = { number: data.number, author: data.user.login };
  }
  if (found === undefined) {
    const pr = (await openPulls()).find((p) => p.head.sha === run.headSha);
    if (pr) found = { number: pr.number, author: pr.user?.login ?? '' };
  }
  if (found === undefined) {
    io.info(`No open pull request has ${run.headSha} as its head (it was pushed to or closed since): nothing to evaluate.`);
    return;
  }
  const { number } = found;
  const changes = checkChanges(await changedFiles(gh, repo, number));
  if (!changes.ok) return io.fail(changes.why);
  const c = await competitionAt(io);
  const admitted = await admissible(c, changes.team, found.author, io, async (records) =>
    pendingOf(gh, repo, await openPulls(), changes.team, number, records),
  );
  if (admitted.refused !== undefined) return io.fail(admitted.refused);
  const out = path.resolve(io.workspace, io.input('submission-dir') || 'podium-submission');
  await rm(out, { recursive: true, force: true });
  const maxMb = c.config.limits?.max_file_mb ?? 100;
  const files = await fetchFolder(gh, repo, run.headSha, changes.folder, out, { maxFiles: 1000, maxFileBytes: maxMb * 1024 * 1024 });
  const request: Request = { pull_request: number, head_sha: run.headSha, folder: changes.folder, team: changes.team, name: changes.name };
  if (c.config.leaderboard?.ladder) {
    // The evaluation runs with no token and no history; the Ladder needs the team's best so far.
    const best = ladderBest(c, admitted.records, changes.team, admitted.phase);
    request.ladder = { phase: admitted.phase, ...(best !== undefined ? { best } : {}) };
  }
  await writeFile(path.join(out, REQUEST_FILE), `${JSON.stringify(request)}\n`);
  io.info(`Pull request #${number} at ${run.headSha}: ${files.length} file(s) of ${changes.folder}.`);
  io.output('pull-request', String(number));
  io.output('head-sha', run.headSha);
  io.output('submission-dir', out);
  io.output('ready', 'true');
}

/**
 * evaluate — on the self-hosted runner, with no token and no secrets: puts the fetched
 * submission in place of the folder in the competition checkout, evaluates it in the sandbox
 * and writes the record. Container logs go to a folder on the runner, never to the job log.
 */
export async function evaluate(io: Io): Promise<void> {
  const from = path.resolve(io.workspace, io.input('submission-dir') || 'podium-submission');
  const request = parseRequest(await readFile(path.join(from, REQUEST_FILE), 'utf8'));
  const c = await competitionAt(io);
  const target = path.join(c.dir, request.folder);
  await rm(target, { recursive: true, force: true });
  await mkdir(path.dirname(target), { recursive: true });
  await cp(path.join(from, request.folder), target, { recursive: true, verbatimSymlinks: true });
  const hidden = hiddenDir(c, io.input('hidden') || undefined, io.env);
  const logsDir = io.input('logs-dir');
  const record = await evaluateSubmission({
    competition: c,
    hiddenDir: hidden,
    submissionDir: target,
    commit: request.head_sha,
    onStep: (s) => io.info(s),
    ...(request.ladder
      ? { ladder: { best: (team, phase) => (team === request.team && phase === request.ladder!.phase ? request.ladder!.best : undefined) } }
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
  const out = path.resolve(io.workspace, io.input('record-dir') || 'podium-record');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, RECORD_FILE), serializeRecord(record));
  await writeFile(path.join(out, REQUEST_FILE), `${JSON.stringify(request)}\n`);
  io.info(`Result: ${record.status}${record.status === 'scored' ? '' : ` (${record.error.code})`}.`);
  io.output('status', record.status);
  io.output('record-dir', out);
}

async function readEvaluation(io: Io): Promise<{ record: ResultRecord; request: Request }> {
  const dir = path.resolve(io.workspace, io.input('record-dir') || 'podium-record');
  const request = parseRequest(await readFile(path.join(dir, REQUEST_FILE), 'utf8'));
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

/**
 * report — the sticky comment on the pull request (found by its marker among the bot's own
 * comments and updated in place), a commit status on the head SHA, and the job summary.
 */
export async function report(io: Io, gh: GitHub, repo: Repo): Promise<void> {
  const { record, request } = await readEvaluation(io);
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
  const bot = io.input('bot-login') || 'github-actions[bot]';
  const comments = await gh.paginate(gh.rest.issues.listComments, { ...repo, issue_number: request.pull_request, per_page: 100 });
  const mine = comments.find((x) => x.user?.login === bot && (x.body ?? '').startsWith(MARKER));
  if (mine) await gh.rest.issues.updateComment({ ...repo, comment_id: mine.id, body });
  else await gh.rest.issues.createComment({ ...repo, issue_number: request.pull_request, body });
  const state = record.status === 'scored' ? 'success' : record.status === 'failed' && record.error.platform_fault ? 'error' : 'failure';
  const primary = record.status === 'scored' ? record.scores.public[c.primary.name]?.value : undefined;
  const description =
    record.status === 'scored' ? `${c.primary.name} ${primary ?? ''}`.trim() : `${record.status}: ${record.error.code}`.slice(0, 140);
  await gh.rest.repos.createCommitStatus({ ...repo, sha: request.head_sha, state, context: 'podium/evaluation', description });
  await io.summary(body.replace(MARKER, '') + '\n');
  io.output('comment', mine ? 'updated' : 'created');
}

/**
 * publish — commits the record to the results branch (compare-and-swap, retried) and builds
 * the leaderboard site for Pages.
 */
export async function publish(io: Io): Promise<void> {
  const { record } = await readEvaluation(io);
  const c = await competitionAt(io);
  const remote = io.input('remote') || (await originRemote(c.dir));
  if (!remote) throw new Error('no remote to publish to: check out the competition repository first (actions/checkout).');
  const outcome = await publishRecords([record], { remote, onRetry: (n, why) => io.info(`push ${n} lost a race (${why}); retrying`) });
  io.info(outcome.added.length > 0 ? `Committed ${record.id} to the results branch.` : `${record.id} was already on the results branch.`);
  const site = path.resolve(io.workspace, io.input('site-dir') || '_site');
  const built = await buildSite({ competition: c, records: await history(c.dir), outDir: site, generatedAt: io.now() });
  io.output('site-dir', site);
  io.output('commit', outcome.commit ?? '');
  io.info(`Leaderboard built: ${built.files.length} file(s) in ${site}.`);
}
