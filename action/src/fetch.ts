import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GitHub, Repo } from './github.js';
import { PodiumError } from '../../runner/src/contracts/problems.js';

export class FetchError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'FetchError';
  }
}

export interface FetchLimits {
  maxFiles: number;
  maxFileBytes: number;
}

/**
 * Copies one folder of a commit out of the repository through the Git data API, as data:
 * nothing is checked out, no hook or attribute of the pull request's tree applies, and every
 * blob is checked against its Git hash. Only regular files come through; a symbolic link or
 * a submodule in the folder is refused.
 */
export async function fetchFolder(
  gh: GitHub,
  repo: Repo,
  sha: string,
  folder: string,
  outRoot: string,
  limits: FetchLimits,
): Promise<string[]> {
  // Walk down to the folder's own tree, so a large repository never needs one huge listing.
  let tree = sha;
  for (const part of folder.split('/')) {
    const { data } = await gh.rest.git.getTree({ ...repo, tree_sha: tree });
    const entry = data.tree.find((e) => e.path === part);
    if (!entry || entry.type !== 'tree' || !entry.sha) throw new FetchError(`${folder} does not exist at commit ${sha}.`);
    tree = entry.sha;
  }
  const blobs = await listTree(gh, repo, tree, folder, limits.maxFiles);
  const written: string[] = [];
  for (const e of blobs) {
    const rel = e.path ?? '';
    if (e.type !== 'blob' || !e.sha) throw new FetchError(`${folder}/${rel} is a submodule; submissions hold regular files only.`);
    if (e.mode === '120000') throw new FetchError(`${folder}/${rel} is a symbolic link; submissions hold regular files only.`);
    if (!rel || rel.split('/').some((p) => p === '' || p === '.' || p === '..'))
      throw new FetchError(`${folder} holds a file with an unusable name.`);
    if ((e.size ?? 0) > limits.maxFileBytes)
      throw new FetchError(`${folder}/${rel} is ${e.size} bytes, over the limit of ${limits.maxFileBytes} per file.`);
    const { data: blob } = await gh.rest.git.getBlob({ ...repo, file_sha: e.sha });
    const content = Buffer.from(blob.content, blob.encoding === 'base64' ? 'base64' : 'utf8');
    const hash = createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
    if (hash !== e.sha)
      throw new FetchError(`${folder}/${rel} did not arrive intact (Git hash ${hash}, expected ${e.sha}); run the evaluation again.`);
    const target = path.join(outRoot, folder, rel);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content, { mode: e.mode === '100755' ? 0o755 : 0o644 });
    written.push(`${folder}/${rel}`);
  }
  return written;
}

/**
 * One file of a commit through the Git data API, as data (its Git hash checked), or undefined
 * when the commit has no such regular file or it is larger than `maxBytes`.
 */
export async function readFileAt(gh: GitHub, repo: Repo, sha: string, file: string, maxBytes: number): Promise<Buffer | undefined> {
  const parts = file.split('/');
  let tree = sha;
  for (const [i, part] of parts.entries()) {
    const { data } = await gh.rest.git.getTree({ ...repo, tree_sha: tree });
    const entry = data.tree.find((e) => e.path === part);
    const last = i === parts.length - 1;
    if (!entry?.sha || entry.type !== (last ? 'blob' : 'tree')) return undefined;
    if (last) {
      if (entry.mode === '120000' || (entry.size ?? 0) > maxBytes) return undefined;
      const { data: blob } = await gh.rest.git.getBlob({ ...repo, file_sha: entry.sha });
      const content = Buffer.from(blob.content, blob.encoding === 'base64' ? 'base64' : 'utf8');
      const hash = createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
      return hash === entry.sha ? content : undefined;
    }
    tree = entry.sha;
  }
  return undefined;
}

interface Entry {
  path?: string;
  mode?: string;
  type?: string;
  sha?: string;
  size?: number;
}

/**
 * Every entry of a tree that is not itself a tree, with paths relative to it. One recursive
 * listing when GitHub gives it whole; when GitHub cuts it (`truncated`, past 100,000 entries
 * or 7 MB), the tree is walked one level at a time instead, stopping past `maxFiles`.
 */
async function listTree(gh: GitHub, repo: Repo, sha: string, folder: string, maxFiles: number): Promise<Entry[]> {
  const tooMany = (n: number) => new FetchError(`${folder} holds ${n} files or more; a submission may hold ${maxFiles}.`);
  const { data } = await gh.rest.git.getTree({ ...repo, tree_sha: sha, recursive: 'true' });
  if (!data.truncated) {
    const blobs = data.tree.filter((e) => e.type !== 'tree');
    if (blobs.length > maxFiles) throw tooMany(blobs.length);
    return blobs;
  }
  const out: Entry[] = [];
  const queue: { sha: string; prefix: string }[] = [{ sha, prefix: '' }];
  while (queue.length > 0) {
    const next = queue.shift()!;
    const { data: level } = await gh.rest.git.getTree({ ...repo, tree_sha: next.sha });
    for (const e of level.tree) {
      const rel = `${next.prefix}${e.path ?? ''}`;
      if (e.type === 'tree' && e.sha) queue.push({ sha: e.sha, prefix: `${rel}/` });
      else out.push({ ...e, path: rel });
      if (out.length > maxFiles) throw tooMany(out.length);
    }
  }
  return out;
}
