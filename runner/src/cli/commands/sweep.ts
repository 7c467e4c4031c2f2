import { parse } from '../args.js';
import { PODIUM_LABEL } from '../../sandbox/container/evaluate-container.js';
import type { Command } from './command.js';

export const sweep: Command = {
  name: 'sweep',
  help: `Usage: podium sweep

Removes every container Podium created on the local Docker engine (they carry the label
${PODIUM_LABEL}). Runs remove their containers themselves; this is for after a runner
crashed or was killed mid-run. Safe to run at any time on a runner that is idle.

Example:
  podium sweep
`,
  async run(argv, io) {
    parse('sweep', argv, {});
    const { dockerEngine } = await import('../../sandbox/container/docker.js');
    const engine = dockerEngine();
    if (!(await engine.ping())) {
      io.stderr('podium sweep: no Docker engine answers here.\n');
      return 1;
    }
    const n = await engine.sweep(PODIUM_LABEL);
    io.stdout(`Removed ${n} container(s) left by Podium.\n`);
    return 0;
  },
};
