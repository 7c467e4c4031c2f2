import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { keyOfFile } from '../../runner/src/files/tree.js';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { placement } from '../../action/src/modes/report.js';
import { renderComment } from '../../action/src/comment.js';
import { buildSite } from '../../leaderboard-site/src/build.js';
import { parseMetrics } from '../../runner/src/cli/commands/score.js';
import { standingsTable } from '../../runner/src/cli/commands/leaderboard.js';
import { exampleData, gaussianNaiveBayes, loudnessRule, toCsv } from '../../runner/src/example/data.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { computeStandings } from '../../runner/src/results/standings.js';
import { DEFAULT_BOOTSTRAP } from '../../runner/src/scoring/bootstrap.js';
import { scoreFiles } from '../../runner/src/scoring/score.js';
import { argv } from '../helpers/argv.js';
import { exampleCompetition, runCli } from '../helpers/competition.js';
import { scoredRecord } from '../helpers/records.js';
import { useTempDirs } from '../helpers/temp.js';

const temp = useTempDirs();

/**
 * One question, "is this entry better than the leader, tied with it, or behind?", asked of the
 * same records everywhere it is answered: the standings, the terminal table, leaderboard.json,
 * the site's pages, the pull-request comment and `podium compare` on the same two files.
 */

/** The example's test set with three predictions files: strong (0.913), half-data (tied with strong) and weak (0.537). */
async function files(root: string) {
  const { train, test } = exampleData();
  const csv = (labels: string[]) =>
    toCsv(
      ['id', 'label'],
      test.map((e, i) => [e.id, labels[i]!]),
    );
  await writeFile(
    path.join(root, 'truth.csv'),
    toCsv(
      ['id', 'label'],
      test.map((e) => [e.id, e.label]),
    ),
  );
  await writeFile(path.join(root, 'strong.csv'), csv(gaussianNaiveBayes(train, test)));
  await writeFile(path.join(root, 'half.csv'), csv(gaussianNaiveBayes(train.slice(0, 400), test)));
  await writeFile(path.join(root, 'weak.csv'), csv(loudnessRule(train, test)));
}

/** A record of `file` scored as the evaluator scores it: accuracy with its interval and stored replicates, drawn keyed by the truth. */
async function recordOf(root: string, file: string, team: string, minute: number): Promise<ResultRecord> {
  const metrics = parseMetrics('accuracy');
  const scored = await scoreFiles({
    truth: path.join(root, 'truth.csv'),
    predictionsPath: path.join(root, file),
    predictionsName: file,
    spec: { id: 'id', target: 'label', score: 'score', reads: new Set(metrics.map((m) => m.metric.reads)) },
    metrics,
    bootstrap: { ...DEFAULT_BOOTSTRAP, drawKey: await keyOfFile(path.join(root, 'truth.csv'), DEFAULT_BOOTSTRAP.seed) },
    keepReplicates: new Set(['accuracy']),
  });
  if (!scored.ok) throw new Error(`${file} did not score`);
  const r = scoredRecord(minute, { team, name: file.replace('.csv', '') });
  if (r.status !== 'scored') throw new Error('scored');
  r.scores.public = scored.values;
  r.provenance.data_hash = `sha256:${'1'.repeat(64)}`;
  return r;
}

async function competition(root: string) {
  return exampleCompetition(root, { edit: (y) => y.replace(/leaderboard:/, 'leaderboard:\n  baselines: [organisers]') });
}

/** `podium compare --json --keyed` on two of the files, with the records' bootstrap settings and draws. */
async function compare(root: string, a: string, b: string): Promise<string> {
  const { resamples, seed, level } = DEFAULT_BOOTSTRAP;
  const run = await runCli(root, [
    'compare',
    ...argv({ truth: 'truth.csv', metric: 'accuracy', json: true, keyed: true, resamples, seed, level }, a, b),
  ]);
  expect(run.code, run.err).toBe(0);
  return (JSON.parse(run.out) as { verdict: string }).verdict;
}

