import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { outputRoot, removeOutput } from '../../sandbox/container/harvest.js';
import { PODIUM_LABEL } from '../../sandbox/container/evaluate-container.js';
import { defineCommand } from './command.js';

export const sweep = defineCommand({
  name: 'sweep',
  usage: ['sweep [--label KEY] [--keep-images]'],
  description: `Removes every container Podium created on the local Docker engine (they carry the label
${PODIUM_LABEL}), the images it built from submissions (labelled ${PODIUM_LABEL}=build; kept with
--keep-images), and the temporary folders Podium left behind: output folders of runs
and opened hidden data (podium-output-*, podium-scoring-*, podium-hidden-* in the temporary
folder). Runs remove their own; this is for after a runner crashed or was killed mid-run, or
for output a container made that a runner not running as root cannot remove (then run it
with sudo). Safe to run at any time on a runner that is idle.`,
  options: {
    label: { type: 'string', value: 'KEY', help: 'sweep containers and images with this label key', default: PODIUM_LABEL },
    'keep-images': { type: 'boolean', help: 'leave the images built from submissions (to look into one, or to keep its layers)' },
  },
  examples: ['podium sweep', 'podium sweep --keep-images'],
  async run({ values }, io) {
    const { dockerEngine } = await import('../../sandbox/container/docker.js');
    const engine = dockerEngine();
    if (!(await engine.ping())) {
      io.stderr('podium sweep: no Docker engine answers here.\n');
      return 1;
    }
    const keepImages = values['keep-images'] === true;
    const n = await engine.sweep(values.label, { keepImages });
    io.stdout(`Removed ${n.containers} container(s) left by Podium.\n`);
    if (!keepImages) io.stdout(`Removed ${n.images} image(s) Podium built.\n`);
    let folders = 0;
    for (const tmp of new Set([os.tmpdir(), outputRoot(io.env)])) {
      for (const name of await readdir(tmp).catch(() => [] as string[])) {
        if (!/^podium-(output|scoring-in|scoring-out|hidden)-/.test(name)) continue;
        const removed = await removeOutput(path.join(tmp, name));
        if (removed.removed) folders++;
        else io.stderr(`could not remove ${path.join(tmp, name)}: ${removed.why}\n`);
      }
    }
    if (folders > 0) io.stdout(`Removed ${folders} temporary folder(s) left by Podium.\n`);
    return 0;
  },
});
