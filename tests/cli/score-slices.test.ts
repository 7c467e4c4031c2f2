import { existsSync, readFileSync } from 'node:fs';
import { link, lstat, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/competition.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();
const root = path.join(import.meta.dirname, '../..');

/** A small deterministic generator, so the data is the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** 120 labelled items in three sources, predicted with a different error rate per source. */
function classification() {
  const r = lcg(7);
  const labels = ['cat', 'dog', 'fox'];
  const sources = ['radio', 'tv', 'web'];
  const rows = Array.from({ length: 120 }, (_, i) => {
    const source = sources[i % 3]!;
    const label = labels[Math.floor(r() * 3)]!;
    const miss = r() < [0.5, 0.2, 0.05][i % 3]!;
    return { id: `item-${i}`, label, source, predicted: miss ? labels[(labels.indexOf(label) + 1) % 3]! : label };
  });
  return rows;
}

type Row = ReturnType<typeof classification>[number];
const truthCsv = (rows: Row[]) => `id,label,source\n${rows.map((x) => `${x.id},${x.label},${x.source}`).join('\n')}\n`;
const predictionsCsv = (rows: Row[]) => `id,label\n${rows.map((x) => `${x.id},${x.predicted}`).join('\n')}\n`;

/** A folder with a classification truth.csv (with a source column) and its predictions.csv. */
async function classificationFiles(): Promise<{ dir: string; rows: Row[] }> {
  const dir = await temp();
  const rows = classification();
  await writeFile(path.join(dir, 'truth.csv'), truthCsv(rows));
  await writeFile(path.join(dir, 'predictions.csv'), predictionsCsv(rows));
  return { dir, rows };
}

async function scoreJson(dir: string, args: string[]) {
  const { code, out, err } = await runCli(dir, ['score', '--json', ...args]);
  if (code !== 0) throw new Error(err);
  return JSON.parse(out) as {
    metrics: Record<string, number>;
    slices?: Record<string, { groups: Record<string, { n: number; metrics: Record<string, number> }>; worst: Record<string, unknown> }>;
  };
}

describe('podium score --slice', () => {
  it("gives each group the values of scoring that group's rows alone (control: they differ from the whole)", async () => {
    const { dir, rows } = await classificationFiles();
    const metrics = 'accuracy,f1_macro,balanced_accuracy';
    const all = await scoreJson(dir, [
      '--truth',
      'truth.csv',
      '--predictions',
      'predictions.csv',
      '--metrics',
      metrics,
      '--slice',
      'source',
    ]);
    const groups = all.slices!.source!.groups;
    expect(Object.keys(groups).sort()).toEqual(['radio', 'tv', 'web']);
    for (const source of ['radio', 'tv', 'web']) {
      const part = rows.filter((x) => x.source === source);
      await writeFile(path.join(dir, `truth-${source}.csv`), truthCsv(part));
      await writeFile(path.join(dir, `predictions-${source}.csv`), predictionsCsv(part));
      const alone = await scoreJson(dir, [
        '--truth',
        `truth-${source}.csv`,
        '--predictions',
        `predictions-${source}.csv`,
        '--metrics',
        metrics,
      ]);
      expect(groups[source]).toEqual({ n: part.length, metrics: alone.metrics });
    }
    // Control: the groups differ from the whole, so equal values above are the groups' own.
    expect(groups.radio!.metrics.accuracy).not.toBe(all.metrics.accuracy);
    expect(groups.web!.metrics.accuracy).not.toBe(all.metrics.accuracy);
    expect(all.slices!.source!.worst.accuracy).toEqual({ group: 'radio', value: groups.radio!.metrics.accuracy });
  });

  it('prints the table weakest group first, after the scores', async () => {
    const { dir } = await classificationFiles();
    const { code, out } = await runCli(dir, [
      'score',
      ...['--truth', 'truth.csv', '--predictions', 'predictions.csv', '--metrics', 'accuracy', '--slice', 'source'],
    ]);
    expect(code).toBe(0);
    expect(out.indexOf('| accuracy')).toBeLessThan(out.indexOf('Slices by source: 3 group(s), weakest first on accuracy'));
    expect([...out.matchAll(/^\| (radio|tv|web) +\|/gm)].map((m) => m[1])).toEqual(['radio', 'tv', 'web']);
  });

  it('slices COCO images by a field of each image, each group as scored alone', async () => {
    const dir = await temp();
    const fixture = JSON.parse(readFileSync(path.join(root, 'tests/fixtures/coco/sizes.json'), 'utf8').split('\n')[0]!) as {
      truth: { images: { id: number }[]; annotations: { image_id: number }[]; categories: unknown[] };
      results: { image_id: number }[];
    };
    const siteOf = (id: number) => (id === 3 ? 'north' : 'south');
    const truth = { ...fixture.truth, images: fixture.truth.images.map((im) => ({ ...im, site: siteOf(im.id) })) };
    await writeFile(path.join(dir, 'truth.json'), JSON.stringify(truth));
    await writeFile(path.join(dir, 'results.json'), JSON.stringify(fixture.results));
    const metrics = 'coco_ap,coco_ap50';
    const all = await scoreJson(dir, ['--truth', 'truth.json', '--predictions', 'results.json', '--metrics', metrics, '--slice', 'site']);
    for (const site of ['north', 'south']) {
      const keep = (id: number) => siteOf(id) === site;
      await writeFile(
        path.join(dir, `truth-${site}.json`),
        JSON.stringify({
          ...truth,
          images: truth.images.filter((im) => keep(im.id)),
          annotations: truth.annotations.filter((a) => keep(a.image_id)),
        }),
      );
      await writeFile(path.join(dir, `results-${site}.json`), JSON.stringify(fixture.results.filter((d) => keep(d.image_id))));
      const alone = await scoreJson(dir, ['--truth', `truth-${site}.json`, '--predictions', `results-${site}.json`, '--metrics', metrics]);
      expect(all.slices!.site!.groups[site]!.metrics).toEqual(alone.metrics);
    }
    expect(all.slices!.site!.groups.north!.metrics.coco_ap).not.toBe(all.metrics.coco_ap);
  });

  it.each([
    [['--slice', 'label'], 'already read as the id, label, score or query'],
    [['--slice', ' '], '--slice takes the name of a truth column'],
  ])('refuses %j (control: another column is sliced)', async (extra, message) => {
    const { dir } = await classificationFiles();
    const base = ['score', '--truth', 'truth.csv', '--predictions', 'predictions.csv', '--metrics', 'accuracy'];
    const refused = await runCli(dir, [...base, ...extra]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(message);
    expect((await runCli(dir, [...base, '--slice', 'source'])).code).toBe(0);
  });

  it('refuses TREC qrels, which have no other column (control: the same files score without --slice)', async () => {
    const trec = path.join(root, 'tests/fixtures/trec/graded');
    const base = ['score', '--truth', path.join(trec, 'qrels.txt'), '--predictions', path.join(trec, 'run.txt'), '--metrics', 'map'];
    const refused = await runCli(root, [...base, '--slice', 'topic']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('TREC qrels have no other columns to slice by');
    expect((await runCli(root, base)).code).toBe(0);
  });
});

describe('podium score --per-item', () => {
  it('writes exactly one row per item with its outcome: predicted, true, correct', async () => {
    const { dir, rows } = await classificationFiles();
    const { code, out } = await runCli(dir, [
      'score',
      ...['--truth', 'truth.csv', '--predictions', 'predictions.csv', '--metrics', 'accuracy', '--per-item', 'outcomes.csv'],
    ]);
    expect(code).toBe(0);
    expect(out).toContain('Per-item outcomes of 120 item(s) written to outcomes.csv.');
    const lines = (await readFile(path.join(dir, 'outcomes.csv'), 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('id,predicted,true,correct');
    expect(lines.slice(1)).toEqual(rows.map((x) => `${x.id},${x.predicted},${x.label},${x.predicted === x.label ? 1 : 0}`));
    // The correct column averages to the accuracy printed.
    const accuracy = rows.filter((x) => x.predicted === x.label).length / rows.length;
    expect(out).toContain(accuracy.toFixed(4));
  });

  it('writes numbers with their error, as JSON Lines for a .jsonl name', async () => {
    const dir = await temp();
    await writeFile(path.join(dir, 'truth.csv'), 'id,label\na,1.5\nb,2\nc,-3\n');
    await writeFile(path.join(dir, 'predictions.csv'), 'id,label\nc,-2\na,1\nb,2\n');
    const { code } = await runCli(dir, [
      'score',
      ...['--truth', 'truth.csv', '--predictions', 'predictions.csv', '--metrics', 'mean_absolute_error', '--per-item', 'outcomes.jsonl'],
    ]);
    expect(code).toBe(0);
    const lines = (await readFile(path.join(dir, 'outcomes.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { id: 'a', predicted: 1, true: 1.5, error: -0.5 },
      { id: 'b', predicted: 2, true: 2, error: 0 },
      { id: 'c', predicted: -2, true: -3, error: 1 },
    ]);
  });

  it("writes one row per text item, however many references it has, with each item's WER edits summing to the corpus WER", async () => {
    const dir = await temp();
    await writeFile(
      path.join(dir, 'truth.csv'),
      'id,text\nu1,the cat sat on the mat\nu1,a cat sat on a mat\nu2,"hello, world"\nu3,one two three four\n',
    );
    await writeFile(path.join(dir, 'predictions.csv'), 'id,text\nu1,the cat sat on mat\nu2,"hello, word"\nu3,one two three four\n');
    const args = ['--truth', 'truth.csv', '--predictions', 'predictions.csv', '--label-column', 'text', '--metrics', 'wer,rouge_l,bleu'];
    const { code } = await runCli(dir, ['score', ...args, '--per-item', 'outcomes.jsonl']);
    expect(code).toBe(0);
    const items = (await readFile(path.join(dir, 'outcomes.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string | number>);
    expect(items.map((x) => x.id)).toEqual(['u1', 'u2', 'u3']);
    expect(items[0]).toMatchObject({ predicted: 'the cat sat on mat', reference: 'the cat sat on the mat', references: 2 });
    expect(items.map((x) => [x.wer_edits, x.wer_reference_words])).toEqual([
      [1, 6],
      [1, 2],
      [0, 4],
    ]);
    expect(items[2]!.wer).toBe(0);
    // BLEU is a corpus statistic: no per-item column.
    expect(Object.keys(items[0]!).some((k) => k.startsWith('bleu'))).toBe(false);
    const corpus = await scoreJson(dir, args);
    expect(corpus.metrics.wer).toBe(2 / 12);
    expect(items.reduce((s, x) => s + Number(x.rouge_l), 0) / 3).toBeCloseTo(corpus.metrics.rouge_l!, 12);
  });

  it('refuses a truth that is not a file on this machine, writing nothing (control: the same from a file)', async () => {
    const dir = await temp();
    await writeFile(path.join(dir, 'predictions.csv'), 'id,label\na,x\n');
    const refused = await runCli(dir, [
      'score',
      ...['--truth', '/dev/null', '--format', 'csv', '--predictions', 'predictions.csv', '--metrics', 'accuracy', '--per-item', 'o.csv'],
    ]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('--per-item needs the truth as a file on this machine');
    expect(existsSync(path.join(dir, 'o.csv'))).toBe(false);
    await writeFile(path.join(dir, 'truth.csv'), 'id,label\na,x\n');
    const control = await runCli(dir, [
      'score',
      ...['--truth', 'truth.csv', '--predictions', 'predictions.csv', '--metrics', 'accuracy', '--per-item', 'o.csv'],
    ]);
    expect(control.code).toBe(0);
    expect(await readFile(path.join(dir, 'o.csv'), 'utf8')).toBe('id,predicted,true,correct\na,x,x,1\n');
  });

  it('refuses to overwrite the truth or the predictions (control: a new file)', async () => {
    const dir = await temp();
    await writeFile(path.join(dir, 'truth.csv'), 'id,label\na,x\n');
    await writeFile(path.join(dir, 'predictions.csv'), 'id,label\na,y\n');
    const base = ['score', '--truth', 'truth.csv', '--predictions', 'predictions.csv', '--metrics', 'accuracy', '--per-item'];
    for (const file of ['truth.csv', 'predictions.csv']) {
      const refused = await runCli(dir, [...base, file]);
      expect(refused.code).toBe(2);
      expect(refused.err).toContain('name a new file for the outcomes');
    }
    expect(await readFile(path.join(dir, 'truth.csv'), 'utf8')).toBe('id,label\na,x\n');
    expect((await runCli(dir, [...base, 'new.csv'])).code).toBe(0);
  });

  it('refuses the truth under another name, a symbolic or a hard link, and replaces a link at a new name rather than writing through it (control: a plain new file)', async () => {
    const dir = await temp();
    await writeFile(path.join(dir, 'truth.csv'), 'id,label\na,x\n');
    await writeFile(path.join(dir, 'predictions.csv'), 'id,label\na,y\n');
    await symlink('truth.csv', path.join(dir, 'soft.csv'));
    await link(path.join(dir, 'truth.csv'), path.join(dir, 'hard.csv'));
    const base = ['score', '--truth', 'truth.csv', '--predictions', 'predictions.csv', '--metrics', 'accuracy', '--per-item'];
    for (const name of ['soft.csv', 'hard.csv']) {
      const refused = await runCli(dir, [...base, name]);
      expect(refused.code, name).toBe(2);
      expect(refused.err).toContain(`--per-item ${name} is the truth file`);
    }
    expect(await readFile(path.join(dir, 'truth.csv'), 'utf8')).toBe('id,label\na,x\n');
    // A link to another file at the outcomes' name: the link is replaced, what it points to is left.
    await writeFile(path.join(dir, 'keep.txt'), 'mine\n');
    await symlink('keep.txt', path.join(dir, 'outcomes.csv'));
    expect((await runCli(dir, [...base, 'outcomes.csv'])).code).toBe(0);
    expect(await readFile(path.join(dir, 'keep.txt'), 'utf8')).toBe('mine\n');
    expect((await lstat(path.join(dir, 'outcomes.csv'))).isSymbolicLink()).toBe(false);
    expect((await readFile(path.join(dir, 'outcomes.csv'), 'utf8')).split('\n')[0]).toBe('id,predicted,true,correct');
  });

  it('refuses retrieval metrics, which have no per-item outcome, pointing to --per-query (control: without --per-item they score)', async () => {
    const trec = path.join(root, 'tests/fixtures/trec/graded');
    const dir = await temp();
    const base = ['score', '--truth', path.join(trec, 'qrels.txt'), '--predictions', path.join(trec, 'run.txt'), '--metrics', 'map'];
    const refused = await runCli(dir, [...base, '--per-item', 'o.csv']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--per-query');
    expect(existsSync(path.join(dir, 'o.csv'))).toBe(false);
    expect((await runCli(dir, base)).code).toBe(0);
  });
});

/** Relative modules reachable from `entry` by import and export statements. */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [path.join(root, entry)];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(file), m[1]!).replace(/\.js$/, '.ts');
      if (existsSync(target)) stack.push(target);
    }
  }
  return seen;
}

describe('per-item outcomes never reach a competition record', () => {
  it('the evaluation and the Action cannot call them (control: podium score can)', () => {
    const perItem = path.join(root, 'runner/src/scoring/per-item.ts');
    expect(reachable('runner/src/evaluate/evaluate.ts').has(perItem)).toBe(false);
    expect(reachable('action/src/main.ts').has(perItem)).toBe(false);
    const fromScore = reachable('runner/src/cli/commands/score.ts');
    expect(fromScore.has(perItem)).toBe(true);
    // The walk follows imports: the evaluation's own scoring is reached from it.
    expect(reachable('runner/src/evaluate/evaluate.ts').has(path.join(root, 'runner/src/scoring/score.ts'))).toBe(true);
  });
});
