import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { publishRecords } from '../../runner/src/results/git-store.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import {
  action,
  BUNDLE,
  git,
  pipeline,
  pullRequestPayload,
  submissionYml,
  workflowRunPayload,
  world as makeWorld,
  type World,
} from '../helpers/action-world.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';
import { GFM, renderGfm, tagsOf } from '../helpers/gfm.js';
import { requireTool } from '../helpers/tools.js';

/**
 * The bundled Action (action/dist/index.js), run as a runner runs it, job by job with the
 * token each workflow job declares, against the GitHub API emulator and a bare remote (see
 * tests/helpers/action-world.ts).
 */
const world = (edit: (yml: string) => string = (y) => y, files: Record<string, string> = {}): Promise<World> => makeWorld({ edit, files });

describe('the Action, bundled, against the API emulator and a bare remote', () => {
  beforeAll(() => {
    if (!existsSync(BUNDLE)) throw new Error('action/dist/index.js is missing: run npm run bundle:action');
  });

  it('is copied into every new competition, as the local action its workflows use', async () => {
    const w = await world();
    expect(existsSync(w.bundle)).toBe(true);
    expect((await readFile(w.bundle)).equals(await readFile(BUNDLE))).toBe(true);
    const manifest = await readFile(path.join(path.dirname(w.bundle), '..', 'action.yml'), 'utf8');
    expect(manifest).toContain('main: dist/index.js');
    expect(existsSync(path.join(w.root, 'trusted', '.github', 'workflows', 'podium-evaluate.yml'))).toBe(true);
  });

  it('a good submission: validated, fetched at its commit, scored, commented, published; a re-run updates the comment', async () => {
    const w = await world();
    const pr = await w.openPull('alpha', 'first', { 'submission.yml': submissionYml('alpha', 'first'), 'predictions.csv': w.baseline });
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

    const pub = await action(reportWs!, 'publish', { name: 'workflow_run', payload: {} }, w);
    expect(pub.code, pub.stdout).toBe(0);
    expect(git(w.root, '--git-dir', w.origin, 'ls-tree', '-r', '--name-only', 'results')).toMatch(
      new RegExp(`^results/main/alpha/first/${pr.sha.slice(0, 12)}\\.json$`),
    );
    expect(await readFile(path.join(reportWs!, '_site', 'index.html'), 'utf8')).toContain('alpha');

    // The same evaluation reported again: the one comment is updated, never duplicated.
    const again = await action(reportWs!, 'report', { name: 'workflow_run', payload: {} }, w);
    expect(again.outputs.comment).toBe('updated');
    expect(w.api.comments).toHaveLength(1);
    expect(w.api.comments[0]!.updates).toBe(1);
    // Only the submission folder was read through the API, never the rest of the tree.
    expect(w.api.requests.filter((q) => q.includes('/git/blobs/'))).toHaveLength(2);
    expect(w.api.violations).toEqual([]);
  });

  it('an invalid submission: annotations on the file and line, and no evaluation', async () => {
    const w = await world();
    const bad = w.baseline.replace('id,label', 'id,lable');
    const pr = await w.openPull('beta', 'broken', { 'submission.yml': submissionYml('beta', 'broken'), 'predictions.csv': bad });
    const { v, p } = await pipeline(w, pr, 'beta');
    expect(v.code).toBe(1);
    expect(v.outputs.valid).toBe('false');
    expect(v.stdout).toMatch(/::error file=submissions\/beta\/broken\/predictions\.csv,line=1,col=\d+::/);
    expect(v.summary).toContain('Not valid');
    expect(p.outputs.ready).toBe('false');
    expect(w.api.comments).toEqual([]);
    expect(w.api.violations).toEqual([]);
  });

  it('a pull request that also changes a workflow is refused before anything runs', async () => {
    const w = await world();
    const pr = await w.openPull(
      'gamma',
      'sneaky',
      { 'submission.yml': submissionYml('gamma', 'sneaky'), 'predictions.csv': w.baseline },
      { '.github/workflows/x.yml': 'on: push\n' },
    );
    const { v, p } = await pipeline(w, pr, 'gamma');
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('.github/workflows/x.yml');
    expect(p.outputs.ready).toBe('false');
  });

  it('a team over its daily limit is refused, counted from the results history', async () => {
    const w = await world((y) => y.replace('per_day: 5', 'per_day: 1'));
    const first = await w.openPull('delta', 'one', { 'submission.yml': submissionYml('delta', 'one'), 'predictions.csv': w.baseline });
    const ran = await pipeline(w, first, 'delta');
    expect((await action(ran.reportWs!, 'publish', { name: 'workflow_run', payload: {} }, w)).code).toBe(0);
    const second = await w.openPull('delta', 'two', { 'submission.yml': submissionYml('delta', 'two'), 'predictions.csv': w.baseline });
    const { v, p } = await pipeline(w, second, 'delta');
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/::error file=submissions\/delta\/two\/submission\.yml::team delta has used its 1 submission\(s\) for today/);
    expect(p.outputs.ready).toBe('false');
  });

  it('under the Ladder: prepare hands the team’s best to the runner, and the comment says the board did not move', async () => {
    const w = await world((y) => y.replace('leaderboard:', 'leaderboard:\n  ladder:\n    step: 0.01\n'));
    const runnerEnv = { PODIUM_SEAL_KEY: randomBytes(32).toString('hex') };
    const first = await w.openPull('eta', 'one', { 'submission.yml': submissionYml('eta', 'one'), 'predictions.csv': w.baseline });
    const ran = await pipeline(w, first, 'eta', { runnerEnv });
    expect(ran.e!.outputs.status, ran.e!.stdout).toBe('scored');
    expect((await action(ran.reportWs!, 'publish', { name: 'workflow_run', payload: {} }, w)).code).toBe(0);
    // Three more right answers: better by 3/600, less than the step.
    const truth = new Map(
      (await readFile(path.join(w.hidden, 'truth.csv'), 'utf8'))
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',') as [string, string]),
    );
    let fixes = 3;
    const better = w.baseline.replace(/^([^,\n]+),([^\n]+)$/gm, (line, id: string, label: string) => {
      const right = truth.get(id);
      if (fixes === 0 || right === undefined || right === label) return line;
      fixes--;
      return `${id},${right}`;
    });
    const second = await w.openPull('eta', 'two', { 'submission.yml': submissionYml('eta', 'two'), 'predictions.csv': better });
    const { p, e, r } = await pipeline(w, second, 'eta', { runnerEnv });
    expect(p.code, p.stdout).toBe(0);
    expect(e!.outputs.status, e!.stdout).toBe('scored');
    const body = w.api.comments.find((c) => c.issue === second.number)!.body;
    expect(body).toContain('did not beat your best by more than 0.01, so the board still shows your best, 0.8900');
    expect(body).toMatch(/\| accuracy ↑ \(primary\) \| 0\.8900 \| — \|/);
    expect(body).not.toContain('f1_macro');
    expect(r!.code).toBe(0);
    expect(w.api.violations).toEqual([]);
  });

  it('pull requests opened at once count against the limit: the first is evaluated, the next is held', async () => {
    const w = await world((y) => y.replace('per_day: 5', 'per_day: 1'));
    const first = await w.openPull('zulu', 'one', { 'submission.yml': submissionYml('zulu', 'one'), 'predictions.csv': w.baseline });
    const second = await w.openPull('zulu', 'two', { 'submission.yml': submissionYml('zulu', 'two'), 'predictions.csv': w.baseline });
    // Neither has a record yet; both passed validation.
    const p2 = await action(await w.checkout('p2'), 'prepare', workflowRunPayload(second.sha, 'success', w.headOf(second.number)), w);
    expect(p2.code).toBe(1);
    expect(p2.stdout).toContain('team zulu has used its 1 submission(s) for today');
    const p1 = await action(await w.checkout('p1'), 'prepare', workflowRunPayload(first.sha, 'success', w.headOf(first.number)), w);
    expect(p1.code, p1.stdout).toBe(0);
    expect(p1.outputs.ready).toBe('true');
  });

  it('the same image from two teams is flagged to the organisers on the run, not in the comment', async () => {
    const w = await world();
    const pr = await w.openPull('psi', 'copy', { 'submission.yml': submissionYml('psi', 'copy'), 'predictions.csv': w.baseline });
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
    const r = await action(ran.reportWs!, 'report', { name: 'workflow_run', payload: {} }, w);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(
      `::warning::psi/copy ran the image ${digest}, which omega/orig also submitted: check whether the teams share code.`,
    );
    expect(w.api.comments.at(-1)!.body).not.toContain('omega');
  });

  it('only members may submit for a team: teams.yml, or a team of one named by the login', async () => {
    const w = await world(undefined, { 'teams.yml': 'teams:\n  alpha: [octocat]\n' });
    const files = { 'submission.yml': submissionYml('alpha', 'mine'), 'predictions.csv': w.baseline };
    const byStranger = await w.openPull('alpha', 'mine', files);
    const refused = await action(
      await w.checkout('v1', byStranger.sha),
      'validate',
      pullRequestPayload(byStranger.number, byStranger.sha, byStranger.base, 'mallory'),
      w,
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('mallory is not a member of any team in teams.yml');
    const byMember = await action(
      await w.checkout('v2', byStranger.sha),
      'validate',
      pullRequestPayload(byStranger.number, byStranger.sha, byStranger.base, 'Octocat'),
      w,
    );
    expect(byMember.code, byMember.stdout).toBe(0);
    // prepare takes the author from the API, not from the event or the artifact.
    w.api.pulls[0]!.author = 'mallory';
    const p = await action(await w.checkout('p'), 'prepare', workflowRunPayload(byStranger.sha, 'success', w.headOf(byStranger.number)), w);
    expect(p.code).toBe(1);
    expect(p.outputs.ready).toBe('false');
  });

  it('a push after validation: the old head is no longer a pull request head, so nothing is evaluated', async () => {
    const w = await world();
    const pr = await w.openPull('eps', 'moved', { 'submission.yml': submissionYml('eps', 'moved'), 'predictions.csv': w.baseline });
    w.api.pulls[0]!.headSha = 'f'.repeat(40);
    const prepWs = await w.checkout('prepare');
    const p = await action(prepWs, 'prepare', workflowRunPayload(pr.sha, 'success', w.headOf(pr.number)), w);
    expect(p.code).toBe(0);
    expect(p.outputs.ready).toBe('false');
    expect(p.stdout).toContain('No open pull request has');
  });

  it('the same commit in another fork’s pull request is not taken for the team’s own', async () => {
    const w = await world();
    const mine = await w.openPull('zeta', 'real', { 'submission.yml': submissionYml('zeta', 'real'), 'predictions.csv': w.baseline });
    // Anyone can push a team's public commit to a fork of their own and open a pull request with it.
    const victim = w.api.pulls[0]!;
    w.api.pulls.push({ ...victim, number: 2, headRef: 'copy', headRepo: 'mallory/sound-events', author: 'mallory' });
    const theirs = await action(await w.checkout('p1'), 'prepare', workflowRunPayload(mine.sha, 'success', w.headOf(2)), w);
    expect(theirs.code).toBe(1);
    expect(theirs.outputs.ready).toBe('false');
    expect(theirs.stdout).toContain('without a teams.yml, each participant submits as a team of one named by their GitHub login');
    // Control: the run of the team's own pull request is prepared, for that pull request.
    const own = await action(await w.checkout('p2'), 'prepare', workflowRunPayload(mine.sha, 'success', w.headOf(1)), w);
    expect(own.outputs).toMatchObject({ ready: 'true', 'pull-request': '1', 'head-sha': mine.sha });
  });

  it('two pull requests finishing together: both records land on the results branch', async () => {
    const w = await world();
    const a = await w.openPull('ka', 'sub', { 'submission.yml': submissionYml('ka', 'sub'), 'predictions.csv': w.baseline });
    const b = await w.openPull('kb', 'sub', { 'submission.yml': submissionYml('kb', 'sub'), 'predictions.csv': w.baseline });
    const [ra, rb] = await Promise.all([pipeline(w, a, 'ka'), pipeline(w, b, 'kb')]);
    const pubs = await Promise.all([ra, rb].map((r) => action(r.reportWs!, 'publish', { name: 'workflow_run', payload: {} }, w)));
    expect(pubs.map((x) => x.code)).toEqual([0, 0]);
    const files = git(w.root, '--git-dir', w.origin, 'ls-tree', '-r', '--name-only', 'results').split('\n');
    expect(files).toEqual(
      expect.arrayContaining([`results/main/ka/sub/${a.sha.slice(0, 12)}.json`, `results/main/kb/sub/${b.sha.slice(0, 12)}.json`]),
    );
    expect(w.api.comments).toHaveLength(2);
  });
});

