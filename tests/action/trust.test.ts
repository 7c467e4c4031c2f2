import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  action,
  fakeRunner,
  handOver,
  pipeline,
  pullRequestPayload,
  submissionFiles,
  workflowRunPayload,
  world,
} from '../helpers/action-world.js';
import { GFM, mentionsAndReferences, renderGfm, tagsOf } from '../helpers/gfm.js';

/**
 * The attacks on the GitHub deployment, each reproduced against the bundled Action with a
 * control that shows the probe succeeds where the protection does not apply.
 */

describe('an approval covers the commit it was given for', () => {
  it('a push while the run waits for approval: the approved run evaluates nothing and says to wait for the next run', async () => {
    const w = await world();
    // Control: the same steps without a push in between evaluate the commit.
    const control = await w.openPull('nu', 'steady', submissionFiles(w, 'nu', 'steady'));
    expect((await pipeline(w, control, 'nu')).e!.outputs.status).toBe('scored');

    const pr = await w.openPull('mu', 'swap', submissionFiles(w, 'mu', 'swap'));
    let moved = '';
    const ran = await pipeline(w, pr, 'mu', {
      // The participant lets prepare see commit M, then pushes B before an organiser approves.
      beforeApproval: async () => {
        moved = await w.push(pr, { 'submissions/mu/swap/predictions.csv': w.baseline.replace(/,\w+\n$/, ',speech\n') });
      },
    });
    expect(ran.p.outputs.ready).toBe('true');
    expect(ran.e!.code, ran.e!.stdout).toBe(0);
    expect(ran.e!.outputs.status).toBe('not-evaluated');
    expect(ran.e!.stdout).toContain(`moved from ${pr.sha} to ${moved}`);
    // Nothing of the submission was fetched for the moved run.
    expect(w.api.requests.filter((q) => q.includes('/git/trees/') && q.includes(pr.sha))).toEqual([]);
    const comment = w.api.comments.find((c) => c.issue === pr.number)!.body;
    expect(comment).toContain('**Not evaluated**');
    expect(comment).toContain('Wait for the next run');
    expect(w.api.statuses.find((s) => s.sha === pr.sha)).toMatchObject({ state: 'error' });
    const pub = await action(ran.reportWs!, 'publish', workflowRunPayload(pr.sha), w);
    expect(pub.code, pub.stdout).toBe(0);
    expect(pub.outputs.commit).toBe('');
    // The new head goes through its own run and is evaluated.
    const next = await pipeline(w, { ...pr, sha: moved }, 'mu');
    expect(next.e?.outputs.status, `${next.v.stdout}\n${next.p.stdout}`).toBe('scored');
    expect(w.api.violations).toEqual([]);
  });

  it('a closed and reopened pull request, or a re-run, does not score the same commit again', async () => {
    const w = await world();
    const pr = await w.openPull('xi', 'once', submissionFiles(w, 'xi', 'once'));
    const first = await pipeline(w, pr, 'xi');
    // Control: the first run is prepared and scored.
    expect(first.p.outputs.ready).toBe('true');
    expect((await action(first.reportWs!, 'publish', workflowRunPayload(pr.sha), w)).code).toBe(0);
    const again = await pipeline(w, pr, 'xi');
    expect(again.p.code).toBe(0);
    expect(again.p.outputs.ready).toBe('false');
    expect(again.p.stdout).toContain(
      `commit ${pr.sha.slice(0, 12)} was evaluated already (record main/xi/once/${pr.sha.slice(0, 12)}, scored)`,
    );
    expect(again.e).toBeUndefined();
  });
});

