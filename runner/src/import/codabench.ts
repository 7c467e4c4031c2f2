import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import { PodiumError, type Problem } from '../contracts/problems.js';
import { toSlug } from '../contracts/common.js';
import { checkCompetition } from '../competition/load.js';
import { findMetric } from '../scoring/metrics/registry.js';
import { initCompetition } from '../init/init.js';
import { readZip } from './zip.js';

/**
 * `podium import codabench`: turns a Codabench competition bundle (competition.yaml
 * version 2) or an older CodaLab one (1.5) into a Podium competition repository. Reference
 * data goes to the hidden folder, never into the repository. Everything that cannot be carried
 * over is said in IMPORT-REPORT.md, not dropped silently.
 */
export class ImportError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

export interface ImportOptions {
  /** A bundle .zip, or a folder holding competition.yaml. */
  bundle: string;
  /** The competition repository to create: absent or empty. */
  dir: string;
  /** Where the hidden data goes; default DIR-hidden. */
  hiddenDir?: string;
}

export interface ImportResult {
  dir: string;
  hiddenDir: string;
  /** What the report says: carried over, not carried over, to check. */
  carried: string[];
  dropped: string[];
  problems: Problem[];
}

interface Phase {
  name: string;
  description?: string;
  start?: string;
  end?: string;
  perDay?: number;
  total?: number;
  timeLimit?: number;
  reference?: string;
  scoring?: string;
  input?: string;
  ingestion?: string;
  publicData?: string;
  startingKit?: string;
}

interface Model {
  format: 'Codabench v2' | 'CodaLab 1.5';
  title: string;
  description?: string;
  logo?: string;
  pages: { title: string; file: string }[];
  phases: Phase[];
  columns: { key: string; title: string; sorting: 'asc' | 'desc' }[];
  dockerImage?: string;
  /** Keys of competition.yaml this import reads; the rest go in the report. */
  unread: string[];
}