const engine = requireTool('a Docker engine', await engineAvailable());
describe.skipIf(!engine)('the Action with a container submission on the real engine', () => {
  beforeAll(async () => {
    await ensureBaseImage();
  }, 120_000);

  const sampleWorld = async () => {
    const w = await world(
      (y) =>
        y
          .replace(/kinds: \[.*\]/, 'kinds: [predictions, container]')
          .replace('  inputs: inputs ', '  sample_inputs: sample\n  inputs: inputs ')
          .replace('leaderboard:', `runtime:\n  timeout_seconds: 10\n  memory_mb: 64\n  base_images: [${BASE_IMAGE}]\nleaderboard:`),
      { 'data/public/sample/test.csv': 'id,loudness,centroid,zcr,flux\nsample-1,-20,0.5,0.1,0.2\nsample-2,-30,0.4,0.2,0.1\n' },
    );
    return w;
  };
  const PREDICT = `awk -F, 'NR==1{print "id,label"; next} {print $1 "," ($2 > -21 ? "music" : "speech")}' /input/test.csv > /output/predictions.csv`;

  it('validation runs a container on the public sample: a good one passes and says so', async () => {
    const w = await sampleWorld();
    const pr = await w.openPull('iota', 'box', {
      'submission.yml': 'team: iota\nname: box\nkind: container\nbuild: .\n',
      Dockerfile: `FROM ${BASE_IMAGE}\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`,
      'run.sh': `${PREDICT}\n`,
    });
    const v = await action(await w.checkout('v', pr.sha), 'validate', pullRequestPayload(pr.number, pr.sha, pr.base, 'iota'), w);
    expect(v.code, v.stdout).toBe(0);
    expect(v.summary).toContain('Dry run on the public sample inputs: 2 predictions');
  });

  it('validation runs a container on the public sample: a broken one is stopped before any approval', async () => {
    const w = await sampleWorld();
    const pr = await w.openPull('kappa', 'box', {
      'submission.yml': 'team: kappa\nname: box\nkind: container\nbuild: .\n',
      Dockerfile: `FROM ${BASE_IMAGE}\nCMD ["/bin/sh", "-c", "echo '<b>missing model</b>'; exit 2"]\n`,
    });
    const { v, p } = await pipeline(w, pr, 'kappa');
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(
      /::error file=submissions\/kappa\/box\/submission\.yml::dry run on the public sample inputs: the container exited with code 2/,
    );
    // The sample is public, so its output is shown, as a code block where nothing renders.
    expect(v.summary).toMatch(/```text\n[\s\S]*<b>missing model<\/b>[\s\S]*```/);
    if (GFM) {
      const html = renderGfm(v.summary);
      expect(html).toContain('&lt;b&gt;missing model&lt;/b&gt;');
      expect(tagsOf(html)).not.toContain('b');
    }
    expect(p.outputs.ready).toBe('false');
  });

  it('a failing container: a failed record, a comment that says so, a failure status', async () => {
    const w = await world((y) =>
      y
        .replace(/kinds: \[.*\]/, 'kinds: [predictions, container]')
        .replace('leaderboard:', `runtime:\n  timeout_seconds: 10\n  memory_mb: 64\n  base_images: [${BASE_IMAGE}]\nleaderboard:`),
    );
    const pr = await w.openPull('theta', 'crash', {
      'submission.yml': 'team: theta\nname: crash\nkind: container\nbuild: .\n',
      Dockerfile: `FROM ${BASE_IMAGE}\nCMD ["/bin/sh", "-c", "echo '::add-mask::x'; exit 3"]\n`,
    });
    const { v, e, r } = await pipeline(w, pr, 'theta');
    expect(v.code, v.stdout).toBe(0);
    expect(e!.outputs.status).toBe('failed');
    // The container's own output never reaches the job log, where it could issue workflow commands.
    expect(e!.stdout).not.toContain('::add-mask::');
    expect(r!.code).toBe(0);
    expect(w.api.comments[0]!.body).toContain('**Failed**');
    expect(w.api.comments[0]!.body).toContain('exited with code 3');
    expect(w.api.statuses[0]).toMatchObject({ state: 'failure', sha: pr.sha });
    expect(w.api.violations).toEqual([]);
  });
});
