import path from 'node:path';
import { UsageError } from '../io.js';
import { upgradeCompetition } from '../../init/upgrade.js';
import { plural } from '../../contracts/problems.js';
import { defineCommand } from './command.js';

export const upgrade = defineCommand({
  name: 'upgrade',
  usage: ['upgrade [DIR]'],
  description: `Brings what Podium owns in an existing competition repository DIR (default: the current
folder) up to this Podium: the Action the workflows run (.podium/action), the participant tool
(.podium/podium.mjs) and the JSON Schemas editors check against (.podium/schemas). Files
missing or different are written, files of .podium/action and .podium/schemas that this
Podium no longer has are removed, and each is listed; a symbolic link on the way is refused
before anything is written. Nothing else is touched: competition.yml, the README, the
workflows, the data and the submissions stay as they are (a newer Podium's workflows are in
its templates/competition/.github, to compare by hand). Nothing is committed: review the
change, then commit it.`,
  options: {},
  notes: "Run it from a Podium checkout (node bin/podium.js upgrade DIR): a competition's own .podium/podium.mjs cannot upgrade itself.",
  examples: [
    'podium upgrade ../my-benchmark',
    '(then: git -C ../my-benchmark add .podium && git -C ../my-benchmark commit -m "Podium upgraded")',
  ],
  async run({ positionals }, io) {
    if (positionals.length > 1) throw new UsageError('give at most one competition folder.');
    const given = positionals[0] ?? '.';
    const dir = path.resolve(io.cwd, given);
    const r = await upgradeCompetition(dir);
    const changed = r.added.length + r.updated.length + r.removed.length;
    if (changed === 0) {
      io.stdout(`Nothing to upgrade in ${dir}: all ${r.unchanged} of its Podium files are those of this Podium.\n`);
      return 0;
    }
    io.stdout(`Upgraded the Podium files in ${dir}:\n`);
    for (const f of r.updated) io.stdout(`  updated  ${f}\n`);
    for (const f of r.added) io.stdout(`  added    ${f}\n`);
    for (const f of r.removed) io.stdout(`  removed  ${f}\n`);
    if (r.unchanged > 0) io.stdout(`  ${plural(r.unchanged, 'file')} already current\n`);
    io.stdout(`Next: review with "git -C ${given} status .podium", then commit.\n`);
    return 0;
  },
});
