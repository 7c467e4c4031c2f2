import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../leaderboard-site/src/build.js';
import { serveSite } from '../../leaderboard-site/src/serve.js';
import { chromiumAvailable, launchChromium } from '../../scripts/chromium.js';
import { exampleCompetition } from '../helpers/competition.js';

/**
 * The competition page's phase table: what each phase takes and allows, and a table that fits
 * the page in Chromium at a desktop width and narrower (wrapping, or scrolling in its own box).
 */

const PHASES = `phases:
  - id: development
    name: Development
    start: 2026-01-01T00:00:00Z
    end: 2026-02-28T23:59:59Z
    description: Try your pipeline end to end on the development split; scores appear on the public board within minutes of the pull request.
    limits: { per_day: 10 }
  - id: final
    name: Final evaluation on the held-out broadcast recordings
    start: 2026-03-01T00:00:00Z
    end: 2026-03-15T23:59:59Z
    description: One last chance per team, judged on the complete held-out set of broadcast recordings, with the private part revealed after the deadline.
    limits: { per_day: 1, total: 3 }
`;

let root: string;
let browser: Browser;
let server: Server;
let url: string;

async function widthAt(page: Page, width: number): Promise<{ scrollWidth: number; clientWidth: number }> {
  await page.setViewportSize({ width, height: 900 });
  // Strings run in the page: the tests' TypeScript has no DOM types.
  return page.evaluate<{ scrollWidth: number; clientWidth: number }>(
    '({ scrollWidth: document.scrollingElement.scrollWidth, clientWidth: document.scrollingElement.clientWidth })',
  );
}

describe.skipIf(!chromiumAvailable && process.env.CI !== 'true')('the competition page in Chromium', () => {
  beforeAll(async () => {
    // Made here and removed in afterAll: the site must outlive each test.
    root = await mkdtemp(path.join(os.tmpdir(), 'podium-competition-page-'));
    const ex = await exampleCompetition(root, {
      edit: (y) =>
        y
          .replace(/phases:\n(?: {2}.*\n)+/, PHASES)
          .replace(/kinds: \[.*\]/, 'kinds: [predictions, container, api]')
          .replace('limits:\n  per_day: 5', 'limits:\n  per_day: 5\n  total: 40')
          .replace(
            '\nleaderboard:',
            '\napi:\n  inputs: test.csv\nruntime:\n  base_images: [python:3.12-slim]\nprivate:\n  fraction: 0.5\n\nleaderboard:',
          ),
    });
    const out = path.join(root, 'site');
    await buildSite({ competition: ex.competition, records: [], outDir: out, generatedAt: new Date('2026-03-01T00:00:00Z') });
    ({ server, url } = await serveSite(out));
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('shows each phase with its dates, kinds, limits and private part', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}competition.html`);
    const tr = page.locator('table.phases tbody tr');
    const rows: string[][] = [];
    for (let i = 0; i < (await tr.count()); i++)
      rows.push((await tr.nth(i).locator('th, td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()));
    expect(rows).toHaveLength(2);
    expect(rows[0]!.slice(1)).toEqual([
      expect.stringContaining('2026-01-01 00:00 UTC') as unknown as string,
      expect.stringContaining('2026-02-28 23:59 UTC') as unknown as string,
      'predictions, container, api',
      // The phase's own per-day limit, the competition's total.
      '10 a day (UTC), 40 in the phase',
      '50% of the test set, scored and sealed until the phase closes',
    ]);
    expect(rows[0]![0]).toContain('Try your pipeline end to end');
    expect(rows[1]![4]).toBe('1 a day (UTC), 3 in the phase');
    await page.close();
  });

  it.each([1300, 1024, 800, 375])('has no horizontal overflow at %i px', async (width) => {
    const page = await browser.newPage();
    await page.goto(`${url}competition.html`);
    const { scrollWidth, clientWidth } = await widthAt(page, width);
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    // Where the table cannot shrink further it scrolls inside its own box, not the page.
    const box = page.locator('div.scroll:has(> table.phases)');
    expect(await page.evaluate('getComputedStyle(document.querySelector("table.phases").parentElement).overflowX')).toBe('auto');
    const rect = (await box.boundingBox())!;
    expect(rect.x + rect.width).toBeLessThanOrEqual(width);
    await page.close();
  });

  it('control: with the old rules (no wrapping, no scroll box) the same page overflows at 1300 px', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}competition.html`);
    await page.addStyleTag({
      content: 'table.phases th, table.phases td { white-space: nowrap !important; } .scroll { overflow: visible !important; }',
    });
    const { scrollWidth, clientWidth } = await widthAt(page, 1300);
    expect(scrollWidth).toBeGreaterThan(clientWidth);
    await page.close();
  });
});
