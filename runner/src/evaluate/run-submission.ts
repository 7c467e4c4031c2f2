import { scoringSpec } from '../competition/load.js';
import { checkKind } from '../results/admission.js';
import type { Shard } from './shard.js';
import type { EvaluateOptions } from './options.js';
import { invalidSubmission, recordContext, type Ran } from './record-context.js';
import { fromContainer } from './predictions-from-container.js';
import { fromEndpoint } from './predictions-from-api.js';
import { fromPredictionsFile } from './predictions-from-file.js';
import { fromCode } from './predictions-from-code.js';

/** Validates the submission and obtains its predictions: read them, run the container or the ingestion program, or call the API. */
export async function runSubmission(opts: EvaluateOptions, shard?: Shard): Promise<Ran> {
  const { competition: c } = opts;
  const step = opts.onStep ?? (() => {});
  const ctx = await recordContext(opts, step);
  const { report } = ctx;
  if (ctx.phaseWhy) return { ok: false, record: ctx.reject({ code: 'outside-phase', message: ctx.phaseWhy }) };
  if (!report.ok || !report.submission) return { ok: false, record: ctx.reject(invalidSubmission(report)) };
  const sub = report.submission;
  // submissions.kinds took it; the phase may take fewer kinds.
  const phase = c.config.phases.find((p) => p.id === ctx.phaseId);
  const kind = phase ? checkKind(c, phase, sub.kind) : { ok: true as const };
  if (!kind.ok) return { ok: false, record: ctx.reject({ code: 'kind-not-accepted', message: kind.why }) };
  const spec = scoringSpec(c);
  if (sub.kind === 'container') return fromContainer(opts, ctx, sub, spec, step, shard);
  if (sub.kind === 'api') return fromEndpoint(opts, ctx, sub.endpoint!, spec, step, shard);
  if (sub.kind === 'code') return fromCode(opts, ctx, spec, step, shard);
  return fromPredictionsFile(opts, ctx, shard);
}
