import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishRecords } from '../../runner/src/results/git-store.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { action, git, pipeline, submissionFiles, world, WORKFLOW_RUN } from '../helpers/action-world.js';

/**
 * report, the bundled Action after an evaluation, against the API emulator and a bare remote
 * (tests/helpers/action-world.ts): the one sticky comment, the commit status and the job summary.
 */
describe('report', () => {
  it('a good submission: validated, fetched at its commit, scored, commented, published; a re-run updates the comment', async () => {
    const w = await world();
    const pr = await w.openPull('alpha', 'first', submissionFiles(w, 'alpha', 'first'));
    const { v, p, e, r, reportWs } = await pipeline(w, pr, 'alpha');
    expect(v.code, v.stdout).toBe(0);
    expect(v.outputs).toMatchObject({ valid: 'true', team: 'alpha', name: 'first', folder: 'submissions/alpha/first' });
    expect(v.summary).toContain('Valid predictions submission');
    expect(p.code, p.stdout).toBe(0);
    expect(p.outputs).toMatchObject({ ready: 'true', 'pull-request': String(pr.number), 'head-sha': pr.sha });
    expect(e!.code, e!.stdout).toBe(0);
    expect(e!.outputs.status).toBe('scored');
    expect(r!.code, r!.stdout).toBe(0);
    expect(r!.outputs.comment).toBe('created');
    expect(w.api.comments).toHaveLength(1);
    const body = w.api.comments[0]!.body;
    expect(body.startsWith('<!-- podium:report -->')).toBe(true);
    expect(body).toContain('**Scored**');
    expect(body).toMatch(/\| accuracy ↑ \(primary\) \| 0\.\d+ \| 0\.\d+ – 0\.\d+ \|/);
    expect(body).toContain('Would rank **1** of 1');
    expect(w.api.statuses).toEqual([expect.objectContaining({ sha: pr.sha, state: 'success', context: 'podium/evaluation' })]);
    expect(r!.summary).toContain('accuracy');

    const pub = await action(reportWs!, 'publish', WORKFLOW_RUN, w);
    expect(pub.code, pub.stdout).toBe(0);
    expect(git(w.root, '--git-dir', w.origin, 'ls-tree', '-r', '--name-only', 'results')).toMatch(
      new RegExp(`^results/main/alpha/first/${pr.sha.slice(0, 12)}\\.json$`),
    );
    expect(await readFile(path.join(reportWs!, '_site', 'index.html'), 'utf8')).toContain('alpha');

    // The same evaluation reported again: the one comment is updated, never duplicated.
    const again = await action(reportWs!, 'report', WORKFLOW_RUN, w);
    expect(again.outputs.comment).toBe('updated');
    expect(w.api.comments).toHaveLength(1);
    expect(w.api.comments[0]!.updates).toBe(1);
    // Only the submission folder was read through the API, never the rest of the tree.
    expect(w.api.requests.filter((q) => q.includes('/git/blobs/'))).toHaveLength(2);
    expect(w.api.violations).toEqual([]);
  });

  it('the same image from two teams is flagged to the organisers on the run, not in the comment', async () => {
    const w = await world();
    const pr = await w.openPull('psi', 'copy', submissionFiles(w, 'psi', 'copy'));
    const ran = await pipeline(w, pr, 'psi');
    // Another team's record, already published, with the image this one will claim.
    const digest = `sha256:${'d'.repeat(64)}`;
    const theirs = JSON.parse(await readFile(path.join(ran.reportWs!, 'podium-record', 'record.json'), 'utf8')) as ResultRecord;
    const other: ResultRecord = {
      ...theirs,
      id: theirs.id.replace('/psi/copy/', '/omega/orig/'),
      submission: { ...theirs.submission, team: 'omega', name: 'orig', path: 'submissions/omega/orig' },
      provenance: { ...theirs.provenance, image_digest: digest },
    };
    await publishRecords([other], { remote: w.origin });
    const mine = { ...theirs, provenance: { ...theirs.provenance, image_digest: digest } };
    await writeFile(path.join(ran.reportWs!, 'podium-record', 'record.json'), JSON.stringify(mine));
    const r = await action(ran.reportWs!, 'report', WORKFLOW_RUN, w);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(
      `::warning::psi/copy ran the image ${digest}, which omega/orig also submitted: check whether the teams share code.`,
    );
    expect(w.api.comments.at(-1)!.body).not.toContain('omega');
  });
});
