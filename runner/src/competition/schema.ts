import { Type, type Static } from '@sinclair/typebox';
import { Direction, RUN_FIELDS, Slug, StringEnum, SubmissionKind } from '../contracts/common.js';
import { NORMALISE_STEPS } from '../scoring/text-normalise.js';

const Concept = Type.Object(
  {
    id: Type.String({ minLength: 1, description: 'the label value as it appears in the truth and predictions files' }),
    name: Type.String({ minLength: 1 }),
    definition: Type.String({ minLength: 1, description: 'what counts as this concept, in words annotators and participants share' }),
  },
  { additionalProperties: false },
);

const HiddenData = Type.Object(
  {
    path: Type.Optional(Type.String({ minLength: 1, description: 'folder on the runner; relative paths are relative to competition.yml' })),
    env: Type.Optional(
      Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$', description: 'name of an environment variable that holds the folder' }),
    ),
    key_env: Type.Optional(
      Type.String({
        pattern: '^[A-Z_][A-Z0-9_]*$',
        description: 'environment variable holding the key that opens hidden data sealed with podium hidden seal (default PODIUM_DATA_KEY)',
      }),
    ),
  },
  { additionalProperties: false, description: 'where the hidden data is on runners: a folder, or a file sealed by podium hidden seal' },
);

const Data = Type.Object(
  {
    public: Type.String({ minLength: 1, description: 'folder in the repository with the data participants may see' }),
    ids: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'file in the public folder listing every test id, in the id column; for retrieval, every test query (in the query column, or one per line in a .txt file)',
      }),
    ),
    documents: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'retrieval: file in the public folder listing every document that may be ranked (in the id column, or one per line in a .txt file)',
      }),
    ),
    format: Type.Optional(
      StringEnum(['csv', 'jsonl', 'trec', 'coco'] as const, {
        description:
          'how truth and predictions are read: csv, jsonl, trec (TREC qrels as truth, TREC runs as predictions), or coco (COCO instances JSON as truth, COCO results JSON as predictions); default: by each file name (.jsonl, else CSV)',
      }),
    ),
    max_detections: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100000,
        description: 'object detection (data.format: coco): most detections a participant may give per image (default 100, as COCO)',
      }),
    ),
    max_per_query: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100000, description: 'retrieval: most documents ranked per query (default 1000, as TREC)' }),
    ),
    hidden: HiddenData,
    truth: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'file in the hidden folder with the true labels; or a folder of reference files, given whole to the scoring program as /app/input/ref, when every metric comes from it (then optional: without it, /app/input/ref is empty)',
      }),
    ),
    inputs: Type.Optional(
      Type.String({ minLength: 1, description: 'folder in the hidden folder with test inputs for container submissions' }),
    ),
    sample_inputs: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'folder in the public folder shaped like the inputs, on which container submissions get a dry run at validation',
      }),
    ),
    id_column: Type.Optional(Type.String({ minLength: 1, description: 'default id' })),
    target_column: Type.Optional(Type.String({ minLength: 1, description: 'default label' })),
    score_column: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'predictions column with a score (two classes), or the prefix of one column per class (<prefix>_<class>); default score',
      }),
    ),
    query_column: Type.Optional(Type.String({ minLength: 1, description: 'for retrieval: the column naming the query of each row' })),
    slices: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        uniqueItems: true,
        description: 'truth columns whose groups every metric is also reported on',
      }),
    ),
    min_slice_size: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'the fewest items (ids, queries, images) a slice group is scored on; a smaller group shows its size only, since a score on a few hidden items tells their outcomes (default 10)',
      }),
    ),
  },
  { additionalProperties: false },
);

const Metric = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'a built-in metric name such as accuracy or f1_macro' }),
    primary: Type.Optional(Type.Boolean({ description: 'the one metric that ranks the leaderboard' })),
    direction: Type.Optional(Direction),
    label: Type.Optional(Type.String({ minLength: 1, description: 'column heading on the leaderboard' })),
    from: Type.Optional(
      StringEnum(['program'] as const, { description: "a score the organiser's scoring program writes under this name (scoring.program)" }),
    ),
    key: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'with from: program, the key the scoring program writes this score under in scores.json; default the name',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Submissions a team may make per UTC day and in all, somewhere (a phase, the post-challenge board, a task). */
const CountLimits = (perDay: string, total: string, description?: string) =>
  Type.Object(
    {
      per_day: Type.Optional(Type.Integer({ minimum: 1, description: perDay })),
      total: Type.Optional(Type.Integer({ minimum: 1, description: total })),
    },
    { additionalProperties: false, ...(description !== undefined ? { description } : {}) },
  );

