import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { headOf, readTable, sniffFormat, TableError, type TableFormat } from '../scoring/table.js';
import { bundlePath, unpack, type Bundle } from './bundle.js';
import type { Model, Report } from './model.js';
import type { PhasePlan } from './phases.js';
import { programCommand, type ProgramCommand } from './program.js';

/** Pages and the logo: public, into the repository's pages/. */
export async function copyPages(bundle: Bundle, m: Model, dir: string, report: Report): Promise<void> {
  for (const p of m.pages) {
    if (!bundle.files.has(p.file)) {
      report.dropped.push(`The page "${p.title}" names ${p.file}, which is not in the bundle.`);
      continue;
    }
    await mkdir(path.join(dir, 'pages'), { recursive: true });
    await copyFile(bundlePath(bundle, p.file), path.join(dir, 'pages', path.posix.basename(p.file)));
    report.carried.push(`The page "${p.title}" → pages/${path.posix.basename(p.file)}.`);
  }
  if (m.logo && bundle.files.has(m.logo)) {
    await copyFile(bundlePath(bundle, m.logo), path.join(dir, 'pages', path.posix.basename(m.logo)));
    report.carried.push(`The logo → pages/${path.posix.basename(m.logo)}.`);
  }
}

/** Where the bundle's data went, for competition.yml. */
export interface DataPlan {
  /** The truth file, relative to the hidden folder. */
  truth?: string;
  idColumn?: string;
  targetColumn?: string;
  /** The inputs of code submissions, relative to the hidden folder. */
  inputs?: string;
  /** Each scoring program and where it was unpacked, relative to the hidden folder. */
  programs: { ref: string; where: string }[];
  /** How the first scoring program runs, from its metadata. */
  program?: ProgramCommand;
}

const isTable = (f: string) => /\.(csv|jsonl)$/i.test(f);

/**
 * The bundle's data: reference data and input data into the hidden folder (never into the
 * repository), scoring programs there too (they may hold secrets), public data and the
 * starting kit into data/public/.
 */
export async function mapData(opts: {
  bundle: Bundle;
  model: Model;
  phases: PhasePlan;
  dir: string;
  hidden: string;
  report: Report;
}): Promise<DataPlan> {
  const { bundle, model: m, hidden, report } = opts;
  await mkdir(hidden, { recursive: true });
  const plan: DataPlan = { programs: [], ...(await mapReference(bundle, m, opts.phases, hidden, report)) };

  for (const ref of new Set(m.phases.flatMap((p) => (p.scoring ? [p.scoring] : [])))) {
    const where = path.join('codabench', 'scoring_program', path.basename(ref, '.zip'));
    await unpack(bundle, ref, path.join(hidden, where));
    plan.programs.push({ ref, where });
  }
  const first = plan.programs[0];
  const program = first ? await programCommand(path.join(hidden, first.where), report) : undefined;
  if (program) plan.program = program;

  const inputs = m.phases.find((p) => p.input)?.input;
  if (inputs) {
    const written = await unpack(bundle, inputs, path.join(hidden, 'inputs'));
    plan.inputs = 'inputs';
    report.carried.push(
      `Input data ${inputs} → the hidden folder's inputs/ (${written.length} file(s)), which container submissions read at /input.`,
    );
  }
  const ingestion = m.phases.find((p) => p.ingestion)?.ingestion;
  if (ingestion)
    report.dropped.push(
      `The ingestion program ${ingestion} is not carried over: in Podium a code submission is a container that reads /input and writes its predictions to /output; the participant guide says how.`,
    );

  for (const [what, ref, sub] of [
    ['Public data', m.phases.find((p) => p.publicData)?.publicData, ''],
    ['The starting kit', m.phases.find((p) => p.startingKit)?.startingKit, 'starting_kit'],
  ] as const) {
    if (!ref) continue;
    const written = await unpack(bundle, ref, path.join(opts.dir, 'data', 'public', sub));
    report.carried.push(`${what} ${ref} → data/public/${sub ? `${sub}/` : ''} (${written.length} file(s)).`);
  }
  return plan;
}

