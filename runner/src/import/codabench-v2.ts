import { Type, type Static } from '@sinclair/typebox';
import { StringEnum, toSlug } from '../contracts/common.js';
import { bundleFormat, defined, instant, leftKeys, phase, text, type BundlePhase, type Reasons } from './model.js';

/**
 * Codabench's competition.yaml, version 2 (the "Yaml Structure" page of Codabench's wiki): the
 * keys this import reads, with their types. Other keys are allowed everywhere, and each one is
 * named in the import report with what became of it.
 */
const Text = Type.String();
const Count = Type.Integer({ minimum: 0 });
/** Tasks are named by their index (older bundles) or by a key. */
const TaskRef = Type.Unsafe<number | string>({ type: ['integer', 'string'] });

const Phase = Type.Object({
  index: Type.Optional(Type.Integer()),
  name: Type.Optional(Text),
  description: Type.Optional(Text),
  start: Type.Optional(Text),
  end: Type.Optional(Text),
  max_submissions_per_day: Type.Optional(Count),
  max_submissions: Type.Optional(Count),
  execution_time_limit: Type.Optional(Count),
  public_data: Type.Optional(Text),
  starting_kit: Type.Optional(Text),
  tasks: Type.Optional(Type.Array(TaskRef)),
});

const Task = Type.Object({
  index: Type.Optional(Type.Integer()),
  name: Type.Optional(Text),
  description: Type.Optional(Text),
  reference_data: Type.Optional(Text),
  scoring_program: Type.Optional(Text),
  input_data: Type.Optional(Text),
  ingestion_program: Type.Optional(Text),
  ingestion_only_during_scoring: Type.Optional(Type.Boolean()),
});

const Solution = Type.Object({
  index: Type.Optional(Type.Integer()),
  name: Type.Optional(Text),
  tasks: Type.Optional(Type.Array(TaskRef)),
  path: Type.Optional(Text),
});

const Column = Type.Object({
  key: Type.Optional(Text),
  title: Type.Optional(Text),
  index: Type.Optional(Type.Integer()),
  sorting: Type.Optional(StringEnum(['asc', 'desc'] as const)),
  computation: Type.Optional(Text),
  computation_indexes: Type.Optional(Type.Array(Type.Integer())),
});

const Leaderboard = Type.Object({
  title: Type.Optional(Text),
  key: Type.Optional(Text),
  submission_rule: Type.Optional(Text),
  columns: Type.Optional(Type.Array(Column)),
});

export const CodabenchV2Schema = Type.Object({
  version: Type.Optional(TaskRef),
  title: Type.Optional(Text),
  description: Type.Optional(Text),
  image: Type.Optional(Text),
  terms: Type.Optional(Text),
  pages: Type.Optional(Type.Array(Type.Object({ title: Type.Optional(Text), file: Type.Optional(Text) }))),
  phases: Type.Optional(Type.Array(Phase)),
  tasks: Type.Optional(Type.Array(Task)),
  solutions: Type.Optional(Type.Array(Solution)),
  leaderboards: Type.Optional(Type.Array(Leaderboard)),
  docker_image: Type.Optional(Text),
});

type V2 = Static<typeof CodabenchV2Schema>;
type V2Task = Static<typeof Task>;

const NO_ACCOUNTS = 'Podium has no accounts: participants take part by pull request on the repository.';
const SHOWN = "Podium shows a scoring program's detailed_results.html with the submission's result.";

