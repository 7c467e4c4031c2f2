import { PodiumError } from '../contracts/problems.js';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simpleGit, GitError, type SimpleGit } from 'simple-git';
import { checkRecord, recordPath, serializeRecord } from './record.js';
import type { ResultRecord } from './schema.js';

export const RESULTS_BRANCH = 'results';

export interface PublishOptions {
  /** URL or path of the remote that holds the results branch. */
  remote: string;
  branch?: string;
  /** How many pushes to try before failing. */
  attempts?: number;
  /** Upper bound of the first back-off, in ms; doubles per attempt, jittered. */
  backoffMs?: number;
  /** For tests: the random source and the sleep. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Told before each retry. */
  onRetry?: (attempt: number, reason: string) => void;
}

export interface PublishOutcome {
  /** Record ids newly committed. */
  added: string[];
  /** Record ids that were already on the branch (re-evaluation of the same submission at the same commit). */
  existing: string[];
  /** Commit on the results branch, or undefined when nothing was new. */
  commit?: string;
  attempts: number;
}

export class PublishError extends PodiumError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PublishError';
  }
}

// What git says when another writer got there first, or holds the ref's lock right now.
const CONTENDED =
  /\[rejected\]|non-fast-forward|fetch first|failed to update ref|cannot lock ref|failed to lock|Updates were rejected|remote rejected.*(lock|failed)|incorrect old value/i;

const AUTHOR = ['-c', 'user.name=Podium', '-c', 'user.email=podium@users.noreply.localhost', '-c', 'commit.gpgsign=false'];

/**
 * Commits result records to the results branch and pushes without force. Records are
 * immutable files with unique paths, so writers never edit the same file; when a push loses a
 * race, the branch is fetched again, the new records are laid on top of it (the same as a
 * rebase of our one commit, but it also drops a record that a concurrent writer already
 * added), and the push is retried with jittered exponential back-off.
 */
export async function publishRecords(records: readonly ResultRecord[], opts: PublishOptions): Promise<PublishOutcome> {
  return publishFiles(
    records.map((r) => ({ id: r.id, path: recordPath(r), text: serializeRecord(r) })),
    opts,
  );
}

/**
 * Commits immutable files to the results branch, as publishRecords does for records: a file
 * already there is left as it is and reported as existing. Used for records and reveals.
 */
