import type { Static, TObject } from '@sinclair/typebox';
import { LineCounter, parseDocument } from 'yaml';
import { formatProblem, plural, PodiumError, type Problem } from '../contracts/problems.js';
import { compile, explainSchemaErrors, YamlSource } from '../contracts/yaml-contract.js';

/** A bundle Podium cannot import, said so that the organiser knows what to fix. */
export class ImportError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

/** A phase of the bundle, whichever format it came in. */
export interface BundlePhase {
  name: string;
  description?: string;
  /** ISO instants. */
  start?: string;
  end?: string;
  perDay?: number;
  total?: number;
  /** Seconds. */
  timeLimit?: number;
  /** The phase's task (its first, where it has several), for the report. */
  task?: string;
  /** Files or folders of the bundle, from the phase's task. */
  reference?: string;
  scoring?: string;
  input?: string;
  ingestion?: string;
  /** Codabench's ingestion_only_during_scoring. */
  duringScoring?: boolean;
  /** The phase's other tasks, by name, where they could not become competition.yml's tasks (Model.tasks). */
  leftOut?: string[];
  publicData?: string;
  startingKit?: string;
}

export interface BundleColumn {
  key: string;
  title: string;
  sorting: 'asc' | 'desc';
  /** Codabench computes the column from others (computation); the scoring program does not write it. */
  computed?: string;
}

/**
 * A task of a bundle whose phases all list the same several tasks, sharing their programs and
 * inputs: one of competition.yml's tasks, with its own reference data.
 */
export interface BundleTask {
  /** competition.yml's tasks[].id, from the task's name. */
  id: string;
  name: string;
  description?: string;
  /** The task's reference data in the bundle. */
  reference?: string;
}

/** A sample submission of the bundle (Codabench "solutions"), run on the phases it was written for. */
export interface BundleSolution {
  name: string;
  /** A folder or a zip of the bundle. */
  path: string;
  /** Indexes into Model.phases. */
  phases: number[];
  /** The task (BundleTask.id) it was written for, where the bundle's tasks became competition.yml's. */
  task?: string;
}

/**
 * What the import reads from a bundle: every format maps its competition.yaml to this, and the
 * steps after it (phases, data, metrics, competition.yml) know no format.
 */
export interface Model {
  format: string;
  title: string;
  description?: string;
  logo?: string;
  pages: { title: string; file: string }[];
  phases: BundlePhase[];
  /** Several tasks in every phase, mapped onto competition.yml's tasks; absent otherwise. */
  tasks?: BundleTask[];
  columns: BundleColumn[];
  solutions: BundleSolution[];
  /** The image the bundle's programs ran in, if it names one. */
  dockerImage?: string;
  /** Codabench's submission_rule, or CodaLab's force_submission_to_leaderboard as Force_Last. */
  rule?: string;
  /** Settings of competition.yaml this import leaves, each with why: for the report. */
  left: string[];
  /** Things the organiser should know about how the file was read (a key given twice). */
  warnings: string[];
}

/** What the import report says: what was carried over, and what was not or needs a decision. */
export interface Report {
  carried: string[];
  dropped: string[];
}

/**
 * A competition.yaml format: its schema (the keys read, with their types) and the mapping from
 * a valid file to the model. Keys not in the schema's top level are reported as not carried.
 */
export interface BundleFormat<S extends TObject = TObject> {
  name: string;
  /** Whether a parsed competition.yaml is in this format. */
  detect(yaml: Record<string, unknown>): boolean;
  schema: S;
  /** The model, and in its `left` every setting the format knows and the import does not carry, with why. */
  toModel(yaml: Static<S>): Omit<Model, 'format' | 'warnings'>;
}

export function bundleFormat<S extends TObject>(f: BundleFormat<S>): BundleFormat {
  return f as unknown as BundleFormat;
}

