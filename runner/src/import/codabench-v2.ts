import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../contracts/common.js';
import { bundleFormat, defined, instant, phase, text, type BundlePhase } from './model.js';

/**
 * Codabench's competition.yaml, version 2 (the "Yaml Structure" page of Codabench's wiki): the
 * keys this import reads, with their types. Other keys are allowed everywhere; the top-level
 * ones are named in the import report.
 */
const Text = Type.String();
const Count = Type.Integer({ minimum: 0 });
/** Tasks are named by their index (older bundles) or by a key. */
const TaskRef = Type.Unsafe<number | string>({ type: ['integer', 'string'] });

const Phase = Type.Object({
  name: Type.Optional(Text),
  description: Type.Optional(Text),
  start: Type.Optional(Text),
  end: Type.Optional(Text),
  max_submissions_per_day: Type.Optional(Count),
  max_submissions: Type.Optional(Count),
  execution_time_limit: Type.Optional(Count),
  public_data: Type.Optional(Text),
  tasks: Type.Optional(Type.Array(TaskRef)),
});

const Task = Type.Object({
  index: Type.Optional(Type.Integer()),
  reference_data: Type.Optional(Text),
  scoring_program: Type.Optional(Text),
  input_data: Type.Optional(Text),
  ingestion_program: Type.Optional(Text),
});

const Solution = Type.Object({
  tasks: Type.Optional(Type.Array(TaskRef)),
  path: Type.Optional(Text),
});

const Column = Type.Object({
  key: Type.Optional(Text),
  title: Type.Optional(Text),
  sorting: Type.Optional(StringEnum(['asc', 'desc'] as const)),
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
  leaderboards: Type.Optional(Type.Array(Type.Object({ columns: Type.Optional(Type.Array(Column)) }))),
  docker_image: Type.Optional(Text),
});

type V2 = Static<typeof CodabenchV2Schema>;
type V2Task = Static<typeof Task>;

export const codabenchV2 = bundleFormat({
  name: 'Codabench v2',
  detect: (y) => y.version === 2 || y.version === '2' || Array.isArray(y.phases),
  schema: CodabenchV2Schema,
  toModel(y: V2) {
    const tasks = new Map<number, V2Task>();
    for (const t of y.tasks ?? []) if (t.index !== undefined) tasks.set(t.index, t);
    const taskOf = (ref: number | string) => tasks.get(Number(ref));
    const phases = (y.phases ?? []).map((p, i): BundlePhase => {
      const own = (p.tasks ?? []).map(taskOf).filter((t): t is V2Task => t !== undefined);
      const t: V2Task = own[0] ?? {};
      // The starting kit is the first solution of one of the phase's tasks.
      const solution = (y.solutions ?? []).find((s) => (s.tasks ?? []).some((x) => own.includes(taskOf(x)!)));
      return phase({
        name: text(p.name) ?? `Phase ${i + 1}`,
        description: text(p.description),
        start: instant(p.start),
        end: instant(p.end),
        perDay: p.max_submissions_per_day,
        total: p.max_submissions,
        timeLimit: p.execution_time_limit,
        reference: text(t.reference_data),
        scoring: text(t.scoring_program),
        input: text(t.input_data),
        ingestion: text(t.ingestion_program),
        publicData: text(p.public_data),
        startingKit: text(solution?.path),
      });
    });
    const columns = (y.leaderboards ?? []).flatMap((b) =>
      (b.columns ?? []).map((c) => ({
        key: text(c.key) ?? '',
        title: text(c.title) ?? text(c.key) ?? '',
        sorting: c.sorting === 'asc' ? ('asc' as const) : ('desc' as const),
      })),
    );
    const terms = text(y.terms);
    return {
      title: text(y.title) ?? 'Imported competition',
      ...defined({ description: text(y.description), logo: text(y.image), dockerImage: text(y.docker_image) }),
      pages: [
        ...(y.pages ?? []).flatMap((p) => {
          const file = text(p.file);
          return file ? [{ title: text(p.title) ?? file, file }] : [];
        }),
        ...(terms ? [{ title: 'terms', file: terms }] : []),
      ],
      phases,
      columns: columns.filter((c) => c.key),
    };
  },
});
