import { performance } from 'node:perf_hooks';
import { EndpointError, postJson, type EndpointPolicy } from './client.js';

/**
 * Calls a participant's endpoint for every test item, in batches, with bounded concurrency
 * and retries, and measures latency and throughput.
 *
 * Request:  POST {"competition": "<slug>", "batch": <n>, "items": [{"id": "…", "<input column>": "…"}]}
 * Response: {"predictions": [{"id": "…", "<target column>": "…", "<score column>": …}]}
 */
export interface ApiRunOptions {
  endpoint: string;
  competition: string;
  items: readonly Record<string, string>[];
  batchSize: number;
  concurrency: number;
  retries: number;
  policy: EndpointPolicy;
  /** The whole evaluation: every batch, retry and wait together. */
  deadlineMs?: number;
  /** Bytes all answers together may use. */
  maxTotalBytes?: number;
  /** Whether an error may quote what the endpoint answered (only when its inputs are public). */
  quote?: boolean;
  /** Stops the evaluation (a cancelled job). */
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (done: number, total: number) => void;
}

export interface ApiStats {
  requests: number;
  retries: number;
  latency_ms: { p50: number; p95: number; p99: number };
  throughput_per_s: number;
  wall_time_s: number;
}

export type ApiRunResult = { ok: true; predictions: unknown[]; stats: ApiStats } | { ok: false; error: string; stats: ApiStats };

export async function runApi(opts: ApiRunOptions): Promise<ApiRunResult> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // One signal for every request: the evaluation's deadline, or the job being cancelled.
  const stop = new AbortController();
  let stopped: string | undefined;
  const halt = (why: string) => {
    stopped ??= why;
    stop.abort();
  };
  const deadline = opts.deadlineMs
    ? setTimeout(
        () => halt(`the endpoint did not answer every batch within ${Math.round(opts.deadlineMs! / 1000)} s in all`),
        opts.deadlineMs,
      )
    : undefined;
  const onCancel = () => halt('the evaluation was cancelled');
  if (opts.signal?.aborted) onCancel();
  opts.signal?.addEventListener('abort', onCancel, { once: true });
  const policy: EndpointPolicy = {
    ...opts.policy,
    signal: stop.signal,
    ...(opts.maxTotalBytes !== undefined ? { budget: { bytesLeft: opts.maxTotalBytes } } : {}),
  };
  const batches: Record<string, string>[][] = [];
  for (let i = 0; i < opts.items.length; i += opts.batchSize) batches.push(opts.items.slice(i, i + opts.batchSize));
  const results: unknown[][] = new Array(batches.length);
  const latencies: number[] = [];
  let requests = 0;
  let retries = 0;
  let failure: string | undefined;
  let next = 0;
  let done = 0;
  const started = performance.now();

  const callBatch = async (b: number): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      requests++;
      try {
        const res = await postJson(opts.endpoint, { competition: opts.competition, batch: b, items: batches[b] }, policy);
        if (res.status === 429 || res.status >= 500) throw new EndpointError(`HTTP ${res.status}`, true);
        if (res.status < 200 || res.status >= 300)
          throw new EndpointError(opts.quote ? `HTTP ${res.status}: ${res.body.toString('utf8', 0, 200)}` : `HTTP ${res.status}`, false);
        latencies.push(performance.now() - t0);
        results[b] = parsePredictions(res.body);
        return;
      } catch (e: unknown) {
        if (stopped) throw new EndpointError(stopped, false);
        const err = e instanceof EndpointError ? e : new EndpointError(e instanceof Error ? e.message : String(e), false);
        if (!err.retry || attempt >= opts.retries) throw new EndpointError(`batch ${b + 1} of ${batches.length}: ${err.message}`, false);
        retries++;
        await sleep(Math.floor(Math.random() * 100 * 2 ** attempt) + 50);
      }
    }
  };

  const worker = async () => {
    while (failure === undefined && stopped === undefined && next < batches.length) {
      const b = next++;
      try {
        await callBatch(b);
        done++;
        opts.onProgress?.(done, batches.length);
      } catch (e: unknown) {
        failure ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, batches.length) }, worker));
  clearTimeout(deadline);
  opts.signal?.removeEventListener('abort', onCancel);
  if (stopped) failure = stopped;

  const wall = (performance.now() - started) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (q: number) => (sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!) : 0);
  const stats: ApiStats = {
    requests,
    retries,
    latency_ms: { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) },
    throughput_per_s: wall > 0 ? round(opts.items.length / wall) : 0,
    wall_time_s: round(wall),
  };
  if (failure !== undefined) return { ok: false, error: failure, stats };
  return { ok: true, predictions: results.flat(), stats };
}

function parsePredictions(body: Buffer): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new EndpointError('the response is not JSON', false);
  }
  const list = (parsed as { predictions?: unknown } | null)?.predictions;
  if (!Array.isArray(list)) throw new EndpointError('the response has no "predictions" list', false);
  if (!list.every((p) => typeof p === 'object' && p !== null && !Array.isArray(p))) {
    throw new EndpointError('every entry of "predictions" must be an object', false);
  }
  return list;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
