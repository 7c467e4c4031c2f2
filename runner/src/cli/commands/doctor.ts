import { access } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, type DeploymentFinding } from '../io.js';
import { COMPETITION_FILE, loadCompetition, type Competition } from '../../competition/load.js';
import { findCompetitionDir } from './shared.js';
import { defineCommand } from './command.js';
import { PodiumError } from '../../contracts/problems.js';

const MARK: Record<DeploymentFinding['status'], string> = { unsafe: 'UNSAFE', fine: 'fine', unchecked: 'not checked' };

export const doctor = defineCommand({
  name: 'doctor',
  usage: ['doctor --repo OWNER/NAME [--competition DIR] [--label NAME] [--json]'],
  description: `Checks the GitHub settings that keep a competition's hidden data and keys away from
strangers' pull requests, and prints each finding as UNSAFE, fine or not checked, with the
fix: the approval policy for fork pull requests, the default workflow token, the GPU runners
(ephemeral, in a runner group that admits podium-evaluate.yml on the default branch alone),
the podium-evaluation environment (reviewers, deployment branches, its secrets), keys kept out
of repository and organisation secrets, protection of the default and results branches, and
the Pages source. Exit status 1 when anything is unsafe.

It needs an administrator's token in GITHUB_TOKEN (or GH_TOKEN): a fine-grained token for
the repository with Administration, Environments, Secrets, Pages and Pull requests: read (and,
for an organisation, the organisation permissions Self-hosted runners: read and Secrets:
read). A check the token may not read is reported as not checked. GITHUB_API_URL points it at
GitHub Enterprise Server.`,
  options: {
    repo: { type: 'string', value: 'OWNER/NAME', help: 'the competition repository (default: GITHUB_REPOSITORY)' },
    competition: {
      type: 'string',
      value: 'DIR',
      help: 'the competition folder, for the keys it needs (default: the one here, if any)',
    },
    label: { type: 'string', value: 'NAME', help: 'the label of the GPU runners', default: 'podium-gpu' },
    json: { type: 'boolean', help: 'print the findings as JSON' },
  },
  examples: ['podium doctor --repo my-org/my-benchmark      (with GITHUB_TOKEN set)'],
  async run({ values }, io, deps) {
    if (!deps.doctor)
      throw new PodiumError('this podium has no GitHub client.', { fix: 'run it from a full Podium install (bin/podium.js).' });
    const full = values.repo ?? io.env.GITHUB_REPOSITORY ?? '';
    const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(full);
    if (!m) throw new UsageError(full ? `--repo takes OWNER/NAME; got "${full}".` : '--repo OWNER/NAME is required.');
    const token = io.env.GITHUB_TOKEN || io.env.GH_TOKEN;
    if (!token)
      throw new PodiumError('no token: GITHUB_TOKEN (or GH_TOKEN) is not set.', {
        fix: 'set GITHUB_TOKEN to an administrator token of the repository, with the permissions "podium doctor --help" lists; podium doctor only reads.',
      });
    let competition: Competition | undefined;
    const dir = await findCompetitionDir(io, values.competition);
    const here = await access(path.join(dir, COMPETITION_FILE)).then(
      () => true,
      () => false,
    );
    if (values.competition && !here)
      throw new PodiumError(`${values.competition} has no ${COMPETITION_FILE}.`, {
        fix: 'give the competition folder, or leave --competition out.',
      });
    if (here) competition = await loadCompetition(dir);
    const findings = await deps.doctor({
      owner: m[1]!,
      repo: m[2]!,
      token,
      ...(io.env.GITHUB_API_URL ? { apiUrl: io.env.GITHUB_API_URL } : {}),
      ...(competition ? { competition } : {}),
      label: values.label,
    });
    const unsafe = findings.filter((f) => f.status === 'unsafe').length;
    const unchecked = findings.filter((f) => f.status === 'unchecked').length;
    if (values.json) {
      io.stdout(`${JSON.stringify({ repo: full, unsafe, unchecked, findings }, null, 2)}\n`);
      return unsafe > 0 ? 1 : 0;
    }
    io.stdout(`podium doctor: ${full}${competition ? ` (${competition.config.slug})` : ''}\n\n`);
    const width = Math.max(...findings.map((f) => f.check.length));
    for (const f of findings) {
      io.stdout(`  ${MARK[f.status].padEnd(11)} ${f.check.padEnd(width)}  ${f.summary}\n`);
      if (f.fix && f.status !== 'fine') io.stdout(`  ${''.padEnd(11)} ${''.padEnd(width)}  fix: ${f.fix}\n`);
    }
    io.stdout(`\n${unsafe} unsafe, ${findings.length - unsafe - unchecked} fine, ${unchecked} not checked.\n`);
    if (unchecked > 0 && unsafe === 0)
      io.stdout('Nothing checked is unsafe, but some settings were not checked: give the token the permissions above and run again.\n');
    return unsafe > 0 ? 1 : 0;
  },
});
