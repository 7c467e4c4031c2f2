import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobState, RunState } from '../helpers/github/emulator.js';
import {
  action,
  handOver,
  pullRequestPayload,
  submissionFiles,
  world,
  workflowRunPayload,
  WORKFLOW_RUN,
  type World,
} from '../helpers/action-world.js';

/**
 * queue and count, the bundled Action against the API emulator's workflow runs: the comment
 * while a submission waits (position, estimate from the median of recent evaluations), its
 * update when the evaluation starts, and the number of evaluations waiting on the leaderboard.
 */
const EVALUATE_WF = 42;
const WF_PATH = '.github/workflows/podium-evaluate.yml';
const T0 = Date.parse('2026-11-20T12:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString().replace(/\.000Z$/, 'Z');
const OWN = 500;

function run(id: number, created: number, status: RunState['status'], evaluate?: JobState, workflowId = EVALUATE_WF): RunState {
  const prepare: JobState = {
    name: 'prepare',
    status: 'completed',
    conclusion: 'success',
    startedAt: at(created),
    completedAt: at(created),
  };
  return {
    id,
    workflowId,
    path: workflowId === EVALUATE_WF ? WF_PATH : '.github/workflows/podium-validate.yml',
    status,
    ...(status === 'completed' ? { conclusion: 'success' as const } : {}),
    createdAt: at(created),
    jobs: evaluate ? [prepare, evaluate] : [prepare],
  };
}
/** A finished evaluation that ran `minutes` on the runner, after an approval that took an hour. */
const finished = (id: number, created: number, minutes: number): RunState =>
  run(id, created, 'completed', {
    name: 'evaluate',
    status: 'completed',
    conclusion: 'success',
    startedAt: at(created + 60),
    completedAt: at(created + 60 + minutes),
  });

/** This run: prepared, its evaluate job waiting for an approval. */
const own = () => run(OWN, 0, 'waiting', { name: 'evaluate', status: 'waiting' });

async function prepared(w: World) {
  const pr = await w.openPull('alpha', 'first', submissionFiles(w, 'alpha', 'first'));
  const v = await action(await w.checkout('validate', pr.sha), 'validate', pullRequestPayload(pr.number, pr.sha, pr.base, 'alpha'), w);
  expect(v.code, v.stdout).toBe(0);
  const prepWs = await w.checkout('prepare');
  const p = await action(prepWs, 'prepare', workflowRunPayload(pr.sha, 'success', w.headOf(pr.number)), w);
  expect(p.outputs.ready, p.stdout).toBe('true');
  const queueWs = await w.checkout('queue');
  await handOver(path.join(prepWs, 'podium-prepared'), queueWs, 'podium-prepared');
  return { pr, prepWs, queueWs };
}

const queueStep = (w: World, ws: string, inputs: Record<string, string> = { 'watch-minutes': '0' }) =>
  action(ws, 'queue', WORKFLOW_RUN, w, { inputs, env: { GITHUB_RUN_ID: String(OWN) } });

describe('queue', () => {
  it('says how many evaluations are ahead and when this one should start, from the median of recent ones; counts only', async () => {
    const w = await world();
    const { queueWs } = await prepared(w);
    w.api.runs.push(
      // History: 10, 20 and 30 minutes on the runner (median 20); one run that evaluated nothing, one cancelled.
      finished(480, -300, 10),
      finished(481, -280, 30),
      finished(482, -260, 20),
      run(483, -250, 'completed', { name: 'evaluate', status: 'completed', conclusion: 'skipped' }),
      run(484, -240, 'completed', {
        name: 'evaluate',
        status: 'completed',
        conclusion: 'cancelled',
        startedAt: at(-230),
        completedAt: at(-229),
      }),
      // Ahead: one running, one waiting for its approval. Behind: one. Not this workflow: one.
      run(498, -10, 'in_progress', { name: 'evaluate', status: 'in_progress', startedAt: at(-2) }),
      run(499, -5, 'waiting', { name: 'evaluate', status: 'waiting' }),
      own(),
      run(501, 1, 'waiting', { name: 'evaluate', status: 'waiting' }),
      run(502, -20, 'in_progress', undefined, 7),
    );
    const q = await queueStep(w, queueWs);
    expect(q.code, q.stdout).toBe(0);
    expect(q.outputs).toMatchObject({ ahead: '2', queue: 'waiting' });
    expect(w.api.comments).toHaveLength(1);
    const body = w.api.comments[0]!.body;
    expect(body.startsWith('<!-- podium:report -->\n<!-- podium:queue -->\n### Podium: alpha/first')).toBe(true);
    expect(body).toContain('**Waiting to be evaluated** at `');
    expect(body).toContain("It waits for an organiser's approval.");
    expect(body).toContain('**2** evaluations are ahead of it.');
    expect(body).toMatch(
      /Estimated start: in about 40 min, around \d\d:\d\d UTC \(2 × 20 min, the median time of the last 3 evaluations, one after another/,
    );
    // Nothing of the other runs but their number (this run's own commit is shown, and its hex
    // digits may hold any run id by chance: it is left out of the check).
    const others = body.replace(/`[0-9a-f]{12}`/g, '`…`');
    for (const id of ['480', '498', '499', '501', '502']) expect(others).not.toContain(id);
    expect(w.api.violations).toEqual([]);
  });

  it('says "no estimate yet" when no evaluation has finished', async () => {
    const w = await world();
    const { queueWs } = await prepared(w);
    w.api.runs.push(
      run(483, -250, 'completed', { name: 'evaluate', status: 'completed', conclusion: 'skipped' }),
      run(499, -5, 'queued', { name: 'evaluate', status: 'queued' }),
      own(),
    );
    const q = await queueStep(w, queueWs);
    expect(q.code, q.stdout).toBe(0);
    const body = w.api.comments[0]!.body;
    expect(body).toContain('**1** evaluation is ahead of it. No estimate yet: no evaluation has finished here so far.');
    expect(body).not.toContain('Estimated start');
    expect(w.api.violations).toEqual([]);
  });

  it('control: an empty queue says none is ahead', async () => {
    const w = await world();
    const { queueWs } = await prepared(w);
    w.api.runs.push(finished(480, -300, 12), own());
    const q = await queueStep(w, queueWs);
    expect(q.code, q.stdout).toBe(0);
    expect(q.outputs.ahead).toBe('0');
    const body = w.api.comments[0]!.body;
    expect(body).toContain('No evaluation is ahead of it. Estimated start: as soon as it is approved and a runner is free.');
    expect(body).toContain('Recent evaluations took about 12 min (the median of the last 1).');
  });

  it('updates the comment when the evaluation starts, and the report replaces it with the result', async () => {
    const w = await world();
    const { queueWs, prepWs, pr } = await prepared(w);
    const mine = own();
    w.api.runs.push(finished(480, -300, 12), mine);
    const watching = queueStep(w, queueWs, { 'watch-minutes': '1', 'poll-seconds': '1' });
    for (let i = 0; i < 200 && w.api.comments.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(w.api.comments).toHaveLength(1);
    expect(w.api.comments[0]!.body).toContain('**Waiting to be evaluated**');
    // The organiser approves; a runner takes the job.
    mine.status = 'in_progress';
    mine.jobs[1] = { name: 'evaluate', status: 'in_progress', startedAt: at(3) };
    const q = await watching;
    expect(q.code, q.stdout).toBe(0);
    expect(q.outputs.queue).toBe('started');
    expect(w.api.comments).toHaveLength(1);
    expect(w.api.comments[0]!.updates).toBe(1);
    expect(w.api.comments[0]!.body).toContain('**Evaluation started** at 12:03 UTC on `');

    const evalWs = await w.checkout('evaluate');
    await handOver(path.join(prepWs, 'podium-prepared'), evalWs, 'podium-prepared');
    const e = await action(evalWs, 'evaluate', workflowRunPayload(pr.sha, 'success', w.headOf(pr.number)), w, {
      inputs: { hidden: w.hiddenOnRunner },
      env: w.evaluateEnv,
      runner: w.runner,
    });
    expect(e.code, e.stdout).toBe(0);
    const reportWs = await w.checkout('report');
    await handOver(path.join(evalWs, 'podium-record'), reportWs, 'podium-record');
    const r = await action(reportWs, 'report', WORKFLOW_RUN, w);
    expect(r.outputs.comment, r.stdout).toBe('updated');
    expect(w.api.comments).toHaveLength(1);
    expect(w.api.comments[0]!.body).toContain('**Scored**');
    expect(w.api.comments[0]!.body).not.toContain('podium:queue');

    // Once the evaluation has finished, the queue job writes nothing over the result.
    mine.jobs[1] = { name: 'evaluate', status: 'completed', conclusion: 'success', startedAt: at(3), completedAt: at(5) };
    const late = await queueStep(w, queueWs);
    expect(late.outputs.queue).toBe('finished');
    expect(w.api.comments[0]!.body).toContain('**Scored**');
    expect(w.api.violations).toEqual([]);
  });

  it('refuses a watch that is not a whole number, and a job without its run id, saying what to give', async () => {
    const w = await world();
    const { queueWs } = await prepared(w);
    w.api.runs.push(own());
    const bad = await queueStep(w, queueWs, { 'watch-minutes': 'soon' });
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/the input "watch-minutes" is "soon": give how many minutes the queue job keeps the comment current/);
    const noRun = await action(queueWs, 'queue', WORKFLOW_RUN, w, { inputs: { 'watch-minutes': '0' } });
    expect(noRun.code).not.toBe(0);
    expect(noRun.stdout).toContain('GITHUB_RUN_ID is not set');
    // Control: the same step with the run id writes the comment.
    expect((await queueStep(w, queueWs)).code).toBe(0);
    expect(w.api.comments).toHaveLength(1);
  });
});

describe('count and the leaderboard', () => {
  it('counts the unfinished evaluations for publish, which shows them; without a count the page says nothing', async () => {
    const w = await world();
    const { queueWs } = await prepared(w);
    w.api.runs.push(
      run(498, -10, 'in_progress', { name: 'evaluate', status: 'in_progress', startedAt: at(-2) }),
      run(499, -5, 'waiting', { name: 'evaluate', status: 'waiting' }),
      run(501, 1, 'queued', { name: 'evaluate', status: 'queued' }),
      run(OWN, 0, 'in_progress', { name: 'evaluate', status: 'completed', conclusion: 'success', startedAt: at(1), completedAt: at(2) }),
      run(502, -20, 'in_progress', undefined, 7),
    );
    const c = await action(queueWs, 'count', WORKFLOW_RUN, w, { env: { GITHUB_RUN_ID: String(OWN) } });
    expect(c.code, c.stdout).toBe(0);
    expect(c.outputs.waiting).toBe('3');
    // A token that may not read Actions: no count, and no failure either.
    const denied = await action(queueWs, 'count', WORKFLOW_RUN, w, {
      env: { GITHUB_RUN_ID: String(OWN) },
      token: w.api.jobToken({ contents: 'read' }),
    });
    expect(denied.code, denied.stdout).toBe(0);
    expect(denied.outputs.waiting).toBe('');
    expect(w.api.answers.some((a) => a.endsWith(' 403'))).toBe(true);

    // Publish after a run that evaluated nothing: the site is built as it stands.
    await writeFile(path.join(queueWs, 'podium-prepared', 'not-evaluated.json'), '{"reason":"closed"}\n');
    const site = async (inputs: Record<string, string>) => {
      const pub = await action(queueWs, 'publish', WORKFLOW_RUN, w, { inputs: { 'record-dir': 'podium-prepared', ...inputs } });
      expect(pub.code, pub.stdout).toBe(0);
      return readFile(path.join(queueWs, '_site', 'index.html'), 'utf8');
    };
    expect(await site({ waiting: '3' })).toContain('3 evaluations waiting when this page was built');
    expect(await site({ waiting: '1' })).toContain('1 evaluation waiting when this page was built');
    expect(await site({ waiting: '0' })).toContain('No evaluations waiting when this page was built');
    // Control: a build without the count shows nothing of a queue.
    expect(await site({})).not.toContain('waiting when this page was built');
  });
});