/** Why each setting Codabench has and Podium does not was left. */
const TOP: Reasons = {
  registration_auto_approve: NO_ACCOUNTS,
  enable_detailed_results: SHOWN,
  show_detailed_results_in_submission_panel: SHOWN,
  show_detailed_results_in_leaderboard: SHOWN,
  make_programs_available: 'the scoring and ingestion programs are in the repository, so they are public.',
  make_input_data_available: 'the input data is in the hidden folder; put what participants may see in data/public/.',
  queue: "Podium runs submissions on the repository's own runners (see runners: in competition.yml).",
  auto_run_submissions: 'every pull request is evaluated when its phase is open.',
  can_participants_make_submissions_public: 'submissions are pull requests, public on the repository.',
  forum_enabled: "use the repository's Discussions or issues.",
  contact_email: 'put it in a page (pages/).',
  reward: 'put it in a page (pages/).',
  fact_sheet: 'submission.yml has description, authors, paper and code; other questions have no counterpart.',
  competition_type: 'every Podium repository is a competition.',
};
const PHASE: Reasons = {
  auto_migrate_to_this_phase: 'a team resubmits in the new phase (a pull request names its phase by the date).',
  hide_output: 'container logs are hidden from participants unless runtime.show_logs is true.',
  hide_prediction_output: 'predictions are never published.',
  hide_score_output: 'only the leaderboard columns are published.',
  accepts_only_result_submissions: 'the phase takes the kinds in submissions.kinds (or phases[].kinds).',
  solutions: 'the solutions listed at the top level are carried over (submissions/organisers/).',
};
const TASK: Reasons = {
  description: "the phase's description is kept; a task has none of its own in Podium.",
  is_public: 'tasks are not shared between competitions in Podium.',
  key: 'a task already on a Codabench server cannot be read from the bundle; put its files in the bundle.',
};
const LEADERBOARD: Reasons = {
  hidden: 'the leaderboard is public; for a hidden final ranking use private: (a sealed private part).',
  index: 'the leaderboards are joined into one.',
};
const COLUMN: Reasons = {
  precision: 'Podium shows scores with their own precision.',
  numeric_format: 'Podium shows scores with their own precision.',
  hidden: 'every metric of competition.yml is shown; leave it out of leaderboard.columns to hide it.',
};

