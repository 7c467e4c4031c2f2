import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Competition } from '../../runner/src/competition/load.js';
import { lastPhase, POST_CHALLENGE_LABEL } from '../../runner/src/results/board.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { computeStandings, postChallengeStandings, type PhaseStandings } from '../../runner/src/results/standings.js';
import { revealOf, revealPath, type Reveal } from '../../runner/src/results/seal.js';
import { STYLE } from './assets.js';
import { SCRIPT } from './generated/site-script.js';
import { badges, exportCsv, exportJson, phaseCosts, phaseData } from './exports.js';
import type { SiteContext } from './layout.js';
import { competitionPage } from './pages/competition.js';
import {
  leaderboardPage,
  postChallengeData,
  postChallengePage,
  POST_CHALLENGE_CSV,
  POST_CHALLENGE_JSON,
  POST_CHALLENGE_PAGE,
  type PhaseBoard,
} from './pages/leaderboard.js';
import { teamPages } from './pages/team.js';
import { taskFolder, tasksCsv, tasksJson, tasksPage, type TaskBoard } from './pages/tasks.js';

// Where a record is shown: part of the site builder's interface for the CLI, the Action and tests.
export { recordPage, teamPage } from './table.js';

export interface SiteInput {
  competition: Competition;
  records: readonly ResultRecord[];
  outDir: string;
  /** Shown in the footer; defaults to now. */
  generatedAt?: Date;
  /** Published reveals of phases whose private scores were sealed (reveals/<phase>.json). */
  reveals?: readonly Reveal[];
  /** The evaluations waiting when the site was built (GitHub Actions runs of the evaluate workflow); absent: the site says nothing of a queue. */
  queue?: { waiting: number };
}

export interface SiteOutput {
  index: string;
  files: string[];
  standings: PhaseStandings[];
}

/**
 * The static site: a leaderboard per phase with charts, a page per team with a section per
 * record, a competition page, exports (CSV, JSON, badges). Every link is relative, nothing is
 * fetched from elsewhere, so it works from a GitHub Pages sub-path. Recomputed from the records
 * on every build.
 */
export async function buildSite(input: SiteInput): Promise<SiteOutput> {
  const { competition: c } = input;
  if (c.tasks) return buildTasksSite(input, c.tasks);
  const site: SiteContext = {
    competition: c,
    generated: (input.generatedAt ?? new Date()).toISOString(),
    records: input.records.length,
  };
  const defaultRule = c.config.leaderboard?.rule ?? 'best-per-team';
  // The one-row-per-team view is the team's best or its last, as competition.yml says.
  const teamRule = defaultRule === 'all' ? 'best-per-team' : defaultRule;
  const best = computeStandings(c, input.records, { rule: teamRule });
  const all = computeStandings(c, input.records, { rule: 'all' });
  const standings = defaultRule === 'all' ? all : best;
  const files = new Map<string, string>();

  const boards: PhaseBoard[] = c.config.phases.map((phase, i) => {
    const b = best[i]!;
    const a = all[i]!;
    const data = phaseData(b, a, phaseCosts(a));
    files.set(`data/${phase.id}.json`, JSON.stringify(data));
    const reveal = input.reveals?.find((r) => r.phase === phase.id);
    return { best: b, all: a, ...data, ...(reveal ? { reveal } : {}) };
  });
  // The post-challenge board: ranked apart, on a page of its own; the official standings, the
  // exports and the badges never include it.
  // Its page exists wherever the competition has such a board (the competition page links to
  // it), or records for it.
  const emptyPost = () =>
    c.config.post_challenge ? computeStandings(c, [], { board: 'post-challenge' }).find((s) => s.phase === lastPhase(c).id) : undefined;
  const postBest = postChallengeStandings(c, input.records, { rule: teamRule }) ?? emptyPost();
  const postAll = postChallengeStandings(c, input.records, { rule: 'all' }) ?? emptyPost();
  let post: PhaseBoard | undefined;
  if (postBest && postAll) {
    const data = phaseData(postBest, postAll, phaseCosts(postAll));
    files.set(postChallengeData(postAll.phase), JSON.stringify(data));
    post = { best: postBest, all: postAll, ...data };
    files.set(POST_CHALLENGE_PAGE, postChallengePage(site, post, defaultRule));
    // Its exports say which board they are, so a copied file cannot pass for the official ranking.
    files.set(POST_CHALLENGE_CSV, exportCsv(c, [postAll], 'post-challenge'));
    files.set(
      POST_CHALLENGE_JSON,
      `${JSON.stringify({ board: 'post-challenge', label: POST_CHALLENGE_LABEL, ...exportJson(c, [defaultRule === 'all' ? postAll : postBest], site.generated) }, null, 2)}\n`,
    );
  }
  files.set('index.html', leaderboardPage(site, boards, defaultRule, input.records, post, input.queue));
  files.set('competition.html', competitionPage(site));
  const postShown = post ? [defaultRule === 'all' ? post.all : post.best] : [];
  for (const [file, html] of teamPages(site, input.records, [...standings, ...postShown])) files.set(file, html);

  files.set('style.css', STYLE);
  files.set('site.js', SCRIPT);
  files.set('leaderboard.json', `${JSON.stringify(exportJson(c, standings, site.generated), null, 2)}\n`);
  files.set('leaderboard.csv', exportCsv(c, all));
  for (const r of input.reveals ?? []) files.set(revealPath(r.phase), `${JSON.stringify(r, null, 2)}\n`);
  for (const [team, badge] of badges(c, best)) files.set(`badges/${team}.json`, `${JSON.stringify(badge)}\n`);

  // Synchronous on purpose: ten thousand small files go out several times faster than through
  // the thread pool, and nothing else runs while a site is built.
  const dirs = new Set([...files.keys()].map((f) => path.dirname(path.join(input.outDir, f))));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  for (const [name, text] of files) writeFileSync(path.join(input.outDir, name), text);
  return { index: path.join(input.outDir, 'index.html'), files: [...files.keys()], standings };
}

