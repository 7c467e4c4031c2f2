import { checkChanges, type ChangedFile, type ChangeCheck } from './changes.js';
import type { GitHub, Repo } from './github.js';

/** GitHub lists at most this many files of a pull request. */
export const MAX_LISTED_FILES = 3000;
/** The most files a submission folder may hold. */
export const MAX_SUBMISSION_FILES = 1000;

/** The files a pull request touches, as the pulls API lists them. */
export async function changedFiles(gh: GitHub, repo: Repo, pr: number): Promise<ChangedFile[]> {
  return (await gh.paginate(gh.rest.pulls.listFiles, { ...repo, pull_number: pr, per_page: 100 })).map((f) => ({
    filename: f.filename,
    status: f.status,
    ...(f.previous_filename ? { previous_filename: f.previous_filename } : {}),
  }));
}

/** The files of a pull request, checked: one submission folder, and no more files than GitHub lists. */
export async function checkPullFiles(gh: GitHub, repo: Repo, pr: number, changedCount?: number): Promise<ChangeCheck> {
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
