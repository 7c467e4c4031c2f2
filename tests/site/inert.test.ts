import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { buildSite, recordPage } from '../../leaderboard-site/src/build.js';
import { html, raw } from '../../leaderboard-site/src/html.js';
import { serveSite } from '../../leaderboard-site/src/serve.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { chromiumAvailable, launchChromium } from '../../scripts/chromium.js';
import { exampleCompetition } from '../helpers/competition.js';
import { scoredRecord } from '../helpers/records.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/**
 * Text a participant controls, made to break out of text and of either kind of attribute quote:
 * as markup it adds an image whose onerror runs script and two elements marked data-owned. No
 * slash, so it can be a team or submission name (a file name on the site).
 */
const HOSTILE = `"'><img src=x onerror=alert(1) data-owned><b data-owned>&amp;`;
const SHOWN = '&quot;&#39;&gt;&lt;img src=x onerror=alert(1) data-owned&gt;&lt;b data-owned&gt;&amp;amp;';

/** Whether the hostile text got into a page as markup, or out of an attribute's quotes, rather than as text. */
const injected = (page: string) => ['<img', '<b data-owned', `"'`].some((s) => page.includes(s));

/** Every field of a record a participant writes, and those their files or their program can fill, set to HOSTILE. */
function hostileRecords(): ResultRecord[] {
  const scored = scoredRecord(1, { team: HOSTILE, name: HOSTILE, value: 0.9 });
  if (scored.status !== 'scored') throw new Error('unreachable');
  scored.submission = {
    ...scored.submission,
    description: HOSTILE,
    authors: [HOSTILE, 'B. Author'],
    paper: HOSTILE,
    code: `javascript:alert(1)//${HOSTILE}`,
  };
  scored.scores.public['accuracy'] = {
    value: 0.9,
    ci: { low: 0.85, high: 0.95, level: 0.95, method: 'percentile-bootstrap' },
    per_query: { [HOSTILE]: 0.5 },
  };
  scored.resources = { per_sample_ms: 3.5, energy_j: 120, energy_method: HOSTILE };
  const rejected: ResultRecord = {
    ...scoredRecord(2, { team: HOSTILE, name: 'again' }),
    status: 'rejected',
    error: { code: 'invalid-predictions', message: HOSTILE, problems: [{ file: HOSTILE, line: 2, column: 1, path: '', message: HOSTILE }] },
  } as ResultRecord;
  return [scored, rejected, scoredRecord(3, { value: 0.7 })];
}

async function hostileSite() {
  const root = await temp();
  const ex = await exampleCompetition(root);
  const out = path.join(root, 'site');
  const records = hostileRecords();
  await buildSite({ competition: ex.competition, records, outDir: out, generatedAt: new Date('2026-03-01T00:00:00Z') });
  const pages = (await readdir(out, { recursive: true })).filter((f) => f.endsWith('.html'));
  const read = (f: string) => readFile(path.join(out, f), 'utf8');
  return { out, records, pages, read };
}

describe("a participant's hostile text on the site", () => {
  it('is text on every page: escaped where it is shown, never markup', async () => {
    const { records, pages, read } = await hostileSite();
    const teamPage = recordPage(records[0]!).split('#')[0]!;
    expect(pages.sort()).toEqual(['competition.html', 'index.html', 's/main/team-3.html', teamPage].sort());
    for (const p of pages) {
      const text = await read(p);
      expect(injected(text), p).toBe(false);
      expect(text, p).not.toContain(HOSTILE);
    }
    // Shown, as text, where it belongs: the team and submission in the table and the charts,
    // and on the team's page every field, the failed submission's message and problems included.
    const index = await read('index.html');
    expect(index).toContain(`<td>${SHOWN}</td><td><a href="s/main/${SHOWN}.html#${SHOWN}.`);
    expect(index).toContain(`<title>${SHOWN}/${SHOWN}: 0.9000</title>`);
    const team = await read(teamPage);
    expect(team).toContain(`<dt>Description</dt><dd>${SHOWN}</dd>`);
    expect(team).toContain(`<dt>Authors</dt><dd>${SHOWN}, B. Author</dd>`);
    expect(team).toContain(`<dt>Paper</dt><dd>${SHOWN}</dd>`);
    expect(team).toContain('<dt>Code</dt><dd>javascript:alert(1)//');
    expect(team).not.toContain('href="javascript:');
    expect(team).toContain(`<p class="status bad">Rejected: ${SHOWN}</p>`);
    expect(team).toContain(`<li><code>${SHOWN}:2:1</code> ${SHOWN}</li>`);
    expect(team).toContain(`<tr><td><code>${SHOWN}</code></td>`);
    expect(team).toContain(`<span class="meta">(${SHOWN})</span>`);
    expect(team).toContain(`<article class="submission" id="${SHOWN}.`);
  });

  it('would be markup if it were passed through raw(): the check above can fail (control)', () => {
    const page = String(html`<td>${raw(HOSTILE)}</td>`);
    expect(injected(page)).toBe(true);
    expect(page).toContain(HOSTILE);
    expect(injected(String(html`<td>${HOSTILE}</td>`))).toBe(false);
  });

  describe.skipIf(!chromiumAvailable && process.env.CI !== 'true')('in Chromium', () => {
    /** Elements the hostile text would add, and the alerts its script would open. */
    async function owned(page: Page, dialogs: string[]) {
      return { elements: await page.locator('[data-owned], img, [onerror]').count(), dialogs: [...dialogs] };
    }

    it('adds no element and runs no script, in the rows the page has and in those its script draws', async () => {
      const { out, records } = await hostileSite();
      const { server, url } = await serveSite(out);
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const dialogs: string[] = [];
        page.on('dialog', (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        await page.goto(url);
        expect(await owned(page, dialogs)).toEqual({ elements: 0, dialogs: [] });
        // A sort redraws the table from data/main.json with the browser script's own markup.
        await page.locator('th[data-key="team"] button').click();
        await expect.poll(() => page.locator('th[data-key="team"]').getAttribute('aria-sort')).toBe('ascending');
        expect(await page.locator('section.phase tbody td:nth-child(2)').allInnerTexts()).toContain(HOSTILE);
        expect(await owned(page, dialogs)).toEqual({ elements: 0, dialogs: [] });
        // The team's page, reached by the link in the redrawn row.
        await page.locator('section.phase tbody a', { hasText: HOSTILE }).click();
        await page.waitForLoadState();
        expect(page.url()).toBe(new URL(recordPage(records[0]!), url).href);
        expect(await page.locator('h1').innerText()).toBe(`Team ${HOSTILE}`);
        expect(await page.locator('main').innerText()).toContain(`Rejected: ${HOSTILE}`);
        expect(await owned(page, dialogs)).toEqual({ elements: 0, dialogs: [] });

        // Control: the same text through raw() adds the elements and runs the script.
        await page.setContent(String(html`<!doctype html><p>${raw(HOSTILE)}</p>`));
        await expect.poll(() => dialogs.length).toBe(1);
        expect((await owned(page, dialogs)).elements).toBeGreaterThan(0);
      } finally {
        await browser.close();
        await new Promise((r) => server.close(r));
      }
    });
  });
});
