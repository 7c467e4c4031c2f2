import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * A local stand-in for the parts of GitHub's REST API that the Action uses. Response bodies
 * start from the examples in GitHub's own OpenAPI description and are filled from the test's
 * state and a real (bare) Git repository; every response is validated against the operation's
 * response schema in that description before it is sent, and any mismatch is kept in
 * `violations` (and answered with a 500), so a test cannot pass on a response GitHub would
 * never give.
 */
const require = createRequire(import.meta.url);
type Json = Record<string, unknown>;

interface Spec {
  paths: Record<
    string,
    Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
  components: { examples: Record<string, { value: unknown }> };
}

let spec: Spec | undefined;
let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function loadSpec(): { spec: Spec; ajv: Ajv } {
  if (!spec || !ajv) {
    spec = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as Spec;
    ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(spec as unknown as Json, 'github');
  }
  return { spec, ajv };
}

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** The validator of one operation's response body. */
function validatorFor(route: string, method: string, status: number): ValidateFunction {
  const key = `${method} ${route} ${status}`;
  let v = compiled.get(key);
  if (!v) {
    const { ajv } = loadSpec();
    v = ajv.compile({
      $ref: `github#/${pointer('paths', route, method, 'responses', String(status), 'content', 'application/json', 'schema')}`,
    });
    compiled.set(key, v);
  }
  return v;
}

/** What is wrong with a response body by GitHub's OpenAPI description, or undefined when nothing is. */
export function responseProblems(route: string, method: string, status: number, body: unknown): string | undefined {
  const v = validatorFor(route, method, status);
  return v(body) ? undefined : JSON.stringify(v.errors?.slice(0, 3));
}

/** A deep copy of one of GitHub's documented examples. */
function example(name: string): Json {
  const { spec } = loadSpec();
  const e = spec.components.examples[name];
  if (!e) throw new Error(`no example ${name} in the OpenAPI description`);
  const value = e.value as Json | Json[];
  return structuredClone(Array.isArray(value) ? value[0]! : value);
}

export interface PullState {
  number: number;
  state: 'open' | 'closed';
  headSha: string;
  headRef: string;
  baseSha: string;
  author: string;
  files: { filename: string; status: 'added' | 'modified' | 'removed' | 'renamed'; previous_filename?: string }[];
}

export interface CommentState {
  id: number;
  issue: number;
  login: string;
  body: string;
  updates: number;
}

export interface StatusState {
  sha: string;
  state: string;
  context: string;
  description: string;
}

export interface Emulator {
  url: string;
  pulls: PullState[];
  comments: CommentState[];
  statuses: StatusState[];
  /** Every request, as "METHOD path". */
  requests: string[];
  violations: string[];
  close(): Promise<void>;
}

