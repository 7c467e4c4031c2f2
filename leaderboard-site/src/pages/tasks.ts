import type { Competition } from '../../../runner/src/competition/load.js';
import type { ResultRecord } from '../../../runner/src/results/schema.js';
import type { PhaseStandings } from '../../../runner/src/results/standings.js';
import { formatScore } from '../../../runner/src/format/units.js';
import { csvCell } from '../exports.js';
import { html, join, type SafeHtml } from '../html.js';
import { page, type SiteContext } from '../layout.js';

/*
 * A competition with tasks: each task's board is a site of its own under tasks/<id>/ (built by
 * the same builder on the task's view and records), and the site's root lists the tasks with
 * their metrics and leaders.
 */

/** One task as the root pages show it: its view and the standings of its board. */
export interface TaskBoard {
  view: Competition;
  standings: readonly PhaseStandings[];
}

/** The folder of a task's own site, from the root. */
export function taskFolder(id: string): string {
  return `tasks/${id}/`;
}

/**
 * index.html (and competition.html) of a competition with tasks: each task, its metrics, and each
 * phase's leader; then the records that belong to no task (a submission that named none, or a
 * task since removed), which no task's board shows, with why they were not scored.
 */
export function tasksPage(site: SiteContext, tasks: readonly TaskBoard[], title: string, strays: readonly ResultRecord[] = []): string {
  const c = site.competition.config;
  const sections = tasks.map(({ view, standings }) => {
    const t = view.task!;
    const dir = taskFolder(t.id);
    const metrics = view.metrics.map(
      (m) =>
        html`<li>${m.label}${m.primary && html` <strong>(primary)</strong>`} <code>${m.name}</code>, ${m.direction === 'maximize' ? 'higher is better' : 'lower is better'}</li>`,
    );
    const leaders = standings.map((s) => {
      const top = s.rows.find((r) => !r.baseline);
      const v = top?.record.scores.public[view.primary.name]?.value;
      return html`<tr><th scope="row">${s.phaseName}</th><td>${top ? top.record.submission.team : '—'}</td><td>${v !== undefined ? formatScore(v) : '—'}</td><td>${s.rows.length}</td></tr>`;
    });
    return html`<section aria-labelledby="task-${t.id}"><h2 id="task-${t.id}">${t.name} <code>${t.id}</code></h2>
${t.description && html`<p>${t.description}</p>`}
<p><a href="${dir}index.html">Leaderboard of ${t.name}</a> · <a href="${dir}competition.html">its data, metrics and phases</a>. A submission to this task says <code>task: ${t.id}</code> in its <code>submission.yml</code>.</p>
<p>Metrics, ranked by ${view.primary.label}:</p><ul>${metrics}</ul>
<div class="scroll"><table><thead><tr><th scope="col">Phase</th><th scope="col">Leader</th><th scope="col">${view.primary.label}</th><th scope="col">Entries</th></tr></thead><tbody>${leaders}</tbody></table></div></section>`;
  });
  const intro: SafeHtml = html`${c.description && html`<p>${c.description}</p>`}<p>This competition has ${tasks.length} task(s), each with its own data, metrics and leaderboard; a submission is for one task and is ranked only among that task's.</p>`;
  return page(site, { root: '', title, body: html`${intro}\n${join(sections, '\n')}${strayList(strays)}` });
}

/** The records of no task, newest first: on no board, but not hidden from the public either. */
function strayList(strays: readonly ResultRecord[]): SafeHtml | undefined {
  if (strays.length === 0) return undefined;
  const rows = [...strays]
    .sort((a, b) => b.created_at.localeCompare(a.created_at))
    .map((r) => {
      const why = r.status === 'scored' ? `scored, but its task "${r.task ?? ''}" is not one of this competition's` : r.error.message;
      return html`<tr><td>${r.created_at.slice(0, 10)}</td><td>${r.submission.team}</td><td>${r.submission.name}</td><td>${r.phase}</td><td>${r.status}</td><td>${why}</td><td><code>${r.id}</code></td></tr>`;
    });
  return html`
<section aria-labelledby="no-task"><h2 id="no-task">Records of no task</h2>
<p>These submissions named no task of this competition, so no task's board ranks them.</p>
<div class="scroll"><table><thead><tr><th scope="col">Date</th><th scope="col">Team</th><th scope="col">Submission</th><th scope="col">Phase</th><th scope="col">Status</th><th scope="col">Why</th><th scope="col">Record</th></tr></thead><tbody>${join(rows, '\n')}</tbody></table></div></section>`;
}

/** leaderboard.json of a competition with tasks: each task's primary metric and where its own exports are. */
export function tasksJson(c: Competition, tasks: readonly TaskBoard[], generated: string) {
  return {
    competition: c.config.slug,
    generated_at: generated,
    tasks: tasks.map(({ view }) => ({
      id: view.task!.id,
      name: view.task!.name,
      primary: view.primary.name,
      leaderboard: `${taskFolder(view.task!.id)}leaderboard.json`,
    })),
  };
}

/** leaderboard.csv of a competition with tasks: every task's rows, on its own primary metric. */
export function tasksCsv(tasks: readonly TaskBoard[]): string {
  const lines = ['task,phase,rank_all,team,submission,primary_metric,primary_value,created_at,record'];
  for (const { view, standings } of tasks)
    for (const s of standings)
      for (const r of s.rows)
        lines.push(
          [
            view.task!.id,
            s.phase,
            r.baseline ? '' : r.rank,
            r.record.submission.team,
            r.record.submission.name,
            view.primary.name,
            r.record.scores.public[view.primary.name]?.value ?? null,
            r.record.created_at,
            r.record.id,
          ]
            .map(csvCell)
            .join(','),
        );
  return `${lines.join('\n')}\n`;
}
