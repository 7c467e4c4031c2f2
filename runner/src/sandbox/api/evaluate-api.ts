import path from 'node:path';
import type { Competition } from '../../competition/load.js';
import type { ScoringSpec } from '../../scoring/spec.js';
import { loadPredictions, type LoadedPredictions } from '../../scoring/predictions.js';
import type { ErrorInfo, Resources } from '../../results/schema.js';
import { readInputs } from './inputs.js';
import { runApi } from './run.js';

export type EndpointOutcome =
  | { ok: true; predictions: LoadedPredictions; file: string; text: string; resources: Resources }
  | { ok: false; status: 'failed' | 'rejected'; error: ErrorInfo; resources: Resources };

/** Calls an API submission for every test input and checks its answers as a predictions file. */
export async function predictionsFromEndpoint(
  c: Competition,
  hiddenDir: string,
  endpoint: string,
  spec: ScoringSpec,
  step: (s: string) => void,
  /** Only the items this keeps (a shard's share), by id. */
  keep?: (id: string) => boolean,
  signal?: AbortSignal,
): Promise<EndpointOutcome> {
  const api = c.config.api;
  if (!api)
    return {
      ok: false,
      status: 'failed',
      error: { code: 'kind-not-supported', message: 'competition.yml has no "api" section', platform_fault: true },
      resources: {},
    };
  step('reading the test inputs');
  const inputsFile = api.inputs_from === 'public' ? path.join(c.dir, c.config.data.public, api.inputs) : path.join(hiddenDir, api.inputs);
  let items: Record<string, string>[];
  try {
    items = await readInputs(inputsFile);
    if (keep) items = items.filter((item) => keep(item[spec.id] ?? ''));
  } catch (e: unknown) {
    const why = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      status: 'failed',
      error: {
        code: 'inputs-unavailable',
        message: `the runner cannot read the test inputs (${api.inputs}): ${why}; tell the organisers.`,
        platform_fault: true,
      },
      resources: {},
    };
  }
  step(`calling ${endpoint}`);
  const run = await runApi({
    endpoint,
    competition: c.config.slug,
    items,
    batchSize: api.batch_size ?? 64,
    concurrency: api.concurrency ?? 4,
    retries: api.retries ?? 2,
    deadlineMs: (api.evaluation_timeout_seconds ?? 3600) * 1000,
    maxTotalBytes: (api.max_total_mb ?? 512) * 1024 * 1024,
    // What the endpoint answers may carry the hidden inputs it was sent: quoted only when they are public.
    quote: api.inputs_from === 'public',
    ...(signal ? { signal } : {}),
    policy: {
      allowHttp: api.allow_http === true,
      allowHosts: api.allow_hosts ?? [],
      timeoutMs: (api.timeout_seconds ?? 30) * 1000,
      maxResponseBytes: (api.max_response_kb ?? 4096) * 1024,
      maxRedirects: 3,
    },
    onProgress: (done, total) => step(`calling ${endpoint}: ${done}/${total} batches`),
  });
  const resources: Resources = {
    wall_time_s: run.stats.wall_time_s,
    per_sample_ms: items.length ? Math.round((run.stats.wall_time_s * 1e6) / items.length) / 1000 : 0,
    requests: run.stats.requests,
    retries: run.stats.retries,
    latency_ms: run.stats.latency_ms,
    throughput_per_s: run.stats.throughput_per_s,
  };
  if (!run.ok) {
    if (signal?.aborted)
      return { ok: false, status: 'failed', error: { code: 'cancelled', message: run.error, platform_fault: true }, resources };
    return { ok: false, status: 'failed', error: { code: 'endpoint-failed', message: `the endpoint failed: ${run.error}` }, resources };
  }
  const file = `responses of ${endpoint}`;
  const text = run.predictions.map((p) => JSON.stringify(p)).join('\n') + '\n';
  const loaded = await loadPredictions(file, { text }, 'jsonl', spec, undefined, { quote: api.inputs_from === 'public' });
  if (!loaded.ok) {
    return {
      ok: false,
      status: 'rejected',
      error: {
        code: 'invalid-predictions',
        message: `the endpoint's predictions are not valid: ${loaded.problems.length} problem(s).`,
        problems: loaded.problems,
      },
      resources,
    };
  }
  return { ok: true, predictions: loaded.predictions, file, text, resources };
}