const PhaseLimits = CountLimits('submissions per team per UTC day in this phase', 'submissions per team in this phase');

const Phase = Type.Object(
  {
    id: Slug,
    name: Type.String({ minLength: 1 }),
    start: Type.String({ format: 'date-time' }),
    end: Type.String({ format: 'date-time' }),
    description: Type.Optional(Type.String()),
    truth: Type.Optional(
      Type.String({
        minLength: 1,
        description: "this phase's truth file (or reference folder) in the hidden folder, instead of data.truth",
      }),
    ),
    inputs: Type.Optional(
      Type.String({ minLength: 1, description: "this phase's inputs folder in the hidden folder, instead of data.inputs" }),
    ),
    limits: Type.Optional(PhaseLimits),
    kinds: Type.Optional(
      Type.Array(SubmissionKind, {
        minItems: 1,
        uniqueItems: true,
        description: 'the submission kinds this phase takes, some of submissions.kinds; default: all of submissions.kinds',
      }),
    ),
  },
  { additionalProperties: false },
);

const Submissions = Type.Object(
  {
    kinds: Type.Array(SubmissionKind, { minItems: 1, uniqueItems: true }),
  },
  { additionalProperties: false },
);

const Limits = Type.Object(
  {
    per_day: Type.Optional(Type.Integer({ minimum: 1, description: 'submissions per team per UTC day' })),
    total: Type.Optional(Type.Integer({ minimum: 1, description: 'submissions per team per phase' })),
    max_file_mb: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'largest file a submission may contain' })),
  },
  { additionalProperties: false },
);

const Runtime = Type.Object(
  {
    timeout_seconds: Type.Optional(Type.Integer({ minimum: 1 })),
    memory_mb: Type.Optional(Type.Integer({ minimum: 16 })),
    cpus: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    gpus: Type.Optional(Type.Integer({ minimum: 0 })),
    pids: Type.Optional(Type.Integer({ minimum: 8, maximum: 32768 })),
    base_images: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'images a submission Dockerfile may start FROM; builds need at least one' }),
    ),
    output: Type.Optional(
      Type.String({ minLength: 1, description: 'the predictions file the container writes in /output; default predictions.csv' }),
    ),
    max_output_mb: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    max_output_files: Type.Optional(Type.Integer({ minimum: 1, description: 'files and folders together in /output; default 1000' })),
    max_output_depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 256, description: 'folder levels below /output; default 32' })),
    build: Type.Optional(
      Type.Object(
        {
          timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, description: 'default 900' })),
          memory_mb: Type.Optional(Type.Integer({ minimum: 64, description: 'default: the larger of 2048 and runtime.memory_mb' })),
          cpus: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'default runtime.cpus, else 1' })),
          pids: Type.Optional(Type.Integer({ minimum: 8, maximum: 32768, description: 'default 512' })),
          max_image_mb: Type.Optional(Type.Integer({ minimum: 1, description: 'largest image a build may make; default 20480' })),
        },
        { additionalProperties: false, description: 'limits of a submission image build (no network in any case)' },
      ),
    ),
    images: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), {
        description:
          "image names the runners cannot pull, mapped to images they have: every FROM of the scoring program's, the ingestion program's and participants' Dockerfiles is read through this map (e.g. codalab/codalab-legacy:py39: my-registry/py39-with-sklearn)",
      }),
    ),
    show_logs: Type.Optional(Type.Boolean({ description: 'show container logs to participants; default false (runs on hidden data)' })),
    probes: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'modules in this repository that add complexity metrics (see docs/organiser-guide.md)',
      }),
    ),
  },
  { additionalProperties: false },
);

const Api = Type.Object(
  {
    inputs: Type.String({ minLength: 1, description: 'CSV file of test inputs (id column and features) sent to API submissions' }),
    inputs_from: Type.Optional(
      StringEnum(['hidden', 'public'] as const, { description: 'the folder the inputs file is in; default hidden' }),
    ),
    batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    timeout_seconds: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 600, description: 'one request, connection to last byte; default 30' }),
    ),
    evaluation_timeout_seconds: Type.Optional(
      Type.Integer({ minimum: 1, description: 'every request, retry and wait of one evaluation together; default 3600' }),
    ),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    max_response_kb: Type.Optional(Type.Integer({ minimum: 1 })),
    max_total_mb: Type.Optional(Type.Integer({ minimum: 1, description: 'all answers of one evaluation together; default 512' })),
    allow_http: Type.Optional(Type.Boolean({ description: 'accept plain http:// endpoints (local tests only)' })),
    allow_hosts: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'hosts that may be loopback or private addresses, e.g. 127.0.0.1 for a local test server',
      }),
    ),
  },
  { additionalProperties: false },
);