export async function publishFiles(
  files: readonly { id: string; path: string; text: string }[],
  opts: PublishOptions,
): Promise<PublishOutcome> {
  const branch = opts.branch ?? RESULTS_BRANCH;
  const attempts = opts.attempts ?? 20;
  const backoff = opts.backoffMs ?? 100;
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  const work = await mkdtemp(path.join(os.tmpdir(), 'podium-publish-'));
  try {
    const git = simpleGit(work);
    await git.init();
    await git.addRemote('origin', opts.remote);
    let lastReason = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const remoteHas = await fetchBranch(git, branch);
      if (remoteHas) await git.raw(['checkout', '--quiet', '--force', '-B', branch, 'FETCH_HEAD']);
      else {
        // An empty branch to start from; on a retry this also drops our unpushed commit.
        await git.raw(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
        await git.raw(['update-ref', '-d', `refs/heads/${branch}`]);
        await git.raw(['rm', '-r', '--cached', '--quiet', '--ignore-unmatch', '.']);
      }
      await git.raw(['clean', '-fdxq']);

      const added: string[] = [];
      const existing: string[] = [];
      for (const f of files) {
        const abs = path.join(work, f.path);
        if (await exists(abs)) {
          existing.push(f.id);
          continue;
        }
        await mkdir(path.dirname(abs), { recursive: true });
        await writeFile(abs, f.text, { flag: 'wx' });
        added.push(f.id);
      }
      if (added.length === 0) return { added, existing, attempts: attempt };
      await git.add(files.filter((f) => added.includes(f.id)).map((f) => f.path));
      const message = added.length === 1 ? `Record ${added[0]}` : `Record ${added.length} files\n\n${added.join('\n')}`;
      await git.raw([...AUTHOR, 'commit', '--quiet', '--no-verify', '-m', message]);
      try {
        // No --force, ever: the remote accepts this only as a fast-forward of what we fetched.
        await git.raw(['push', '--quiet', '--porcelain', 'origin', `HEAD:refs/heads/${branch}`]);
        const commit = (await git.revparse(['HEAD'])).trim();
        return { added, existing, commit, attempts: attempt };
      } catch (e: unknown) {
        const text = e instanceof GitError ? e.message : String(e);
        if (!CONTENDED.test(text)) throw new PublishError(`pushing results to ${opts.remote} failed: ${firstLines(text)}`, { cause: e });
        lastReason = firstLines(text);
        if (attempt === attempts) break;
        opts.onRetry?.(attempt, lastReason);
        const cap = Math.min(backoff * 2 ** (attempt - 1), 3000);
        await sleep(Math.floor(random() * cap));
      }
    }
    throw new PublishError(
      `could not push results to ${opts.remote} after ${attempts} attempts: other writers kept updating "${branch}" (${lastReason}). Nothing was lost; run the publish again.`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function fetchBranch(git: SimpleGit, branch: string): Promise<boolean> {
  let refs: string;
  try {
    refs = await git.raw(['ls-remote', '--heads', 'origin', branch]);
  } catch (e: unknown) {
    const remote = (await git.remote(['get-url', 'origin']))?.trim();
    throw new PublishError(`cannot read the remote ${remote}: ${firstLines(e instanceof Error ? e.message : String(e))}`, { cause: e });
  }
  if (refs.trim() === '') return false;
  await git.raw(['fetch', '--quiet', '--no-tags', 'origin', `refs/heads/${branch}`]);
  return true;
}

async function exists(p: string): Promise<boolean> {
  try {
    await readFile(p);
    return true;
  } catch {
    return false;
  }
}

function firstLines(s: string): string {
  return s.trim().split('\n').slice(0, 3).join(' | ');
}

export interface LoadedRecords {
  records: ResultRecord[];
  /** Files under results/ that are not valid records: reported, never fatal. */
  invalid: { path: string; why: string }[];
}

/** Reads every record on a ref of a local repository, without checking anything out. */
export async function readRecordsFromRef(repoDir: string, ref: string): Promise<LoadedRecords> {
  return parseRecords(await readRecordFilesFromRef(repoDir, ref));
}

/** The JSON files under results/ on a ref, as committed (the texts `readRecordsFromRef` checks). */
export async function readRecordFilesFromRef(repoDir: string, ref: string): Promise<{ path: string; text: string }[]> {
  const git = simpleGit(repoDir);
  const listing = await git.raw(['ls-tree', '-r', '-z', '--full-tree', ref, '--', 'results']);
  const entries = listing
    .split('\0')
    .filter((l) => l !== '')
    .map((l) => {
      const [meta, file] = l.split('\t') as [string, string];
      const [, type, sha] = meta.split(' ') as [string, string, string];
      return { type, sha, file };
    })
    .filter((e) => e.type === 'blob' && e.file.endsWith('.json'));
  const blobs = await catFileBatch(
    repoDir,
    entries.map((e) => e.sha),
  );
  return entries.map((e, i) => ({ path: e.file, text: blobs[i]! }));
}

export function parseRecords(files: readonly { path: string; text: string }[]): LoadedRecords {
  const records: ResultRecord[] = [];
  const invalid: LoadedRecords['invalid'] = [];
  for (const f of files) {
    let value: unknown;
    try {
      value = JSON.parse(f.text);
    } catch (e: unknown) {
      invalid.push({ path: f.path, why: `not JSON: ${e instanceof Error ? e.message : String(e)}` });
      continue;
    }
    const checked = checkRecord(value);
    if (!checked.ok) invalid.push({ path: f.path, why: checked.why });
    else if (recordPath(checked.record) !== f.path)
      invalid.push({ path: f.path, why: `its id says it belongs at ${recordPath(checked.record)}` });
    else records.push(checked.record);
  }
  return { records, invalid };
}

/** `git cat-file --batch`: one process for any number of blobs, rather than one per file; each as text. */
async function catFileBatch(repoDir: string, shas: readonly string[]): Promise<string[]> {
  return (await catFileBlobs(repoDir, shas)).map((b) => b.toString('utf8'));
}

/** The bytes of these blobs, through one `git cat-file --batch`. */
export function catFileBlobs(repoDir: string, shas: readonly string[]): Promise<Buffer[]> {
  if (shas.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: repoDir, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`git cat-file failed: ${stderr.trim()}`));
      const all = Buffer.concat(chunks);
      const out: Buffer[] = [];
      let pos = 0;
      for (let i = 0; i < shas.length; i++) {
        const nl = all.indexOf(10, pos);
        const header = all.subarray(pos, nl).toString();
        const size = Number(header.split(' ')[2]);
        if (!Number.isInteger(size)) return reject(new Error(`git cat-file: unexpected header "${header}"`));
        out.push(Buffer.from(all.subarray(nl + 1, nl + 1 + size)));
        pos = nl + 1 + size + 1;
      }
      resolve(out);
    });
    child.stdin.end(shas.join('\n') + '\n');
  });
}