/** Text of the bundle, trimmed; empty text counts as absent, as in the platforms' forms. */
export function text(v: string | undefined): string | undefined {
  return v?.trim() || undefined;
}

/**
 * A date of the bundle as an ISO instant, read as Codabench reads it (dateutil, month first, in
 * UTC): 2026-01-31, 2026-01-31 14:30:00, 1-31-2026 (its examples' Month-Day-Year), 1/31/2026.
 */
export function instant(v: string | undefined): string | undefined {
  const s = text(v);
  if (!s) return undefined;
  const mdy = /^(\d{1,2})[-/](\d{1,2})[-/](\d{4})(?:[ T](\d\d?:\d\d(?::\d\d)?))?$/.exec(s);
  const pad = (x: string) => x.padStart(2, '0');
  const iso = mdy
    ? `${mdy[3]}-${pad(mdy[1]!)}-${pad(mdy[2]!)}T${mdy[4] ? mdy[4].padStart(5, '0') : '00:00'}`
    : /^\d{4}-\d\d-\d\d$/.test(s)
      ? `${s}T00:00`
      : s.replace(' ', 'T');
  const d = new Date(/(Z|[+-]\d\d:?\d\d)$/i.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace('.000Z', 'Z');
}

/** What the platforms' settings that Podium has no counterpart for became: nothing, and why. */
export type Reasons = Readonly<Record<string, string>>;

/**
 * Each key of a section of competition.yaml the import does not read, as a report line: the
 * reason given for it, else that Podium has no counterpart. WHERE names the section.
 */
export function leftKeys(section: object | undefined, where: string, read: readonly string[], reasons: Reasons): string[] {
  return Object.keys(section ?? {})
    .filter((k) => !read.includes(k))
    .map((k) => `${where}"${k}": ${reasons[k] ?? 'Podium has no counterpart; not carried over.'}`);
}

/** A phase without its absent fields; numbers of 0 count as absent, as on the platforms. */
export function phase(p: { name: string } & { [K in keyof BundlePhase]?: BundlePhase[K] | undefined }): BundlePhase {
  const out = defined(p) as BundlePhase;
  for (const k of ['perDay', 'total', 'timeLimit'] as const) if (!out[k]) delete out[k];
  return out;
}

/** The object without its undefined fields. */
export function defined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** A key with an empty value is the same as no key: the platforms write empty fields that way. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, withoutNulls(x)]),
  );
}

function problemsError(file: string, problems: readonly Problem[]): ImportError {
  return new ImportError(
    `${file} has ${plural(problems.length, 'problem')} to fix:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
  );
}

/**
 * Reads a bundle's competition.yaml in the first format that claims it, as PyYAML does (a key
 * given twice: the last wins, and the report says so); every problem is positioned.
 */
export function readModel(file: string, yamlText: string, formats: readonly BundleFormat[]): Model {
  const warnings = parseDocument(yamlText, { lineCounter: new LineCounter(), uniqueKeys: true })
    .errors.filter((e) => e.code === 'DUPLICATE_KEY')
    .map((e) => `${file}:${e.linePos?.[0].line ?? 0}: a key given twice; as on Codabench (PyYAML), the last one was read.`);
  const { source, problems } = YamlSource.parse(file, yamlText, { uniqueKeys: false });
  if (problems.length > 0) throw problemsError(file, problems);
  const raw = source.toJS();
  if (raw === null || raw === undefined) throw new ImportError(`${file} is empty.`);
  const yaml = (typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const format = formats.find((f) => f.detect(yaml)) ?? formats[formats.length - 1]!;
  const value = withoutNulls(raw);
  const validate = compile(format.schema);
  if (!validate(value)) throw problemsError(file, explainSchemaErrors(source, validate.errors ?? []));
  const model: Model = { format: format.name, ...format.toModel(value), warnings };
  if (model.phases.length === 0) throw new ImportError(`${file} has no phases; nothing to import.`);
  return model;
}
