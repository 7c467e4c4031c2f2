import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toSlug } from '../contracts/common.js';
import { unpack, type Bundle } from './bundle.js';
import type { Model, Report } from './model.js';

/** The team the bundle's sample submissions are filed under. */
export const ORGANISERS = 'organisers';

/**
 * The bundle's solutions (Codabench's sample submissions) as runnable example submissions,
 * submissions/organisers/<slug>/ with a submission.yml: the code for the ingestion program
 * (kind code) where the bundle has one, else result files sent whole to the scoring program
 * (kind predictions, no predictions key), as Codabench submits them. A zip is unpacked.
 * Returns the slugs written.
 */
export async function copySolutions(opts: { bundle: Bundle; model: Model; code: boolean; dir: string; report: Report }): Promise<string[]> {
  const { bundle, model: m, code, report } = opts;
  const slugs: string[] = [];
  // One submission per path, for every phase any of its entries was written for.
  const byPath = new Map<string, number[]>();
  const taskOf = new Map<string, string>();
  for (const s of m.solutions) {
    byPath.set(s.path, [...new Set([...(byPath.get(s.path) ?? []), ...s.phases])].sort());
    if (s.task !== undefined && !taskOf.has(s.path)) taskOf.set(s.path, s.task);
  }
  for (const [sPath, phaseIndexes] of byPath) {
    const s = { path: sPath, phases: phaseIndexes };
    let slug = toSlug(path.posix.basename(s.path.replace(/\/+$/, '').replace(/\.zip$/i, '')), 'solution');
    while (slugs.includes(slug)) slug = `${slug}-${slugs.length + 1}`;
    const folder = path.join(opts.dir, 'submissions', ORGANISERS, slug);
    const written = await unpack(bundle, s.path, folder);
    if (written.length === 0) {
      report.dropped.push(`The solution ${s.path} is not in the bundle.`);
      continue;
    }
    if (written.includes('submission.yml')) {
      report.dropped.push(`The solution ${s.path} holds its own submission.yml, which was kept; check it.`);
    } else {
      const task = taskOf.get(sPath);
      const lines = [`team: ${ORGANISERS}`, `name: ${slug}`, `kind: ${code ? 'code' : 'predictions'}`, ...(task ? [`task: ${task}`] : [])];
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, 'submission.yml'), `${lines.join('\n')}\n`);
    }
    slugs.push(slug);
    const phases = s.phases.map((i) => `"${m.phases[i]!.name}"`).join(', ');
    report.carried.push(
      `The solution ${s.path}${phases ? ` (for ${phases})` : ''} → submissions/${ORGANISERS}/${slug}/, a ${code ? 'code submission the ingestion program runs' : 'result submission whose files all go to the scoring program'}; run it with podium evaluate, or open a pull request with it. The team ${ORGANISERS} is a baseline on the leaderboard, not ranked.`,
    );
  }
  return slugs;
}
