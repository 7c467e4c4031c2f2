import { predictionFormat } from '../../../runner/src/competition/format.js';
import { kindsOf } from '../../../runner/src/results/admission.js';
import { lastPhase, POST_CHALLENGE_LABEL } from '../../../runner/src/results/board.js';
import { phaseLimits } from '../../../runner/src/results/limits.js';
import { scoringSpec, type Competition } from '../../../runner/src/competition/load.js';
import { html, type SafeHtml } from '../html.js';
import { page, type SiteContext } from '../layout.js';

/** competition.html: what the competition asks, its data, predictions, metrics, phases, and how to submit. */
export function competitionPage(site: SiteContext): string {
  return page(site, { root: '', title: 'Competition', body: competitionBody(site.competition), script: true });
}

function competitionBody(c: Competition): SafeHtml {
  const cfg = c.config;
  const format = predictionFormat(c);
  const retrieval = scoringSpec(c).reads.has('ranking');
  const concepts = (cfg.concepts ?? []).map((x) => html`<dt>${x.name} <code>${x.id}</code></dt><dd>${x.definition}</dd>`);
  const metrics = c.metrics.map(
    (m) =>
      html`<tr><td>${m.label}${m.primary && html` <strong>(primary)</strong>`}</td><td><code>${m.name}</code></td><td>${m.direction === 'maximize' ? 'higher is better' : 'lower is better'}</td></tr>`,
  );
  const phases = cfg.phases.map(
    (p) =>
      html`<tr><th scope="row">${p.name}${p.description && html`<span class="note">${p.description}</span>`}</th><td>${utcTime(p.start)}</td><td>${utcTime(p.end)}</td><td>${kindsOf(c, p).join(', ')}</td><td>${limitsText(c, p)}</td><td>${privatePart(c)}</td></tr>`,
  );
  const limits = cfg.limits
    ? [
        cfg.limits.per_day ? `${cfg.limits.per_day} per team per day (UTC)` : '',
        cfg.limits.total ? `${cfg.limits.total} per team per phase` : '',
      ]
        .filter(Boolean)
        .join(', ')
    : '';
  const kinds = cfg.submissions.kinds
    .map(
      (k) =>
        ({
          predictions: 'a predictions file',
          container: 'a container image (built from a Dockerfile, or pinned by digest), run without network on the hidden inputs',
          api: 'the address of a running system (an HTTPS endpoint), called in batches',
          code: "a folder of code, run by the organisers' ingestion program without network on the hidden inputs",
        })[k],
    )
    .join('; ');
  const rule = cfg.leaderboard?.rule === 'all' ? html`every submission is listed` : html`each team's best submission is listed`;
  const ids =
    cfg.data.ids &&
    html`; <code>${cfg.data.ids}</code> lists every test ${
      retrieval
        ? 'query to rank documents for'
        : cfg.data.format === 'coco'
          ? 'image to detect objects in, and the categories'
          : 'id to predict'
    }`;
  const documents = cfg.data.documents && html`; <code>${cfg.data.documents}</code> lists every document that may be ranked`;
  const programOnly = !c.metrics.some((m) => m.metric);
  const code =
    cfg.ingestion &&
    html`<p>A code submission is the folder itself: the organisers' ingestion program (in the repository folder <code>${cfg.ingestion.build}</code>) runs it without network, with the folder read-only at <code>/app/ingested_program</code>, the test inputs at <code>/app/input_data</code>, and writes the predictions to <code>/app/output</code>${cfg.ingestion.during_scoring ? html`, while the scoring program runs beside it` : ''}. Its time, memory and energy are measured like a container's.</p>`;
  const predictions =
    cfg.submissions.kinds.some((k) => k !== 'api') && programOnly
      ? html`<section><h2>Predictions</h2><p>The organisers' scoring program (in the repository folder <code>${cfg.scoring?.program?.build ?? ''}</code>) reads the predictions in the form it expects: a predictions submission's files are handed to it as they are (every file of the folder but <code>submission.yml</code>, or the one file <code>predictions:</code> names), as on Codabench. The pages of this competition say what the files hold.</p>${code}</section>`
      : cfg.submissions.kinds.some((k) => k !== 'api') &&
        html`${code && html`<section><h2>Code</h2>${code}</section>`}<section><h2>Predictions</h2><p>A predictions file${cfg.submissions.kinds.includes('container') && html`, or what a container writes to <code>/output</code>,`} is ${format.name}: ${format.description}${cfg.data.format === undefined && format.name.endsWith('(CSV)') && ' A .jsonl file with the same keys on each line is read too.'} For example:</p><pre><code>${format.example.join('\n')}</code></pre>${retrieval && html`<p>${retrievalNote(c)}</p>`}</section>`;
  return html`${cfg.description && html`<p>${cfg.description}</p>`}
${concepts.length > 0 && html`<section><h2>Concepts</h2><dl>${concepts}</dl></section>`}
<section><h2>Data</h2><p>Public data is in the repository folder <code>${cfg.data.public}</code>${ids}${documents}. The test ${retrieval ? 'relevance judgements are' : 'labels are'} hidden: they live only on the evaluation runners and never enter the repository, the logs or this site.</p></section>
${predictions}
<section><h2>Metrics and ranking</h2><div class="scroll"><table><thead><tr><th scope="col">Metric</th><th scope="col">Name</th><th scope="col">Direction</th></tr></thead><tbody>${metrics}</tbody></table></div>
<p>Ranked by ${c.primary.label}; ${rule}. Equal scores share a rank, the earlier submission first. ${
    programOnly
      ? "Every score is the organisers' scoring program's own number: it gives no confidence interval."
      : html`Every score of Podium's own metrics has a 95% bootstrap confidence interval${c.metrics.some((m) => m.program) && html` (a score from the organisers' scoring program has none)`}, and each entry, baselines included, is compared with the leader by a paired bootstrap: ≈ marks one statistically tied with it, ▲ one better than it.`
  }</p></section>
