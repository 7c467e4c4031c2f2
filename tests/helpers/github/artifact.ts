import { chmod, lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { extractZip } from '../../../runner/src/import/zip.js';
import { makeZip } from '../zip.js';

/**
 * A hand-off between jobs as actions/upload-artifact and download-artifact make it: the
 * folder goes into a ZIP archive and comes out in another job's workspace. What does not
 * survive is lost here too: file modes (every file comes back 0644) and symbolic links
 * (left out), so a job cannot rely on either.
 */
export async function artifactRoundTrip(from: string, to: string): Promise<{ files: number; dropped: string[] }> {
  const files: Record<string, Buffer> = {};
  const dropped: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(path.join(from, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(path.join(from, r));
      if (st.isDirectory()) await walk(r);
      else if (st.isFile()) files[r] = await readFile(path.join(from, r));
      else dropped.push(r);
    }
  };
  await walk('');
  const work = await mkdtemp(path.join(os.tmpdir(), 'podium-artifact-'));
  try {
    await writeFile(path.join(work, 'artifact.zip'), makeZip(files));
    for (const name of await extractZip(path.join(work, 'artifact.zip'), to)) await chmod(path.join(to, ...name.split('/')), 0o644);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { files: Object.keys(files).length, dropped };
}
