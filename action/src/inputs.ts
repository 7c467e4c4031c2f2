import { Type, type Static, type TObject } from '@sinclair/typebox';
import type { ErrorObject } from 'ajv';
import { StringEnum } from '../../runner/src/contracts/common.js';
import { didYouMean, PodiumError } from '../../runner/src/contracts/problems.js';
import { compile } from '../../runner/src/contracts/yaml-contract.js';

/**
 * The Action's inputs (action.yml), read through one schema per mode: the inputs that mode
 * uses, and nothing it ignores. action.yml is the one place their defaults are declared: the
 * runner passes each declared default as an INPUT_* variable, so nothing here falls back on a
 * default of its own, and an input that must name something is refused when it is empty.
 * A schema's description says what to give, for the error.
 */
export const MODES = ['validate', 'prepare', 'queue', 'evaluate', 'count', 'report', 'publish'] as const;
export type Mode = (typeof MODES)[number];

/** An input that must name something: empty only where a workflow wrote it empty. */
const named = (description: string) => Type.String({ minLength: 1, description });
/** An input that may be empty: empty means "not given", and the mode says what it does then. */
const optional = (description: string) => Type.String({ description });

const mode = StringEnum(MODES, { description: 'say which job of the workflows this step is' });
const token = optional("give the job's token, github.token, with the permissions the mode needs");
const competition = named('give the competition folder in the checkout');
const preparedDir = named('give the folder prepare writes the request to and evaluate reads it from');
const recordDir = named('give the folder evaluate writes the record to and report and publish read it from');
const hidden = optional(
  'give the hidden data on the runner, a folder or a sealed file, or leave it empty for data.hidden in competition.yml',
);
const logsDir = optional('give a folder on the runner for container logs, or leave it empty to keep none');
const botLogin = named('give the login whose comment report updates');
const remote = optional("give where publish pushes the results branch, or leave it empty for the checkout's origin");
const siteDir = named('give the folder publish builds the leaderboard site in');
const watchMinutes = Type.String({
  pattern: '^[0-9]+$',
  description: 'give how many minutes the queue job keeps the comment current, a whole number (0: write it once)',
});
const waiting = Type.String({
  pattern: '^([0-9]+)?$',
  description: "give the number of evaluations waiting, the count job's output, or leave it empty to show none",
});
const pollSeconds = Type.String({
  pattern: '^[1-9][0-9]*$',
  description: 'give how many seconds the queue job waits between two looks at the queue, a whole number from 1',
});

const ModeInput = Type.Object({ mode });

export const ValidateInputsSchema = Type.Object({ mode: Type.Literal('validate'), token, competition });
export const PrepareInputsSchema = Type.Object({ mode: Type.Literal('prepare'), token, competition, 'prepared-dir': preparedDir });
export const QueueInputsSchema = Type.Object({
  mode: Type.Literal('queue'),
  token,
  'prepared-dir': preparedDir,
  'bot-login': botLogin,
  'watch-minutes': watchMinutes,
  'poll-seconds': pollSeconds,
});
export const CountInputsSchema = Type.Object({ mode: Type.Literal('count'), token });
export const EvaluateInputsSchema = Type.Object({
  mode: Type.Literal('evaluate'),
  token,
  competition,
  'prepared-dir': preparedDir,
  'record-dir': recordDir,
  hidden,
  'logs-dir': logsDir,
});
export const ReportInputsSchema = Type.Object({
  mode: Type.Literal('report'),
  token,
  competition,
  'record-dir': recordDir,
  'bot-login': botLogin,
});
export const PublishInputsSchema = Type.Object({
  mode: Type.Literal('publish'),
  token,
  competition,
  'record-dir': recordDir,
  remote,
  'site-dir': siteDir,
  waiting,
});

/** Each mode's inputs: what it reads of action.yml's. */
export const MODE_INPUTS = {
  validate: ValidateInputsSchema,
  prepare: PrepareInputsSchema,
  queue: QueueInputsSchema,
  evaluate: EvaluateInputsSchema,
  count: CountInputsSchema,
  report: ReportInputsSchema,
  publish: PublishInputsSchema,
} as const satisfies Record<Mode, TObject>;

export type ValidateInputs = Static<typeof ValidateInputsSchema>;
export type PrepareInputs = Static<typeof PrepareInputsSchema>;
export type QueueInputs = Static<typeof QueueInputsSchema>;
export type CountInputs = Static<typeof CountInputsSchema>;
export type EvaluateInputs = Static<typeof EvaluateInputsSchema>;
export type ReportInputs = Static<typeof ReportInputsSchema>;
export type PublishInputs = Static<typeof PublishInputsSchema>;
/** The request of one step: its mode and that mode's inputs, with the names action.yml gives them. */
export type ActionInputs = ValidateInputs | PrepareInputs | QueueInputs | EvaluateInputs | CountInputs | ReportInputs | PublishInputs;

/** An input the step was given that the Action cannot use; the message names it and says what to write. */
export class InputError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

function explain(e: ErrorObject): string {
  const name = e.instancePath.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');
  const what = (e.parentSchema as { description?: string } | undefined)?.description ?? '';
  const value = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
  switch (e.keyword) {
    case 'enum':
      if (value === '') return `the input "${name}" is missing: ${what} (${name}: under the step's with:), one of ${MODES.join(', ')}.`;
      return `the input "${name}" is "${value}", which is not a mode.${didYouMean(value, MODES)} ${capital(what)}: one of ${MODES.join(', ')}.`;
    case 'pattern':
      return `the input "${name}" is "${value}": ${what}.`;
    case 'minLength':
      return `the input "${name}" is empty: ${what}, or leave it out of the step's with: to use the default that action.yml declares.`;
    default:
      return `the input "${name}" is "${value}": ${e.message ?? 'not allowed'}; ${what}.`;
  }
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function check<S extends TObject>(schema: S, value: Record<string, string>): Static<S> {
  const validate = compile(schema);
  if (validate(value)) return value;
  throw new InputError([...new Set((validate.errors ?? []).map(explain))].join('\n'));
}

/**
 * Reads the step's inputs through its mode's schema. `get` is the runner protocol's getInput, which
 * gives an empty string for an input that is not set.
 */
export function readInputs(get: (name: string) => string): ActionInputs {
  const schema = MODE_INPUTS[check(ModeInput, { mode: get('mode') }).mode];
  return check(schema, Object.fromEntries(Object.keys(schema.properties).map((name) => [name, get(name)])));
}