/** Reference data: the first phase's is the truth (data.truth); later phases with their own get a folder each. */
async function mapReference(
  bundle: Bundle,
  m: Model,
  phases: PhasePlan,
  hidden: string,
  report: Report,
): Promise<Pick<DataPlan, 'truth' | 'idColumn' | 'targetColumn'>> {
  const first = m.phases.find((p) => p.reference)?.reference;
  if (!first) {
    report.dropped.push('No phase names reference data; put the truth in the hidden folder and name it in data.truth.');
    return {};
  }
  const out: Pick<DataPlan, 'truth' | 'idColumn' | 'targetColumn'> = {};
  const written = await unpack(bundle, first, hidden);
  report.carried.push(`Reference data ${first} → the hidden folder (${written.length} file(s)); it is not in the repository.`);
  const tables = written.filter(isTable);
  if (tables.length === 1) {
    const truth = tables[0]!;
    out.truth = truth;
    const columns = await truthColumns(path.join(hidden, truth));
    if (columns.ok) {
      const idColumn = columns.header.find((c) => /^(id|.*_id)$/i.test(c)) ?? columns.header[0];
      const targetColumn = columns.header.find((c) => c !== idColumn);
      if (idColumn !== undefined) out.idColumn = idColumn;
      if (targetColumn !== undefined) out.targetColumn = targetColumn;
      report.carried.push(
        `The truth file is ${truth} (id column "${idColumn}", target column "${targetColumn}"). Check these in competition.yml.`,
      );
    } else {
      report.dropped.push(
        `The truth file ${truth} cannot be read as a table (${columns.why}); fix it, and name its columns in data.id_column and data.target_column.`,
      );
    }
  } else {
    report.dropped.push(
      `The reference data holds ${tables.length === 0 ? 'no CSV or JSON Lines file' : `${tables.length} tables`}; Podium scores one truth table with an id column. Name it in data.truth.`,
    );
  }
  for (const [i, p] of m.phases.entries()) {
    if (!p.reference || p.reference === first) continue;
    const id = phases.phases[i]!.id;
    const own = (await unpack(bundle, p.reference, path.join(hidden, id))).filter(isTable);
    if (own.length === 1) {
      phases.extra[i]!.truth = `${id}/${own[0]}`;
      report.carried.push(`Reference data ${p.reference} → the hidden folder's ${id}/, the truth of phase "${p.name}".`);
    } else {
      report.dropped.push(
        `Reference data ${p.reference} of phase "${p.name}" was unpacked to the hidden folder's ${id}/, but holds ${own.length} tables; name the truth in that phase's "truth".`,
      );
    }
  }
  return out;
}

/** How far into the truth file its header is looked for: the header, not the whole file. */
const HEAD_BYTES = 1 << 16;

/** The columns of a truth file, read by the scorer's own table reader from the file's first record. */
async function truthColumns(file: string): Promise<{ ok: true; header: string[] } | { ok: false; why: string }> {
  const format = await sniffFormat(file);
  const head = await headOf(file, HEAD_BYTES);
  try {
    return { ok: true, header: (await readTable({ text: firstRecord(head, format) }, [], format)).header };
  } catch (e: unknown) {
    if (e instanceof TableError) return { ok: false, why: e.message };
    throw e;
  }
}

/**
 * The text up to the end of the first record that is not blank: for CSV the first line end
 * outside quotes (a quoted header may span lines), for JSON Lines the first line end.
 */
function firstRecord(head: string, format: TableFormat): string {
  for (let i = head.indexOf('\n'); i >= 0; i = head.indexOf('\n', i + 1)) {
    const upTo = head.slice(0, i + 1);
    if (upTo.trim() === '') continue;
    if (format === 'csv' && (upTo.match(/"/g)?.length ?? 0) % 2 === 1) continue;
    return upTo;
  }
  return head;
}
