/**
 * `npm run screenshots`: plays the demo, then photographs its leaderboard site in headless
 * Chromium for the README and the docs (docs/screenshots/). Needs Debian's chromium.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { processIO } from '../runner/src/cli/main.js';
import { chromiumAvailable, launchChromium } from './chromium.js';
import { runDemo } from './demo.js';

const out = path.resolve('docs', 'screenshots');
if (!chromiumAvailable) {
  process.stderr.write('No Chromium at /usr/bin/chromium: apt-get install chromium, then run this again.\n');
  process.exit(1);
}
const work = path.resolve('.demo', 'screenshots');
await rm(work, { recursive: true, force: true });
// The demo's story is not needed here, only its site.
const demo = await runDemo({ workDir: work, serve: true, io: { ...processIO(), stdout: () => {}, stderr: () => {} } });
const browser = await launchChromium();
try {
  await mkdir(out, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(demo.url!);
  await page.screenshot({ path: path.join(out, 'leaderboard.png'), fullPage: true });
  const href = await page.locator('section.phase tbody a').first().getAttribute('href');
  await page.goto(new URL(href!, demo.url!).href);
  await page.screenshot({ path: path.join(out, 'submission.png'), fullPage: true });
  await page.goto(new URL('competition.html', demo.url!).href);
  await page.screenshot({ path: path.join(out, 'competition.png'), fullPage: true });
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  await phone.goto(demo.url!);
  await phone.screenshot({ path: path.join(out, 'leaderboard-phone.png') });
  process.stdout.write(`Screenshots written to ${path.relative(process.cwd(), out)}/\n`);
} finally {
  await browser.close();
  await demo.close();
}
