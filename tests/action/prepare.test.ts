import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  action,
  git,
  pipeline,
  pullRequestPayload,
  submissionFiles,
  workflowRunPayload,
  world,
  WORKFLOW_RUN,
  type World,
} from '../helpers/action-world.js';

/**
 * prepare, the bundled Action on the workflow_run of a validation, against the API emulator and
 * a bare remote (tests/helpers/action-world.ts): which pull request it takes from what GitHub
 * reports, the limits it counts, and what it hands the evaluation.
 */
/** The organisers end the phase: competition.yml's dates moved into the past, pushed to the default branch; returns their clone. */
async function endPhase(w: World): Promise<string> {
  const dir = await w.checkout(`organiser-${Date.now()}`);
  const yml = path.join(dir, 'competition.yml');
  const text = await readFile(yml, 'utf8');
  await writeFile(yml, text.replace(/start: \S+/, 'start: 2020-01-01T00:00:00Z').replace(/end: \S+/, 'end: 2020-06-30T23:59:59Z'));
  git(dir, 'commit', '-qam', 'The phase ended');
  git(dir, 'push', '-q', 'origin', 'HEAD:main');
  return dir;
}

/** The phase ends and the organisers publish its reveal (reveals/main.json on the results branch). */
async function endAndReveal(w: World): Promise<void> {
  const dir = await endPhase(w);
  const hasResults = git(dir, 'ls-remote', '--heads', 'origin', 'results') !== '';
  git(dir, 'checkout', '-q', ...(hasResults ? ['-b', 'results', 'origin/results'] : ['--orphan', 'results']));
  await mkdir(path.join(dir, 'reveals'), { recursive: true });
  const reveal = {
    schema: 'podium-reveal/1',
    competition: 'broadcast-sound-events',
    phase: 'main',
    revealed_at: '2020-07-01T00:00:00.000Z',
    key_id: '0'.repeat(16),
    records: [],
  };
  await writeFile(path.join(dir, 'reveals', 'main.json'), JSON.stringify(reveal));
  git(dir, 'add', 'reveals/main.json');
  git(dir, 'commit', '-qm', 'Reveal of phase main');
  git(dir, 'push', '-q', 'origin', 'results');
}

