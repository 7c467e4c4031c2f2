import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { forbiddenReason } from './address.js';
import { PodiumError } from '../../contracts/problems.js';

/** What the organiser allows API calls to do (competition.yml `api`). */
export interface EndpointPolicy {
  /** Plain http:// (for local tests only). */
  allowHttp: boolean;
  /** Hosts that may resolve to loopback or private addresses, e.g. "127.0.0.1" or "localhost". */
  allowHosts: readonly string[];
  /** The whole of one request, from connecting to the last byte of the answer (not an idle timeout). */
  timeoutMs: number;
  maxResponseBytes: number;
  maxRedirects: number;
  /** Bytes every answer of the evaluation may use together; each answer takes from it. */
  budget?: { bytesLeft: number };
  /** Stops every request of the evaluation (its deadline, or a cancelled job). */
  signal?: AbortSignal;
}

/** A refusal or failure of one call; `retry` says whether trying again may help. */
export class EndpointError extends PodiumError {
  readonly retry: boolean;
  constructor(message: string, retry: boolean) {
    super(message);
    this.name = 'EndpointError';
    this.retry = retry;
  }
}

/**
 * Checks a URL against the policy and resolves its host once; the connection then uses the
 * address checked here (no second lookup that could answer differently).
 */
export async function checkedTarget(raw: string, policy: EndpointPolicy): Promise<{ url: URL; address: string; family: number }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EndpointError(`"${raw}" is not a URL`, false);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new EndpointError(`${url.protocol}// endpoints are not allowed here; use https://`, false);
  }
  if (url.username || url.password) throw new EndpointError('the endpoint must not carry credentials in its URL', false);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let resolved: { address: string; family: number }[];
  try {
    // The resolver's own timeout can be long: the request's deadline covers the lookup too.
    let timer: NodeJS.Timeout | undefined;
    resolved = await Promise.race([
      lookup(host, { all: true, verbatim: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), policy.timeoutMs);
        policy.signal?.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
      }),
    ]).finally(() => clearTimeout(timer));
  } catch {
    if (policy.signal?.aborted) throw new EndpointError('stopped', false);
    throw new EndpointError(`the host "${host}" does not resolve`, true);
  }
  const allowed = policy.allowHosts.includes(host);
  for (const r of resolved) {
    const why = forbiddenReason(r.address);
    if (why && !allowed)
      throw new EndpointError(`"${host}" resolves to ${r.address} (${why}); the runner does not call such addresses`, false);
  }
  return { url, address: resolved[0]!.address, family: resolved[0]!.family };
}

export interface CallResult {
  status: number;
  body: Buffer;
}

/** POSTs JSON and returns the response body, with the policy's checks on every hop. */
export async function postJson(endpoint: string, payload: unknown, policy: EndpointPolicy): Promise<CallResult> {
  const body = Buffer.from(JSON.stringify(payload));
  let target = endpoint;
  for (let hop = 0; hop <= policy.maxRedirects; hop++) {
    const { url, address, family } = await checkedTarget(target, policy);
    const result = await request(url, address, family, body, policy);
    if (result.status >= 300 && result.status < 400 && result.location) {
      // A redirect is a new request: its target is checked like the first.
      target = new URL(result.location, url).toString();
      continue;
    }
    return { status: result.status, body: result.body };
  }
  throw new EndpointError(`more than ${policy.maxRedirects} redirects`, false);
}

function request(
  url: URL,
  address: string,
  family: number,
  body: Buffer,
  policy: EndpointPolicy,
): Promise<CallResult & { location?: string }> {
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        lookup: pinned,
        headers: { 'content-type': 'application/json', 'content-length': body.length, 'user-agent': 'podium-runner' },
        timeout: policy.timeoutMs,
        agent: false,
        ...(policy.signal ? { signal: policy.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let tooLarge = false;
        res.on('data', (c: Buffer) => {
          if (tooLarge) return;
          size += c.length;
          if (policy.budget) policy.budget.bytesLeft -= c.length;
          if (size > policy.maxResponseBytes || (policy.budget && policy.budget.bytesLeft < 0)) {
            // Stop reading at the cap: the rest is never buffered.
            tooLarge = true;
            reject(
              size > policy.maxResponseBytes
                ? new EndpointError(`the response is larger than ${Math.round(policy.maxResponseBytes / 1024)} KiB`, false)
                : new EndpointError('the answers together are larger than the evaluation allows', false),
            );
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          if (tooLarge) return;
          const location = res.headers.location;
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ...(location ? { location } : {}) });
        });
        res.on('error', reject);
      },
    );
    // The socket's own timeout fires only when nothing arrives for that long; an endpoint that
    // trickles one byte at a time is stopped by this deadline on the whole request.
    const deadline = setTimeout(
      () => req.destroy(new EndpointError(`no complete response within ${policy.timeoutMs / 1000} s`, true)),
      policy.timeoutMs,
    );
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new EndpointError(`no response within ${policy.timeoutMs / 1000} s`, true)));
    req.on('error', (e: unknown) => {
      clearTimeout(deadline);
      if (e instanceof EndpointError) reject(e);
      else if (policy.signal?.aborted) reject(new EndpointError('stopped', false));
      else reject(new EndpointError(`the connection failed: ${e instanceof Error ? e.message : String(e)}`, true));
    });
    req.end(body);
  });
}
