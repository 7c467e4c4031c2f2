/**
 * Imports every bundle of a local snapshot of codalab/competition-examples (written against
 * its commit c3e7451; a newer snapshot may hold other bundles) and scores each bundle's
 * example submissions twice: with Podium (`podium import codabench`, then `podium evaluate`
 * in the imported competition), and by hand the way Codabench's compute worker would, with
 * `docker run` of the bundle's own ingestion and scoring programs in the same Debian image.
 * It prints one table: bundle, submission, import status, Podium's scores, the by-hand scores,
 * and whether they agree.
 *
 *   npm run examples:codabench -- SNAPSHOT_DIR [--only TEXT] [--work DIR] [--timeout SECONDS]
 *
 * --only keeps the bundles whose path holds TEXT; --work keeps the imports and the runs' folders
 * there (default: a temporary folder, removed at the end); --timeout bounds each container (600).
 * It needs a Docker engine and the Python test image (scripts/debian-python-image.ts: made by
 * debootstrap as root, once). Codabench's images (codalab/codalab-legacy:py312 and the like)
 * are never pulled: the imported competitions map them to that image in `runtime.images`.
 * A tool for comparing by eye, not a test: no test reads the snapshot.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, parseDocument } from 'yaml';
import { extractZip } from '../runner/src/import/zip.js';
import { ensurePythonImage, PYTHON_IMAGE } from './debian-python-image.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', ...(import.meta.url.includes('/build/') ? ['..'] : []));
const PODIUM = path.join(ROOT, 'bin', 'podium.js');

/** Scores as a program wrote them: key → number. */
type Scores = Record<string, number>;

/** One task of a bundle, as Codabench runs it: the programs and data, each a path or absent. */
interface Task {
  scoring?: string;
  ingestion?: string;
  input?: string;
  reference?: string;
  duringScoring: boolean;
}

/** A bundle read from its folder: tasks by index, phases as lists of task indexes. */
interface Bundle {
  dir: string;
  label: string;
  image?: string;
  tasks: Map<number, Task>;
  phases: { name: string; tasks: number[] }[];
  solutions: { path: string; tasks: number[] }[];
  zips: string[];
}

interface Submission {
  label: string;
  /** The unpacked files. */
  dir: string;
  phase: number;
  task: number;
  /** code: through the ingestion program; program: runs itself (CodaLab); predictions: scored as they are. */
  kind: 'code' | 'program' | 'predictions';
}

interface Row {
  bundle: string;
  submission: string;
  imported: string;
  podium: string;
  byHand: string;
  agree: string;
}

// Codabench's variables in a metadata command, as its compute worker resolves them.
const SCORING_VARS: Record<string, string> = {
  input: '/app/input',
  output: '/app/output',
  program: '/app/program',
  ingestion_program: '/app/program',
  hidden: '/app/input/ref',
  shared: '/app/shared',
  submission_program: '/app/ingested_program',
  tmp: '/app/output',
  predictions: '/app/input/res',
};
const INGESTION_VARS: Record<string, string> = { ...SCORING_VARS, input: '/app/input_data', predictions: '/app/output' };

/** The command with $name and ${name} replaced; unknown variables stay for the shell. */
export function resolveCommand(command: string, vars: Record<string, string>): string {
  return command.replace(/\$(?:\{(\w+)\}|(\w+))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    return Object.hasOwn(vars, name) ? vars[name]! : whole;
  });
}