const ScoringProgram = Type.Object(
  {
    build: Type.String({
      minLength: 1,
      description:
        'folder in the competition repository with a Dockerfile; the image reads /input/ref and /input/res and writes /output/scores.json',
    }),
    timeout_seconds: Type.Optional(Type.Integer({ minimum: 1 })),
    memory_mb: Type.Optional(Type.Integer({ minimum: 16 })),
  },
  { additionalProperties: false },
);

const Ingestion = Type.Object(
  {
    build: Type.String({
      minLength: 1,
      description:
        "folder in the competition repository with the ingestion program and a Dockerfile: code submissions run inside this image, with the participant's folder at /app/ingested_program, the inputs at /app/input_data and /app/output for the predictions",
    }),
    during_scoring: Type.Optional(
      Type.Boolean({
        description:
          'run the ingestion program beside the scoring program rather than before it, the two sharing /app/shared (Codabench ingestion_only_during_scoring); default false',
      }),
    ),
  },
  { additionalProperties: false, description: "the organiser's ingestion program, which runs code submissions (kind: code)" },
);

const Scoring = Type.Object(
  {
    program: Type.Optional(ScoringProgram),
    bootstrap: Type.Optional(
      Type.Object(
        {
          resamples: Type.Optional(
            Type.Integer({ minimum: 0, maximum: 100000, description: 'bootstrap resamples for confidence intervals; 0 turns them off' }),
          ),
          seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
          level: Type.Optional(Type.Number({ minimum: 0.5, maximum: 0.999 })),
        },
        { additionalProperties: false },
      ),
    ),
    text: Type.Optional(
      Type.Object(
        {
          normalise: Type.Optional(
            Type.Array(StringEnum(NORMALISE_STEPS), {
              uniqueItems: true,
              description:
                'text metrics: steps applied to hypotheses and references alike, in this order: lowercase (as Python str.lower), strip-punctuation (Unicode categories P*), collapse-whitespace (runs to one space, trimmed); none by default',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const PrivateSplit = Type.Object(
  {
    fraction: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        description: 'share of test ids in the private part, chosen by a seeded hash of the id',
      }),
    ),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295, description: 'seed of the split by id (default 1)' })),
    split_column: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'or: a truth column whose value is "public" or "private" for each id, as the organiser chose',
      }),
    ),
    key_env: Type.Optional(
      Type.String({
        minLength: 1,
        description: "environment variable holding the runners' 32-byte sealing key, hex or base64 (default PODIUM_SEAL_KEY)",
      }),
    ),
  },
  { additionalProperties: false },
);

const Reason = (what: string) =>
  Type.String({
    minLength: 20,
    description: `${what}; the evaluation job refuses this unless a reason is given here (at least 20 characters)`,
  });

const Runners = Type.Object(
  {
    persistent: Type.Optional(
      Reason('why the evaluation may run on a self-hosted runner that keeps its machine between jobs (not ephemeral)'),
    ),
    plain_hidden_data: Type.Optional(
      Reason('why the hidden data may be an unencrypted folder on the runner rather than a file sealed by podium hidden seal'),
    ),
  },
  {
    additionalProperties: false,
    description: "what the GitHub evaluation job requires of its runner, and the organiser's stated exceptions",
  },
);

const Leaderboard = Type.Object(
  {
    columns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'metric names to show, in order' })),
    rule: Type.Optional(StringEnum(['best-per-team', 'last-per-team', 'chosen-per-team', 'all'] as const)),
    choose: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 20, description: 'with chosen-per-team: how many submissions a team may choose (default 2)' }),
    ),
    rank_by: Type.Optional(StringEnum(['primary', 'average-rank'] as const)),
    tie_breakers: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'metrics that order equal primary scores, in turn; then the earlier submission',
      }),
    ),
    baselines: Type.Optional(Type.Array(Slug, { description: 'teams whose submissions are shown as baselines, not ranked' })),
    per_query: Type.Optional(
      Type.Boolean({
        description:
          "retrieval: show each submission's primary metric per query (public part) on the site and the PR comment; default true. Per-query values tell more about the public judgements than one mean",
      }),
    ),
    ladder: Type.Optional(
      Type.Object(
        {
          step: Type.Number({
            exclusiveMinimum: 0,
            description:
              "the Ladder's step: a team's shown primary score changes only when a submission beats its best shown score by more than this, and is shown rounded to it",
          }),
        },
        { additionalProperties: false, description: 'the Ladder (Blum & Hardt, 2015) against probing the public board' },
      ),
    ),
  },
  { additionalProperties: false },
);

