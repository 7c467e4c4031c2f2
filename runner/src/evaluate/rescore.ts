import { boardOf } from '../results/board.js';
import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import type { Competition } from '../competition/load.js';
import type { ResultRecord, ScoredResult } from '../results/schema.js';
import { currentRecords, rescoreKey } from '../results/supersede.js';
import { evaluateSubmission } from './evaluate.js';
import type { EvaluateOptions } from './options.js';

export interface RescoreOptions {
  competition: Competition;
  /** Folder with the hidden truth as it is now. */
  hiddenDir: string;
  phase: string;
  /** The results history: every record, superseded ones included. */
  records: readonly ResultRecord[];
  /** The organiser's reason, kept in each new record; default: what changed. */
  reason?: string;
  now: Date;
  env?: NodeJS.ProcessEnv;
  engine?: EvaluateOptions['engine'];
  onStep?: (step: string) => void;
  signal?: AbortSignal;
  /** Told each new record as soon as its evaluation scored, to be written before the next starts. */
  onRecord?: (record: ResultRecord) => Promise<void>;
}

/** What became of one record of the phase. */
export type RescoreOutcome =
  /** A new record supersedes the old one; `changed` when a public score differs. */
  | { status: 'superseded'; old: ScoredResult; record: ScoredResult; changed: boolean }
  /** Identical scores from the same truth and scorer: the old record is left as it is. */
  | { status: 'unchanged'; old: ScoredResult }
  | { status: 'skipped'; old: ScoredResult; why: string; fix?: string };

export interface RescoreResult {
  outcomes: RescoreOutcome[];
  /** Current records of the phase that are not scored (failed, rejected): left as they are. */
  unscored: number;
}

/**
 * Evaluates every current scored record of a phase again, from the files it was scored from:
 * the submission folder at the record's commit (a temporary worktree; the working folder only
 * for a record without a commit), whose hash must be the record's. A container runs from the
 * image digest its record names; an API is not called again. A re-score that gives new scores,
 * or the same from another truth or scorer version, becomes a new record that supersedes the
 * old one; nothing is written for a record whose evaluation does not score.
 */
