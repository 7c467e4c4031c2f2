import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../scripts/demo.js';
import { captureIO } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';
import { engineAvailable } from '../../scripts/busybox-image.js';

const temp = useTempDirs();

describe('npm run demo', () => {
  it('plays a whole round and serves the leaderboard', async () => {
    const containers = await engineAvailable();
    const root = await temp();
    const io = captureIO(root);
    const demo = await runDemo({ workDir: path.join(root, 'demo'), serve: true, io });
    try {
      const out = io.out();
      expect(demo.exitCodes).toEqual({
        'submissions/baseline/nearest-centroid': 0,
        'submissions/aurora/gaussian-bayes': 0,
        'submissions/echo/bayes-half-data': 0,
        'submissions/bluebird/loudness-rule': 0,
        'submissions/cobalt/first-try': 1,
        'submissions/delta/quick-run': 1,
        'submissions/foxtrot/bayes-service': 0,
        ...(containers ? { 'submissions/golf/rules-in-a-box': 0 } : {}),
      });
      // The broken ones are explained, with file, line and column.
      expect(out).toContain(
        'submissions/cobalt/first-try/submission.yml:4:1: unknown key "predictons" at the top level. Did you mean "predictions"?',
      );
      expect(out).toContain('submissions/delta/quick-run/predictions.csv: 40 test ids of 600 have no prediction');
      // Seven records on the results branch, ranked strongest first in the terminal. The API
      // submission serves the leader's model, so it scores the same. Scores shown are on the
      // public half of the test ids only: on 300 ids even the baseline cannot be told apart
      // from the leader, which the ≈ marks say.
      expect(out.match(/✓ recorded main\//g)).toHaveLength(containers ? 8 : 7);
      if (containers) expect(out).toMatch(/✓ golf\/rules-in-a-box: scored — accuracy 0\.\d{4}/);
      else expect(out).toContain('No container submission this time');
      const table = out.slice(out.lastIndexOf('| rank'));
      expect(table).toMatch(/\| +1 ≈ \| foxtrot +\| bayes-service +\| +0\.9081 \|/);
      // echo is close to the edge of the tie test (its answers move with the leader's, so their
      // paired differences vary little): tied or not depends on the resamples drawn.
      expect(table).toMatch(/\| +3(?: ≈)? \| echo +\| bayes-half-data/);
      expect(table).toMatch(/\| +4 ≈ \| baseline/);
      // The phase ends and the sealed private half is revealed, checked and published.
      expect(out).toContain(`✓ ${containers ? 6 : 5} sealed record(s) of phase main: every private score matches its commitment.`);
      expect(out).toContain('Published reveals/main.json on the results branch.');
      expect(out).toMatch(/private leaderboard[\s\S]*\| +1 \| aurora +\| gaussian-bayes +\| +0\.9180 \|/);
      expect(table).toContain('≈ statistically tied with the leader');
      const order = ['aurora', 'echo', 'baseline', 'bluebird'].map((t) => table.indexOf(`| ${t}`));
      expect(order.every((i) => i > 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);

      const api = JSON.parse(await readFile(path.join(root, 'demo/records/foxtrot-bayes-service.json'), 'utf8')) as {
        resources: { requests: number; latency_ms: { p95: number } };
      };
      expect(api.resources.requests).toBe(10); // 600 items in batches of 64
      expect(api.resources.latency_ms.p95).toBeGreaterThan(0);

      const res = await fetch(demo.url!);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toBe(await readFile(demo.site, 'utf8'));
      expect(html).toContain('gaussian-bayes');
      expect(html).toMatch(/<td class="num primary">0\.9081<span class="ci">0\.\d{4}–0\.\d{4}<\/span><\/td>/);
      expect(html).toContain('<h2 id="private-main">Private leaderboard</h2>');
      expect(html).toContain('title="statistically tied with the leader (paired bootstrap)"');
      // The API submission was timed by the runner; file submissions have no such cost.
      expect(html).toMatch(/<th scope="col" class="num" data-key="c0"[^>]*><button type="button">Time per item<\/button><\/th>/);
      expect(html).toMatch(/<td class="num">\d+\.\d{2} ms<\/td>/);
      expect(html).toContain('<td class="num" title="not measured">—</td>');
      expect(html).toContain('2 rejected or failed');
      // A light page: the demo's index well under 100 KB compressed, and every page it links to is there.
      expect(gzipSync(html, { level: 9 }).length).toBeLessThan(100 * 1024);
      for (const href of html.matchAll(/href="([^"#:]+)"/g)) {
        const linked = await fetch(new URL(href[1]!, demo.url!));
        expect(linked.status, href[1]).toBe(200);
      }
    } finally {
      await demo.close();
    }
  });
});
