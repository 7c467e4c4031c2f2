import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../contracts/common.js';
import { bundleFormat, defined, instant, leftKeys, phase, text, type Reasons } from './model.js';

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
  ingestion_program_only_during_scoring: Type.Optional(Type.Boolean()),
  public_data: Type.Optional(Text),
  starting_kit: Type.Optional(Text),
});

const Column = Type.Object({
  leaderboard: Type.Optional(Type.Unknown()),
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
  leaderboard: Type.Optional(
    Type.Object({ leaderboards: Type.Optional(Type.Unknown()), columns: Type.Optional(Type.Record(Type.String(), Column)) }),
  ),
  end_date: Type.Optional(Text),
  competition_docker_image: Type.Optional(Text),
  force_submission_to_leaderboard: Type.Optional(Type.Boolean()),
});

const NO_ACCOUNTS = 'Podium has no accounts: participants take part by pull request on the repository.';
const TOP: Reasons = {
  admin_names: "the repository's maintainers are the organisers.",
  allow_public_submissions: 'submissions are pull requests, public on the repository.',
  allow_teams: 'every submission names its team (submission.yml).',
  anonymous_leaderboard: 'the leaderboard shows team names.',
  start_date: "Podium reads each phase's dates; the competition runs from the first phase's start.",
  disallow_leaderboard_modifying: 'the rule in leaderboard.rule decides which submission counts.',
  enable_detailed_results: "Podium shows a scoring program's detailed_results.html with the submission's result.",
  enable_forum: "use the repository's Discussions or issues.",
  enable_per_submission_metadata: 'submission.yml has description, authors, paper and code.',
  has_registration: NO_ACCOUNTS,
  show_datasets_from_yaml: 'the public data is in data/public/.',
  admin_email: 'put it in a page (pages/).',
};
const PHASE: Reasons = {
  color: 'the site has one colour scheme.',
  is_scoring_only: 'the phase takes the kinds in submissions.kinds.',
  auto_migration: 'a team resubmits in the new phase.',
  leaderboard_management_mode: 'the rule in leaderboard.rule decides which submission counts.',
  hide_output: 'container logs are hidden from participants unless runtime.show_logs is true.',
};
const COLUMN: Reasons = {
  numeric_format: 'Podium shows scores with their own precision.',
  hidden: 'every metric of competition.yml is shown; leave it out of leaderboard.columns to hide it.',
  computed: 'Podium does not combine columns: the scoring program must write this score itself.',
};

type CodaLab = Static<typeof CodaLabSchema>;

export const codalab = bundleFormat({
  name: 'CodaLab 1.5',
  detect: () => true,
  schema: CodaLabSchema,
  toModel(y: CodaLab) {
    const left = leftKeys(y, 'The setting ', Object.keys(CodaLabSchema.properties), TOP);
    const raw = Object.values(y.phases ?? {}).sort((a, b) => (a.phasenumber ?? 0) - (b.phasenumber ?? 0));
    const phases = raw.map((p, i) => {
      const name = text(p.label) ?? `Phase ${i + 1}`;
      left.push(...leftKeys(p, `Phase "${name}": the setting `, Object.keys(Phase.properties), PHASE));
      return phase({
        name,
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
        duringScoring: p.ingestion_program_only_during_scoring,
        publicData: text(p.public_data),
        startingKit: text(p.starting_kit),
      });
    });
    const columns = Object.entries(y.leaderboard?.columns ?? {})
      .sort(([, a], [, b]) => (a.rank ?? 0) - (b.rank ?? 0))
      .map(([key, c]) => {
        left.push(...leftKeys(c, `Leaderboard column "${key}": the setting `, Object.keys(Column.properties), COLUMN));
        return { key, title: text(c.label) ?? key, sorting: c.sort === 'asc' ? ('asc' as const) : ('desc' as const) };
      });
    return {
      title: text(y.title) ?? 'Imported competition',
      ...defined({
        description: text(y.description),
        logo: text(y.image),
        dockerImage: text(y.competition_docker_image),
        // CodaLab's forced submissions: each new one replaces the team's entry.
        rule: y.force_submission_to_leaderboard ? 'Force_Last' : undefined,
      }),
      pages: Object.entries(y.html ?? {}).flatMap(([title, file]) => (text(file) ? [{ title, file: text(file)! }] : [])),
      phases,
      columns,
      solutions: [],
      left,
    };
  },
});
