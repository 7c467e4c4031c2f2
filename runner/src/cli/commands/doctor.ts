import { access } from 'node:fs/promises';
import path from 'node:path';
import { parse } from '../args.js';
import { UsageError, type DeploymentFinding } from '../io.js';
import { COMPETITION_FILE, loadCompetition, type Competition } from '../../competition/load.js';
import { findCompetitionDir } from './shared.js';
import type { Command } from './command.js';

const MARK: Record<DeploymentFinding['status'], string> = { unsafe: 'UNSAFE', fine: 'fine', unchecked: 'not checked' };

export const doctor: Command = {
  name: 'doctor',
  help: `Usage: podium doctor --repo OWNER/NAME [--competition DIR] [--label NAME] [--json]

Checks the GitHub settings that keep a competition's hidden data and keys away from
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
GitHub Enterprise Server.

Options:
  --repo OWNER/NAME  the competition repository (default: GITHUB_REPOSITORY)
  --competition DIR  the competition folder, for the keys it needs (default: the one here, if any)
  --label NAME       the label of the GPU runners (default podium-gpu)
  --json             print the findings as JSON

Example:
  podium doctor --repo my-org/my-benchmark      (with GITHUB_TOKEN set)
`,
  async run(argv, io, deps) {
    const { values } = parse('doctor', argv, {
      repo: { type: 'string' },
      competition: { type: 'string' },
      label: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!deps.doctor)
      throw new UsageError('this podium has no GitHub client; run it from a full Podium install (bin/podium.js).', 'doctor');
    const full = values.repo ?? io.env.GITHUB_REPOSITORY ?? '';
    const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(full);
    if (!m) throw new UsageError(full ? `--repo takes OWNER/NAME; got "${full}".` : '--repo OWNER/NAME is required.', 'doctor');
    const token = io.env.GITHUB_TOKEN || io.env.GH_TOKEN;
    if (!token)
      throw new UsageError(
        'set GITHUB_TOKEN to an administrator token of the repository (see the permissions below); podium doctor only reads.',
        'doctor',
      );
    let competition: Competition | undefined;
    const dir = await findCompetitionDir(io, values.competition);
    const here = await access(path.join(dir, COMPETITION_FILE)).then(
      () => true,
      () => false,
    );
    if (values.competition && !here) throw new UsageError(`${values.competition} has no ${COMPETITION_FILE}.`, 'doctor');
    if (here) competition = await loadCompetition(dir);
    const findings = await deps.doctor({
      owner: m[1]!,
      repo: m[2]!,
      token,
      ...(io.env.GITHUB_API_URL ? { apiUrl: io.env.GITHUB_API_URL } : {}),
      ...(competition ? { competition } : {}),
      ...(values.label ? { label: values.label } : {}),
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
};