<section><h2>Phases</h2><div class="scroll"><table class="phases"><thead><tr><th scope="col">Phase</th><th scope="col">Opens (UTC)</th><th scope="col">Closes (UTC)</th><th scope="col">Accepts</th><th scope="col">Submissions per team</th><th scope="col">Private part</th></tr></thead><tbody>${phases}</tbody></table></div>${postChallenge(c)}</section>
<section><h2>How to submit</h2><p>Fork the competition repository, add a folder <code>submissions/&lt;team&gt;/&lt;name&gt;/</code> with a <code>submission.yml</code> and ${kinds}, and open a pull request that changes only that folder. It is checked at once, evaluated on the organisers' runners after approval, and the result is commented on the pull request and shown here.${limits && ` Limits: ${limits}.`}</p></section>`;
}

type Phase = Competition['config']['phases'][number];

/** A phase's limits, its own standing in for the competition's one by one, as they are enforced. */
function limitsText(c: Competition, p: Phase): string {
  const { perDay, total } = phaseLimits(c, p.id);
  const parts = [perDay ? `${perDay} a day (UTC)` : '', total ? `${total} in the phase` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'no limit';
}

/** After the last phase: whether the post-challenge board takes submissions, and its limits. */
function postChallenge(c: Competition): SafeHtml | undefined {
  const post = c.config.post_challenge;
  if (!post) return undefined;
  const last = lastPhase(c);
  if (!post.open) return html`<p>After ${last.name} closes, no submissions are taken: the post-challenge board is closed.</p>`;
  const { perDay, total } = phaseLimits(c, last.id, 'post-challenge');
  const limits = [perDay ? `${perDay} a day (UTC)` : '', total ? `${total} in all` : ''].filter(Boolean).join(', ') || 'no limit';
  return html`<p>After ${last.name} closes, submissions go on to the <a href="post-challenge.html">post-challenge board</a>, evaluated the same way (${POST_CHALLENGE_LABEL}; limits per team: ${limits}).</p>`;
}

/** Whether scores on a private part are sealed until a phase ends. */
function privatePart(c: Competition): string {
  const p = c.config.private;
  if (!p) return 'none: every score is shown at once';
  const share = p.fraction !== undefined ? `${Math.round(p.fraction * 100)}% of the test set` : 'part of the test set';
  return `${share}, scored and sealed until the phase closes`;
}

/** How a retrieval competition averages, in a sentence for its page. */
function retrievalNote(c: Competition): string {
  const names = c.metrics.map((m) => m.name);
  const trec = names.filter((n) => !n.includes('@'));
  const own = names.filter((n) => n.includes('@'));
  const parts = [
    'Each query counts once in every mean, and a test query with no ranked documents scores 0.',
    trec.length > 0
      ? `${trec.join(', ')} ${trec.length === 1 ? 'is' : 'are'} computed exactly as trec_eval computes ${trec.length === 1 ? 'it' : 'them'} with -c.`
      : '',
    own.length > 0
      ? `${own.join(', ')} ${own.length === 1 ? 'is' : 'are'} Podium's cut-off measures, averaged over the queries with a relevant document (see the scoring documentation).`
      : '',
  ];
  return parts.filter(Boolean).join(' ');
}

/** A UTC date-time people read, which the page's script also gives in the reader's own time zone. */
function utcTime(iso: string): SafeHtml {
  const d = new Date(iso);
  const text = Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return html`<time datetime="${iso}" data-local>${text}</time>`;
}
