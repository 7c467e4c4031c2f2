import { Type, type Static } from '@sinclair/typebox';
import { RunMetadata, Slug, StringEnum, SubmissionKind } from '../contracts/common.js';

export const RECORD_SCHEMA_VERSION = 1;

/** A confidence interval; filled in by the scoring engine's bootstrap. */
const Interval = Type.Object(
  {
    low: Type.Number(),
    high: Type.Number(),
    level: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    method: Type.String({ description: 'e.g. "bootstrap-percentile"' }),
    resamples: Type.Optional(Type.Integer({ minimum: 1 })),
    seed: Type.Optional(Type.Integer()),
    draws: Type.Optional(
      Type.Literal('keyed-by-truth', {
        description:
          'the resamples were drawn from a seed derived from `seed` and the hidden truth, so that nobody without the truth knows which items each one drew',
      }),
    ),
    undefined_resamples: Type.Optional(Type.Integer({ minimum: 1, description: 'resamples on which the metric was undefined, left out' })),
    replicates: Type.Optional(
      Type.String({
        description: 'the value on each resample, float32 little-endian in base64, for paired comparisons between submissions',
      }),
    ),
  },
  { additionalProperties: false },
);

const Score = Type.Object(
  {
    value: Type.Number(),
    ci: Type.Optional(Interval),
    per_query: Type.Optional(
      Type.Record(Type.String(), Type.Number(), {
        description:
          "retrieval: each query's value (the queries counted in the mean), as trec_eval -q gives them; kept for the primary metric",
      }),
    ),
    per_category: Type.Optional(
      Type.Record(Type.String(), Type.Number(), {
        description:
          "object detection: each category's value by category id (the categories counted in the mean), as pycocotools' precision and recall arrays give them; kept for the primary metric",
      }),
    ),
  },
  { additionalProperties: false },
);

const ScoreMap = Type.Record(Type.String({ minLength: 1 }), Score);

/** Private scores are sealed until the phase ends: ciphertext plus a public commitment. */
const SealedScores = Type.Object(
  {
    algorithm: Type.String(),
    key_id: Type.String(),
    ciphertext: Type.String(),
    iv: Type.String(),
    tag: Type.String(),
    commitment: Type.String({ description: 'hex SHA-256 over the plaintext and a salt' }),
  },
  { additionalProperties: false },
);