const ROUTES: { method: string; route: string; re: RegExp }[] = [
  ['get', '/repos/{owner}/{repo}/pulls/{pull_number}/files'],
  ['get', '/repos/{owner}/{repo}/pulls/{pull_number}'],
  ['get', '/repos/{owner}/{repo}/pulls'],
  ['get', '/repos/{owner}/{repo}/git/trees/{tree_sha}'],
  ['get', '/repos/{owner}/{repo}/git/blobs/{file_sha}'],
  ['get', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
  ['post', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
  ['patch', '/repos/{owner}/{repo}/issues/comments/{comment_id}'],
  ['post', '/repos/{owner}/{repo}/statuses/{sha}'],
].map(([method, route]) => ({ method: method!, route: route!, re: new RegExp(`^${route!.replace(/\{[a-z_]+\}/g, '([^/]+)')}$`) }));

/**
 * Starts the emulator for one repository `owner/repo` whose Git objects are in `gitDir`.
 * The bot that comments is `github-actions[bot]`.
 */
export async function startEmulator(owner: string, repo: string, gitDir: string): Promise<Emulator> {
  const state: Omit<Emulator, 'url' | 'close'> = { pulls: [], comments: [], statuses: [], requests: [], violations: [] };
  let nextComment = 1000;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: gitDir, maxBuffer: 64 << 20 });
  const base = (url: string) => `${url}/repos/${owner}/${repo}`;

  const pullOf = (p: PullState, url: string, simple: boolean): Json => {
    const o = example(simple ? 'pull-request-simple-items' : 'pull-request');
    const head = o.head as Json;
    const baseRef = o.base as Json;
    Object.assign(o, {
      number: p.number,
      state: p.state,
      url: `${base(url)}/pulls/${p.number}`,
      user: { ...(o.user as Json), login: p.author },
    });
    // GitHub's own example lists a requested team without the "type" its schema requires;
    // no team review is requested here.
    o.requested_teams = [];
    Object.assign(head, { sha: p.headSha, ref: p.headRef, label: `${p.author}:${p.headRef}` });
    Object.assign(baseRef, { sha: p.baseSha, ref: 'main' });
    return o;
  };
  const commentOf = (c: CommentState, url: string): Json => {
    const o = example('issue-comment');
    Object.assign(o, {
      id: c.id,
      body: c.body,
      url: `${base(url)}/issues/comments/${c.id}`,
      issue_url: `${base(url)}/issues/${c.issue}`,
      user: { ...(o.user as Json), login: c.login, type: 'Bot' },
    });
    return o;
  };

  function handle(method: string, route: string, params: string[], query: URLSearchParams, body: Json, url: string): [number, unknown] {
    const pull = (n: string) => state.pulls.find((p) => p.number === Number(n));
    switch (`${method} ${route}`) {
      case 'get /repos/{owner}/{repo}/pulls': {
        const want = query.get('state') ?? 'open';
        return [200, state.pulls.filter((p) => want === 'all' || p.state === want).map((p) => pullOf(p, url, true))];
      }
      case 'get /repos/{owner}/{repo}/pulls/{pull_number}': {
        const p = pull(params[2]!);
        return p ? [200, pullOf(p, url, false)] : [404, { message: 'Not Found' }];
      }
      case 'get /repos/{owner}/{repo}/pulls/{pull_number}/files': {
        const p = pull(params[2]!);
        if (!p) return [404, { message: 'Not Found' }];
        return [
          200,
          p.files.map((f) => {
            const o = example('diff-entry-items');
            Object.assign(o, { filename: f.filename, status: f.status, sha: '0'.repeat(40) });
            if (f.previous_filename) o.previous_filename = f.previous_filename;
            else delete o.previous_filename;
            return o;
          }),
        ];
      }
      case 'get /repos/{owner}/{repo}/git/trees/{tree_sha}': {
        const ref = params[2]!;
        let treeSha: string;
        try {
          treeSha = git('rev-parse', '--verify', `${ref}^{tree}`).toString().trim();
        } catch {
          return [404, { message: 'Not Found' }];
        }
        const recursive = query.has('recursive');
        const lines = git('ls-tree', '-l', ...(recursive ? ['-r', '-t'] : []), treeSha)
          .toString()
          .split('\n')
          .filter(Boolean);
        const tree = lines.map((l) => {
          const [meta, p] = l.split('\t') as [string, string];
          const [mode, type, sha, size] = meta.split(/\s+/) as [string, string, string, string];
          return {
            path: p,
            mode,
            type,
            sha,
            ...(type === 'blob' ? { size: Number(size), url: `${base(url)}/git/blobs/${sha}` } : { url: `${base(url)}/git/trees/${sha}` }),
          };
        });
        return [200, { sha: treeSha, url: `${base(url)}/git/trees/${treeSha}`, tree, truncated: false }];
      }
      case 'get /repos/{owner}/{repo}/git/blobs/{file_sha}': {
        const sha = params[2]!;
        let content: Buffer;
        try {
          content = git('cat-file', 'blob', sha);
        } catch {
          return [404, { message: 'Not Found' }];
        }
        const o = example('blob');
        Object.assign(o, {
          content: content.toString('base64'),
          encoding: 'base64',
          sha,
          size: content.length,
          url: `${base(url)}/git/blobs/${sha}`,
        });
        return [200, o];
      }
      case 'get /repos/{owner}/{repo}/issues/{issue_number}/comments':
        return [200, state.comments.filter((c) => c.issue === Number(params[2])).map((c) => commentOf(c, url))];
      case 'post /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        if (typeof body.body !== 'string') return [422, { message: 'body is required' }];
        if (body.body.length > 65536) return [422, { message: 'Body is too long (maximum is 65536 characters)' }];
        const c: CommentState = { id: nextComment++, issue: Number(params[2]), login: 'github-actions[bot]', body: body.body, updates: 0 };
        state.comments.push(c);
        return [201, commentOf(c, url)];
      }
      case 'patch /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        const c = state.comments.find((x) => x.id === Number(params[2]));
        if (!c) return [404, { message: 'Not Found' }];
        if (typeof body.body !== 'string' || body.body.length > 65536) return [422, { message: 'invalid body' }];
        c.body = body.body;
        c.updates++;
        return [200, commentOf(c, url)];
      }
      case 'post /repos/{owner}/{repo}/statuses/{sha}': {
        const s = {
          sha: params[2]!,
          state: String(body.state),
          context: String(body.context ?? 'default'),
          description: String(body.description ?? ''),
        };
        if (!['error', 'failure', 'pending', 'success'].includes(s.state)) return [422, { message: 'invalid state' }];
        if (s.description.length > 140) return [422, { message: 'description is too long (maximum is 140 characters)' }];
        state.statuses.push(s);
        const o = example('status');
        Object.assign(o, { state: s.state, context: s.context, description: s.description });
        return [201, o];
      }
    }
    return [404, { message: 'Not Found' }];
  }

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const u = new URL(req.url ?? '/', url);
      const method = (req.method ?? 'GET').toLowerCase();
      state.requests.push(`${method.toUpperCase()} ${u.pathname}`);
      const found = ROUTES.map((r) => ({ r, m: r.re.exec(u.pathname) })).find((x) => x.r.method === method && x.m);
      let status: number;
      let payload: unknown;
      if (!req.headers.authorization) [status, payload] = [401, { message: 'Requires authentication' }];
      else if (!found || found.m![1] !== owner || found.m![2] !== repo) [status, payload] = [404, { message: 'Not Found' }];
      else {
        let body: Json | undefined;
        try {
          body = raw ? (JSON.parse(raw) as Json) : {};
        } catch {
          body = undefined;
        }
        [status, payload] = body
          ? handle(method, found.r.route, found.m!.slice(1), u.searchParams, body, url)
          : [400, { message: 'Problems parsing JSON' }];
        if (status < 300) {
          const why = responseProblems(found.r.route, method, status, payload);
          if (why) {
            state.violations.push(`${method.toUpperCase()} ${found.r.route} ${status}: ${why}`);
            [status, payload] = [500, { message: 'emulator response does not match the OpenAPI description' }];
          }
        }
      }
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ...state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
