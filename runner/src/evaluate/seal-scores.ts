import { DEFAULT_KEY_ENV, exactSealId, seal, sealingKey, type ScoreMap, type Sealed } from '../results/seal.js';
import { ladderStep } from '../results/ladder.js';
import type { ErrorInfo } from '../results/schema.js';
import type { EvaluateOptions } from './options.js';
import type { RecordContext } from './record-context.js';

export type SealingKey = { ok: true; key: Buffer | undefined } | { ok: false; error: ErrorInfo };

/** The key that seals scores, read only when something is to be sealed (a private part, or the Ladder's exact scores). */
export function readSealingKey(opts: EvaluateOptions, needed: boolean): SealingKey {
  if (!needed) return { ok: true, key: undefined };
  try {
    return { ok: true, key: sealingKey(opts.env ?? process.env, opts.competition.config.private?.key_env ?? DEFAULT_KEY_ENV) };
  } catch (e: unknown) {
    return {
      ok: false,
      error: {
        code: 'no-seal-key',
        message: `${e instanceof Error ? e.message : String(e)} Tell the organisers.`,
        platform_fault: true,
      },
    };
  }
}

export interface PublishedScores {
  /** The record's scores, slices apart. */
  scores: {
    public: ScoreMap;
    private?: Sealed;
    exact?: Sealed;
    ladder?: { metric: string; step: number; improved: boolean };
  };
  /** Under the Ladder: then nothing beyond the Ladder's value may be shown (slices, detailed results). */
  laddered: boolean;
}

/**
 * What a scored record shows and what it seals until the phase ends: the private part's scores
 * are sealed; under the Ladder only the Ladder's value of the primary metric is shown, and the
 * exact public scores are sealed, since they would tell what the Ladder hides.
 */
export function publishScores(
  opts: EvaluateOptions,
  ctx: RecordContext,
  recordId: string,
  values: ScoreMap,
  /** The private part's scores; given only when there is a private part. */
  hidden: ScoreMap | undefined,
  key: Buffer | undefined,
): PublishedScores {
  const c = opts.competition;
  const ladder = c.config.leaderboard?.ladder;
  const sealed = hidden && key ? seal(recordId, hidden, key) : undefined;
  let shown = values;
  let laddered: { exact: Sealed; ladder: { metric: string; step: number; improved: boolean } } | undefined;
  if (ladder && key) {
    const best = opts.ladder?.best(ctx.report.identity.team, ctx.phaseId, ctx.board, c.task?.id);
    const step = ladderStep(values[c.primary.name]!.value, best, ladder.step, c.primary.direction);
    shown = { [c.primary.name]: { value: step.shown } };
    laddered = {
      exact: seal(exactSealId(recordId), values, key),
      ladder: { metric: c.primary.name, step: ladder.step, improved: step.improved },
    };
  }
  return {
    scores: { public: shown, ...(sealed ? { private: sealed } : {}), ...(laddered ?? {}) },
    laddered: laddered !== undefined,
  };
}