export const codabenchV2 = bundleFormat({
  name: 'Codabench v2',
  detect: (y) => y.version === 2 || y.version === '2' || Array.isArray(y.phases),
  schema: CodabenchV2Schema,
  toModel(y: V2) {
    const left = leftKeys(y, 'The setting ', Object.keys(CodabenchV2Schema.properties), TOP);
    const tasks = new Map<number, V2Task>();
    for (const t of y.tasks ?? []) {
      if (t.index !== undefined) tasks.set(t.index, t);
      const name = text(t.name) ?? `task ${t.index ?? '?'}`;
      left.push(
        ...leftKeys(
          t,
          `Task "${name}": the setting `,
          Object.keys(Task.properties).filter((k) => k !== 'description'),
          TASK,
        ),
      );
    }
    const taskOf = (ref: number | string) => tasks.get(Number(ref));
    const taskName = (ref: number | string) => text(taskOf(ref)?.name) ?? `task ${ref}`;
    // Codabench orders phases by their index, else as written.
    const sorted = (y.phases ?? []).map((p, i) => ({ p, i })).sort((a, b) => (a.p.index ?? a.i) - (b.p.index ?? b.i));
    const phases = sorted.map(({ p }, i): BundlePhase => {
      const name = text(p.name) ?? `Phase ${i + 1}`;
      left.push(...leftKeys(p, `Phase "${name}": the setting `, Object.keys(Phase.properties), PHASE));
      const refs = p.tasks ?? [];
      const t: V2Task = (refs[0] !== undefined ? taskOf(refs[0]) : undefined) ?? {};
      return phase({
        name,
        description: text(p.description),
        start: instant(p.start),
        end: instant(p.end),
        perDay: p.max_submissions_per_day,
        total: p.max_submissions,
        timeLimit: p.execution_time_limit,
        task: refs[0] !== undefined ? taskName(refs[0]) : undefined,
        reference: text(t.reference_data),
        scoring: text(t.scoring_program),
        input: text(t.input_data),
        ingestion: text(t.ingestion_program),
        duringScoring: t.ingestion_only_during_scoring,
        leftOut: refs.length > 1 ? refs.slice(1).map(taskName) : undefined,
        publicData: text(p.public_data),
        startingKit: text(p.starting_kit),
      });
    });
    // Every phase listing the same several tasks, which share their programs and inputs and differ
    // in their reference data: competition.yml's tasks. Otherwise each phase keeps its first task.
    const lists = sorted.map(({ p }) => (p.tasks ?? []).map(Number));
    const firstList = lists[0] ?? [];
    const sameTasks = firstList.length > 1 && lists.every((l) => l.length === firstList.length && l.every((x, k) => x === firstList[k]));
    const bundleTasks = sameTasks ? firstList.map((ref) => taskOf(ref)) : [];
    const t0 = bundleTasks[0];
    const shared =
      sameTasks &&
      bundleTasks.every(
        (t) =>
          t !== undefined &&
          text(t.scoring_program) === text(t0?.scoring_program) &&
          text(t.ingestion_program) === text(t0?.ingestion_program) &&
          text(t.input_data) === text(t0?.input_data) &&
          t.ingestion_only_during_scoring === t0?.ingestion_only_during_scoring,
      );
    const taskIds = new Map<number, string>();
    const modelTasks = shared
      ? firstList.map((ref, k) => {
          let id = toSlug(taskName(ref), `task-${k + 1}`);
          while ([...taskIds.values()].includes(id)) id = `${id}-${k + 1}`;
          taskIds.set(ref, id);
          const t = taskOf(ref)!;
          return { id, name: taskName(ref), ...defined({ description: text(t.description), reference: text(t.reference_data) }) };
        })
      : undefined;
    if (modelTasks) for (const p of phases) delete p.leftOut;
    // A solution serves the phases whose (first) task it was written for.
    const phaseTask = sorted.map(({ p }) => (p.tasks?.[0] !== undefined ? Number(p.tasks[0]) : undefined));
    const solutions = (y.solutions ?? []).flatMap((s, i) => {
      const name = text(s.name) ?? `solution-${s.index ?? i}`;
      left.push(
        ...leftKeys(s, `Solution "${name}": the setting `, Object.keys(Solution.properties), {
          description: 'see the README the import writes beside it.',
        }),
      );
      const path = text(s.path);
      if (!path) return [];
      const own = new Set((s.tasks ?? []).map(Number));
      if (modelTasks) {
        // With tasks, a solution is for its first task of the competition's, in every phase.
        const task = (s.tasks ?? []).map((t) => taskIds.get(Number(t))).find((t) => t !== undefined);
        return [{ name, path, phases: sorted.map((_, j) => j), ...(task ? { task } : {}) }];
      }
      return [{ name, path, phases: phaseTask.flatMap((t, j) => (t !== undefined && own.has(t) ? [j] : [])) }];
    });
    const boards = y.leaderboards ?? [];
    const columns = boards.flatMap((b) => {
      const where = `Leaderboard "${text(b.title) ?? text(b.key) ?? ''}"`;
      left.push(...leftKeys(b, `${where}: the setting `, Object.keys(Leaderboard.properties), LEADERBOARD));
      return [...(b.columns ?? [])]
        .sort((a, c) => (a.index ?? 0) - (c.index ?? 0))
        .map((c) => {
          left.push(
            ...leftKeys(
              c,
              `${where}, column "${text(c.title) ?? text(c.key) ?? ''}": the setting `,
              Object.keys(Column.properties),
              COLUMN,
            ),
          );
          const computation = text(c.computation);
          return {
            key: text(c.key) ?? '',
            title: text(c.title) ?? text(c.key) ?? '',
            sorting: c.sorting === 'asc' ? ('asc' as const) : ('desc' as const),
            ...(computation ? { computed: `the ${computation} of columns ${(c.computation_indexes ?? []).join(', ')}` } : {}),
          };
        });
    });
    if (boards.length > 1)
      left.push(`The bundle has ${boards.length} leaderboards; Podium has one, so their columns were joined, in order.`);
    const terms = text(y.terms);
    return {
      title: text(y.title) ?? 'Imported competition',
      ...defined({
        description: text(y.description),
        logo: text(y.image),
        dockerImage: text(y.docker_image),
        rule: boards.map((b) => text(b.submission_rule)).find((r) => r !== undefined),
      }),
      pages: [
        ...(y.pages ?? []).flatMap((p) => {
          const file = text(p.file);
          return file ? [{ title: text(p.title) ?? file, file }] : [];
        }),
        ...(terms ? [{ title: 'terms', file: terms }] : []),
      ],
      phases,
      ...(modelTasks ? { tasks: modelTasks } : {}),
      columns: columns.filter((c) => c.key),
      solutions,
      left,
    };
  },
});
