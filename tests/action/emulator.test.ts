import { describe, expect, it } from 'vitest';
import { responseProblems } from '../helpers/github/emulator.js';
import { requestProblems } from '../helpers/github/openapi.js';
import { jobPermissions } from '../helpers/github/permissions.js';
import { action, pipeline, submissionFiles, workflowRunPayload, world, type World } from '../helpers/action-world.js';

/**
 * The GitHub API emulator refuses what GitHub refuses, so the Action's tests cannot pass on
 * behaviour GitHub would not allow; and the Action copes with what GitHub does to clients
 * (pagination, cut listings, rate limits, server errors).
 */

async function call(w: World, token: string, method: string, route: string, body?: unknown) {
  const res = await fetch(`${w.api.url}${route}`, {
    method,
    headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, link: res.headers.get('link'), body: (await res.json()) as unknown };
}

describe('the GitHub API emulator', () => {
  it("refuses a response that GitHub's OpenAPI description does not allow", () => {
    expect(responseProblems('/repos/{owner}/{repo}/statuses/{sha}', 'post', 201, { state: 'success' })).toMatch(/required/);
    const blob = {
      content: 'aGk=',
      encoding: 'base64',
      url: 'https://api.github.com/repos/o/r/git/blobs/abc',
      sha: 'abc',
      size: 2,
      node_id: 'B_1',
    };
    // Control: the well-formed blob passes; the same with a number for its content does not.
    expect(responseProblems('/repos/{owner}/{repo}/git/blobs/{file_sha}', 'get', 200, blob)).toBeUndefined();
    expect(responseProblems('/repos/{owner}/{repo}/git/blobs/{file_sha}', 'get', 200, { ...blob, content: 1 })).toMatch(
      /"instancePath":"\/content".*must be string/,
    );
  });

  it('refuses a request the description does not allow: unknown parameters, wrong types, a body outside the schema', () => {
    const q = (s: string) => new URLSearchParams(s);
    const route = '/repos/{owner}/{repo}/pulls';
    // Control: a request as Octokit sends it passes.
    expect(
      requestProblems(route, 'get', { path: { owner: 'o', repo: 'r' }, query: q('state=open&per_page=100&page=2'), body: undefined }),
    ).toBeUndefined();
    expect(requestProblems(route, 'get', { path: { owner: 'o', repo: 'r' }, query: q('state=opened'), body: undefined })).toMatch(
      /state=opened/,
    );
    expect(requestProblems(route, 'get', { path: { owner: 'o', repo: 'r' }, query: q('per_page=many'), body: undefined })).toMatch(
      /per_page/,
    );
    expect(requestProblems(route, 'get', { path: { owner: 'o', repo: 'r' }, query: q('recursive=1'), body: undefined })).toMatch(
      /unknown query parameter recursive/,
    );
    const status = '/repos/{owner}/{repo}/statuses/{sha}';
    expect(
      requestProblems(status, 'post', { path: { owner: 'o', repo: 'r', sha: 'a' }, query: q(''), body: { state: 'success' } }),
    ).toBeUndefined();
    expect(requestProblems(status, 'post', { path: { owner: 'o', repo: 'r', sha: 'a' }, query: q(''), body: { state: 'passed' } })).toMatch(
      /body/,
    );
  });

  it('gives each job only the permissions its workflow job declares, and a fork read-only ones', async () => {
    const w = await world();
    const wf =
      'on: pull_request\npermissions: { contents: read }\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: { pull-requests: write, statuses: write }\n    steps: []\n';
    const own = w.api.jobToken(jobPermissions(wf, 'a'));
    const fork = w.api.jobToken(jobPermissions(wf, 'a', { fork: true }));
    const pr = await w.openPull('alpha', 'x', submissionFiles(w, 'alpha', 'x'));
    const comment = (t: string) => call(w, t, 'POST', `/repos/${w.api.owner}/${w.api.repo}/issues/${pr.number}/comments`, { body: 'hi' });
    expect((await comment(own)).status).toBe(201);
    expect(await comment(fork)).toMatchObject({ status: 403, body: { message: 'Resource not accessible by integration' } });
    // contents is not among the job's own permissions (the job's list replaces the workflow's).
    expect((await call(w, own, 'GET', `/repos/${w.api.owner}/${w.api.repo}/git/trees/${pr.sha}`)).status).toBe(403);
    expect((await call(w, fork, 'GET', `/repos/${w.api.owner}/${w.api.repo}/pulls/${pr.number}`)).status).toBe(200);
    expect((await call(w, 'ghs_forged', 'GET', `/repos/${w.api.owner}/${w.api.repo}/pulls/${pr.number}`)).status).toBe(401);
    expect(w.api.violations).toEqual([]);
  });

  it('paginates with Link headers, refuses a comment over 65,536 characters', async () => {
    const w = await world();
    const pr = await w.openPull('alpha', 'x', submissionFiles(w, 'alpha', 'x'));
    const t = w.api.jobToken({ 'pull-requests': 'write' });
    for (let i = 0; i < 3; i++) w.api.comments.push({ id: 9000 + i, issue: pr.number, login: 'someone', body: `c${i}`, updates: 0 });
    const first = await call(w, t, 'GET', `/repos/${w.api.owner}/${w.api.repo}/issues/${pr.number}/comments?per_page=2`);
    expect((first.body as unknown[]).length).toBe(2);
    expect(first.link).toMatch(/<[^>]+page=2[^>]*>; rel="next"/);
    const second = await call(w, t, 'GET', `/repos/${w.api.owner}/${w.api.repo}/issues/${pr.number}/comments?per_page=2&page=2`);
    expect((second.body as unknown[]).length).toBe(1);
    expect(second.link).not.toContain('rel="next"');
    const route = `/repos/${w.api.owner}/${w.api.repo}/issues/${pr.number}/comments`;
    expect((await call(w, t, 'POST', route, { body: 'x'.repeat(65_536) })).status).toBe(201);
    expect((await call(w, t, 'POST', route, { body: 'x'.repeat(65_537) })).status).toBe(422);
  });
});

describe('the Action against what GitHub does to clients', () => {
  it('finds its own comment on the third page of a busy pull request and updates it', async () => {
    const w = await world();
    const pr = await w.openPull('beta', 'busy', submissionFiles(w, 'beta', 'busy'));
    const ran = await pipeline(w, pr, 'beta');
    expect(ran.r!.outputs.comment).toBe('created');
    // 250 comments by others after Podium's own.
    for (let i = 0; i < 250; i++)
      w.api.comments.push({ id: 20_000 + i, issue: pr.number, login: `user${i}`, body: `comment ${i}`, updates: 0 });
    w.api.comments.push(
      ...w.api.comments.splice(
        w.api.comments.findIndex((c) => c.login === 'github-actions[bot]'),
        1,
      ),
    );
    const again = await action(ran.reportWs!, 'report', workflowRunPayload(pr.sha), w);
    expect(again.outputs.comment, again.stdout).toBe('updated');
    expect(w.api.requests.filter((q) => q.endsWith(`/issues/${pr.number}/comments`)).length).toBeGreaterThanOrEqual(4);
    expect(w.api.comments.filter((c) => c.login === 'github-actions[bot]')).toHaveLength(1);
  });

  it('refuses a pull request whose files GitHub cannot list in full (more than 3,000)', async () => {
    const w = await world();
    const pr = await w.openPull('gamma', 'many', submissionFiles(w, 'gamma', 'many'));
    const p = w.api.pulls.find((x) => x.number === pr.number)!;
    for (let i = 0; i < 3001; i++) p.files.push({ filename: `submissions/gamma/many/f${i}.txt`, status: 'added' });
    const ran = await pipeline(w, pr, 'gamma');
    expect(ran.v.code).toBe(1);
    expect(ran.v.stdout).toContain('more than GitHub lists (3000)');
    // Control: within the listing, the same pull request is a submission.
    p.files.splice(2);
    expect((await pipeline(w, pr, 'gamma')).e!.outputs.status).toBe('scored');
  });

  it('walks a tree level by level when GitHub cuts the recursive listing', async () => {
    const w = await world({ emulator: { treeEntryLimit: 2 } });
    const files = { ...submissionFiles(w, 'delta', 'deep'), 'notes/a.md': 'a', 'notes/more/b.md': 'b' };
    const pr = await w.openPull('delta', 'deep', files);
    const ran = await pipeline(w, pr, 'delta');
    expect(ran.e!.outputs.status, ran.e!.stdout).toBe('scored');
    expect(ran.e!.stdout).toContain('Fetched 4 file(s)');
    expect(w.api.requests.filter((q) => q.includes('/git/trees/')).length).toBeGreaterThan(4);
  });

  it('waits out secondary and primary rate limits and retries server errors, saying so in the log', async () => {
    const w = await world();
    const pr = await w.openPull('eps', 'slow', submissionFiles(w, 'eps', 'slow'));
    const repo = `/repos/${w.api.owner}/${w.api.repo}`;
    w.api.faults.push(
      { match: new RegExp(`^GET ${repo}/pulls/${pr.number}/files`), kind: 'secondary-403', retryAfter: 1, times: 1 },
      { match: new RegExp(`^GET ${repo}/pulls\\?`), kind: 'secondary-429', retryAfter: 1, times: 1 },
      { match: new RegExp(`^GET ${repo}/git/blobs/`), kind: 'server', times: 1 },
      { match: new RegExp(`^POST ${repo}/statuses/`), kind: 'primary', times: 1 },
    );
    const ran = await pipeline(w, pr, 'eps');
    expect(ran.e!.outputs.status, ran.e!.stdout).toBe('scored');
    expect(ran.r!.code, ran.r!.stdout).toBe(0);
    expect(w.api.faults.map((f) => f.times)).toEqual([0, 0, 0, 0]);
    expect(w.api.answers).toEqual(
      expect.arrayContaining([expect.stringMatching(/ 403$/), expect.stringMatching(/ 429$/), expect.stringMatching(/ 502$/)]),
    );
    expect(ran.v.stdout).toContain('with its secondary rate limit: waiting 1 s, then trying again');
    expect(ran.r!.stdout).toContain('with its rate limit: waiting');
    expect(w.api.statuses.filter((s) => s.sha === pr.sha)).toHaveLength(1);
  });
});
