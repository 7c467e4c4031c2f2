import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../leaderboard-site/src/build.js';
import { serveSite } from '../../leaderboard-site/src/serve.js';
import { checkRecord } from '../../runner/src/results/record.js';
import { syntheticRecords } from '../../scripts/synthetic-records.js';
import { runDemo } from '../../scripts/demo.js';
import { processIO } from '../../runner/src/cli/main.js';
import { chromiumAvailable, launchChromium } from '../../scripts/chromium.js';
import { exampleCompetition } from '../helpers/competition.js';

/**
 * The built site in a real browser (Debian's Chromium, headless), served from a sub-path as
 * GitHub Pages serves a project site: sorting, filtering, the views, a submission page, the
 * charts, no console errors and no request leaving the site.
 */
let root: string;
let browser: Browser;
let server: Server;
let base: string;
let origin: string;

// In CI a missing browser is a failure, not a skip: .ci/run installs it.
describe.skipIf(!chromiumAvailable && process.env.CI !== 'true')('the leaderboard site in Chromium', () => {
  beforeAll(async () => {
    // Made here and removed in afterAll: the site must outlive each test.
    root = await mkdtemp(path.join(os.tmpdir(), 'podium-site-'));
    const ex = await exampleCompetition(root);
    const records = syntheticRecords(ex.competition, { teams: 40, perTeam: 3, hostile: true });
    for (const r of records) expect(checkRecord(r).ok).toBe(true);
    const built = path.join(root, 'built');
    await buildSite({ competition: ex.competition, records, outDir: built, generatedAt: new Date('2026-03-01T00:00:00Z') });
    const pages = path.join(root, 'pages');
    await mkdir(pages);
    await cp(built, path.join(pages, 'sound-events'), { recursive: true });
    ({ server, url: origin } = await serveSite(pages));
    base = `${origin}sound-events/`;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** A page that records console errors and every request. */
  async function open(url: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url);
    return { page, errors, requests };
  }

  const column = (page: Page, n: number) => page.locator(`section.phase tbody tr td:nth-child(${n})`).allInnerTexts();

  it('sorts by a column with the mouse, and back the other way', async () => {
    const { page, errors, requests } = await open(base);
    expect(await page.title()).toBe('Leaderboard — Broadcast sound events');
    expect(await page.locator('section.phase tbody tr').count()).toBe(40);
    const macroF1 = page.locator('th[data-key="v1"]');
    await macroF1.locator('button').click();
    await expect.poll(() => macroF1.getAttribute('aria-sort')).toBe('descending');
    const desc = (await column(page, 5)).map((t) => Number(t.split('\n')[0]));
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await macroF1.locator('button').click();
    await expect.poll(() => macroF1.getAttribute('aria-sort')).toBe('ascending');
    const asc = (await column(page, 5)).map((t) => Number(t.split('\n')[0]));
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    expect(errors).toEqual([]);
    // Everything came from the site's own sub-path: no CDN, no fonts, no analytics.
    expect(requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  });

  it('sorts by keyboard, filters by team, and shows all submissions', async () => {
    const { page, errors } = await open(base);
    await page.locator('th[data-key="team"] button').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('th[data-key="team"]').getAttribute('aria-sort')).toBe('ascending');
    const teams = await column(page, 2);
    expect(teams.slice(0, 3)).toEqual([...teams].sort().slice(0, 3));
    await page.locator('.filter').fill('team-0012');
    await expect.poll(() => page.locator('section.phase tbody tr').count()).toBe(1);
    expect(await page.locator('.count').innerText()).toBe('Showing 1 of 1.');
    // The legend follows the view: the script writes the chosen view's own (a stale text is replaced).
    const legend = page.locator('section.phase .legend').first();
    await legend.evaluate((e) => (e.textContent = 'stale'));
    await page.locator('.view').selectOption('all');
    await expect.poll(() => page.locator('section.phase tbody tr').count()).toBeGreaterThan(1);
    expect(await legend.textContent()).toBe((await legend.getAttribute('data-all')) ?? 'missing');
    for (const t of await column(page, 2)) expect(t).toContain('team-0012');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens a submission page with scores, intervals, resources, provenance and history; participant text stays text', async () => {
    const { page, errors } = await open(base);
    await page.locator('.filter').fill('mallory');
    await expect.poll(() => page.locator('section.phase tbody tr').count()).toBe(1);
    await page.locator('section.phase tbody a').first().click();
    await page.waitForLoadState();
    expect(page.url()).toMatch(/\/sound-events\/s\/main\/mallory\.html#run-\d\.[0-9a-f]{12}$/);
    expect(await page.locator('h1').innerText()).toBe('Team mallory');
    // The link lands on that submission's own section of the team's page.
    const section = page.locator('article.submission:target');
    expect(await section.locator('h2').innerText()).toMatch(/^mallory\/run-\d /);
    const body = await section.innerText();
    expect(body).toContain('<script>alert("owned")</script>');
    expect(body).toMatch(/95% interval/);
    expect(body).toContain('Provenance');
    expect(body).toContain('History');
    expect(await page.locator('main script, main img').count()).toBe(0);
    // The links back work from the nested page.
    await page.locator('nav a', { hasText: 'Competition' }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').innerText()).toBe('Competition');
    expect(await page.locator('main').innerText()).toContain('How to submit');
    // Phase dates in UTC, and in the reader's own time zone beside them.
    expect(await page.locator('main time[data-local]').first().innerText()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(await page.locator('main .local').first().innerText()).toMatch(/your time\)$/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('renders the charts without script: the best score over time and the Pareto fronts', async () => {
    const page = await browser.newPage({ javaScriptEnabled: false });
    await page.goto(base);
    const figures = page.locator('figure.chart');
    expect(await figures.count()).toBe(3);
    expect(await page.locator('figure.chart figcaption').allInnerTexts()).toEqual([
      'Best accuracy over time',
      'accuracy against time per item',
      'accuracy against energy',
    ]);
    // Each team's best as a dot, and every submission that set a new best.
    expect(await page.locator('figure.chart').first().locator('circle').count()).toBeGreaterThanOrEqual(40);
    expect(await page.locator('figure.chart .front').count()).toBeGreaterThan(0);
    const box = await page.locator('figure.chart svg').first().boundingBox();
    expect(box!.width).toBeGreaterThan(200);
    // Without script the first rows are still there, and the controls that need it are hidden.
    expect(await page.locator('section.phase tbody tr').count()).toBe(40);
    expect(await page.locator('.controls').isVisible()).toBe(false);
    await page.close();
  });

  it('fits a phone: no horizontal scroll of the page itself', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(base);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });
});

describe.skipIf(!chromiumAvailable && process.env.CI !== 'true')("the demo's own site in Chromium", () => {
  it('works from a sub-path: sorts, opens a submission, draws its charts, no errors, nothing from elsewhere', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'podium-demo-site-'));
    const quiet = { ...processIO(), stdout: () => {}, stderr: () => {} };
    const demo = await runDemo({ workDir: path.join(dir, 'demo'), serve: false, io: quiet });
    const pages = path.join(dir, 'pages');
    await cp(path.dirname(demo.site), path.join(pages, 'broadcast'), { recursive: true });
    const served = await serveSite(pages);
    const b = await launchChromium();
    try {
      const page = await b.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      const home = `${served.url}broadcast/`;
      await page.goto(home);
      expect(await page.locator('section.phase tbody tr').count()).toBeGreaterThanOrEqual(5);
      expect(await page.locator('figure.chart svg').count()).toBeGreaterThanOrEqual(1);
      await page.locator('th[data-key="name"] button').click();
      await expect.poll(() => page.locator('th[data-key="name"]').getAttribute('aria-sort')).toBe('ascending');
      const names = await page.locator('section.phase tbody tr td:nth-child(3)').allInnerTexts();
      expect(names).toEqual([...names].sort((x, y) => x.localeCompare(y)));
      await page.locator('section.phase tbody a', { hasText: 'gaussian-bayes' }).click();
      await page.waitForLoadState();
      expect(await page.locator('h1').innerText()).toBe('Team aurora');
      expect(await page.locator('article.submission:target h2').innerText()).toMatch(/^aurora\/gaussian-bayes /);
      expect(await page.locator('article.submission:target').innerText()).toContain('Gaussian naive Bayes on the four features.');
      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith(home))).toEqual([]);
    } finally {
      await b.close();
      served.server.close();
      await demo.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