describe('a baseline better than the leader', () => {
  it('is shown as better, not tied and not ranked, in every place; compare on the same two files agrees', async () => {
    const root = await temp();
    await files(root);
    const ex = await competition(root);
    const baseline = await recordOf(root, 'strong.csv', 'organisers', 1);
    const leader = await recordOf(root, 'weak.csv', 'alpha', 2);
    const records = [baseline, leader];

    const rows = computeStandings(ex.competition, records)[0]!.rows;
    expect(rows.map((r) => [r.record.submission.team, r.baseline ?? false, r.rank, r.versusLeader])).toEqual([
      ['organisers', true, undefined, 'ahead'],
      ['alpha', false, 1, undefined],
    ]);
    // `podium compare BASELINE LEADER` is the same test on the same replicates, either way round.
    expect(await compare(root, 'strong.csv', 'weak.csv')).toBe('A is better');
    expect(await compare(root, 'weak.csv', 'strong.csv')).toBe('B is better');

    // The terminal: the baseline keeps its word for a rank, with the mark; the legend says only what is shown.
    const table = standingsTable(computeStandings(ex.competition, records)[0]!);
    expect(table).toMatch(/\| +baseline ▲ \| organisers +\|/);
    expect(table).toMatch(/\| +1 \| alpha +\|/);
    expect(table).toContain('▲ better than the leader (paired bootstrap on accuracy)');
    expect(table).not.toContain('≈');

    // The site: leaderboard.json, the board and the baseline's own page.
    const site = path.join(root, 'site');
    await buildSite({ competition: ex.competition, records, outDir: site });
    const json = JSON.parse(await readFile(path.join(site, 'leaderboard.json'), 'utf8')) as {
      phases: { rows: { team: string; rank: number | null; baseline?: true; versus_leader?: string }[] }[];
    };
    expect(json.phases[0]!.rows.map((r) => [r.team, r.rank, r.baseline, r.versus_leader])).toEqual([
      ['organisers', null, true, 'ahead'],
      ['alpha', 1, undefined, undefined],
    ]);
    const index = await readFile(path.join(site, 'index.html'), 'utf8');
    expect(index).toContain('<abbr class="vs ahead" title="better than the leader (paired bootstrap)">▲</abbr>');
    expect(index).toContain('▲ marks entries better than the leader.');
    expect(index).not.toContain('≈');
    const page = await readFile(path.join(site, 's/main/organisers.html'), 'utf8');
    expect(page).toContain('Scored, a baseline (not ranked), better than the leader (paired bootstrap on accuracy).');
    expect(page).not.toMatch(/rank 0|tied/);

    // The comment on the baseline's pull request, against the history holding the leader.
    const comment = renderComment(ex.competition, baseline, placement(ex.competition, [leader], baseline));
    expect(comment).toContain(
      'A baseline: shown on the public leaderboard without a rank (1 ranked entry), better than the leader (paired bootstrap on accuracy).',
    );
    expect(comment).not.toContain('Would rank');
    // The leader's own comment says where it ranks, and nothing against itself.
    expect(renderComment(ex.competition, leader, placement(ex.competition, [baseline], leader))).toContain(
      'Would rank **1** of 1 on the public leaderboard now.\n',
    );
  });

  it('the tied mark and its legend appear where an entry is tied, and a baseline behind has no mark (control)', async () => {
    const root = await temp();
    await files(root);
    const ex = await competition(root);
    const leader = await recordOf(root, 'strong.csv', 'alpha', 1);
    const close = await recordOf(root, 'half.csv', 'beta', 2);
    const baseline = await recordOf(root, 'weak.csv', 'organisers', 3);
    const records = [leader, close, baseline];

    const s = computeStandings(ex.competition, records)[0]!;
    expect(s.rows.map((r) => [r.record.submission.team, r.rank, r.versusLeader])).toEqual([
      ['alpha', 1, undefined],
      ['beta', 2, 'tied'],
      ['organisers', undefined, 'behind'],
    ]);
    expect(await compare(root, 'half.csv', 'strong.csv')).toBe('statistically tied');
    expect(await compare(root, 'weak.csv', 'strong.csv')).toBe('B is better');

    const table = standingsTable(s);
    expect(table).toMatch(/\| +2 ≈ \| beta +\|/);
    expect(table).toMatch(/\| +baseline \| organisers +\|/);
    expect(table).toContain('≈ statistically tied with the leader (paired bootstrap on accuracy)');
    expect(table).not.toContain('▲');

    const site = path.join(root, 'site');
    await buildSite({ competition: ex.competition, records, outDir: site });
    const index = await readFile(path.join(site, 'index.html'), 'utf8');
    expect(index).toContain('≈ marks entries statistically tied with the leader.');
    expect(index).not.toContain('▲');
    expect(await readFile(path.join(site, 's/main/beta.html'), 'utf8')).toContain(
      'Scored, rank 2, statistically tied with the leader (paired bootstrap on accuracy).',
    );
    expect(renderComment(ex.competition, close, placement(ex.competition, [leader, baseline], close))).toContain(
      'Would rank **2** of 2 on the public leaderboard now, statistically tied with the leader (paired bootstrap on accuracy).',
    );
  });

  it('the legend is that of the rows on screen: a tie only among all submissions is explained in that view alone', async () => {
    const root = await temp();
    await files(root);
    const ex = await competition(root);
    // The leader's own second submission is tied with it; the best-per-team view shows neither that row nor a mark.
    const records = [await recordOf(root, 'strong.csv', 'alpha', 1), await recordOf(root, 'half.csv', 'alpha', 2)];
    const site = path.join(root, 'site');
    await buildSite({ competition: ex.competition, records, outDir: site });
    const index = await readFile(path.join(site, 'index.html'), 'utf8');
    expect(index).toContain('<span class="legend" data-best="" data-all=" ≈ marks entries statistically tied with the leader."></span>');
    // Control: a tied entry of another team is in the default view, and so is its legend.
    const other = [...records, await recordOf(root, 'half.csv', 'beta', 3)];
    await buildSite({ competition: ex.competition, records: other, outDir: path.join(root, 'site2') });
    expect(await readFile(path.join(root, 'site2', 'index.html'), 'utf8')).toMatch(
      /<span class="legend" data-best=" ≈ marks entries statistically tied with the leader\." data-all="[^"]*"> ≈ marks entries statistically tied with the leader\.<\/span>/,
    );
  });

  it('the terminal table of `podium leaderboard build` is the one checked above', async () => {
    const root = await temp();
    await files(root);
    const ex = await competition(root);
    const records = [await recordOf(root, 'strong.csv', 'organisers', 1), await recordOf(root, 'weak.csv', 'alpha', 2)];
    for (const r of records) {
      const file = path.join(root, 'folder', 'results', `${r.id}.json`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify(r));
    }
    const run = await runCli(root, ['leaderboard', 'build', ...argv({ competition: ex.dir, results: 'folder', out: 'site' })]);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain(standingsTable(computeStandings(ex.competition, records)[0]!));
    expect(run.out).toMatch(/\| +baseline ▲ \| organisers/);
    const asJson = await runCli(root, [
      'leaderboard',
      'build',
      ...argv({ competition: ex.dir, results: 'folder', out: 'site', json: true }),
    ]);
    const rows = (JSON.parse(asJson.out) as { phases: { rows: { rank: number | null; versus_leader?: string }[] }[] }).phases[0]!.rows;
    expect(rows.map((r) => [r.rank, r.versus_leader])).toEqual([
      [null, 'ahead'],
      [1, undefined],
    ]);
  });
});