/** scores.json (its numbers and booleans; other values are skipped) or scores.txt ("key: value" lines). */
export function parseScores(json: string | undefined, txt: string | undefined): Scores | undefined {
  const out: Scores = {};
  if (json !== undefined) {
    const data: unknown = JSON.parse(json);
    if (data && typeof data === 'object')
      for (const [k, v] of Object.entries(data)) {
        // Python reads true and false as 1 and 0, and so does Codabench's leaderboard.
        if (typeof v === 'boolean') out[k] = v ? 1 : 0;
        else if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
      }
    return out;
  }
  if (txt !== undefined) {
    for (const line of txt.split(/\r?\n/)) {
      const m = /^\s*([^:#]+?)\s*:\s*(-?[\d.eE+-]+|nan|inf|-inf)\s*$/i.exec(line);
      if (m && Number.isFinite(Number(m[2]))) out[m[1]!] = Number(m[2]);
    }
    return out;
  }
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  if (!opts) {
    console.error('usage: npm run examples:codabench -- SNAPSHOT_DIR [--only TEXT] [--work DIR] [--timeout SECONDS]');
    return 2;
  }
  if (!existsSync(PODIUM) || !existsSync(path.join(ROOT, 'build'))) {
    console.error('build Podium first: npm run build');
    return 1;
  }
  await ensurePythonImage((line) => console.error(`[python image] ${line}`));
  const work = opts.work ? path.resolve(opts.work) : await mkdtemp(path.join(os.tmpdir(), 'podium-codabench-'));
  await mkdir(work, { recursive: true });
  const rows: Row[] = [];
  try {
    const snapshot = path.resolve(opts.snapshot);
    const bundles = await findBundles(snapshot);
    for (const bundle of bundles.filter((b) => !opts.only || b.label.includes(opts.only!))) {
      console.error(`— ${bundle.label}`);
      rows.push(...(await compareBundle(bundle, bundles, snapshot, work, opts.timeout)));
    }
  } finally {
    if (!opts.work) await rm(work, { recursive: true, force: true });
    await rm(SCRATCH, { recursive: true, force: true });
  }
  console.log(table(rows));
  return 0;
}

function parseArgs(argv: string[]): { snapshot: string; only?: string; work?: string; timeout: number } | undefined {
  let snapshot: string | undefined;
  let only: string | undefined;
  let work: string | undefined;
  let timeout = 600;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--only') only = argv[++i];
    else if (a === '--work') work = argv[++i];
    else if (a === '--timeout') timeout = Number(argv[++i]);
    else if (a.startsWith('-') || snapshot !== undefined) return undefined;
    else snapshot = a;
  }
  if (!snapshot || !(timeout > 0)) return undefined;
  return { snapshot, timeout, ...(only ? { only } : {}), ...(work ? { work } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Finding bundles and their example submissions

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === '__MACOSX' || e.name === '.git' || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

/** Whether a ZIP holds competition.yaml at its top or one folder down. */
async function isBundleZip(file: string, scratch: string): Promise<boolean> {
  const names = await zipNames(file, scratch);
  return names.some((n) => /^([^/]+\/)?competition\.ya?ml$/.test(n));
}

const zipCache = new Map<string, string>();
/** A ZIP unpacked once into the scratch folder; its folder. */
async function unzipped(file: string, scratch: string): Promise<string> {
  let dir = zipCache.get(file);
  if (!dir) {
    dir = path.join(scratch, 'zips', createHash('sha256').update(file).digest('hex').slice(0, 16));
    await rm(dir, { recursive: true, force: true });
    await extractZip(file, dir);
    zipCache.set(file, dir);
  }
  return dir;
}

async function zipNames(file: string, scratch: string): Promise<string[]> {
  const dir = await unzipped(file, scratch).catch(() => undefined);
  if (!dir) return [];
  return (await walk(dir)).map((f) => path.relative(dir, f).split(path.sep).join('/'));
}

const SCRATCH = path.join(os.tmpdir(), `podium-codabench-zips-${process.pid}`);

/** Every folder bundle (a competition.yaml) with the bundle ZIPs beside it. */
async function findBundles(snapshot: string): Promise<Bundle[]> {
  const files = await walk(snapshot);
  const yamls = files.filter((f) => /(^|\/)competition\.ya?ml$/.test(f));
  const zips: string[] = [];
  for (const f of files.filter((f) => f.endsWith('.zip'))) if (await isBundleZip(f, SCRATCH)) zips.push(f);
  const bundles: Bundle[] = [];
  for (const y of yamls.sort()) bundles.push(await readBundle(path.dirname(y), path.relative(snapshot, path.dirname(y)), y));
  // A bundle ZIP goes with the folder of the same name, else with the folder bundle in its
  // folder or one below, else it stands alone (its import is still tried).
  for (const z of zips) {
    const stem = z.slice(0, -4);
    const near = bundles.filter((b) => b.dir === stem || b.dir === path.dirname(z) || path.dirname(b.dir) === path.dirname(z));
    const same = near.find((b) => b.dir === stem || b.dir === path.dirname(z));
    const owner = same ?? (near.length === 1 ? near[0] : undefined);
    if (owner) owner.zips.push(z);
    else {
      const dir = await unzipped(z, SCRATCH);
      const inner = (await walk(dir)).find((f) => /(^|\/)competition\.ya?ml$/.test(f))!;
      const b = await readBundle(path.dirname(inner), path.relative(snapshot, z), inner);
      b.zips.push(z);
      bundles.push(b);
    }
  }
  return bundles;
}

async function readBundle(dir: string, label: string, yamlFile: string): Promise<Bundle> {
  // As PyYAML reads it: a repeated key keeps its last value.
  const y = (parse(await readFile(yamlFile, 'utf8'), { uniqueKeys: false }) ?? {}) as Record<string, unknown>;
  const tasks = new Map<number, Task>();
  const phases: Bundle['phases'] = [];
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const task = (t: Record<string, unknown>): Task => {
    const out: Task = { duringScoring: t.ingestion_only_during_scoring === true };
    const set = (k: keyof Task, v: unknown) => {
      const s = str(v);
      if (s) (out as unknown as Record<string, string>)[k] = s;
    };
    set('scoring', t.scoring_program);
    set('ingestion', t.ingestion_program);
    set('input', t.input_data);
    set('reference', t.reference_data);
    return out;
  };
  if (Array.isArray(y.tasks)) {
    // Codabench v2: tasks by index, phases naming them.
    y.tasks.forEach((t: Record<string, unknown>, i) => tasks.set(typeof t.index === 'number' ? t.index : i, task(t)));
    for (const p of Array.isArray(y.phases) ? (y.phases as Record<string, unknown>[]) : [])
      phases.push({ name: String(p.name ?? `phase ${phases.length + 1}`), tasks: (Array.isArray(p.tasks) ? p.tasks : []).map(Number) });
  } else if (y.phases && typeof y.phases === 'object') {
    // CodaLab 1.5: phases by number, each its own task.
    const entries = Object.entries(y.phases as Record<string, Record<string, unknown>>).sort(
      ([, a], [, b]) => Number(a.phasenumber ?? 0) - Number(b.phasenumber ?? 0),
    );
    entries.forEach(([k, p], i) => {
      tasks.set(i, task(p));
      phases.push({ name: String(p.label ?? k), tasks: [i] });
    });
  }
  const solutions = (Array.isArray(y.solutions) ? (y.solutions as Record<string, unknown>[]) : [])
    .filter((s) => str(s.path))
    .map((s) => ({ path: str(s.path)!, tasks: (Array.isArray(s.tasks) ? s.tasks : []).map(Number) }));
  const image = str(y.docker_image) ?? str(y.competition_docker_image);
  return { dir, label, tasks, phases, solutions, zips: [], ...(image ? { image } : {}) };
}

/** A bundle's path (folder, ZIP, or a .zip name whose folder is there unpacked) as a folder. */
async function resolveRef(bundleDir: string, ref: string | undefined): Promise<string | undefined> {
  if (!ref) return undefined;
  const p = path.resolve(bundleDir, ref);
  if (!p.startsWith(bundleDir)) return undefined;
  const s = await stat(p).catch(() => undefined);
  if (s?.isDirectory()) return p;
  if (s?.isFile() && p.endsWith('.zip')) return oneFolderDown(await unzipped(p, SCRATCH));
  if (p.endsWith('.zip') && (await stat(p.slice(0, -4)).catch(() => undefined))?.isDirectory()) return p.slice(0, -4);
  return undefined;
}

/** A folder holding nothing but one folder stands for that folder (zipped with its folder). */
async function oneFolderDown(dir: string): Promise<string> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.name !== '__MACOSX');
  return entries.length === 1 && entries[0]!.isDirectory() ? path.join(dir, entries[0]!.name) : dir;
}

async function hashFolder(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of (await walk(dir)).sort())
    h.update(path.relative(dir, f))
      .update('\0')
      .update(await readFile(f));
  return h.digest('hex');
}

const CODE = /\.(py|r|R|sh|ipynb|m|jl)$|(^|\/)metadata(\.ya?ml)?$/;

/** The bundle's solutions, its starting kit's submissions, and the submission archives beside it. */
async function findSubmissions(bundle: Bundle, all: Bundle[]): Promise<Submission[]> {
  const candidates: { label: string; file: string; phase?: number; task?: number }[] = [];
  for (const s of bundle.solutions) {
    const task = s.tasks[0] ?? 0;
    const phase = Math.max(
      0,
      bundle.phases.findIndex((p) => p.tasks.includes(task)),
    );
    candidates.push({ label: s.path, file: path.resolve(bundle.dir, s.path), phase, task });
  }
  const submissionLike = (name: string) => /submission/i.test(name);
  const look = async (dir: string, everyZip: boolean) => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && submissionLike(e.name)) candidates.push({ label: path.relative(bundle.dir, p), file: p });
      if (e.isFile() && e.name.endsWith('.zip') && (everyZip || submissionLike(e.name)))
        candidates.push({ label: path.relative(bundle.dir, p), file: p });
    }
  };
  await look(bundle.dir, false);
  await look(path.join(bundle.dir, 'starting_kit'), true);
  // Beside the bundle: its example folder, shared with other bundles in the same folder.
  const beside = path.dirname(bundle.dir);
  const neighbours = all.filter((b) => path.dirname(b.dir) === beside);
  const besideStart = candidates.length;
  await look(beside, false);
  const mine = candidates.slice(0, besideStart);
  const theirs = candidates.slice(besideStart).filter((c) => !all.some((b) => b.dir === c.file || b.zips.includes(c.file)));

  const out: Submission[] = [];
  const seen = new Set<string>();
  const hasIngestion = [...bundle.tasks.values()].some((t) => t.ingestion);
  for (const [i, c] of [...mine, ...theirs].entries()) {
    const st = await stat(c.file).catch(() => undefined);
    if (!st) continue;
    const dir = st.isDirectory() ? c.file : await unzipped(c.file, SCRATCH).catch(() => undefined);
    if (!dir) continue;
    const files = (await walk(dir)).map((f) => path.relative(dir, f));
    if (files.length === 0) continue;
    const hash = await hashFolder(dir);
    if (seen.has(hash)) continue;
    // Code, or a folder named as code (a dummy code submission may hold a text file only).
    const code = files.some((f) => CODE.test(f)) || /code/i.test(path.basename(c.file));
    const self = files.some((f) => /^metadata(\.ya?ml)?$/.test(f));
    const kind: Submission['kind'] = code ? (hasIngestion ? 'code' : self ? 'program' : 'predictions') : 'predictions';
    // A neighbour's archive goes to this bundle when it is of a kind this bundle takes.
    if (i >= mine.length && neighbours.length > 1 && (hasIngestion ? !code : code && !self)) continue;
    seen.add(hash);
    const final = /final|test/i.test(c.label) ? bundle.phases.findIndex((p) => /final|test/i.test(p.name)) : -1;
    const phase = c.phase ?? (final >= 0 ? final : 0);
    const task = c.task ?? bundle.phases[phase]?.tasks[0] ?? [...bundle.tasks.keys()][0] ?? 0;
    const label = i >= mine.length ? path.join('..', path.relative(beside, c.file)) : c.label;
    out.push({ label, dir, phase, task, kind });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// By hand, as Codabench's compute worker runs the programs

async function metadataCommand(programDir: string): Promise<string> {
  for (const name of ['metadata.yaml', 'metadata.yml', 'metadata']) {
    const file = path.join(programDir, name);
    if (!existsSync(file)) continue;
    const y = parse(await readFile(file, 'utf8'), { uniqueKeys: false }) as Record<string, unknown> | null;
    if (y && typeof y.command === 'string') return y.command;
  }
  throw new Error(`no metadata command in ${path.basename(programDir)}`);
}

/** docker run, as the compute worker does, with the folders mounted; the end of the logs on failure. */
async function dockerRun(
  name: string,
  mounts: [string, string, 'ro' | 'rw'][],
  command: string,
  timeout: number,
  detach = false,
): Promise<void> {
  const args = ['run', '--name', name, '--network', 'none', '-w', '/app/program'];
  if (detach) args.push('-d');
  for (const [from, to, mode] of mounts) args.push('-v', `${from}:${to}:${mode}`);
  args.push(PYTHON_IMAGE, 'bash', '-c', command);
  try {
    await run('docker', args, { timeout: timeout * 1000, maxBuffer: 64 << 20 });
  } catch (e: unknown) {
    const err = e as { stderr?: string; stdout?: string; killed?: boolean; message: string };
    await run('docker', ['rm', '-f', name]).catch(() => undefined);
    throw new Error(err.killed ? `${name}: over ${timeout} s` : lastLines(`${err.stdout ?? ''}\n${err.stderr ?? err.message}`), {
      cause: e,
    });
  } finally {
    if (!detach) await run('docker', ['rm', '-f', name]).catch(() => undefined);
  }
}

function lastLines(text: string, n = 2): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      // Python's markers under the failing expression say nothing here.
      .filter((l) => l && !/^[\^~ ]+$/.test(l))
      .slice(-n)
      .join(' | ')
      .slice(0, 300)
  );
}

