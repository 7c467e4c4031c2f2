import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCompetition } from '../../runner/src/competition/load.js';
import { initCompetition } from '../../runner/src/init/init.js';
import { buildSite } from '../../leaderboard-site/src/build.js';
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
