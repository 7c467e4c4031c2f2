import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { headOf, readTable, sniffFormat, TableError, type TableFormat } from '../scoring/table.js';
import { bundlePath, unpack, type Bundle } from './bundle.js';
import type { Model, Report } from './model.js';
import type { PhasePlan } from './phases.js';

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
  /** data.truth: the first phase's reference folder, or its one table with ids, relative to the hidden folder. */
  truth?: string;
  /** Whether the truth is a table with an id column, which Podium's built-in metrics can score. */
  table: boolean;
  idColumn?: string;
  targetColumn?: string;
  /** data.inputs: the first phase's input data, relative to the hidden folder. */
  inputs?: string;
  /** competition.yml's tasks, each with its own truth (Model.tasks). */
  tasks?: { id: string; name: string; description?: string; truth?: string }[];
}

const isTable = (f: string) => /\.(csv|jsonl)$/i.test(f);

/** A phase's reference data as written: its folder in the hidden folder, and its one table with ids if it is that. */
interface Reference {
  folder: string;
  table?: { file: string; idColumn: string; targetColumn: string };
}

/**
 * The bundle's data: reference data and input data into the hidden folder (never into the
 * repository), public data and the starting kit into data/public/. The first phase's reference
 * and inputs are data.truth and data.inputs; a later phase whose task has other ones gets its own
 * folder (phases[].truth, phases[].inputs).
 */
export async function mapData(opts: {
  bundle: Bundle;
  model: Model;
  phases: PhasePlan;
  dir: string;
  hidden: string;
  report: Report;
}): Promise<DataPlan> {
  const { bundle, model: m, phases, hidden, report } = opts;
  await mkdir(hidden, { recursive: true });
  const plan: DataPlan = { table: false };

  if (m.tasks) await mapTaskReferences(bundle, m, hidden, report, plan);
  const references = new Map<string, Reference>();
  for (const [i, p] of m.phases.entries()) {
    // With tasks, each task's reference data is its truth (mapTaskReferences), not the phase's.
    if (m.tasks || !p.reference || references.has(p.reference)) continue;
    const folder = references.size === 0 ? 'reference' : `${phases.phases[i]!.id}/reference`;
    const ref = await unpackReference(bundle, p.reference, hidden, folder);
    if (!ref) {
      report.dropped.push(`Reference data ${p.reference} of phase "${p.name}" is not in the bundle.`);
      continue;
    }
    report.carried.push(
      `Reference data ${p.reference} (phase "${p.name}") → the hidden folder's ${folder}/ (${ref.files} file(s)); it is not in the repository.`,
    );
    references.set(p.reference, ref);
  }
  const all = [...references.values()];
  const first = all[0];
  if (!first && !m.tasks)
    report.dropped.push(
      'No phase names reference data: competition.yml names no data.truth, and the scoring program gets an empty /app/input/ref, as on Codabench. Put a truth in the hidden folder and name it in data.truth if the program needs one.',
    );
  // Built-in metrics need one table with ids in every phase, with the same columns.
  const t0 = first?.table;
  plan.table = !!t0 && all.every((r) => r.table?.idColumn === t0.idColumn && r.table.targetColumn === t0.targetColumn);
  const truthOf = (r: Reference) => (plan.table ? r.table!.file : r.folder);
  if (first) {
    plan.truth = truthOf(first);
    if (plan.table) {
      plan.idColumn = t0!.idColumn;
      plan.targetColumn = t0!.targetColumn;
      report.carried.push(
        `The truth is the table ${plan.truth} (id column "${plan.idColumn}", target column "${plan.targetColumn}"), so Podium's built-in metrics can score it too. Check these in competition.yml.`,
      );
    } else {
      report.carried.push(
        `The truth is the reference folder ${plan.truth}/, given whole to the scoring program at /app/input/ref as on Codabench; only the scoring program's scores can rank it (Podium's built-in metrics need one table with an id column).`,
      );
    }
  }
  for (const [i, p] of m.phases.entries()) {
    const r = p.reference ? references.get(p.reference) : undefined;
    if (r && r !== first) {
      phases.extra[i]!.truth = truthOf(r);
      report.carried.push(`Phase "${p.name}" has its own reference data: phases[].truth is ${truthOf(r)}.`);
    }
  }

  const inputs = new Map<string, string>();
  for (const [i, p] of m.phases.entries()) {
    if (!p.input) continue;
    let folder = inputs.get(p.input);
    if (folder === undefined) {
      folder = inputs.size === 0 ? 'inputs' : `${phases.phases[i]!.id}/inputs`;
      const written = await unpack(bundle, p.input, path.join(hidden, folder));
      if (written.length === 0) {
        report.dropped.push(`Input data ${p.input} of phase "${p.name}" is not in the bundle.`);
        continue;
      }
      inputs.set(p.input, folder);
      report.carried.push(
        `Input data ${p.input} (phase "${p.name}") → the hidden folder's ${folder}/ (${written.length} file(s)), which the ingestion program reads at /app/input_data.`,
      );
    }
    if (plan.inputs === undefined) plan.inputs = folder;
    else if (folder !== plan.inputs) phases.extra[i]!.inputs = folder;
  }

  await copyPublic(bundle, m, phases, opts.dir, report);
  return plan;
}

