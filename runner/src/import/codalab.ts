import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../contracts/common.js';
import { bundleFormat, defined, instant, phase, text } from './model.js';

/**
 * CodaLab's competition.yaml (the 1.5 "competition YAML definition language"): phases and
 * leaderboard columns are mappings keyed by name or number. The keys this import reads, with
 * their types; other keys are allowed everywhere, and the top-level ones are named in the report.
 */
const Text = Type.String();
const Count = Type.Integer({ minimum: 0 });

const Phase = Type.Object({
  phasenumber: Type.Optional(Type.Number()),
  label: Type.Optional(Text),
  description: Type.Optional(Text),
  start_date: Type.Optional(Text),
  max_submissions_per_day: Type.Optional(Count),
  max_submissions: Type.Optional(Count),
  execution_time_limit: Type.Optional(Count),
  reference_data: Type.Optional(Text),
  scoring_program: Type.Optional(Text),
  input_data: Type.Optional(Text),
  ingestion_program: Type.Optional(Text),
  public_data: Type.Optional(Text),
  starting_kit: Type.Optional(Text),
});

const Column = Type.Object({
  label: Type.Optional(Text),
  rank: Type.Optional(Type.Number()),
  sort: Type.Optional(StringEnum(['asc', 'desc'] as const)),
});

export const CodaLabSchema = Type.Object({
  title: Type.Optional(Text),
  description: Type.Optional(Text),
  image: Type.Optional(Text),
  /** Page title to file. */
  html: Type.Optional(Type.Record(Type.String(), Text)),
  phases: Type.Optional(Type.Record(Type.String(), Phase)),
  leaderboard: Type.Optional(Type.Object({ columns: Type.Optional(Type.Record(Type.String(), Column)) })),
  end_date: Type.Optional(Text),
});

type CodaLab = Static<typeof CodaLabSchema>;

export const codalab = bundleFormat({
  name: 'CodaLab 1.5',
  detect: () => true,
  schema: CodaLabSchema,
  toModel(y: CodaLab) {
    const raw = Object.values(y.phases ?? {}).sort((a, b) => (a.phasenumber ?? 0) - (b.phasenumber ?? 0));
    const phases = raw.map((p, i) =>
      phase({
        name: text(p.label) ?? `Phase ${i + 1}`,
        description: text(p.description),
        start: instant(p.start_date),
        // A CodaLab phase runs until the next one starts; the last until the competition's end_date.
        end: i + 1 < raw.length ? instant(raw[i + 1]!.start_date) : instant(y.end_date),
        perDay: p.max_submissions_per_day,
        total: p.max_submissions,
        timeLimit: p.execution_time_limit,
        reference: text(p.reference_data),
        scoring: text(p.scoring_program),
        input: text(p.input_data),
        ingestion: text(p.ingestion_program),
        publicData: text(p.public_data),
        startingKit: text(p.starting_kit),
      }),
    );
    const columns = Object.entries(y.leaderboard?.columns ?? {})
      .sort(([, a], [, b]) => (a.rank ?? 0) - (b.rank ?? 0))
      .map(([key, c]) => ({ key, title: text(c.label) ?? key, sorting: c.sort === 'asc' ? ('asc' as const) : ('desc' as const) }));
    return {
      title: text(y.title) ?? 'Imported competition',
      ...defined({ description: text(y.description), logo: text(y.image) }),
      pages: Object.entries(y.html ?? {}).flatMap(([title, file]) => (text(file) ? [{ title, file: text(file)! }] : [])),
      phases,
      columns,
    };
  },
});