async function copyOf(from: string | undefined, to: string): Promise<string> {
  await mkdir(to, { recursive: true });
  if (from) await cp(from, to, { recursive: true });
  return to;
}

/** The submission scored by the bundle's own programs; the scores, or throws why not. */
async function byHand(bundle: Bundle, sub: Submission, work: string, timeout: number): Promise<Scores> {
  const task = bundle.tasks.get(sub.task);
  if (!task) throw new Error(`no task ${sub.task}`);
  const scoring = await resolveRef(bundle.dir, task.scoring);
  if (!scoring) throw new Error(`scoring program ${task.scoring ?? '(none)'} not in the bundle`);
  const reference = await resolveRef(bundle.dir, task.reference);
  const input = await resolveRef(bundle.dir, task.input);
  await rm(work, { recursive: true, force: true });
  const dirs = {
    ref: await copyOf(reference, path.join(work, 'ref')),
    res: await copyOf(undefined, path.join(work, 'res')),
    out: await copyOf(undefined, path.join(work, 'out')),
    shared: await copyOf(undefined, path.join(work, 'shared')),
    program: await copyOf(scoring, path.join(work, 'scoring')),
  };
  const tag = `podium-codabench-${process.pid}-${Date.now()}`;
  let during: string | undefined;
  if (sub.kind === 'code' || sub.kind === 'program') {
    const ingestion = sub.kind === 'code' ? await resolveRef(bundle.dir, task.ingestion) : sub.dir;
    if (!ingestion) throw new Error(`ingestion program ${task.ingestion ?? '(none)'} not in the bundle`);
    const prog = await copyOf(ingestion, path.join(work, 'ingestion'));
    const mounts: [string, string, 'ro' | 'rw'][] = [
      [prog, '/app/program', 'rw'],
      [await copyOf(input, path.join(work, 'input_data')), '/app/input_data', 'ro'],
      [task.duringScoring ? dirs.shared : dirs.res, '/app/output', 'rw'],
    ];
    if (sub.kind === 'code') mounts.push([await copyOf(sub.dir, path.join(work, 'code')), '/app/ingested_program', 'ro']);
    if (task.duringScoring) mounts.push([dirs.shared, '/app/shared', 'rw']);
    const command = resolveCommand(await metadataCommand(prog), INGESTION_VARS);
    if (/\/app\/input\/ref/.test(command)) mounts.push([dirs.ref, '/app/input/ref', 'ro']);
    if (task.duringScoring) {
      during = `${tag}-ingestion`;
      await dockerRun(during, mounts, command, timeout, true);
    } else
      await dockerRun(`${tag}-ingestion`, mounts, command, timeout).catch((e: Error) => {
        throw new Error(`${sub.kind === 'code' ? 'ingestion' : 'submission program'}: ${e.message}`, { cause: e });
      });
  } else await cp(sub.dir, dirs.res, { recursive: true });
  try {
    const mounts: [string, string, 'ro' | 'rw'][] = [
      [dirs.program, '/app/program', 'rw'],
      [dirs.ref, '/app/input/ref', 'ro'],
      [dirs.res, '/app/input/res', 'ro'],
      [dirs.out, '/app/output', 'rw'],
    ];
    if (task.duringScoring) mounts.push([dirs.shared, '/app/shared', 'rw']);
    const command = resolveCommand(await metadataCommand(dirs.program), SCORING_VARS);
    await dockerRun(`${tag}-scoring`, mounts, command, timeout).catch((e: Error) => {
      throw new Error(`scoring: ${e.message}`, { cause: e });
    });
  } finally {
    if (during) {
      await run('docker', ['wait', during], { timeout: timeout * 1000 }).catch(() => undefined);
      await run('docker', ['rm', '-f', during]).catch(() => undefined);
    }
  }
  const read = (f: string) => readFile(path.join(dirs.out, f), 'utf8').catch(() => undefined);
  const scores = parseScores(await read('scores.json'), await read('scores.txt'));
  if (!scores) throw new Error('scoring wrote neither scores.json nor scores.txt');
  return scores;
}

