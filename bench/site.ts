/**
 * `npm run bench:site`: the leaderboard site at 10,000 records across 500 teams.
 *
 * 1. Build time of `buildSite` (every page, the phase JSON, the exports), median of --runs
 *    (default 5). Target: at most 3 s.
 * 2. The index page's size, gzip-compressed as GitHub Pages serves it. Target: at most 250 KB.
 * 3. In headless Chromium, from navigation to the table's first rows visible (target: at most
 *    1 s), and a sort over all 10,000 rows, from the click to the re-drawn table (target: at
 *    most 200 ms). Medians of --runs page loads.
 *
 * The records are synthetic (scripts/synthetic-records.ts): the figures are about the site,
 * not about any result.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { buildSite } from '../leaderboard-site/src/build.js';
import { serveSite } from '../leaderboard-site/src/serve.js';
import { initCompetition } from '../runner/src/init/init.js';
import { loadCompetition } from '../runner/src/competition/load.js';
import { syntheticRecords } from '../scripts/synthetic-records.js';

const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const RUNS = runsArg ? Number(runsArg.slice(7)) : 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const line = (what: string, value: string, target: string, ok: boolean) =>
  process.stdout.write(`${what.padEnd(34)} ${value.padStart(10)}   target ${target.padEnd(10)} ${ok ? 'met' : 'MISSED'}\n`);

const root = await mkdtemp(path.join(os.tmpdir(), 'podium-bench-site-'));
try {
  await initCompetition({ dir: path.join(root, 'competition'), example: true, hiddenDir: path.join(root, 'hidden'), git: false });
  const competition = await loadCompetition(path.join(root, 'competition'));
  const records = syntheticRecords(competition, { teams: 500, perTeam: 20, days: 90 });
  process.stdout.write(`${records.length} records, 500 teams; ${RUNS} runs each\n\n`);

  const builds: number[] = [];
  const out = path.join(root, 'site');
  let files = 0;
  for (let i = 0; i < RUNS; i++) {
    await rm(out, { recursive: true, force: true });
    const t = performance.now();
    files = (await buildSite({ competition, records, outDir: out })).files.length;
    builds.push((performance.now() - t) / 1000);
  }
  const build = median(builds);
  const index = await readFile(path.join(out, 'index.html'));
  const gz = gzipSync(index, { level: 9 }).length / 1024;
  const data = gzipSync(await readFile(path.join(out, 'data', `${competition.config.phases[0]!.id}.json`)), { level: 9 }).length / 1024;
  line('build (all pages)', `${build.toFixed(2)} s`, '≤ 3 s', build <= 3);
  line('index.html, gzip', `${gz.toFixed(1)} KB`, '≤ 250 KB', gz <= 250);
  process.stdout.write(
    `  (${files} files; index ${(index.length / 1024).toFixed(0)} KB raw; the phase's full table, fetched after load, ${data.toFixed(0)} KB gzip)\n`,
  );

  const { chromiumAvailable, launchChromium } = await import('../scripts/chromium.js');
  if (!chromiumAvailable) {
    process.stdout.write('\nNo Chromium at /usr/bin/chromium (apt-get install chromium): the browser figures are not measured.\n');
  } else {
    const { server, url } = await serveSite(out);
    const browser = await launchChromium();
    const firstRows: number[] = [];
    const sorts: number[] = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const t = performance.now();
        await page.goto(`${url}index.html`, { waitUntil: 'commit' });
        await page.locator('section.phase tbody tr').first().waitFor({ state: 'visible' });
        firstRows.push(performance.now() - t);
        await page.waitForLoadState('load');
        // The full table is fetched after load; wait for it so the sort measures the sort.
        await page.waitForFunction("performance.getEntriesByType('resource').some((e) => e.name.includes('/data/'))");
        await page.waitForTimeout(100);
        const ms = await page.evaluate<number>(`new Promise((resolve) => {
          const th = document.querySelector('th[data-key="v1"]');
          const tbody = th.closest('table').tBodies[0];
          const t0 = performance.now();
          new MutationObserver((_, obs) => { obs.disconnect(); requestAnimationFrame(() => resolve(performance.now() - t0)); }).observe(tbody, { childList: true });
          th.querySelector('button').click();
        })`);
        const sorted = await page.locator('th[data-key="v1"]').getAttribute('aria-sort');
        if (sorted !== 'descending') throw new Error(`the sort did not happen (aria-sort ${sorted})`);
        sorts.push(ms);
        await page.close();
      }
    } finally {
      await browser.close();
      server.close();
    }
    line('first rows visible', `${median(firstRows).toFixed(0)} ms`, '≤ 1000 ms', median(firstRows) <= 1000);
    line('sort 10,000 rows (click to paint)', `${median(sorts).toFixed(0)} ms`, '≤ 200 ms', median(sorts) <= 200);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
