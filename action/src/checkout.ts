import path from 'node:path';
import { loadCompetition, type Competition } from '../../runner/src/competition/load.js';
import { readRecordsFromRef, resultsRef } from '../../runner/src/results/git-store.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';

/** The competition in the job's checkout of the default branch: `folder` is the competition input. */
export async function openCompetition(workspace: string, folder: string): Promise<Competition> {
  return loadCompetition(path.resolve(workspace, folder));
}

/** Every record on the results branch, as the checkout's repository has it; none before the first. */
export async function resultsHistory(dir: string): Promise<ResultRecord[]> {
  const ref = await resultsRef(dir);
  return ref ? (await readRecordsFromRef(dir, ref)).records : [];
}