const SliceReport = Type.Object(
  {
    groups: Type.Record(
      Type.String(),
      Type.Object(
        {
          n: Type.Integer({ minimum: 0 }),
          metrics: Type.Record(Type.String(), Type.Number()),
          withheld: Type.Optional(
            Type.Literal(true, {
              description: 'not scored apart: too small, or needed to keep a small group from being worked out (data.min_slice_size)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    worst: Type.Record(Type.String(), Type.Object({ group: Type.String(), value: Type.Number() }, { additionalProperties: false })),
    gap: Type.Record(Type.String(), Type.Number({ minimum: 0 })),
    min_size: Type.Optional(
      Type.Integer({ minimum: 2, description: 'groups of fewer items have their size only, no values (data.min_slice_size)' }),
    ),
  },
  { additionalProperties: false },
);

const Scores = Type.Object(
  {
    public: ScoreMap,
    private: Type.Optional(Type.Union([SealedScores, ScoreMap])),
    /**
     * With the Ladder: the public part's exact scores (every metric, with intervals), sealed
     * like the private part until the phase ends; `public` then holds the Ladder's value only.
     */
    exact: Type.Optional(SealedScores),
    ladder: Type.Optional(
      Type.Object(
        {
          metric: Type.String({ minLength: 1 }),
          step: Type.Number({ exclusiveMinimum: 0 }),
          improved: Type.Boolean({ description: "whether this submission moved the team's shown score" }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Per slice column of the truth (a source, a group, a perturbation): every metric per group. */
    slices: Type.Optional(Type.Record(Type.String(), SliceReport)),
  },
  { additionalProperties: false },
);

const Resources = Type.Object(
  {
    wall_time_s: Type.Optional(Type.Number({ minimum: 0 })),
    startup_s: Type.Optional(Type.Number({ minimum: 0 })),
    per_sample_ms: Type.Optional(Type.Number({ minimum: 0 })),
    cpu_time_s: Type.Optional(Type.Number({ minimum: 0 })),
    peak_memory_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
    gpu: Type.Optional(
      Type.Object(
        {
          name: Type.String(),
          count: Type.Integer({ minimum: 0 }),
          peak_memory_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
          utilisation_mean: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    energy_j: Type.Optional(Type.Number({ minimum: 0 })),
    energy_method: Type.Optional(Type.String()),
    scoring_time_s: Type.Optional(Type.Number({ minimum: 0 })),
    requests: Type.Optional(Type.Integer({ minimum: 0, description: 'API calls made, retries included' })),
    retries: Type.Optional(Type.Integer({ minimum: 0 })),
    latency_ms: Type.Optional(
      Type.Object(
        { p50: Type.Number({ minimum: 0 }), p95: Type.Number({ minimum: 0 }), p99: Type.Number({ minimum: 0 }) },
        { additionalProperties: false },
      ),
    ),
    throughput_per_s: Type.Optional(Type.Number({ minimum: 0 })),
    probes: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          {
            unit: Type.String(),
            direction: Type.String(),
            value: Type.Optional(Type.Number({ description: 'absent: not measured on this runner' })),
          },
          { additionalProperties: false },
        ),
        { description: "the organiser's complexity metrics" },
      ),
    ),
  },
  { additionalProperties: false },
);

const Provenance = Type.Object(
  {
    commit: Type.Optional(Type.String({ pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$' })),
    submission_hash: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }),
    data_hash: Type.Optional(Type.String({ pattern: '^sha256:[0-9a-f]{64}$' })),
    image_digest: Type.Optional(Type.String()),
    base_images: Type.Optional(Type.Array(Type.String(), { description: 'what a built image started FROM' })),
    build_context_hash: Type.Optional(Type.String({ pattern: '^sha256:[0-9a-f]{64}$' })),
    engine: Type.Optional(Type.String({ description: 'the container engine and its version, e.g. docker 20.10.24' })),
    limits_ignored: Type.Optional(
      Type.String({
        minLength: 1,
        description: "why an organiser evaluated this submission past the phase's limits (podium evaluate --ignore-limits REASON)",
      }),
    ),
    scorer: Type.Object({ name: Type.String(), version: Type.String() }, { additionalProperties: false }),
    text_normalise: Type.Optional(
      Type.Array(Type.String(), {
        description:
          "text metrics: the normalisation steps applied to hypotheses and references, in order (competition.yml's scoring.text.normalise)",
      }),
    ),
    runner: Type.Object(
      {
        hostname: Type.Optional(Type.String()),
        os: Type.String(),
        arch: Type.String(),
        cpu: Type.String(),
        cpus: Type.Integer({ minimum: 1 }),
        memory_bytes: Type.Integer({ minimum: 0 }),
        node: Type.String(),
        gpus: Type.Optional(Type.Array(Type.String(), { description: 'the GPU model of each device the run had' })),
        gpu_driver: Type.Optional(Type.String({ description: 'the NVIDIA driver version' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const Problem = Type.Object(
  {
    file: Type.String(),
    line: Type.Integer({ minimum: 0 }),
    column: Type.Integer({ minimum: 0 }),
    path: Type.String(),
    message: Type.String(),
  },
  { additionalProperties: false },
);

const ErrorInfo = Type.Object(
  {
    code: Type.String({ description: 'stable machine-readable reason, e.g. invalid-submission' }),
    message: Type.String(),
    problems: Type.Optional(Type.Array(Problem)),
    platform_fault: Type.Optional(Type.Boolean({ description: 'true when the platform, not the submission, failed' })),
  },
  { additionalProperties: false },
);

const SubmissionInfo = Type.Object(
  {
    team: Slug,
    name: Slug,
    kind: Type.Optional(SubmissionKind),
    path: Type.String({ description: 'the submission folder, relative to the competition repository' }),
    description: Type.Optional(Type.String()),
    authors: Type.Optional(Type.Array(Type.String())),
    paper: Type.Optional(Type.String()),
    code: Type.Optional(Type.String()),
    baseline: Type.Optional(Type.Boolean()),
    final: Type.Optional(Type.Boolean({ description: 'chosen by the team for the final ranking' })),
    run: Type.Optional(RunMetadata),
  },
  { additionalProperties: false },
);

const common = {
  schema_version: Type.Literal(RECORD_SCHEMA_VERSION),
  id: Type.String({ description: '<phase>/<team>/<name>/<key>; also the record path under results/' }),
  competition: Slug,
  phase: Slug,
  // The task of a competition with tasks (competition.yml tasks[].id, submission.yml task); absent without tasks.
  task: Type.Optional(Slug),
  submission: SubmissionInfo,
  created_at: Type.String({ format: 'date-time' }),
  board: Type.Optional(
    StringEnum(['official', 'post-challenge'] as const, {
      description:
        'the board the record belongs to: post-challenge for a submission taken after the last phase ended (competition.yml post_challenge), never in the official ranking; absent: official',
    }),
  ),
  provenance: Provenance,
  resources: Type.Optional(Resources),
  // A re-scoring (podium rescore): the record this one replaces, which stays in the history.
  supersedes: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'the id of the record of the same submission this one replaces (podium rescore); that record stays in the history',
    }),
  ),
  rescore: Type.Optional(
    Type.Object(
      {
        reason: Type.String({ minLength: 1, description: "why the submission was scored again: the organiser's words, or what changed" }),
        at: Type.String({ format: 'date-time', description: "when it was scored again; created_at stays the submission's" }),
      },
      { additionalProperties: false },
    ),
  ),
};

export const ScoredRecord = Type.Object(
  {
    ...common,
    status: Type.Literal('scored'),
    scores: Scores,
    detailed_results: Type.Optional(
      Type.String({ maxLength: 262144, description: "the organiser's scoring program's detailed_results.html" }),
    ),
  },
  { additionalProperties: false },
);
export const FailedRecord = Type.Object({ ...common, status: Type.Literal('failed'), error: ErrorInfo }, { additionalProperties: false });
export const RejectedRecord = Type.Object(
  { ...common, status: Type.Literal('rejected'), error: ErrorInfo },
  { additionalProperties: false },
);

export const ResultRecordSchema = Type.Union([ScoredRecord, FailedRecord, RejectedRecord], {
  $id: 'urn:podium:schema:result:1',
  title: 'Podium result record',
});

export type ResultRecord = Static<typeof ResultRecordSchema>;
export type ScoredResult = Static<typeof ScoredRecord>;
export type ScoreValue = Static<typeof Score>;
export type Resources = Static<typeof Resources>;
export type Provenance = Static<typeof Provenance>;
export type SubmissionInfo = Static<typeof SubmissionInfo>;
export type ErrorInfo = Static<typeof ErrorInfo>;
