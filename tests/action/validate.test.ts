import { beforeAll, describe, expect, it } from 'vitest';
import {
  action,
  pipeline,
  pullRequestPayload,
  submissionFiles,
  takingContainers,
  workflowRunPayload,
  world,
  WORKFLOW_RUN,
} from '../helpers/action-world.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';
import { GFM, renderGfm, tagsOf } from '../helpers/gfm.js';
import { requireTool } from '../helpers/tools.js';

/**
 * validate, the bundled Action on a pull_request event with a read-only token, against the API
 * emulator and a bare remote (tests/helpers/action-world.ts): what it refuses, and where it says so.
 */
describe('validate', () => {
  it('an invalid submission: annotations on the file and line, and no evaluation', async () => {
    const w = await world();
    const bad = w.baseline.replace('id,label', 'id,lable');
    const pr = await w.openPull('beta', 'broken', submissionFiles(w, 'beta', 'broken', bad));
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
    const pr = await w.openPull('gamma', 'sneaky', submissionFiles(w, 'gamma', 'sneaky'), { '.github/workflows/x.yml': 'on: push\n' });
    const { v, p } = await pipeline(w, pr, 'gamma');
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('.github/workflows/x.yml');
    expect(p.outputs.ready).toBe('false');
  });

  it('a team over its daily limit is refused, counted from the results history', async () => {
    const w = await world({ edit: (y) => y.replace('per_day: 5', 'per_day: 1') });
    const first = await w.openPull('delta', 'one', submissionFiles(w, 'delta', 'one'));
    const ran = await pipeline(w, first, 'delta');
    expect((await action(ran.reportWs!, 'publish', WORKFLOW_RUN, w)).code).toBe(0);
    const second = await w.openPull('delta', 'two', submissionFiles(w, 'delta', 'two'));
    const { v, p } = await pipeline(w, second, 'delta');
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/::error file=submissions\/delta\/two\/submission\.yml::team delta has used its 1 submission\(s\) for today/);
    expect(p.outputs.ready).toBe('false');
  });

  it('only members may submit for a team: teams.yml, or a team of one named by the login', async () => {
    const w = await world({ files: { 'teams.yml': 'teams:\n  alpha: [octocat]\n' } });
    const byStranger = await w.openPull('alpha', 'mine', submissionFiles(w, 'alpha', 'mine'));
    const validateAs = async (ws: string, login: string) =>
      action(
        await w.checkout(ws, byStranger.sha),
        'validate',
        pullRequestPayload(byStranger.number, byStranger.sha, byStranger.base, login),
        w,
      );
    const refused = await validateAs('v1', 'mallory');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('mallory is not a member of any team in teams.yml');
    const byMember = await validateAs('v2', 'Octocat');
    expect(byMember.code, byMember.stdout).toBe(0);
    // prepare takes the author from the API, not from the event or the artifact.
    w.api.pulls[0]!.author = 'mallory';
    const p = await action(await w.checkout('p'), 'prepare', workflowRunPayload(byStranger.sha, 'success', w.headOf(byStranger.number)), w);
    expect(p.code).toBe(1);
    expect(p.outputs.ready).toBe('false');
  });
});

const engine = requireTool('a Docker engine', await engineAvailable());
describe.skipIf(!engine)('validate with a container submission on the real engine', () => {
  beforeAll(async () => {
    await ensureBaseImage();
  }, 120_000);

  const sampleWorld = () =>
    world({
      edit: (y) => takingContainers(BASE_IMAGE)(y).replace('  inputs: inputs ', '  sample_inputs: sample\n  inputs: inputs '),
      files: { 'data/public/sample/test.csv': 'id,loudness,centroid,zcr,flux\nsample-1,-20,0.5,0.1,0.2\nsample-2,-30,0.4,0.2,0.1\n' },
    });
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
});
