import { describe, expect, it } from 'vitest';
import { action, git, pipeline, submissionFiles, world, WORKFLOW_RUN } from '../helpers/action-world.js';

/**
 * publish, the bundled Action after an evaluation, against a bare remote
 * (tests/helpers/action-world.ts): records committed to the results branch by concurrent writers.
 */
describe('publish', () => {
  it('two pull requests finishing together: both records land on the results branch', async () => {
    const w = await world();
    const a = await w.openPull('ka', 'sub', submissionFiles(w, 'ka', 'sub'));
    const b = await w.openPull('kb', 'sub', submissionFiles(w, 'kb', 'sub'));
    const [ra, rb] = await Promise.all([pipeline(w, a, 'ka'), pipeline(w, b, 'kb')]);
    const pubs = await Promise.all([ra, rb].map((r) => action(r.reportWs!, 'publish', WORKFLOW_RUN, w)));
    expect(pubs.map((x) => x.code)).toEqual([0, 0]);
    const files = git(w.root, '--git-dir', w.origin, 'ls-tree', '-r', '--name-only', 'results').split('\n');
    expect(files).toEqual(
      expect.arrayContaining([`results/main/ka/sub/${a.sha.slice(0, 12)}.json`, `results/main/kb/sub/${b.sha.slice(0, 12)}.json`]),
    );
    expect(w.api.comments).toHaveLength(2);
  });
});