// Runs as evaluation campaigns count them: what each submission.yml must say of its run, and how
// many runs of each type a team may send (TRECVID: up to 4 prioritised runs per run type).
const Runs = Type.Object(
  {
    types: Type.Optional(
      Type.Array(Slug, {
        minItems: 1,
        uniqueItems: true,
        description: 'the run types a submission may declare in run.type, e.g. automatic, manual, feedback; with them run.type is required',
      }),
    ),
    required: Type.Optional(
      Type.Array(StringEnum(RUN_FIELDS), {
        uniqueItems: true,
        description: 'the run fields every submission.yml must give (type, priority, training_data, external_resources, notes)',
      }),
    ),
    max_per_type: Type.Optional(
      Type.Integer({ minimum: 1, description: 'submissions per team per run type in a phase; also the highest priority a run may take' }),
    ),
    notes_required_by: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'from this time on run.notes (the working-notes or paper link) is required; before it, a missing link is a notice',
      }),
    ),
  },
  { additionalProperties: false },
);

const PostChallenge = Type.Object(
  {
    open: Type.Boolean({
      description:
        "take submissions after the last phase's end onto the post-challenge board: evaluated as the last phase's, ranked apart from the official final ranking, never mixed into it",
    }),
    limits: Type.Optional(
      CountLimits(
        'post-challenge submissions per team per UTC day',
        'post-challenge submissions per team in all',
        "the post-challenge board's limits, each standing in for the last phase's own (which apply otherwise)",
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'a standing benchmark after the competition: the board that takes submissions once the last phase has ended',
  },
);

// Several tasks (tracks) in one competition: each lays its own data, metrics, kinds and limits
// over the competition's, and is evaluated and ranked as a competition of its own would be.
const TaskData = Type.Partial(
  Type.Pick(Data, [
    'truth',
    'format',
    'ids',
    'documents',
    'id_column',
    'target_column',
    'score_column',
    'query_column',
    'slices',
    'min_slice_size',
    'max_per_query',
    'max_detections',
  ]),
  { additionalProperties: false, description: "this task's data settings, each standing in for the same key under the competition's data" },
);

const Task = Type.Object(
  {
    id: Slug,
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    concepts: Type.Optional(
      Type.Array(Concept, {
        minItems: 1,
        description: "this task's labels, when they are not the competition's (another target column); default: the competition's concepts",
      }),
    ),
    data: Type.Optional(TaskData),
    metrics: Type.Optional(
      Type.Array(Metric, { minItems: 1, description: "this task's metrics (one primary); default: the competition's metrics" }),
    ),
    submissions: Type.Optional(Submissions),
    private: Type.Optional(
      Type.Omit(PrivateSplit, ['key_env'], {
        additionalProperties: false,
        description:
          "this task's private part, in place of the competition's (its own fraction, or a split column of its truth); sealed under the competition's key",
      }),
    ),
    limits: Type.Optional(
      CountLimits(
        'submissions per team per UTC day to this task',
        'submissions per team per phase to this task',
        "this task's limits, each standing in for the competition's own",
      ),
    ),
  },
  { additionalProperties: false },
);

export const CompetitionSchema = Type.Object(
  {
    version: Type.Literal(1, { description: 'the competition.yml format version' }),
    title: Type.String({ minLength: 1 }),
    slug: Slug,
    description: Type.Optional(Type.String()),
    concepts: Type.Optional(Type.Array(Concept, { minItems: 1 })),
    data: Data,
    metrics: Type.Array(Metric, { minItems: 1 }),
    phases: Type.Array(Phase, { minItems: 1 }),
    submissions: Submissions,
    limits: Type.Optional(Limits),
    runtime: Type.Optional(Runtime),
    scoring: Type.Optional(Scoring),
    ingestion: Type.Optional(Ingestion),
    private: Type.Optional(PrivateSplit),
    api: Type.Optional(Api),
    leaderboard: Type.Optional(Leaderboard),
    runners: Type.Optional(Runners),
    runs: Type.Optional(Runs),
    post_challenge: Type.Optional(PostChallenge),
    tasks: Type.Optional(
      Type.Array(Task, {
        minItems: 1,
        description:
          'several tasks (tracks) in one competition, each with its own truth, metrics, board and limits; a submission names its task',
      }),
    ),
  },
  {
    $id: 'urn:podium:schema:competition:1',
    title: 'Podium competition.yml',
    additionalProperties: false,
  },
);

export type CompetitionConfig = Static<typeof CompetitionSchema>;