// ---------------------------------------------------------------------------------------------
// With Podium

async function podium(args: string[], cwd: string, timeout: number): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PODIUM, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeout * 1000);
    child.on('error', (e) => resolve({ code: 1, out, err: `${err}\n${e.message}` }));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out, err });
    });
  });
}

/** The error Podium printed, in one line. */
function podiumError(r: { out: string; err: string }): string {
  // Progress lines (…) are left out; only the error is wanted.
  const lines = `${r.err}\n${r.out}`
    .split(/[\r\n]/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('…'));
  const error = lines.findIndex((l) => /error|✗|cannot|refus|not /i.test(l));
  return (error >= 0 ? lines.slice(error, error + 2) : lines.slice(-2)).join(' ').slice(0, 300);
}

/**
 * Maps every image the imported competition's Dockerfiles start FROM (Codabench's, which the
 * engine cannot pull here) to the Python test image, in runtime.images.
 */
async function mapImages(competitionDir: string, bundle: Bundle): Promise<void> {
  const froms = new Set<string>(bundle.image ? [bundle.image] : []);
  for (const f of await walk(competitionDir))
    if (path.basename(f) === 'Dockerfile')
      for (const m of (await readFile(f, 'utf8')).matchAll(/^\s*FROM\s+(?:--\S+\s+)*(\S+)/gim)) froms.add(m[1]!);
  froms.delete(PYTHON_IMAGE);
  if (froms.size === 0) return;
  const file = path.join(competitionDir, 'competition.yml');
  const doc = parseDocument(await readFile(file, 'utf8'));
  for (const image of froms) doc.setIn(['runtime', 'images', image], PYTHON_IMAGE);
  await writeFile(file, doc.toString());
}

