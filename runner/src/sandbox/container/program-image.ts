import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Competition } from '../../competition/load.js';
import type { ContainerEngine } from './engine.js';
import { checkBuild } from './dockerfile.js';
import { BuildError } from './errors.js';
import { PODIUM_LABEL, buildLimitsOf } from './evaluate-container.js';

/**
 * The image of an organiser's program (the scoring program, the ingestion program), built from a
 * folder of the competition repository. It is checked and built as a participant's image is (no
 * network, the build limits), from any base image, each read through runtime.images: a bundle's
 * `codalab/codalab-legacy:py39` can be an image this runner has.
 */
export async function buildProgramImage(
  c: Competition,
  engine: ContainerEngine,
  folder: string,
  tag: string,
  signal?: AbortSignal,
): Promise<{ ok: true; id: string } | { ok: false; why: string }> {
  const context = path.join(c.dir, folder);
  let text: string;
  try {
    text = await readFile(path.join(context, 'Dockerfile'), 'utf8');
  } catch {
    return { ok: false, why: `there is no Dockerfile in ${folder}` };
  }
  const checked = checkBuild(text, 'any', c.config.runtime?.images);
  if (!checked.ok) return { ok: false, why: `${folder}/Dockerfile line ${checked.line}: ${checked.why}` };
  // A base image the runner lacks is pulled before the build; one that cannot be pulled is
  // named, with the two ways round it.
  for (const base of checked.plan.baseImages) {
    if (await engine.image(base)) continue;
    try {
      await engine.pull(base);
    } catch (e: unknown) {
      const mapped = Object.entries(c.config.runtime?.images ?? {}).find(([, to]) => to === base)?.[0];
      return {
        ok: false,
        why: `the runner has no image ${base}${mapped ? ` (runtime.images maps ${mapped} to it)` : ''} and cannot pull it (${firstLine(e)}): load it on the runner, or map ${mapped ?? base} to an image the runner has in competition.yml runtime.images`,
      };
    }
  }
  try {
    const built = await engine.build(
      context,
      tag,
      { [PODIUM_LABEL]: 'build' },
      { limits: buildLimitsOf(c), dockerfile: checked.plan.dockerfile, ...(signal ? { signal } : {}) },
    );
    return { ok: true, id: built.id };
  } catch (e: unknown) {
    return { ok: false, why: e instanceof BuildError && e.reason !== 'failed' ? `${firstLine(e)} (${e.reason})` : firstLine(e) };
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