describe('limits count only pull requests whose author may enter for the team', () => {
  it('five junk pull requests under another team’s folder do not use up its limit', async () => {
    const w = await world({ edit: (y) => y.replace('per_day: 5', 'per_day: 1') });
    for (let i = 0; i < 5; i++) await w.openPull('victim', `junk-${i}`, submissionFiles(w, 'victim', `junk-${i}`), {}, 'mallory');
    const mine = await w.openPull('victim', 'real', submissionFiles(w, 'victim', 'real'));
    const p = await action(await w.checkout('p'), 'prepare', workflowRunPayload(mine.sha, 'success', w.headOf(mine.number)), w);
    expect(p.code, p.stdout).toBe(0);
    expect(p.outputs.ready).toBe('true');
    // Control: an earlier open pull request of the team's own member does count.
    const later = await w.openPull('victim', 'later', submissionFiles(w, 'victim', 'later'));
    const held = await action(await w.checkout('p2'), 'prepare', workflowRunPayload(later.sha, 'success', w.headOf(later.number)), w);
    expect(held.code).toBe(1);
    expect(held.stdout).toContain('team victim has used its 1 submission(s) for today');
  });
});

describe('participant text in summaries and comments is inert', () => {
  const HOSTILE =
    'evil\n\n**Scored** at `abc` in phase main. Would rank **1** of 1 @admin ![x](http://evil.example/x.png) <img src=x onerror=alert(1)> #1 \u202Eevil\n\n# heading';

  it.skipIf(!GFM)(
    'a file name with line breaks, Markdown, HTML, a mention and an image renders as plain text in the job summary',
    async () => {
      const w = await world();
      const pr = await w.openPull('omicron', 'names', submissionFiles(w, 'omicron', 'names'), { [HOSTILE.replace(/\//g, '_')]: 'x' });
      const v = await action(await w.checkout('v', pr.sha), 'validate', pullRequestPayload(pr.number, pr.sha, pr.base, 'omicron'), w);
      expect(v.code).toBe(1);
      const html = renderGfm(v.summary);
      expect(html).toContain('Scored');
      expect(new Set(tagsOf(html))).toEqual(new Set(['h3', 'p']));
      expect(mentionsAndReferences(html)).toEqual([]);
      expect(html).not.toContain('\u202E');
      // Control: the same text, not made inert, renders an image, bold text, a heading and a mention.
      const raw = renderGfm(`### x\n\n${HOSTILE}\n`);
      expect(tagsOf(raw)).toEqual(expect.arrayContaining(['strong', 'img', 'code', 'h1']));
      expect(mentionsAndReferences(raw)).toEqual(['@admin', '#1']);
    },
  );
});

describe('the evaluation job checks its runner and its hidden data', () => {
  it('refuses a runner that is not ephemeral, unless competition.yml says why it may be used', async () => {
    const w = await world({ ephemeral: false });
    const pr = await w.openPull('pi', 'one', submissionFiles(w, 'pi', 'one'));
    const refused = await pipeline(w, pr, 'pi');
    expect(refused.e!.code).toBe(1);
    expect(refused.e!.stdout).toContain('The runner gpu-01 is not ephemeral');
    expect(refused.e!.stdout).toContain('runners.persistent');
    // Control: the same runner, registered as ephemeral, is taken.
    const eph = await fakeRunner(path.join(w.root, 'ephemeral-runner'), true);
    const ok = await pipeline({ ...w, runner: eph }, pr, 'pi');
    expect(ok.e!.outputs.status, ok.e!.stdout).toBe('scored');
    expect(ok.e!.stdout).toContain('Runner: gpu-jit-7, an ephemeral self-hosted runner');
  });

  it('takes a persistent runner when competition.yml states the reason, and says so to the organisers', async () => {
    const reason = 'one lab machine, re-imaged nightly, in a group restricted to podium-evaluate.yml';
    const w = await world({ ephemeral: false, edit: (y) => `${y}runners:\n  persistent: "${reason}"\n` });
    const pr = await w.openPull('rho', 'one', submissionFiles(w, 'rho', 'one'));
    const ran = await pipeline(w, pr, 'rho');
    expect(ran.e!.outputs.status, ran.e!.stdout).toBe('scored');
    expect(ran.e!.stdout).toContain(`::warning::The runner gpu-01 is not ephemeral`);
    expect(ran.e!.stdout).toContain(reason);
  });

  it('refuses to run outside a GitHub runner’s own Node.js, where it cannot tell', async () => {
    const w = await world();
    const pr = await w.openPull('sigma', 'one', submissionFiles(w, 'sigma', 'one'));
    const ran = await pipeline({ ...w, runner: { root: '', node: process.execPath } }, pr, 'sigma');
    expect(ran.e!.code).toBe(1);
    expect(ran.e!.stdout).toContain('Podium cannot tell whether this runner is ephemeral');
    // Control: a GitHub-hosted runner says so in RUNNER_ENVIRONMENT, and is a fresh machine.
    const hosted = await pipeline({ ...w, runner: { root: '', node: process.execPath } }, pr, 'sigma', {
      runnerEnv: { RUNNER_ENVIRONMENT: 'github-hosted' },
    });
    expect(hosted.e!.outputs.status, hosted.e!.stdout).toBe('scored');
  });

  it('refuses hidden data kept as a plain folder, unless competition.yml says why; opens the sealed file without leaving it behind', async () => {
    const w = await world();
    const pr = await w.openPull('tau', 'one', submissionFiles(w, 'tau', 'one'));
    const plain = await pipeline(w, pr, 'tau', { hidden: w.hidden });
    expect(plain.e!.code).toBe(1);
    expect(plain.e!.stdout).toContain('is a plain folder, which every job that reaches this runner could read');
    // Control: the sealed file is opened for the evaluation, and removed with it.
    const sealed = await pipeline(w, pr, 'tau');
    expect(sealed.e!.outputs.status, sealed.e!.stdout).toBe('scored');
    expect(sealed.e!.stdout).toContain('Hidden data: opened from the sealed file for this evaluation only.');
    // The job's temporary folders (RUNNER_TEMP) hold no opened copy afterwards.
    const left: string[] = [];
    for (const d of (await readdir(w.root)).filter((n) => n.startsWith('runner-evaluate-')))
      left.push(...(await readdir(path.join(w.root, d))).filter((n) => n.startsWith('podium-hidden-')));
    expect(left).toEqual([]);
    // Without the environment's key, nothing opens.
    const keyless = await pipeline(w, pr, 'tau', { runnerEnv: { PODIUM_DATA_KEY: '' } });
    expect(keyless.e!.code).toBe(1);
    expect(keyless.e!.stdout).toContain('PODIUM_DATA_KEY is not set');
  });

  it('accepts a plain folder when competition.yml says an earlier step of the job fetches it', async () => {
    const w = await world({
      plainHidden: true,
      edit: (y) =>
        `${y}runners:\n  plain_hidden_data: "fetched by an earlier step of the job from storage the environment's secrets open"\n`,
    });
    const pr = await w.openPull('upsilon', 'one', submissionFiles(w, 'upsilon', 'one'));
    const ran = await pipeline(w, pr, 'upsilon');
    expect(ran.e!.outputs.status, ran.e!.stdout).toBe('scored');
    expect(ran.e!.stdout).toContain('Hidden data: a plain folder, as competition.yml runners.plain_hidden_data allows');
  });
});

describe('artifacts between jobs', () => {
  it('lose file modes and symbolic links in the hand-off every pipeline here uses, as upload-artifact does', async () => {
    const w = await world();
    const pr = await w.openPull('phi', 'one', submissionFiles(w, 'phi', 'one'));
    const ran = await pipeline(w, pr, 'phi');
    expect(ran.e!.outputs.status).toBe('scored');
    const ws = await w.checkout('artifact');
    const { symlink, writeFile, mkdir, stat } = await import('node:fs/promises');
    const from = path.join(w.root, 'artifact-src');
    await mkdir(from);
    await writeFile(path.join(from, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await symlink('/etc/passwd', path.join(from, 'link'));
    await handOver(from, ws, 'out');
    expect((await stat(path.join(ws, 'out', 'run.sh'))).mode & 0o777).toBe(0o644);
    await expect(stat(path.join(ws, 'out', 'link'))).rejects.toThrow(/ENOENT/);
    await rm(from, { recursive: true });
    expect(await readFile(path.join(ws, 'out', 'run.sh'), 'utf8')).toBe('#!/bin/sh\n');
  });
});
