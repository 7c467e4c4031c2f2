import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../runner/src/cli/main.js';
import { exampleCompetition, runCli, submissionYml } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

async function helpOf(name: string): Promise<string> {
  return (await COMMANDS.find((c) => c.name === name)!.load()).help;
}

/**
 * A well-formed command line that names something not as the command needs exits 1 with the
 * message and what to do, and without the help: the help would hide the one line that matters.
 */
describe('a check that fails: exit 1, the message, what to do, no help', () => {
  it('publish without an origin remote', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const sub = path.join(ex.dir, 'submissions/baseline/nearest-centroid');
    expect((await runCli(root, ['evaluate', '--competition', ex.dir, '--hidden', ex.hidden, '--out', 'r.json', sub])).code).toBe(0);
    const publish = () => runCli(root, ['publish', '--competition', ex.dir, 'r.json']);
    const where = `URL is the competition repository's address, e.g. https://github.com/OWNER/REPO.git; the records go to its "results" branch.`;

    const notRepo = await publish();
    expect(notRepo.code).toBe(1);
    expect(notRepo.out).toBe('');
    expect(notRepo.err).toBe(
      `podium publish: ${ex.dir} is not a git repository, so it has no "origin" remote to publish to.\n` +
        `  fix: pass --remote URL, or make it a clone of the competition repository (git clone URL) and publish from there. ${where}\n`,
    );

    execFileSync('git', ['init', '-q'], { cwd: ex.dir });
    const none = await publish();
    expect(none.code).toBe(1);
    expect(none.err).toBe(
      `podium publish: ${ex.dir} has no "origin" remote.\n  fix: add the remote: git -C ${ex.dir} remote add origin URL, or pass --remote URL. ${where}\n`,
    );

    execFileSync('git', ['remote', 'add', 'upstream', 'https://example.org/comp.git'], { cwd: ex.dir });
    const other = await publish();
    expect(other.code).toBe(1);
    expect(other.err).toBe(
      `podium publish: ${ex.dir} has no "origin" remote; its remotes are upstream (https://example.org/comp.git).\n` +
        `  fix: pass --remote with one of those URLs, or add the remote: git -C ${ex.dir} remote add origin URL. ${where}\n`,
    );

    // Control: the command it gives, with a real URL, is all that was missing.
    const bare = path.join(root, 'results.git');
    execFileSync('git', ['init', '-q', '--bare', bare]);
    execFileSync('git', ['-C', ex.dir, 'remote', 'add', 'origin', bare]);
    const pushed = await publish();
    expect(pushed.err).toBe('');
    expect(pushed.code).toBe(0);
    expect(pushed.out).toContain('✓ recorded ');
  });

  it('reveal of a phase the competition does not have, and before any result was published', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root, { git: true });
    const none = await runCli(root, ['reveal', '--competition', ex.dir, '--phase', 'final']);
    expect(none.code).toBe(1);
    expect(none.err).toBe('podium reveal: no phase "final" in competition.yml.\n  fix: give --phase one of: main.\n');

    const early = await runCli(root, ['reveal', '--competition', ex.dir, '--phase', 'main']);
    expect(early.code).toBe(1);
    expect(early.err).toContain(
      'podium reveal: the competition has no results branch yet: nothing to reveal.\n  fix: publish records first',
    );
    expect(early.err).not.toContain('Usage:');
  });

  it('reproduce of a record that was rejected', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const dir = await ex.submit('t', 'bad', {
      'submission.yml': submissionYml('t', 'bad'),
      'predictions.csv': 'id,label\nclip-0001,cat\n',
    });
    const rejected = await runCli(root, ['evaluate', '--competition', ex.dir, '--hidden', ex.hidden, '--out', 'r.json', dir]);
    expect(rejected.code).toBe(1);
    const { code, err } = await runCli(root, ['reproduce', '--competition', ex.dir, '--hidden', ex.hidden, 'r.json']);
    expect(code).toBe(1);
    expect(err).toBe(
      'podium reproduce: the record\'s status is "rejected"; only scored records can be reproduced.\n  fix: give the record of a scored submission.\n',
    );
  });

  it('score with a truth file that is not there, and merge with a shard file that is not one', async () => {
    const root = await temp();
    const missing = await runCli(root, ['score', '--truth', 'nope.csv', '--predictions', 'p.csv', '--metrics', 'accuracy']);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(
      `podium score: cannot read ${path.join(root, 'nope.csv')}: there is no such file.\n  fix: check the path; a relative one starts from the current folder.\n`,
    );

    const ex = await exampleCompetition(root);
    await writeFile(path.join(root, 'part.json'), 'not json');
    const merge = await runCli(root, ['merge', '--competition', ex.dir, '--submission', ex.dir, 'part.json']);
    expect(merge.code).toBe(1);
    expect(merge.err).toContain('podium merge: part.json is not JSON; give the files that podium evaluate --shard wrote.');
    expect(merge.err).not.toContain('Usage:');
  });
});

describe('misuse of the command line: exit 2, the message, then the help', () => {
  it.each([
    ['a required option missing', ['reveal', '--phase', 'main'], 'reveal', '--competition is required.'],
    ['the wrong number of arguments', ['evaluate', '--competition', '.'], 'evaluate', 'give exactly one submission folder.'],
    ['a value of the wrong form', ['merge', '--commit', 'abc', 'x.json'], 'merge', '--commit takes a full 40-character commit id.'],
    ['an option without its value', ['publish', 'r.json', '--remote'], 'publish', "Option '--remote <value>' argument missing"],
    ['options that do not go together', ['init', 'x', '--hidden', 'h'], 'init', '--hidden goes with --example.'],
  ])('%s', async (_what, argv, name, message) => {
    const { code, out, err } = await runCli(await temp(), argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(new RegExp(`^podium ${name}: [^\\n]*${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\n]*\\n\\n`));
    expect(err.endsWith(await helpOf(name))).toBe(true);
    expect(err).not.toContain('fix:');
  });
});
