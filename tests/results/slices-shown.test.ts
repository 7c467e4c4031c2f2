import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderComment } from '../../action/src/comment.js';
import { buildSite, recordPage } from '../../leaderboard-site/src/build.js';
import { evaluateSubmission } from '../../runner/src/evaluate/evaluate.js';
import { exampleCompetition, runCli, submissionYml } from '../helpers/competition.js';
import { GFM, mentionsAndReferences, renderGfm, tagsOf } from '../helpers/gfm.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/** A group name from the organiser's truth that would be an image, a link and a mention if shown as it is. */
const HOSTILE = '<img src=x onerror=alert(1)> [prize](https://evil.example/) @octocat';

/**
 * The example competition sliced by source, and a submission right on every "tv" item, wrong
 * on one "radio" item in four and on every other item of the hostile group: the hostile group
 * is the weakest, then radio, then tv.
 */
async function slicedRecord() {
  const ex = await exampleCompetition(await temp(), {
    edit: (y) =>
      y
        .replace('  truth: truth.csv', '  truth: truth.csv\n  slices: [source]')
        .replace('leaderboard:', 'scoring:\n  bootstrap:\n    resamples: 0\nleaderboard:'),
  });
  const lines = (await readFile(path.join(ex.hidden, 'truth.csv'), 'utf8')).trim().split('\n');
  const [head, ...rows] = lines;
  const labels = [...new Set(rows.map((l) => l.split(',')[1]!))];
  const groupOf = (i: number) => [HOSTILE, 'tv', 'radio'][i % 3]!;
  await writeFile(path.join(ex.hidden, 'truth.csv'), [`${head},source`, ...rows.map((l, i) => `${l},${groupOf(i)}`)].join('\n') + '\n');
  const wrong = (i: number) => (i % 3 === 0 && i % 2 === 0) || (i % 3 === 2 && i % 4 === 3);
  const predictions = rows.map((l, i) => {
    const [id, label] = l.split(',') as [string, string];
    return `${id},${wrong(i) ? labels.find((x) => x !== label)! : label}`;
  });
  const dir = await ex.submit('team-a', 'sliced', {
    'submission.yml': submissionYml('team-a', 'sliced'),
    'predictions.csv': [head, ...predictions].join('\n') + '\n',
  });
  const record = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir });
  if (record.status !== 'scored') throw new Error(JSON.stringify(record));
  return { ex, record, dir, slices: record.scores.slices!.source! };
}

describe('slices where people look', () => {
  it('the record has the three groups, the hostile one weakest (the premise of the tests below)', async () => {
    const { slices } = await slicedRecord();
    const acc = (g: string) => slices.groups[g]!.metrics.accuracy!;
    expect(acc(HOSTILE)).toBeLessThan(acc('radio'));
    expect(acc('radio')).toBeLessThan(acc('tv'));
    expect(acc('tv')).toBe(1);
    expect(slices.worst.accuracy!.group).toBe(HOSTILE);
  });

  it.runIf(GFM)(
    'the pull-request comment folds every group, weakest first, with the hostile name inert (control: the raw name is markup)',
    async () => {
      const { ex, record, slices } = await slicedRecord();
      const comment = renderComment(ex.competition, record);
      const rendered = renderGfm(comment);
      const section = rendered.slice(rendered.indexOf('<details><summary>accuracy by source'));
      expect(
        section.startsWith('<details><summary>accuracy by source: 3 groups, weakest first; worst &lt;img src=x onerror=alert(1)&gt;'),
      ).toBe(true);
      const body = section.slice(0, section.indexOf('</details>'));
      // Rows: the hostile group, radio, tv; each metric's worst value in bold.
      const cells = [...body.matchAll(/<tr>\s*<td>([^<]*(?:&lt;[^<]*)*)<\/td>\s*<td align="right">(\d+)<\/td>/g)].map((m) => m[1]);
      // The inert name: an address and a mention broken by a word joiner (U+2060), shown as text.
      expect(cells).toEqual(['&lt;img src=x onerror=alert(1)&gt; [prize](https:\u2060//evil.example/) @\u2060octocat', 'radio', 'tv']);
      expect(body).toContain(`<strong>${slices.groups[HOSTILE]!.metrics.accuracy!.toFixed(4)}</strong>`);
      // Nothing of the name renders: no image, no link, no mention.
      expect(tagsOf(body)).not.toContain('img');
      expect(tagsOf(body)).not.toContain('a');
      expect(mentionsAndReferences(body)).toEqual([]);
      // Control: the same name as it is, in a table cell and in a summary, would be all three.
      const raw = renderGfm(`<details><summary>${HOSTILE}</summary>\n\n| g |\n|---|\n| ${HOSTILE} |\n\n</details>\n`);
      expect(tagsOf(raw)).toEqual(expect.arrayContaining(['img', 'a']));
      expect(mentionsAndReferences(raw)).toContain('@octocat');
    },
  );

  it('the submission page shows every group, weakest first, with the hostile name as text (control: the raw name is markup)', async () => {
    const { ex, record } = await slicedRecord();
    const out = path.join(await temp(), 'site');
    await buildSite({ competition: ex.competition, records: [record], outDir: out, generatedAt: new Date('2026-06-01T00:00:00Z') });
    const page = await readFile(path.join(out, recordPage(record).split('#')[0]!), 'utf8');
    const section = page.slice(page.indexOf('<section class="slices">'));
    expect(section).toContain('<h3>Slices</h3>');
    expect(section).toContain(
      'Weakest group on accuracy: <strong>&lt;img src=x onerror=alert(1)&gt; [prize](https://evil.example/) @octocat</strong>',
    );
    const groups = [...section.slice(0, section.indexOf('</section>')).matchAll(/<tr><td>([^<]*)<\/td><td class="num">\d+<\/td>/g)].map(
      (m) => m[1],
    );
    expect(groups).toEqual(['&lt;img src=x onerror=alert(1)&gt; [prize](https://evil.example/) @octocat', 'radio', 'tv']);
    expect(page).not.toContain('<img src=x');
    // Control: the name itself is an element wherever HTML is read.
    expect(tagsOf(HOSTILE)).toContain('img');
  });

  it('podium evaluate prints the slice table after the scores, weakest group first', async () => {
    const { ex, dir } = await slicedRecord();
    const { code, out } = await runCli(ex.dir, ['evaluate', '--competition', ex.dir, '--hidden', ex.hidden, dir]);
    expect(code).toBe(0);
    const table = out.slice(out.indexOf('Slices by source: 3 group(s), weakest first on accuracy'));
    expect(out.indexOf('scored —')).toBeLessThan(out.indexOf('Slices by source'));
    const rows = [...table.matchAll(/^\| (\S.*?) +\| +(\d+) \|/gm)].map((m) => m[1]);
    expect(rows).toEqual([HOSTILE, 'radio', 'tv']);
    expect(table).toContain(`Worst group per metric: accuracy: ${HOSTILE}`);
  });
});