export async function rescorePhase(opts: RescoreOptions): Promise<RescoreResult> {
  const { competition: c } = opts;
  const step = opts.onStep ?? (() => {});
  const inPhase = currentRecords(opts.records).filter((r) => r.phase === opts.phase);
  const scored = inPhase
    .filter((r): r is ScoredResult => r.status === 'scored')
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  const checkouts = new Map<string, string | { why: string; fix: string }>();
  const outcomes: RescoreOutcome[] = [];
  try {
    for (const old of scored) {
      if (opts.signal?.aborted) break;
      step(`re-scoring ${old.id}`);
      const outcome = await rescoreOne(opts, old, checkouts, step);
      if (outcome.status === 'superseded') await opts.onRecord?.(outcome.record);
      outcomes.push(outcome);
    }
  } finally {
    const git = simpleGit(c.dir);
    for (const dir of checkouts.values()) {
      if (typeof dir !== 'string') continue;
      await git.raw(['worktree', 'remove', '--force', dir]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { outcomes, unscored: inPhase.length - scored.length };
}

async function rescoreOne(
  opts: RescoreOptions,
  old: ScoredResult,
  checkouts: Map<string, string | { why: string; fix: string }>,
  step: (s: string) => void,
): Promise<RescoreOutcome> {
  const { competition: c } = opts;
  const skip = (why: string, fix?: string): RescoreOutcome => ({ status: 'skipped', old, why, ...(fix ? { fix } : {}) });
  const kind = old.submission.kind ?? 'predictions';
  if (kind === 'api')
    return skip(
      'an API submission is not called again: its endpoint answers as it does today, not as it did when it was scored.',
      'the team submits again to be scored against the new truth.',
    );
  let image: string | undefined;
  if (kind === 'container') {
    image = old.provenance.image_digest;
    if (!image) return skip('the record names no image digest to run again.', 'the team submits again.');
    const engine = opts.engine ?? (await import('../sandbox/container/docker.js')).dockerEngine();
    if (!(await engine.ping()))
      return skip('a container submission, and no container engine answers here.', 'run podium rescore where Docker runs.');
    if (!(await engine.image(image)))
      return skip(
        `the container engine here does not have the image ${image} the record was scored with.`,
        `load that image into this engine (docker pull, or docker load from a saved copy) and run podium rescore again; the team may also submit again.`,
      );
  }

  // The files the record was scored from: the folder at its commit.
  const commit = old.provenance.commit;
  let root = c.dir;
  if (commit) {
    let checkout = checkouts.get(commit);
    if (checkout === undefined) {
      checkout = await checkoutOf(c.dir, commit, step);
      checkouts.set(commit, checkout);
    }
    if (typeof checkout !== 'string') return skip(checkout.why, checkout.fix);
    root = checkout;
  }
  const submissionDir = path.join(root, old.submission.path);
  try {
    await access(submissionDir);
  } catch {
    return skip(
      `the submission folder ${old.submission.path} is not ${commit ? `at commit ${commit.slice(0, 12)}` : 'in the competition folder'}.`,
      commit ? undefined : 'a record without a commit is re-scored from the working folder; restore the folder as it was scored.',
    );
  }

  const again = await evaluateSubmission({
    competition: c,
    hiddenDir: opts.hiddenDir,
    submissionDir,
    ...(commit ? { commit } : {}),
    phase: old.phase,
    // A post-challenge run stays on its board: re-scoring never makes it official.
    board: boardOf(old),
    // The submission's time, as when it was scored: the phase and the sealing see the same.
    now: new Date(old.created_at),
    key: rescoreKey(old.id),
    ...(image ? { image } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.engine ? { engine: opts.engine } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onStep: step,
  });
  if (again.provenance.submission_hash !== old.provenance.submission_hash)
    return skip(
      `the submission folder ${old.submission.path}${commit ? ` at commit ${commit.slice(0, 12)}` : ''} holds other files than the record was scored from (hash ${again.provenance.submission_hash}, the record's ${old.provenance.submission_hash}); it is not re-scored from them.`,
      commit
        ? 'the record was made from files that were not committed; the team submits again to be scored against the new truth.'
        : 'restore the folder as it was scored, or have the team submit again.',
    );
  if (again.status !== 'scored')
    return skip(
      `the evaluation did not score (${again.status}: ${again.error.message}); the old record stays.`,
      again.error.platform_fault ? 'fix what the message names and run podium rescore again.' : undefined,
    );

  const sameScores = sameValues(old.scores.public, again.scores.public);
  const sameTruth = again.provenance.data_hash === old.provenance.data_hash;
  const sameScorer =
    again.provenance.scorer.name === old.provenance.scorer.name && again.provenance.scorer.version === old.provenance.scorer.version;
  // A record whose intervals were drawn from the public seed publishes replicates that give each
  // item's outcome away (BootstrapSettings): it is superseded even where its values stand.
  const sameDraws = sameDrawing(old.scores.public, again.scores.public);
  if (sameScores && sameTruth && sameScorer && sameDraws) return { status: 'unchanged', old };

  const record: ScoredResult = {
    ...again,
    // The same submission, scored again: its time stays, so ties and limits read it as before.
    created_at: old.created_at,
    // Where it lives in the competition repository (the checkout it was read from is temporary).
    submission: { ...again.submission, path: old.submission.path },
    provenance: {
      ...carried(old),
      ...again.provenance,
    },
    supersedes: old.id,
    rescore: { reason: opts.reason ?? whatChanged(old, again, sameScores), at: opts.now.toISOString() },
  };
  return { status: 'superseded', old, record, changed: !sameScores };
}

/** What a re-scoring keeps from the old record's provenance: facts about the submission the new run does not work out again. */
function carried(old: ScoredResult): Partial<ScoredResult['provenance']> {
  const p = old.provenance;
  return {
    ...(p.limits_ignored !== undefined ? { limits_ignored: p.limits_ignored } : {}),
    ...(p.base_images ? { base_images: p.base_images } : {}),
    ...(p.build_context_hash ? { build_context_hash: p.build_context_hash } : {}),
  };
}

/** The default reason: what differs between the two records. */
function whatChanged(old: ScoredResult, again: ScoredResult, sameScores: boolean): string {
  const parts: string[] = [];
  const short = (h: string | undefined) => (h ? h.replace(/^sha256:/, '').slice(0, 12) : 'unknown');
  if (again.provenance.data_hash !== old.provenance.data_hash)
    parts.push(`the truth changed (data ${short(old.provenance.data_hash)} → ${short(again.provenance.data_hash)})`);
  const was = old.provenance.scorer;
  const now = again.provenance.scorer;
  if (was.name !== now.name || was.version !== now.version)
    parts.push(`the scorer changed (${was.name} ${was.version} → ${now.name} ${now.version})`);
  if (!sameDrawing(old.scores.public, again.scores.public))
    parts.push(
      "the intervals' resamples are now drawn keyed by the hidden truth, so the published replicates no longer give each item's outcome",
    );
  if (parts.length === 0 && !sameScores) parts.push('the scores changed when evaluated again');
  return `re-scored: ${parts.join('; ')}`;
}

/** Whether two public score maps' intervals were drawn the same way (ci.draws). */
function sameDrawing(a: ScoredResult['scores']['public'], b: ScoredResult['scores']['public']): boolean {
  return Object.keys(b).every((k) => a[k]?.ci?.draws === b[k]?.ci?.draws);
}

/** Whether two public score maps hold the same metrics with the same values. */
function sameValues(a: ScoredResult['scores']['public'], b: ScoredResult['scores']['public']): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => b[k] !== undefined && Object.is(a[k]!.value, b[k]!.value));
}

/** A temporary worktree of the commit, or why there is none. */
async function checkoutOf(repo: string, commit: string, step: (s: string) => void): Promise<string | { why: string; fix: string }> {
  const git = simpleGit(repo);
  try {
    await git.raw(['cat-file', '-e', `${commit}^{commit}`]);
  } catch {
    return {
      why: `the commit ${commit.slice(0, 12)} the record was scored at is not in the competition repository.`,
      fix: 'fetch it (git fetch origin, or the pull request head it came from) and run podium rescore again.',
    };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'podium-rescore-'));
  step(`checking out ${commit.slice(0, 12)}`);
  await git.raw(['worktree', 'add', '--detach', '--force', dir, commit]);
  return dir;
}
