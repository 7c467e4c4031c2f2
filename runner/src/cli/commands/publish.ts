import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { progress, UsageError, ExitCode } from '../io.js';
import { checkRecord } from '../../results/record.js';
import { originRemote, publishRecords, RESULTS_BRANCH } from '../../results/git-store.js';
import { findCompetitionDir } from './shared.js';
import type { ResultRecord } from '../../results/schema.js';
import { defineCommand } from './command.js';
import { PodiumError } from '../../contracts/problems.js';
import { simpleGit } from 'simple-git';

export const publish = defineCommand({
  name: 'publish',
  usage: ['publish [--competition DIR] [--remote URL] [--branch NAME] RECORD.json ...'],
  description: `Commits each record as its own file under results/<phase>/ on the results branch and
pushes without force. When another writer pushed first, it fetches, lays the records on
top and retries with jittered back-off. A record already on the branch (the same
submission at the same commit) is not added again. Nothing is pushed if any record is
invalid.`,
  options: {
    competition: { type: 'string', value: 'DIR', help: 'the competition repository whose "origin" remote receives the records' },
    remote: { type: 'string', value: 'URL', help: "push here instead of the competition's origin" },
    branch: { type: 'string', value: 'NAME', help: 'the results branch', default: RESULTS_BRANCH },
    json: { type: 'boolean', help: 'print {"added": [...], "existing": [...], "commit": ...}' },
  },
  examples: ['podium publish --competition . record.json'],
  async run({ values, positionals }, io) {
    if (positionals.length === 0) throw new UsageError('give at least one record file.');
    const records: ResultRecord[] = [];
    const bad: string[] = [];
    for (const file of positionals) {
      let value: unknown;
      try {
        value = JSON.parse(await readFile(path.resolve(io.cwd, file), 'utf8'));
      } catch (e: unknown) {
        bad.push(`${file}: cannot read it as JSON (${e instanceof Error ? e.message : String(e)})`);
        continue;
      }
      const checked = checkRecord(value);
      if (checked.ok) records.push(checked.record);
      else bad.push(`${file}: not a valid result record: ${checked.why}`);
    }
    if (bad.length > 0) {
      for (const b of bad) io.stderr(`✗ ${b}\n`);
      io.stderr('Nothing was published.\n');
      throw new ExitCode(1);
    }
    let remote = values.remote;
    if (!remote) {
      const dir = await findCompetitionDir(io, values.competition);
      remote = await originRemote(dir);
      if (!remote) throw await noOrigin(dir, values.branch);
    }
    const json = values.json === true;
    const bar = progress(io, json);
    bar.step(`pushing ${records.length} record(s)`);
    const outcome = await publishRecords(records, {
      remote,
      branch: values.branch,
      onRetry: (n) => bar.step(`another writer pushed first; retrying (attempt ${n + 1})`),
    });
    bar.done();
    if (json) io.stdout(`${JSON.stringify(outcome, null, 2)}\n`);
    else {
      for (const id of outcome.added) io.stdout(`✓ recorded ${id}\n`);
      for (const id of outcome.existing) io.stdout(`= already recorded ${id}\n`);
      if (outcome.commit) io.stdout(`Pushed ${outcome.commit.slice(0, 12)} to ${values.branch}\n`);
    }
    return 0;
  },
});

/**
 * Why there is no remote to push to, and the two ways on: add "origin" (the command to type,
 * for this folder), or name the repository with --remote; the other remotes, when there are
 * some, are listed with their URLs, since one of them may be the repository meant.
 */
async function noOrigin(dir: string, branch: string): Promise<PodiumError> {
  const git = simpleGit(dir);
  const isRepo = await git.checkIsRepo().catch(() => false);
  const add = `git -C ${quoteArg(dir)} remote add origin URL`;
  const where = `URL is the competition repository's address, e.g. https://github.com/OWNER/REPO.git; the records go to its "${branch}" branch`;
  if (!isRepo)
    return new PodiumError(`${dir} is not a git repository, so it has no "origin" remote to publish to.`, {
      fix: `pass --remote URL, or make it a clone of the competition repository (git clone URL) and publish from there. ${where}.`,
    });
  const others = await git.getRemotes(true).catch(() => []);
  const listed = others.map((r) => `${r.name} (${r.refs.push || r.refs.fetch})`).join(', ');
  return new PodiumError(`${dir} has no "origin" remote${others.length > 0 ? `; its remotes are ${listed}` : ''}.`, {
    fix:
      others.length > 0
        ? `pass --remote with one of those URLs, or add the remote: ${add}. ${where}.`
        : `add the remote: ${add}, or pass --remote URL. ${where}.`,
  });
}

/** A folder as a shell word: quoted when it holds anything but plain path characters. */
function quoteArg(text: string): string {
  return /^[\w./@:+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