/**
 * The ref holding a repository's results: the remote's branch after a fetch when there is a
 * remote, else the local branch. Returns undefined when there are no results yet.
 */
export async function resultsRef(repoDir: string, branch = RESULTS_BRANCH): Promise<string | undefined> {
  const git = simpleGit(repoDir);
  const remotes = await git.getRemotes();
  if (remotes.some((r) => r.name === 'origin')) {
    const heads = await git.raw(['ls-remote', '--heads', 'origin', branch]);
    if (heads.trim() !== '') {
      await git.raw(['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
      return `refs/remotes/origin/${branch}`;
    }
  }
  try {
    // --quiet: no output (and no error from simple-git) when the branch does not exist.
    const sha = await git.raw(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
    return sha.trim() ? `refs/heads/${branch}` : undefined;
  } catch {
    return undefined;
  }
}

/** A file on a ref, or undefined when it is not there. */
export async function readFileFromRef(repoDir: string, ref: string, file: string): Promise<string | undefined> {
  try {
    return await simpleGit(repoDir).raw(['show', `${ref}:${file}`]);
  } catch {
    return undefined;
  }
}

/**
 * Record files that a commit on the ref changed or deleted after adding them: publishing only
 * ever adds, so any such change is tampering, and names the commit that did it.
 */
export async function rewrittenRecords(repoDir: string, ref: string): Promise<{ commit: string; file: string }[]> {
  const log = await simpleGit(repoDir).raw(['log', '--format=@%H', '--diff-filter=MDR', '--name-only', ref, '--', 'results']);
  const out: { commit: string; file: string }[] = [];
  let commit = '';
  for (const line of log.split('\n')) {
    if (line.startsWith('@')) commit = line.slice(1);
    else if (line.trim()) out.push({ commit, file: line.trim() });
  }
  return out;
}

/** A repository's origin, with a relative path taken relative to the repository, not to where Podium runs. */
export async function originRemote(dir: string): Promise<string | undefined> {
  let remote: string | undefined;
  try {
    remote = (await simpleGit(dir).remote(['get-url', 'origin']))?.trim();
  } catch {
    return undefined;
  }
  if (!remote) return undefined;
  return !/^[a-z][a-z0-9+.-]*:/i.test(remote) && !remote.includes('@') && !path.isAbsolute(remote) ? path.resolve(dir, remote) : remote;
}