/**
 * A competition with tasks: each task's board is the site of its view (competitionForTask) and
 * its records, under tasks/<id>/, built by buildSite as a competition without tasks is; the
 * root lists the tasks with their metrics and leaders.
 */
async function buildTasksSite(input: SiteInput, views: readonly Competition[]): Promise<SiteOutput> {
  const c = input.competition;
  const generated = (input.generatedAt ?? new Date()).toISOString();
  const tasks: TaskBoard[] = [];
  const files: string[] = [];
  for (const view of views) {
    const t = view.task!;
    const dir = taskFolder(t.id);
    const records = input.records.filter((r) => r.task === t.id);
    const ids = new Set(records.map((r) => r.id));
    const built = await buildSite({
      ...input,
      // The task's pages carry its name beside the competition's.
      competition: { ...view, config: { ...view.config, title: `${c.config.title}: ${t.name}` } },
      records,
      // A phase's reveal opens every task's records; the task's board checks and shows its own.
      ...(input.reveals ? { reveals: input.reveals.map((r) => revealOf(r, ids)) } : {}),
      outDir: path.join(input.outDir, dir),
      generatedAt: new Date(generated),
    });
    tasks.push({ view, standings: built.standings });
    files.push(...built.files.map((f) => `${dir}${f}`));
  }
  const site: SiteContext = { competition: c, generated, records: input.records.length };
  const taskIds = new Set(views.map((v) => v.task!.id));
  const strays = input.records.filter((r) => r.task === undefined || !taskIds.has(r.task));
  const root = new Map<string, string>([
    ['index.html', tasksPage(site, tasks, 'Tasks', strays)],
    ['competition.html', tasksPage(site, tasks, 'Competition')],
    ['style.css', STYLE],
    ['leaderboard.json', `${JSON.stringify(tasksJson(c, tasks, generated), null, 2)}\n`],
    ['leaderboard.csv', tasksCsv(tasks)],
    // Each phase's reveal whole, as published: every task's sealed records.
    ...(input.reveals ?? []).map((r): [string, string] => [revealPath(r.phase), `${JSON.stringify(r, null, 2)}\n`]),
  ]);
  for (const name of root.keys()) mkdirSync(path.dirname(path.join(input.outDir, name)), { recursive: true });
  for (const [name, text] of root) writeFileSync(path.join(input.outDir, name), text);
  return {
    index: path.join(input.outDir, 'index.html'),
    files: [...root.keys(), ...files],
    standings: tasks.flatMap((t) => t.standings),
  };
}
