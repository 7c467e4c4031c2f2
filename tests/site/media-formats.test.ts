import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCompetition } from '../../runner/src/competition/load.js';
import { initCompetition } from '../../runner/src/init/init.js';
import { buildSite, recordPage } from '../../leaderboard-site/src/build.js';
import { renderComment } from '../../action/src/comment.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { renderGfm } from '../helpers/gfm.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/** The competition page of a bundled example, as the site writes it. */
async function competitionPage(example: 'detection' | 'captions'): Promise<string> {
  const root = await temp();
  const dir = path.join(root, 'comp');
  await initCompetition({ dir, example, hiddenDir: path.join(root, 'hidden'), git: false });
  const out = path.join(root, 'site');
  await buildSite({ competition: await loadCompetition(dir), records: [], outDir: out, generatedAt: new Date('2026-06-01T00:00:00Z') });
  return readFile(path.join(out, 'competition.html'), 'utf8');
}

describe('the competition page describes the media predictions the runner reads', () => {
  it('for object detection: a COCO results list, the box convention, the limit per image and the test images file', async () => {
    const html = await competitionPage('detection');
    expect(html).toContain('A predictions file is COCO results (JSON): one JSON list with one object per detection');
    expect(html).toContain('[x, y, width, height] in pixels');
    expect(html).toContain('at most 100 detections per image');
    expect(html).toContain('&quot;image_id&quot;: 1, &quot;category_id&quot;: 1');
    expect(html).toContain('<code>test-images.json</code> lists every test image to detect objects in, and the categories');
    // Control: nothing of the table formats.
    expect(html).not.toContain('id,label');
  });

  it('for captions: the id and text columns, quoting, and JSON Lines', async () => {
    const html = await competitionPage('captions');
    expect(html).toContain('A predictions file is texts (CSV): one row per test id, with &quot;id&quot; and the text in &quot;text&quot;');
    expect(html).toContain('<pre><code>id,text\nitem-0001,a man is running in the park\n');
    expect(html).not.toContain('COCO');
  });
});

describe('per-category values of object detection', () => {
  it('are shown in the pull-request comment, folded, weakest first, and on the submission page', async () => {
    const root = await temp();
    const dir = path.join(root, 'comp');
    await initCompetition({ dir, example: 'detection', hiddenDir: path.join(root, 'hidden'), git: false });
    const competition = await loadCompetition(dir);
    const record = await evaluateSubmission({
      competition,
      hiddenDir: path.join(root, 'hidden'),
      submissionDir: path.join(dir, 'submissions', 'baseline', 'noisy-detector'),
    });
    if (record.status !== 'scored') throw new Error(record.error.message);
    const perCategory = record.scores.public.coco_ap!.per_category!;
    const weakest = Object.entries(perCategory).sort((a, b) => a[1] - b[1])[0]!;
    const comment = renderGfm(renderComment(competition, record));
    expect(comment).toMatch(/<details>\s*<summary>coco_ap per category: 3 categories, 0 at 0, weakest first<\/summary>/);
    const rows = comment.slice(comment.indexOf('<details>')).match(/<tr>\s*<td>\d<\/td>/g) ?? [];
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain(`<td>${weakest[0]}</td>`);
    // Control: nothing is said per query.
    expect(comment).not.toContain('per query');

    const out = path.join(root, 'site');
    await buildSite({ competition, records: [record], outDir: out, generatedAt: new Date('2026-06-01T00:00:00Z') });
    const page = await readFile(path.join(out, recordPage(record).split('#')[0]!), 'utf8');
    expect(page).toContain('<h3>Per category</h3>');
    expect(page).toContain('AP on each of the 3 categories of the public part');
    expect((page.match(/<tr><td><code>\d<\/code><\/td><td class="num">/g) ?? []).length).toBe(3);
  });
});
