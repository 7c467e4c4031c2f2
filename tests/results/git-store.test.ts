import { execFileSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishRecords, readRecordsFromRef, PublishError } from '../../runner/src/results/git-store.js';
import { useTempDirs } from '../helpers/temp.js';
import { scoredRecord } from '../helpers/records.js';

const temp = useTempDirs();
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

/** A bare remote that, like a protected branch, refuses any push that is not a fast-forward. */
async function bareRemote(root: string): Promise<string> {
  const remote = path.join(root, 'origin.git');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  git(remote, 'config', 'receive.denyNonFastForwards', 'true');
  git(remote, 'config', 'receive.denyDeletes', 'true');
  return remote;
}

describe('the results store', () => {
  it('lands every record from 20 concurrent writers, without force and without loss', async () => {
    const root = await temp();
    const remote = await bareRemote(root);
    const records = Array.from({ length: 20 }, (_, i) => scoredRecord(i + 1));
    const outcomes = await Promise.all(records.map((r) => publishRecords([r], { remote })));

    expect(outcomes.every((o) => o.added.length === 1)).toBe(true);
    const loaded = await readRecordsFromRef(remote, 'refs/heads/results');
    expect(loaded.invalid).toEqual([]);
    expect(loaded.records.map((r) => r.id).sort()).toEqual(records.map((r) => r.id).sort());
    // A straight line of 20 commits, one per writer: nothing was rewritten.
    expect(git(remote, 'rev-list', '--count', 'results')).toBe('20');
    expect(git(remote, 'rev-list', '--merges', '--count', 'results')).toBe('0');
    for (const o of outcomes) expect(git(remote, 'merge-base', '--is-ancestor', o.commit!, 'results')).toBe('');
    // Some writers must have lost a race and retried: the test is only meaningful then.
    expect(outcomes.some((o) => o.attempts > 1)).toBe(true);
  });

  it('does not duplicate a record published again for the same submission and commit', async () => {
    const remote = await bareRemote(await temp());
    const first = await publishRecords([scoredRecord(1)], { remote });
    // A re-evaluation makes a new record with a new date but the same id.
    const again = await publishRecords([scoredRecord(1, { created_at: '2026-02-02T00:00:00.000Z' })], { remote });
    expect(first.added).toEqual([scoredRecord(1).id]);
    expect(again).toMatchObject({ added: [], existing: [first.added[0]] });
    expect(again.commit).toBeUndefined();
    expect(git(remote, 'rev-list', '--count', 'results')).toBe('1');
  });

  it('keeps the records it is given apart from those already there', async () => {
    const remote = await bareRemote(await temp());
    await publishRecords([scoredRecord(1)], { remote });
    const both = await publishRecords([scoredRecord(1), scoredRecord(2)], { remote });
    expect(both.added).toEqual([scoredRecord(2).id]);
    expect(both.existing).toEqual([scoredRecord(1).id]);
  });

  it('fails loudly after a bounded number of contended attempts', async () => {
    const root = await temp();
    const remote = await bareRemote(root);
    // A hook that always reports a lost lock, as a remote under constant contention would.
    const hook = path.join(remote, 'hooks', 'pre-receive');
    await mkdir(path.dirname(hook), { recursive: true });
    await writeFile(hook, '#!/bin/sh\necho "error: cannot lock ref \'refs/heads/results\'" >&2\nexit 1\n');
    await chmod(hook, 0o755);
    const retries: number[] = [];
    const publishing = publishRecords([scoredRecord(1)], { remote, attempts: 3, sleep: async () => {}, onRetry: (n) => retries.push(n) });
    await expect(publishing).rejects.toThrow(PublishError);
    await expect(publishRecords([scoredRecord(1)], { remote, attempts: 3, sleep: async () => {} })).rejects.toThrow(
      /after 3 attempts.*Nothing was lost/s,
    );
    expect(retries).toEqual([1, 2]);
  });

  it('stops at once on an error that retrying cannot fix', async () => {
    const root = await temp();
    const sleeps: number[] = [];
    const publishing = publishRecords([scoredRecord(1)], {
      remote: path.join(root, 'no-such-remote.git'),
      sleep: async (ms) => void sleeps.push(ms),
    });
    await expect(publishing).rejects.toThrow(PublishError);
    await expect(publishing).rejects.toThrow(/no-such-remote\.git/);
    expect(sleeps).toEqual([]);
  });

  it('refuses to write an invalid record', async () => {
    const remote = await bareRemote(await temp());
    const bad = { ...scoredRecord(1), status: 'scored', scores: { public: { accuracy: { value: 'high' } } } } as unknown as ReturnType<
      typeof scoredRecord
    >;
    await expect(publishRecords([bad], { remote })).rejects.toThrow(/refusing to write an invalid result record/);
  });

  it('reads records back and reports files that are not records', async () => {
    const root = await temp();
    const remote = await bareRemote(root);
    await publishRecords([scoredRecord(1), scoredRecord(2)], { remote });
    const clone = path.join(root, 'clone');
    git(root, 'clone', '--quiet', '--branch', 'results', remote, clone);
    await writeFile(path.join(clone, 'results/main/junk.json'), '{ not json');
    await mkdir(path.join(clone, 'results/main/team-9/run'), { recursive: true });
    await writeFile(path.join(clone, 'results/main/team-9/run/moved.json'), JSON.stringify(scoredRecord(3)));
    git(clone, 'add', '.');
    git(clone, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'junk');
    const loaded = await readRecordsFromRef(clone, 'HEAD');
    expect(loaded.records).toHaveLength(2);
    expect(loaded.invalid.map((i) => i.path).sort()).toEqual(['results/main/junk.json', 'results/main/team-9/run/moved.json']);
    expect(loaded.invalid.find((i) => i.path.endsWith('moved.json'))!.why).toContain('belongs at results/main/team-3/run/');
  });
});