type Yaml = Record<string, unknown>;
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() ? v.trim() : v instanceof Date ? v.toISOString() : undefined;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A date of the bundle as an ISO instant (dates without a time are midnight UTC). */
function instant(v: unknown): string | undefined {
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  const s = str(v);
  if (!s) return undefined;
  const d = new Date(/^\d{4}-\d\d-\d\d$/.test(s) ? `${s}T00:00:00Z` : s.replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace('.000Z', 'Z');
}

function model(y: Yaml): Model {
  if (y.version === 2 || y.version === '2' || Array.isArray(y.phases)) return v2(y);
  return legacy(y);
}

function v2(y: Yaml): Model {
  const tasks = new Map<number, Yaml>();
  for (const t of (Array.isArray(y.tasks) ? y.tasks : []) as Yaml[]) if (num(t.index) !== undefined) tasks.set(num(t.index)!, t);
  const solutions = (Array.isArray(y.solutions) ? y.solutions : []) as Yaml[];
  const phases = ((Array.isArray(y.phases) ? y.phases : []) as Yaml[]).map((p, i): Phase => {
    const ts = ((Array.isArray(p.tasks) ? p.tasks : []) as unknown[]).map((t) => tasks.get(Number(t))).filter((t): t is Yaml => !!t);
    const t = ts[0] ?? {};
    const solution = solutions.find(
      (s) => Array.isArray(s.tasks) && (s.tasks as unknown[]).some((x) => ts.includes(tasks.get(Number(x))!)),
    );
    return {
      name: str(p.name) ?? `Phase ${i + 1}`,
      ...(str(p.description) ? { description: str(p.description) } : {}),
      ...(instant(p.start) ? { start: instant(p.start) } : {}),
      ...(instant(p.end) ? { end: instant(p.end) } : {}),
      ...(num(p.max_submissions_per_day) ? { perDay: num(p.max_submissions_per_day) } : {}),
      ...(num(p.max_submissions) ? { total: num(p.max_submissions) } : {}),
      ...(num(p.execution_time_limit) ? { timeLimit: num(p.execution_time_limit) } : {}),
      ...(str(t.reference_data) ? { reference: str(t.reference_data) } : {}),
      ...(str(t.scoring_program) ? { scoring: str(t.scoring_program) } : {}),
      ...(str(t.input_data) ? { input: str(t.input_data) } : {}),
      ...(str(t.ingestion_program) ? { ingestion: str(t.ingestion_program) } : {}),
      ...(str(p.public_data) ? { publicData: str(p.public_data) } : {}),
      ...(solution && str(solution.path) ? { startingKit: str(solution.path) } : {}),
    };
  });
  const columns = ((Array.isArray(y.leaderboards) ? y.leaderboards : []) as Yaml[]).flatMap((b) =>
    ((Array.isArray(b.columns) ? b.columns : []) as Yaml[]).map((c) => ({
      key: str(c.key) ?? '',
      title: str(c.title) ?? str(c.key) ?? '',
      sorting: (str(c.sorting) === 'asc' ? 'asc' : 'desc') as 'asc' | 'desc',
    })),
  );
  const read = [
    'version',
    'title',
    'description',
    'image',
    'terms',
    'pages',
    'phases',
    'tasks',
    'solutions',
    'leaderboards',
    'docker_image',
  ];
  return {
    format: 'Codabench v2',
    title: str(y.title) ?? 'Imported competition',
    ...(str(y.description) ? { description: str(y.description) } : {}),
    ...(str(y.image) ? { logo: str(y.image) } : {}),
    pages: [
      ...((Array.isArray(y.pages) ? y.pages : []) as Yaml[]).flatMap((p) =>
        str(p.file) ? [{ title: str(p.title) ?? str(p.file)!, file: str(p.file)! }] : [],
      ),
      ...(str(y.terms) ? [{ title: 'terms', file: str(y.terms)! }] : []),
    ],
    phases,
    columns: columns.filter((c) => c.key),
    ...(str(y.docker_image) ? { dockerImage: str(y.docker_image) } : {}),
    unread: Object.keys(y).filter((k) => !read.includes(k)),
  };
}

function legacy(y: Yaml): Model {
  const raw = (y.phases && typeof y.phases === 'object' ? Object.values(y.phases as Yaml) : []) as Yaml[];
  raw.sort((a, b) => (num(a.phasenumber) ?? 0) - (num(b.phasenumber) ?? 0));
  const phases = raw.map((p, i): Phase => {
    // A CodaLab phase runs until the next one starts; the last until the competition's end_date.
    const end = i + 1 < raw.length ? instant(raw[i + 1]!.start_date) : instant(y.end_date);
    return {
      name: str(p.label) ?? `Phase ${i + 1}`,
      ...(str(p.description) ? { description: str(p.description) } : {}),
      ...(instant(p.start_date) ? { start: instant(p.start_date) } : {}),
      ...(end ? { end } : {}),
      ...(num(p.max_submissions_per_day) ? { perDay: num(p.max_submissions_per_day) } : {}),
      ...(num(p.max_submissions) ? { total: num(p.max_submissions) } : {}),
      ...(num(p.execution_time_limit) ? { timeLimit: num(p.execution_time_limit) } : {}),
      ...(str(p.reference_data) ? { reference: str(p.reference_data) } : {}),
      ...(str(p.scoring_program) ? { scoring: str(p.scoring_program) } : {}),
      ...(str(p.input_data) ? { input: str(p.input_data) } : {}),
      ...(str(p.ingestion_program) ? { ingestion: str(p.ingestion_program) } : {}),
      ...(str(p.public_data) ? { publicData: str(p.public_data) } : {}),
      ...(str(p.starting_kit) ? { startingKit: str(p.starting_kit) } : {}),
    };
  });
  const board = (y.leaderboard && typeof y.leaderboard === 'object' ? y.leaderboard : {}) as Yaml;
  const cols = (board.columns && typeof board.columns === 'object' ? board.columns : {}) as Record<string, Yaml>;
  const columns = Object.entries(cols)
    .sort(([, a], [, b]) => (num(a.rank) ?? 0) - (num(b.rank) ?? 0))
    .map(([key, c]) => ({ key, title: str(c.label) ?? key, sorting: (str(c.sort) === 'asc' ? 'asc' : 'desc') as 'asc' | 'desc' }));
  const html = (y.html && typeof y.html === 'object' ? y.html : {}) as Record<string, unknown>;
  const read = ['title', 'description', 'image', 'html', 'phases', 'leaderboard', 'end_date'];
  return {
    format: 'CodaLab 1.5',
    title: str(y.title) ?? 'Imported competition',
    ...(str(y.description) ? { description: str(y.description) } : {}),
    ...(str(y.image) ? { logo: str(y.image) } : {}),
    pages: Object.entries(html).flatMap(([title, file]) => (str(file) ? [{ title, file: str(file)! }] : [])),
    phases,
    columns,
    unread: Object.keys(y).filter((k) => !read.includes(k)),
  };
}

/** A built-in metric for a leaderboard column, by its key or title. */
function metricFor(column: { key: string; title: string }): string | undefined {
  const names: Record<string, string> = {
    accuracy: 'accuracy',
    acc: 'accuracy',
    balanced_accuracy: 'balanced_accuracy',
    bac: 'balanced_accuracy',
    f1: 'f1_macro',
    f1_score: 'f1_macro',
    f1_macro: 'f1_macro',
    macro_f1: 'f1_macro',
    f1_micro: 'f1_micro',
    auc: 'roc_auc',
    roc_auc: 'roc_auc',
    auroc: 'roc_auc',
    mcc: 'matthews_corrcoef',
    kappa: 'cohen_kappa',
    log_loss: 'log_loss',
    logloss: 'log_loss',
    mae: 'mean_absolute_error',
    mse: 'mean_squared_error',
    rmse: 'root_mean_squared_error',
    r2: 'r2',
    pearson: 'pearson',
    spearman: 'spearman',
    precision: 'precision_macro',
    recall: 'recall_macro',
  };
  for (const candidate of [column.key, column.title]) {
    const k = candidate.toLowerCase().replace(/[\s-]+/g, '_');
    const name = names[k] ?? (findMetric(k) ? k : undefined);
    if (name) return name;
  }
  return undefined;
}

async function bundleFiles(bundle: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  let info;
  try {
    info = await stat(bundle);
  } catch {
    throw new ImportError(`cannot read ${bundle}: give a bundle .zip or a folder holding competition.yaml.`);
  }
  if (info.isDirectory()) {
    for (const e of await readdir(bundle, { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue;
      const abs = path.join(e.parentPath, e.name);
      files.set(path.relative(bundle, abs).split(path.sep).join('/'), await readFile(abs));
    }
  } else {
    for (const e of readZip(await readFile(bundle))) files.set(e.name, e.data);
  }
  // The bundle's files may sit under one folder inside the zip.
  const yaml = [...files.keys()].filter((f) => /(^|\/)competition\.ya?ml$/.test(f)).sort((a, b) => a.length - b.length)[0];
  if (!yaml) throw new ImportError(`${bundle} holds no competition.yaml; is it a CodaLab or Codabench competition bundle?`);
  const prefix = yaml.slice(0, yaml.lastIndexOf('/') + 1);
  if (!prefix) return files;
  return new Map([...files].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

/** A file of the bundle, or a data zip inside it, written out under a folder. */
async function unpack(files: Map<string, Buffer>, ref: string, to: string): Promise<string[]> {
  const exact = files.get(ref);
  const written: string[] = [];
  const put = async (name: string, data: Buffer) => {
    const target = path.join(to, name);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, data);
    written.push(name);
  };
  if (exact && ref.toLowerCase().endsWith('.zip')) {
    for (const e of readZip(exact)) await put(e.name, e.data);
  } else if (exact) {
    await put(path.basename(ref), exact);
  } else {
    // A folder in the bundle rather than a zip.
    const prefix = `${ref.replace(/\/$/, '')}/`;
    for (const [k, v] of files) if (k.startsWith(prefix)) await put(k.slice(prefix.length), v);
  }
  return written;
}

export async function importCodabench(opts: ImportOptions): Promise<ImportResult> {
  const files = await bundleFiles(opts.bundle);
  const yamlName = files.has('competition.yaml') ? 'competition.yaml' : 'competition.yml';
  let y: Yaml;
  try {
    y = parseYaml(files.get(yamlName)!.toString('utf8')) as Yaml;
  } catch (e: unknown) {
    throw new ImportError(`${yamlName} is not valid YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  if (!y || typeof y !== 'object') throw new ImportError(`${yamlName} is empty.`);
  const m = model(y);
  if (m.phases.length === 0) throw new ImportError(`${yamlName} has no phases; nothing to import.`);
  const dir = path.resolve(opts.dir);
  const hidden = path.resolve(opts.hiddenDir ?? `${dir}-hidden`);
  const carried: string[] = [`The ${m.format} bundle "${m.title}".`];
  const dropped: string[] = [];

  await initCompetition({ dir, title: m.title, git: false });
  await rm(path.join(dir, 'submissions', 'baseline'), { recursive: true, force: true });

  // Pages and logo: public, into the repository.
  for (const p of m.pages) {
    if (!files.has(p.file)) {
      dropped.push(`The page "${p.title}" names ${p.file}, which is not in the bundle.`);
      continue;
    }
    await mkdir(path.join(dir, 'pages'), { recursive: true });
    await writeFile(path.join(dir, 'pages', path.basename(p.file)), files.get(p.file)!);
    carried.push(`The page "${p.title}" → pages/${path.basename(p.file)}.`);
  }
  if (m.logo && files.has(m.logo)) {
    await writeFile(path.join(dir, 'pages', path.basename(m.logo)), files.get(m.logo)!);
    carried.push(`The logo → pages/${path.basename(m.logo)}.`);
  }

  // Phases and their dates; Podium phases need an end.
  const phases = m.phases.map((p, i) => {
    const start = p.start ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    let end = p.end;
    if (!end || Date.parse(end) <= Date.parse(start)) {
      end = new Date(Date.parse(start) + 365 * 86_400_000).toISOString().replace('.000Z', 'Z');
      dropped.push(
        `Phase "${p.name}" has no end date in the bundle; it was set to ${end}, a year after its start. Change it in competition.yml.`,
      );
    }
    if (!p.start) dropped.push(`Phase "${p.name}" has no start date; it was set to the time of the import.`);
    return { id: toSlug(p.name, `phase-${i + 1}`), name: p.name, start, end, ...(p.description ? { description: p.description } : {}) };
  });
  const seen = new Set<string>();
  for (const [i, p] of phases.entries()) {
    while (seen.has(p.id)) p.id = `${p.id}-${i + 1}`;
    seen.add(p.id);
  }
  carried.push(`${phases.length} phase(s) with their dates: ${phases.map((p) => `${p.name} (${p.start} to ${p.end})`).join('; ')}.`);

  // Limits: Podium's are per competition; the first phase's are taken.
  const first = m.phases[0]!;
  const limits = { ...(first.perDay ? { per_day: first.perDay } : {}), ...(first.total ? { total: first.total } : {}) };
  if (Object.keys(limits).length) carried.push(`Submission limits: ${first.perDay ?? '—'} per day, ${first.total ?? '—'} per phase.`);
  const phaseExtra: Record<string, unknown>[] = phases.map(() => ({}));
  m.phases.forEach((p, i) => {
    if (i === 0 || (p.perDay === first.perDay && p.total === first.total)) return;
    phaseExtra[i]!.limits = { ...(p.perDay ? { per_day: p.perDay } : {}), ...(p.total ? { total: p.total } : {}) };
    carried.push(`Phase "${p.name}" keeps its own limits: ${p.perDay ?? '—'} per day, ${p.total ?? '—'} in the phase.`);
  });

  // Reference data: hidden, never in the repository; the first phase's is data.truth.
  await mkdir(hidden, { recursive: true });
  const refs = [...new Set(m.phases.flatMap((p) => (p.reference ? [p.reference] : [])))];
  let truth: string | undefined;
  let idColumn: string | undefined;
  let targetColumn: string | undefined;
  if (refs[0]) {
    const written = await unpack(files, refs[0], hidden);
    carried.push(`Reference data ${refs[0]} → the hidden folder (${written.length} file(s)); it is not in the repository.`);
    const tables = written.filter((f) => /\.(csv|jsonl)$/i.test(f));
    if (tables.length === 1) {
      truth = tables[0]!;
      const head = (await readFile(path.join(hidden, truth), 'utf8')).split(/\r?\n/)[0]!.replace(/^\uFEFF/, '');
      const cols = truth.endsWith('.csv') ? head.split(',') : Object.keys(JSON.parse(head || '{}') as object);
      idColumn = cols.find((c) => /^(id|.*_id)$/i.test(c)) ?? cols[0];
      targetColumn = cols.find((c) => c !== idColumn);
      carried.push(
        `The truth file is ${truth} (id column "${idColumn}", target column "${targetColumn}"). Check these in competition.yml.`,
      );
    } else {
      dropped.push(
        `The reference data holds ${tables.length === 0 ? 'no CSV or JSON Lines file' : `${tables.length} tables`}; Podium scores one truth table with an id column. Name it in data.truth.`,
      );
    }
    // Later phases with reference data of their own get a folder of the hidden data each.
    for (const [i, p] of m.phases.entries()) {
      if (!p.reference || p.reference === refs[0]) continue;
      const id = phases[i]!.id;
      const own = (await unpack(files, p.reference, path.join(hidden, id))).filter((f) => /\.(csv|jsonl)$/i.test(f));
      if (own.length === 1) {
        phaseExtra[i]!.truth = `${id}/${own[0]}`;
        carried.push(`Reference data ${p.reference} → the hidden folder's ${id}/, the truth of phase "${p.name}".`);
      } else {
        dropped.push(
          `Reference data ${p.reference} of phase "${p.name}" was unpacked to the hidden folder's ${id}/, but holds ${own.length} tables; name the truth in that phase's "truth".`,
        );
      }
    }
  } else {
    dropped.push('No phase names reference data; put the truth in the hidden folder and name it in data.truth.');
  }

  // Scoring programs: unpacked in the hidden folder (they may hold secrets); the first phase's
  // is also made runnable when leaderboard columns need it (below).
  const programs = [...new Set(m.phases.flatMap((p) => (p.scoring ? [p.scoring] : [])))];
  const programDirs = new Map<string, string>();
  for (const prog of programs) {
    const where = path.join('codabench', 'scoring_program', path.basename(prog, '.zip'));
    await unpack(files, prog, path.join(hidden, where));
    programDirs.set(prog, where);
  }
  const program = programs[0] ? await programCommand(path.join(hidden, programDirs.get(programs[0])!)) : undefined;

  // Code or result submissions.
  const code = m.phases.some((p) => p.ingestion || p.input);
  const inputs = m.phases.find((p) => p.input)?.input;
  if (inputs) {
    const written = await unpack(files, inputs, path.join(hidden, 'inputs'));
    carried.push(
      `Input data ${inputs} → the hidden folder's inputs/ (${written.length} file(s)), which container submissions read at /input.`,
    );
  }
  const ingestion = m.phases.find((p) => p.ingestion)?.ingestion;
  if (ingestion)
    dropped.push(
      `The ingestion program ${ingestion} is not carried over: in Podium a code submission is a container that reads /input and writes its predictions to /output; the participant guide says how.`,
    );
  const timeLimit = m.phases.find((p) => p.timeLimit)?.timeLimit;

  // Public data and starting kits.
  for (const [what, ref] of [
    ['Public data', m.phases.find((p) => p.publicData)?.publicData],
    ['The starting kit', m.phases.find((p) => p.startingKit)?.startingKit],
  ] as const) {
    if (!ref) continue;
    const sub = what === 'Public data' ? '' : 'starting_kit';
    const written = await unpack(files, ref, path.join(dir, 'data', 'public', sub));
    carried.push(`${what} ${ref} → data/public/${sub ? `${sub}/` : ''} (${written.length} file(s)).`);
  }

  // Leaderboard columns to built-in metrics (with intervals); the others to scores the
  // scoring program writes, when it has a command to run.
  const metrics: { name: string; label: string; primary?: boolean; from?: 'program'; direction?: 'maximize' | 'minimize' }[] = [];
  const fromProgram: string[] = [];
  for (const col of m.columns) {
    const name = metricFor(col);
    const metric = name ? findMetric(name) : undefined;
    if (!name || !metric) {
      if (program?.command && /^[\w.-]+$/.test(col.key) && !metrics.some((x) => x.name === col.key)) {
        metrics.push({
          name: col.key,
          label: col.title,
          from: 'program',
          direction: col.sorting === 'asc' ? 'minimize' : 'maximize',
          ...(metrics.length === 0 ? { primary: true } : {}),
        });
        fromProgram.push(col.key);
        carried.push(
          `The leaderboard column "${col.title}" → ${col.key}, a score the scoring program writes (${col.sorting === 'asc' ? 'lower' : 'higher'} is better)${metrics.length === 1 ? '; primary: the first column' : ''}.`,
        );
      } else dropped.push(`The leaderboard column "${col.title}" (${col.key}) is not a built-in metric; it is left out.`);
      continue;
    }
    if ((metric.direction === 'maximize') !== (col.sorting === 'desc'))
      dropped.push(
        `The column "${col.title}" sorts ${col.sorting}, but ${name} is ${metric.direction}d; Podium uses the metric's own direction.`,
      );
    if (metrics.some((x) => x.name === name)) continue;
    metrics.push({ name, label: col.title, ...(metrics.length === 0 ? { primary: true } : {}) });
    carried.push(
      `The leaderboard column "${col.title}" → the metric ${name}${metrics.length === 1 ? ' (primary: the first column)' : ''}.`,
    );
  }
  // The scoring program: run as it ran on Codabench when a column needs it, else kept aside.
  let programBuild: string | undefined;
  for (const prog of programs) {
    const where = programDirs.get(prog)!;
    if (prog === programs[0] && fromProgram.length > 0 && program?.command) {
      programBuild = 'scoring_program';
      const image = m.dockerImage ?? CODABENCH_DEFAULT_IMAGE;
      await cp(path.join(hidden, where), path.join(dir, programBuild), { recursive: true });
      await writeFile(path.join(dir, programBuild, 'Dockerfile'), programDockerfile(image, program.command));
      carried.push(
        `The scoring program ${prog} → ${programBuild}/ in the repository, with a Dockerfile that runs its command (${program.command}) in ${image}${m.dockerImage ? '' : " (Codabench's default image; the bundle names none)"}, with Codabench's folders: /app/program, /app/input/ref, /app/input/res, /app/output. It is public there: move out anything secret. Its scores ${fromProgram.join(', ')} have no confidence interval.`,
      );
      if (program.unsupported.length > 0)
        dropped.push(
          `The scoring program's command uses ${program.unsupported.join(', ')}, which Podium does not provide; check that it runs (podium evaluate on a sample submission).`,
        );
      continue;
    }
    dropped.push(
      prog === programs[0] && fromProgram.length === 0
        ? `The scoring program ${prog} is not run: every leaderboard column is a built-in metric, which Podium computes itself (with bootstrap intervals). It was kept in the hidden folder under ${where}/; to run it as well, see scoring.program in the organiser guide.`
        : prog === programs[0]
          ? `The scoring program ${prog} has no command in its metadata, so it cannot be run as it is. It was kept in the hidden folder under ${where}/; put it in a folder with a Dockerfile and name that folder in scoring.program.build.`
          : `The scoring program ${prog} of a later phase is not run (Podium runs one scoring program per competition). It was kept in the hidden folder under ${where}/.`,
    );
  }
  if (metrics.length === 0) {
    metrics.push({ name: 'accuracy', label: 'Accuracy', primary: true });
    dropped.push(
      'No leaderboard column maps to a built-in metric: accuracy was put in competition.yml to make it valid. Choose the metrics (podium score --list).',
    );
  }
  for (const k of m.unread) dropped.push(`The setting "${k}" of competition.yaml has no counterpart here and was not carried over.`);

  // competition.yml, written from the model.
  const ymlPath = path.join(dir, 'competition.yml');
  const doc = parseDocument(await readFile(ymlPath, 'utf8'));
  doc.set('title', m.title);
  doc.set('description', m.description ?? `Imported from a ${m.format} bundle.`);
  doc.delete('concepts');
  doc.setIn(['data', 'public'], 'data/public');
  doc.deleteIn(['data', 'ids']);
  doc.setIn(['data', 'truth'], truth ?? 'truth.csv');
  if (inputs) doc.setIn(['data', 'inputs'], 'inputs');
  else doc.deleteIn(['data', 'inputs']);
  doc.setIn(['data', 'id_column'], idColumn ?? 'id');
  doc.setIn(['data', 'target_column'], targetColumn ?? 'label');
  doc.set('metrics', metrics);
  doc.set(
    'phases',
    phases.map((p, i) => ({ ...p, ...phaseExtra[i] })),
  );
  doc.setIn(['submissions', 'kinds'], code ? ['container'] : ['predictions']);
  if (Object.keys(limits).length) doc.set('limits', limits);
  else doc.delete('limits');
  if (code) {
    doc.set('runtime', {
      ...(timeLimit ? { timeout_seconds: timeLimit } : {}),
      ...(m.dockerImage ? { base_images: [m.dockerImage] } : {}),
    });
    if (m.dockerImage) carried.push(`The docker image ${m.dockerImage} → runtime.base_images: submissions may build FROM it.`);
    if (timeLimit) carried.push(`The execution time limit → runtime.timeout_seconds: ${timeLimit}.`);
  }
  doc.setIn(
    ['leaderboard', 'columns'],
    metrics.map((x) => x.name),
  );
  if (programBuild) doc.set('scoring', { program: { build: programBuild, ...(timeLimit ? { timeout_seconds: timeLimit } : {}) } });
  await writeFile(ymlPath, doc.toString({ lineWidth: 100 }));

  const checked = await checkCompetition(await readFile(ymlPath, 'utf8'), dir);
  const problems = checked.ok ? [] : checked.problems;
  const report = [
    `# Import report`,
    '',
    `From ${path.basename(opts.bundle)} (${m.format}). The hidden folder is outside this repository; point the variable in data.hidden.env at it on each runner.`,
    '',
    '## Carried over',
    '',
    ...carried.map((x) => `- ${x}`),
    '',
    '## Not carried over, or to decide',
    '',
    ...(dropped.length ? dropped.map((x) => `- ${x}`) : ['- Nothing.']),
    '',
    '## Problems podium validate finds now',
    '',
    ...(problems.length ? problems.map((p) => `- ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`) : ['- None.']),
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'IMPORT-REPORT.md'), report);
  return { dir, hiddenDir: hidden, carried, dropped, problems };
}

/** The image Codabench runs programs in when a bundle names none. */
export const CODABENCH_DEFAULT_IMAGE = 'codalab/codalab-legacy:py37';

/** A scoring program's command, from its `metadata` or `metadata.yaml` file. */
async function programCommand(folder: string): Promise<{ command?: string; unsupported: string[] } | undefined> {
  for (const name of ['metadata.yaml', 'metadata.yml', 'metadata']) {
    let text: string;
    try {
      text = await readFile(path.join(folder, name), 'utf8');
    } catch {
      continue;
    }
    let meta: unknown;
    try {
      meta = parseYaml(text);
    } catch {
      return { unsupported: [] };
    }
    const command = meta && typeof meta === 'object' ? str((meta as Yaml).command) : undefined;
    const unsupported = [...new Set(command?.match(/\$(shared|hidden|submission_program|ingestion_program)\b/g) ?? [])];
    return { ...(command ? { command } : {}), unsupported };
  }
  return undefined;
}

/**
 * A Dockerfile that runs a Codabench scoring program unchanged: the program at /app/program
 * (its working folder), and /app/input and /app/output pointing at the folders Podium mounts,
 * so that $program, $input and $output, and paths written into the program, all resolve.
 */
export function programDockerfile(image: string, command: string): string {
  const cmd = command
    .replace(/\$program\b/g, '/app/program')
    .replace(/\$input\b/g, '/app/input')
    .replace(/\$output\b/g, '/app/output');
  return [
    '# Written by podium import codabench: the scoring program as Codabench ran it.',
    `FROM ${image}`,
    'COPY . /app/program',
    'RUN ln -sfn /input /app/input && ln -sfn /output /app/output',
    'WORKDIR /app/program',
    `CMD ${JSON.stringify(['/bin/sh', '-c', cmd])}`,
    '',
  ].join('\n');
}