async function importBundle(source: string, dir: string, timeout: number): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await rm(`${dir}-hidden`, { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  const r = await podium(['import', 'codabench', source, dir], path.dirname(dir), timeout);
  return r.code === 0 ? 'ok' : `failed: ${podiumError(r)}`;
}

async function withPodium(competitionDir: string, sub: Submission, slug: string, timeout: number): Promise<Scores> {
  const y = parse(await readFile(path.join(competitionDir, 'competition.yml'), 'utf8')) as {
    phases?: { id: string }[];
  };
  const phase = y.phases?.[sub.phase]?.id;
  const dir = path.join(competitionDir, 'submissions', 'codabench-examples', slug);
  await rm(dir, { recursive: true, force: true });
  await cp(sub.dir, dir, { recursive: true });
  const kind = sub.kind === 'predictions' ? 'predictions' : 'code';
  await writeFile(path.join(dir, 'submission.yml'), `team: codabench-examples\nname: ${slug}\nkind: ${kind}\n`);
  const args = ['evaluate', '--competition', competitionDir, '--hidden', `${competitionDir}-hidden`, '--json'];
  if (phase) args.push('--phase', phase);
  args.push('--ignore-limits', 'comparison with the bundle run by hand', dir);
  const r = await podium(args, competitionDir, timeout);
  let record: { status?: string; scores?: { public?: Record<string, { value?: number }> }; error?: { message?: string } };
  try {
    record = JSON.parse(r.out) as typeof record;
  } catch {
    throw new Error(podiumError(r));
  }
  if (record.status !== 'scored') throw new Error(`${record.status ?? 'no record'}: ${record.error?.message ?? podiumError(r)}`);
  // A program metric's number is under its name; say it under the key the program wrote.
  const keys = new Map<string, string>();
  const comp = parse(await readFile(path.join(competitionDir, 'competition.yml'), 'utf8')) as {
    metrics?: { name: string; key?: string }[];
  };
  for (const m of comp.metrics ?? []) keys.set(m.name, m.key ?? m.name);
  const out: Scores = {};
  for (const [name, s] of Object.entries(record.scores?.public ?? {}))
    if (typeof s.value === 'number') out[keys.get(name) ?? name] = s.value;
  return out;
}

// ---------------------------------------------------------------------------------------------

async function compareBundle(bundle: Bundle, all: Bundle[], snapshot: string, work: string, timeout: number): Promise<Row[]> {
  const slug =
    bundle.label
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase() || 'bundle';
  const competitionDir = path.join(work, 'imports', slug);
  const rows: Row[] = [];
  const imported = await importBundle(bundle.dir, competitionDir, timeout);
  if (imported === 'ok') await mapImages(competitionDir, bundle);
  const subs = await findSubmissions(bundle, all);
  if (subs.length === 0) rows.push({ bundle: bundle.label, submission: '(none found)', imported, podium: '', byHand: '', agree: '' });
  for (const [i, sub] of subs.entries()) {
    const subSlug = `${i + 1}-${sub.label
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase()}`.slice(0, 60);
    // Twice by hand: a score that differs between two runs of the bundle's own programs (an
    // unseeded model, a timing) cannot be expected to agree with Podium's run either.
    const once = async (n: number): Promise<Scores | string> => {
      try {
        return await byHand(bundle, sub, path.join(work, 'runs', slug, `${subSlug}-${n}`), timeout);
      } catch (e: unknown) {
        return `failed: ${(e as Error).message}`;
      }
    };
    const hand = await once(1);
    const again = typeof hand === 'string' ? hand : await once(2);
    const varies = typeof hand === 'string' || typeof again === 'string' ? [] : differing(hand, again);
    let ours: Scores | string;
    if (imported !== 'ok') ours = 'not imported';
    else
      try {
        ours = await withPodium(competitionDir, sub, subSlug, timeout);
      } catch (e: unknown) {
        ours = `failed: ${(e as Error).message}`;
      }
    rows.push({
      bundle: bundle.label,
      submission: `${sub.label} (${sub.kind})`,
      imported,
      podium: typeof ours === 'string' ? ours : show(ours),
      byHand:
        typeof hand === 'string'
          ? hand
          : `${show(hand)}${varies.length && typeof again !== 'string' ? ` (again: ${varies.map((k) => `${k}=${fmt(again[k]!)}`).join(', ')})` : ''}`,
      agree: agreement(ours, hand, varies),
    });
  }
  for (const z of bundle.zips) {
    const zipDir = path.join(work, 'imports', `${slug}-zip-${path.basename(z, '.zip')}`.toLowerCase());
    rows.push({
      bundle: path.relative(snapshot, z),
      submission: '(the bundle ZIP: import only)',
      imported: await importBundle(z, zipDir, timeout),
      podium: '',
      byHand: '',
      agree: '',
    });
  }
  return rows;
}

function show(s: Scores): string {
  const keys = Object.keys(s);
  return keys.length === 0 ? '(no number)' : keys.map((k) => `${k}=${fmt(s[k]!)}`).join(', ');
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(6);
}

const same = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

/** The keys whose values differ between two runs. */
export function differing(a: Scores, b: Scores): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !same(a[k], b[k]));
}

/**
 * yes when every key the program wrote has Podium's same number (1e-9), the keys that vary
 * between two runs by hand apart (named); no, or — when either failed.
 */
export function agreement(ours: Scores | string, hand: Scores | string, varies: readonly string[] = []): string {
  if (typeof ours === 'string' || typeof hand === 'string') return '—';
  const keys = Object.keys(hand).filter((k) => !varies.includes(k));
  const vary = varies.length ? `; ${varies.join(', ')} vary between runs by hand` : '';
  if (keys.length === 0) return varies.length ? `— (${varies.join(', ')} vary between runs by hand)` : '—';
  const bad = keys.filter((k) => !same(ours[k], hand[k]));
  return bad.length === 0 ? `yes${vary ? ` (${vary.slice(2)})` : ''}` : `no (${bad.join(', ')}${vary})`;
}

function table(rows: Row[]): string {
  const head = ['bundle', 'submission', 'import', 'Podium', 'by hand', 'agree'];
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${[r.bundle, r.submission, r.imported, r.podium, r.byHand, r.agree].map(cell).join(' | ')} |`),
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      process.exit(1);
    });
}
