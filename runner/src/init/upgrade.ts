import { access, lstat, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { COMPETITION_FILE } from '../competition/load.js';
import { PodiumError } from '../contracts/problems.js';
import { podiumFiles, writePodiumFile } from './init.js';

/** What `podium upgrade` did, each list of paths (with `/`) inside the competition, sorted. */
export interface UpgradeResult {
  added: string[];
  updated: string[];
  /** Files of `.podium/action` and `.podium/schemas` that this Podium no longer has. */
  removed: string[];
  /** How many of Podium's files were already current. */
  unchanged: number;
}

/** Folders that are Podium's alone: an upgrade leaves each exactly as `podium init` writes it. */
const OWNED_DIRS = ['.podium/action', '.podium/schemas'];

/**
 * Brings Podium's own files in an existing competition up to this Podium (see podiumFiles):
 * writes those that are missing or differ, removes what `.podium/action` no longer holds, and
 * touches nothing else: competition.yml, the README, the workflows, data and submissions are
 * the organisers'.
 */
export async function upgradeCompetition(dir: string): Promise<UpgradeResult> {
  try {
    await access(path.join(dir, COMPETITION_FILE));
  } catch (e: unknown) {
    throw new PodiumError(`${dir} holds no ${COMPETITION_FILE}, so it is not a competition to upgrade.`, {
      cause: e,
      fix: 'give the folder of an existing competition repository (podium init DIR makes a new one).',
    });
  }
  const files = await podiumFiles();
  // Podium's files are written where they are, never through a link: a link on the way could
  // take the writes (and the removals in .podium/action) to files outside the competition.
  // Checked for every file before anything is written, so a refusal changes nothing.
  for (const name of [...files.keys(), ...OWNED_DIRS]) {
    const link = await linkOnTheWay(dir, name);
    if (link)
      throw new PodiumError(`${link} in ${dir} is a symbolic link; podium upgrade writes Podium's files only as real files and folders.`, {
        fix: `replace ${link} with the file or folder itself (or remove it), then run podium upgrade again; nothing was changed.`,
      });
  }
  const result: UpgradeResult = { added: [], updated: [], removed: [], unchanged: 0 };
  for (const [name, file] of files) {
    const target = path.join(dir, ...name.split('/'));
    const now = await readFile(target).catch(() => undefined);
    const mode = now && (await stat(target)).mode & 0o777;
    if (now?.equals(file.content) && mode === file.mode) {
      result.unchanged++;
      continue;
    }
    await writePodiumFile(dir, name, file);
    (now ? result.updated : result.added).push(name);
  }
  const present = (
    await Promise.all(
      OWNED_DIRS.map((d) => readdir(path.join(dir, ...d.split('/')), { recursive: true, withFileTypes: true }).catch(() => [])),
    )
  ).flat();
  for (const entry of present) {
    if (entry.isDirectory()) continue;
    const name = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (files.has(name)) continue;
    await rm(path.join(dir, ...name.split('/')), { force: true });
    result.removed.push(name);
  }
  result.added.sort();
  result.updated.sort();
  result.removed.sort();
  return result;
}

/** The first part of `name` (a path with "/" inside `dir`) that exists as a symbolic link, if any. */
async function linkOnTheWay(dir: string, name: string): Promise<string | undefined> {
  const parts = name.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const rel = parts.slice(0, i).join('/');
    const info = await lstat(path.join(dir, ...parts.slice(0, i))).catch(() => undefined);
    if (!info) return undefined;
    if (info.isSymbolicLink()) return rel;
  }
  return undefined;
}
