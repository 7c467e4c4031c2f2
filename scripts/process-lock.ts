import { mkdir, rm, stat } from 'node:fs/promises';

/**
 * A lock between processes: a folder made atomically, taken over when older than 15 minutes.
 * Test files run in parallel workers; where each would make the same image, one makes it and
 * the others wait, then find it made.
 */
export async function processLock(dir: string): Promise<() => Promise<void>> {
  for (;;) {
    try {
      await mkdir(dir);
      return () => rm(dir, { recursive: true, force: true });
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = Date.now() - (await stat(dir).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 15 * 60_000) await rm(dir, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
}
