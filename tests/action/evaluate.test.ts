import { beforeAll, describe, expect, it } from 'vitest';
import { pipeline, takingContainers, world } from '../helpers/action-world.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';
import { requireTool } from '../helpers/tools.js';

/**
 * evaluate, the bundled Action on the self-hosted runner, against the API emulator, a bare
 * remote and the real engine (tests/helpers/action-world.ts). What it checks of its runner and
 * hidden data, and of the approved commit, is in trust.test.ts.
 */
const engine = requireTool('a Docker engine', await engineAvailable());
describe.skipIf(!engine)('evaluate with a container submission on the real engine', () => {
  beforeAll(async () => {
    await ensureBaseImage();
  }, 120_000);

  it('a failing container: a failed record, a comment that says so, a failure status', async () => {
    const w = await world({ edit: takingContainers(BASE_IMAGE) });
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