/** A reference folder unpacked into the hidden folder, and its one table with ids if it is that; undefined when the bundle lacks it. */
async function unpackReference(
  bundle: Bundle,
  from: string,
  hidden: string,
  folder: string,
): Promise<(Reference & { files: number }) | undefined> {
  const written = await unpack(bundle, from, path.join(hidden, folder));
  if (written.length === 0) return undefined;
  const ref: Reference & { files: number } = { folder, files: written.length };
  if (written.length === 1 && isTable(written[0]!)) {
    const columns = await truthColumns(path.join(hidden, folder, written[0]!));
    const idColumn = columns.ok ? columns.header.find((c) => /^(id|.*_id)$/i.test(c)) : undefined;
    const targetColumn = columns.ok ? columns.header.find((c) => c !== idColumn) : undefined;
    if (idColumn && targetColumn) ref.table = { file: `${folder}/${written[0]}`, idColumn, targetColumn };
  }
  return ref;
}

/**
 * Each task's reference data into the hidden folder's <task>/reference/: its truth. Built-in
 * metrics score them only where every task's is one table with the same id and target columns.
 */
async function mapTaskReferences(bundle: Bundle, m: Model, hidden: string, report: Report, plan: DataPlan): Promise<void> {
  const refs: { id: string; ref?: Reference }[] = [];
  for (const t of m.tasks ?? []) {
    const ref = t.reference ? await unpackReference(bundle, t.reference, hidden, `${t.id}/reference`) : undefined;
    if (t.reference && !ref) report.dropped.push(`Reference data ${t.reference} of task "${t.name}" is not in the bundle.`);
    if (ref)
      report.carried.push(
        `Reference data ${t.reference} (task "${t.name}") → the hidden folder's ${ref.folder}/ (${ref.files} file(s)): tasks[].data.truth of ${t.id}; it is not in the repository.`,
      );
    refs.push({ id: t.id, ...(ref ? { ref } : {}) });
  }
  const t0 = refs[0]?.ref?.table;
  plan.table = !!t0 && refs.every((r) => r.ref?.table?.idColumn === t0.idColumn && r.ref.table.targetColumn === t0.targetColumn);
  if (plan.table) {
    plan.idColumn = t0!.idColumn;
    plan.targetColumn = t0!.targetColumn;
  }
  plan.tasks = (m.tasks ?? []).map((t, k) => {
    const ref = refs[k]?.ref;
    const truth = ref ? (plan.table ? ref.table!.file : ref.folder) : undefined;
    return { id: t.id, name: t.name, ...(t.description ? { description: t.description } : {}), ...(truth ? { truth } : {}) };
  });
}

/** Public data into data/public/, the starting kit into data/public/starting_kit/; a later phase's own ones beside. */
async function copyPublic(bundle: Bundle, m: Model, phases: PhasePlan, dir: string, report: Report): Promise<void> {
  for (const [what, key, sub] of [
    ['Public data', 'publicData', ''],
    ['The starting kit', 'startingKit', 'starting_kit'],
  ] as const) {
    const seen = new Set<string>();
    for (const [i, p] of m.phases.entries()) {
      const ref = p[key];
      if (!ref || seen.has(ref)) continue;
      const where = seen.size === 0 ? sub : [sub || 'phase', phases.phases[i]!.id].join('-');
      seen.add(ref);
      const written = await unpack(bundle, ref, path.join(dir, 'data', 'public', where));
      if (written.length === 0) report.dropped.push(`${what} ${ref} of phase "${p.name}" is not in the bundle.`);
      else
        report.carried.push(
          `${what} ${ref} (phase "${p.name}") → data/public/${where ? `${where}/` : ''} (${written.length} file(s)), public in the repository.`,
        );
    }
  }
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
