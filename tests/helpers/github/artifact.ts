import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readZip } from '../../../runner/src/import/zip.js';
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
  for (const entry of readZip(makeZip(files))) {
    const target = path.join(to, ...entry.name.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, entry.data, { mode: 0o644 });
  }
  return { files: Object.keys(files).length, dropped };
}
