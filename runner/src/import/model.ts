import type { Static, TObject } from '@sinclair/typebox';
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
  /** Files or folders of the bundle. */
  reference?: string;
  scoring?: string;
  input?: string;
  ingestion?: string;
  publicData?: string;
  startingKit?: string;
}

export interface BundleColumn {
  key: string;
  title: string;
  sorting: 'asc' | 'desc';
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
  columns: BundleColumn[];
  dockerImage?: string;
  /** Top-level keys of competition.yaml this import does not read; the report names them. */
  unread: string[];
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
  toModel(yaml: Static<S>): Omit<Model, 'format' | 'unread'>;
}

export function bundleFormat<S extends TObject>(f: BundleFormat<S>): BundleFormat {
  return f as unknown as BundleFormat;
}

/** Text of the bundle, trimmed; empty text counts as absent, as in the platforms' forms. */
export function text(v: string | undefined): string | undefined {
  return v?.trim() || undefined;
}

/** A date of the bundle as an ISO instant (dates without a time are midnight UTC). */
export function instant(v: string | undefined): string | undefined {
  const s = text(v);
  if (!s) return undefined;
  const d = new Date(/^\d{4}-\d\d-\d\d$/.test(s) ? `${s}T00:00:00Z` : s.replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace('.000Z', 'Z');
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

/** Reads a bundle's competition.yaml in the first format that claims it; every problem is positioned. */
export function readModel(file: string, yamlText: string, formats: readonly BundleFormat[]): Model {
  const { source, problems } = YamlSource.parse(file, yamlText);
  if (problems.length > 0) throw problemsError(file, problems);
  const raw = source.toJS();
  if (raw === null || raw === undefined) throw new ImportError(`${file} is empty.`);
  const yaml = (typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const format = formats.find((f) => f.detect(yaml)) ?? formats[formats.length - 1]!;
  const value = withoutNulls(raw);
  const validate = compile(format.schema);
  if (!validate(value)) throw problemsError(file, explainSchemaErrors(source, validate.errors ?? []));
  const read = Object.keys(format.schema.properties);
  const model: Model = { format: format.name, ...format.toModel(value), unread: Object.keys(yaml).filter((k) => !read.includes(k)) };
  if (model.phases.length === 0) throw new ImportError(`${file} has no phases; nothing to import.`);
  return model;
}