describe('prepare', () => {
  it('under the Ladder: prepare hands the team’s best to the runner, and the comment says the board did not move', async () => {
    const w = await world({ edit: (y) => y.replace('leaderboard:', 'leaderboard:\n  ladder:\n    step: 0.01\n') });
    const runnerEnv = { PODIUM_SEAL_KEY: randomBytes(32).toString('hex') };
    const first = await w.openPull('eta', 'one', submissionFiles(w, 'eta', 'one'));
    const ran = await pipeline(w, first, 'eta', { runnerEnv });
    expect(ran.e!.outputs.status, ran.e!.stdout).toBe('scored');
    expect((await action(ran.reportWs!, 'publish', WORKFLOW_RUN, w)).code).toBe(0);
    // Three more right answers: better by 3/600, less than the step.
    const truth = new Map(
      (await readFile(path.join(w.hidden, 'truth.csv'), 'utf8'))
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',') as [string, string]),
    );
    let fixes = 3;
    const better = w.baseline.replace(/^([^,\n]+),([^\n]+)$/gm, (line, id: string, label: string) => {
      const right = truth.get(id);
      if (fixes === 0 || right === undefined || right === label) return line;
      fixes--;
      return `${id},${right}`;
    });
    const second = await w.openPull('eta', 'two', submissionFiles(w, 'eta', 'two', better));
    const { p, e, r } = await pipeline(w, second, 'eta', { runnerEnv });
    expect(p.code, p.stdout).toBe(0);
    expect(e!.outputs.status, e!.stdout).toBe('scored');
    const body = w.api.comments.find((c) => c.issue === second.number)!.body;
    expect(body).toContain('did not beat your best by more than 0.01, so the board still shows your best, 0.8900');
    expect(body).toMatch(/\| accuracy ↑ \(primary\) \| 0\.8900 \| — \|/);
    expect(body).not.toContain('f1_macro');
    expect(r!.code).toBe(0);
    expect(w.api.violations).toEqual([]);
  });

  it("under the Ladder with tasks: prepare hands the team's best in the pull request's task only (control: the same task's best)", async () => {
    const tasks = '\ntasks:\n  - id: events\n    name: Sound events\n  - id: other\n    name: Other\n';
    const w = await world({
      edit: (y) =>
        `${y
          .replace('leaderboard:', 'leaderboard:\n  ladder:\n    step: 0.01\n')
          .replace(/ {2}columns: .*\n/, '')
          .trimEnd()}\n${tasks}`,
    });
    const runnerEnv = { PODIUM_SEAL_KEY: randomBytes(32).toString('hex') };
    const toTask = (name: string, task: string) => {
      const files = submissionFiles(w, 'eta', name);
      return { ...files, 'submission.yml': `${files['submission.yml'].trimEnd()}\ntask: ${task}\n` };
    };
    const first = await w.openPull('eta', 'one', toTask('one', 'events'));
    const ran = await pipeline(w, first, 'eta', { runnerEnv });
    expect(ran.e!.outputs.status, ran.e!.stdout).toBe('scored');
    expect((await action(ran.reportWs!, 'publish', WORKFLOW_RUN, w)).code).toBe(0);
    const requestOf = async (name: string, task: string) => {
      const pr = await w.openPull('eta', name, toTask(name, task));
      const ws = await w.checkout(`prepare-${name}`);
      const p = await action(ws, 'prepare', workflowRunPayload(pr.sha, 'success', w.headOf(pr.number)), w);
      expect(p.code, p.stdout).toBe(0);
      return JSON.parse(await readFile(path.join(p.outputs['prepared-dir']!, 'request.json'), 'utf8')) as { ladder?: { best?: number } };
    };
    expect((await requestOf('two', 'other')).ladder).toEqual({ phase: 'main', task: 'other' });
    expect((await requestOf('three', 'events')).ladder).toEqual({ phase: 'main', task: 'events', best: 0.89 });
    expect(w.api.violations).toEqual([]);
  });

  it('pull requests opened at once count against the limit: the first is evaluated, the next is held', async () => {
    const w = await world({ edit: (y) => y.replace('per_day: 5', 'per_day: 1') });
    const first = await w.openPull('zulu', 'one', submissionFiles(w, 'zulu', 'one'));
    const second = await w.openPull('zulu', 'two', submissionFiles(w, 'zulu', 'two'));
    // Neither has a record yet; both passed validation.
    const p2 = await action(await w.checkout('p2'), 'prepare', workflowRunPayload(second.sha, 'success', w.headOf(second.number)), w);
    expect(p2.code).toBe(1);
    expect(p2.stdout).toContain('team zulu has used its 1 submission(s) for today');
    const p1 = await action(await w.checkout('p1'), 'prepare', workflowRunPayload(first.sha, 'success', w.headOf(first.number)), w);
    expect(p1.code, p1.stdout).toBe(0);
    expect(p1.outputs.ready).toBe('true');
  });

  it("runs of one type opened at once count against that type's cap at prepare, read from the commit's submission.yml (control: the first is prepared)", async () => {
    const w = await world({ edit: (y) => `${y.trimEnd()}\nruns:\n  types: [automatic, manual]\n  max_per_type: 1\n` });
    const manual = (name: string) => {
      const files = submissionFiles(w, 'yankee', name);
      return { ...files, 'submission.yml': `${files['submission.yml'].trimEnd()}\nrun:\n  type: manual\n` };
    };
    const first = await w.openPull('yankee', 'one', manual('one'));
    const second = await w.openPull('yankee', 'two', manual('two'));
    const p2 = await action(await w.checkout('p2'), 'prepare', workflowRunPayload(second.sha, 'success', w.headOf(second.number)), w);
    expect(p2.code).toBe(1);
    expect(p2.stdout).toContain('team yankee has used all 1 runs of type "manual" in phase main');
    const p1 = await action(await w.checkout('p1'), 'prepare', workflowRunPayload(first.sha, 'success', w.headOf(first.number)), w);
    expect(p1.code, p1.stdout).toBe(0);
    expect(p1.outputs.ready).toBe('true');
    // A run of the other type is not held by the waiting manual ones.
    const files = submissionFiles(w, 'yankee', 'three');
    const automatic = await w.openPull('yankee', 'three', {
      ...files,
      'submission.yml': `${files['submission.yml'].trimEnd()}\nrun:\n  type: automatic\n`,
    });
    const p3 = await action(await w.checkout('p3'), 'prepare', workflowRunPayload(automatic.sha, 'success', w.headOf(automatic.number)), w);
    expect(p3.code, p3.stdout).toBe(0);
  });

  it("a run whose priority a scored run of the team's type holds is refused by the check (control: a free priority passes)", async () => {
    const w = await world({ edit: (y) => `${y.trimEnd()}\nruns:\n  types: [automatic, manual]\n  max_per_type: 4\n` });
    const manual = (name: string, priority: number) => {
      const files = submissionFiles(w, 'mike', name);
      return { ...files, 'submission.yml': `${files['submission.yml'].trimEnd()}\nrun:\n  type: manual\n  priority: ${priority}\n` };
    };
    const first = await w.openPull('mike', 'one', manual('one', 1));
    const ran = await pipeline(w, first, 'mike');
    expect(ran.e!.outputs.status, ran.e!.stdout).toBe('scored');
    expect((await action(ran.reportWs!, 'publish', WORKFLOW_RUN, w)).code).toBe(0);
    const check = async (name: string, priority: number) => {
      const pr = await w.openPull('mike', name, manual(name, priority));
      return action(await w.checkout(`v-${name}`, pr.sha), 'validate', pullRequestPayload(pr.number, pr.sha, pr.base, 'mike'), w);
    };
    const clash = await check('two', 1);
    expect(clash.code).toBe(1);
    expect(clash.stdout).toContain(
      'team mike\'s run one already has priority 1 among its "manual" runs; give this run another priority (free: 2, 3, 4).',
    );
    const free = await check('three', 2);
    expect(free.code, free.stdout).toBe(0);
    expect(w.api.violations).toEqual([]);
  });

  it('two runs declaring one priority opened at once: the second is held at prepare (control: the first is prepared)', async () => {
    const w = await world({ edit: (y) => `${y.trimEnd()}\nruns:\n  types: [automatic, manual]\n  max_per_type: 4\n` });
    const manual = (name: string) => {
      const files = submissionFiles(w, 'quebec', name);
      return { ...files, 'submission.yml': `${files['submission.yml'].trimEnd()}\nrun:\n  type: manual\n  priority: 1\n` };
    };
    const first = await w.openPull('quebec', 'one', manual('one'));
    // Another version of run one, in a pull request of its own: it keeps run one's priority.
    const again = await w.openPull('quebec', 'one', manual('one'));
    const second = await w.openPull('quebec', 'two', manual('two'));
    const prepare = async (pr: { number: number; sha: string }) =>
      action(await w.checkout(`p${pr.number}`), 'prepare', workflowRunPayload(pr.sha, 'success', w.headOf(pr.number)), w);
    const p2 = await prepare(again);
    expect(p2.code, p2.stdout).toBe(0);
    const held = await prepare(second);
    expect(held.code).toBe(1);
    expect(held.stdout).toContain(
      `team quebec's pull request #${first.number}, still waiting to be evaluated, already has priority 1 among its "manual" runs`,
    );
    const p1 = await prepare(first);
    expect(p1.code, p1.stdout).toBe(0);
    expect(p1.outputs.ready).toBe('true');
  });

  it('a submission.yml the workflow cannot read again is refused by the check, and prepare evaluates nothing of it (control: a short one)', async () => {
    const tasks = '\ntasks:\n  - id: events\n    name: Sound events\n  - id: other\n    name: Other\n';
    const w = await world({ edit: (y) => `${y.trimEnd()}\n${tasks}` });
    const padded = (name: string, pad: number) => {
      const files = submissionFiles(w, 'romeo', name);
      return { ...files, 'submission.yml': `# ${'x'.repeat(pad)}\n${files['submission.yml'].trimEnd()}\ntask: other\n` };
    };
    const big = await w.openPull('romeo', 'big', padded('big', 70 * 1024));
    const v = await action(await w.checkout('v-big', big.sha), 'validate', pullRequestPayload(big.number, big.sha, big.base, 'romeo'), w);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('a submission.yml may be 64 KiB at most');
    // Were prepare to run on it all the same, it would refuse rather than count it as nobody's task.
    const p = await action(await w.checkout('p-big'), 'prepare', workflowRunPayload(big.sha, 'success', w.headOf(big.number)), w);
    expect(p.code).toBe(1);
    expect(p.stdout).toContain('the task of submissions/romeo/big/submission.yml');
    expect(p.outputs.ready).not.toBe('true');
    const small = await w.openPull('romeo', 'small', padded('small', 100));
    const ok = await action(await w.checkout('p-small'), 'prepare', workflowRunPayload(small.sha, 'success', w.headOf(small.number)), w);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.outputs.ready).toBe('true');
  });

  it("waiting pull requests count against a task's limit only when they are of that task (control: two of one task, the second held)", async () => {
    const tasks = '\ntasks:\n  - id: events\n    name: Sound events\n  - id: other\n    name: Other\n    limits:\n      per_day: 1\n';
    const w = await world({ edit: (y) => `${y.trimEnd()}\n${tasks}` });
    const toTask = (team: string, name: string, task: string) => {
      const files = submissionFiles(w, team, name);
      return { ...files, 'submission.yml': `${files['submission.yml'].trimEnd()}\ntask: ${task}\n` };
    };
    const prepare = async (pr: { number: number; sha: string }) =>
      action(await w.checkout(`p${pr.number}`), 'prepare', workflowRunPayload(pr.sha, 'success', w.headOf(pr.number)), w);
    // kilo: one waiting in events, then one in other: other's 1 a day is still free.
    await w.openPull('kilo', 'one', toTask('kilo', 'one', 'events'));
    const kiloOther = await w.openPull('kilo', 'two', toTask('kilo', 'two', 'other'));
    const free = await prepare(kiloOther);
    expect(free.code, free.stdout).toBe(0);
    expect(free.outputs.ready).toBe('true');
    // lima: two in other, neither with a record yet: the second is held.
    await w.openPull('lima', 'one', toTask('lima', 'one', 'other'));
    const limaSecond = await w.openPull('lima', 'two', toTask('lima', 'two', 'other'));
    const held = await prepare(limaSecond);
    expect(held.code).toBe(1);
    expect(held.stdout).toContain('team lima has used its 1 submission(s) for today (UTC) in phase main, task other');
    expect(w.api.violations).toEqual([]);
  });

  it("a run sent before the last phase's end is official however late it is approved (control: one sent after goes to the post-challenge board)", async () => {
    const w = await world({ edit: (y) => `${y.trimEnd()}\npost_challenge:\n  open: true\n` });
    const recordOf = async (e: { outputs: Record<string, string> }) =>
      JSON.parse(await readFile(path.join(e.outputs['record-dir']!, 'record.json'), 'utf8')) as {
        phase: string;
        board?: string;
        id: string;
      };
    const early = await w.openPull('oscar', 'early', submissionFiles(w, 'oscar', 'early'));
    const ran = await pipeline(w, early, 'oscar', { beforeApproval: async () => void (await endPhase(w)) });
    expect(ran.e!.outputs.status, ran.e!.stdout).toBe('scored');
    const official = await recordOf(ran.e!);
    expect(official.phase).toBe('main');
    expect(official.board).toBeUndefined();
    const late = await w.openPull('papa', 'late', submissionFiles(w, 'papa', 'late'));
    const after = await pipeline(w, late, 'papa');
    expect(after.e!.outputs.status, after.e!.stdout).toBe('scored');
    expect(await recordOf(after.e!)).toMatchObject({ phase: 'main', board: 'post-challenge' });
    expect(w.api.violations).toEqual([]);
  });

  it('a run approved after its phase was revealed goes to the post-challenge board, leaving the published reveal whole', async () => {
    const w = await world({ edit: (y) => `${y.trimEnd()}\npost_challenge:\n  open: true\n` });
    const pr = await w.openPull('sierra', 'waited', submissionFiles(w, 'sierra', 'waited'));
    const ran = await pipeline(w, pr, 'sierra', { beforeApproval: () => endAndReveal(w) });
    expect(ran.p.outputs.ready).toBe('true');
    expect(ran.e!.outputs.status, ran.e!.stdout).toBe('scored');
    expect(ran.e!.stdout).toContain('Phase main was revealed while this run waited for approval');
    const record = JSON.parse(await readFile(path.join(ran.e!.outputs['record-dir']!, 'record.json'), 'utf8')) as { board?: string };
    expect(record.board).toBe('post-challenge');
    expect(w.api.violations).toEqual([]);
  });

  it('a run approved after its phase was revealed, with no post-challenge board, is not evaluated, and the comment says why', async () => {
    const w = await world();
    const pr = await w.openPull('tango', 'waited', submissionFiles(w, 'tango', 'waited'));
    const ran = await pipeline(w, pr, 'tango', { beforeApproval: () => endAndReveal(w) });
    expect(ran.p.outputs.ready).toBe('true');
    expect(ran.e!.outputs.status, ran.e!.stdout).toBe('not-evaluated');
    expect(ran.r!.code, ran.r!.stdout).toBe(0);
    const body = w.api.comments.find((c) => c.issue === pr.number)!.body;
    expect(body).toContain('the phase ended, and its private scores were revealed, before this run was approved');
    expect(w.api.statuses.find((s) => s.sha === pr.sha)).toMatchObject({
      state: 'error',
      description: 'not evaluated: the phase was revealed before approval',
    });
    expect(w.api.violations).toEqual([]);
  });

  it('a push after validation: the old head is no longer a pull request head, so nothing is evaluated', async () => {
    const w = await world();
    const pr = await w.openPull('eps', 'moved', submissionFiles(w, 'eps', 'moved'));
    w.api.pulls[0]!.headSha = 'f'.repeat(40);
    const prepWs = await w.checkout('prepare');
    const p = await action(prepWs, 'prepare', workflowRunPayload(pr.sha, 'success', w.headOf(pr.number)), w);
    expect(p.code).toBe(0);
    expect(p.outputs.ready).toBe('false');
    expect(p.stdout).toContain('No open pull request has');
  });

  it('the same commit in another fork’s pull request is not taken for the team’s own', async () => {
    const w = await world();
    const mine = await w.openPull('zeta', 'real', submissionFiles(w, 'zeta', 'real'));
    // Anyone can push a team's public commit to a fork of their own and open a pull request with it.
    const victim = w.api.pulls[0]!;
    w.api.pulls.push({ ...victim, number: 2, headRef: 'copy', headRepo: 'mallory/sound-events', author: 'mallory' });
    const theirs = await action(await w.checkout('p1'), 'prepare', workflowRunPayload(mine.sha, 'success', w.headOf(2)), w);
    expect(theirs.code).toBe(1);
    expect(theirs.outputs.ready).toBe('false');
    expect(theirs.stdout).toContain('without a teams.yml, each participant submits as a team of one named by their GitHub login');
    // Control: the run of the team's own pull request is prepared, for that pull request.
    const own = await action(await w.checkout('p2'), 'prepare', workflowRunPayload(mine.sha, 'success', w.headOf(1)), w);
    expect(own.outputs).toMatchObject({ ready: 'true', 'pull-request': '1', 'head-sha': mine.sha });
  });
});
