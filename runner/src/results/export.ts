import { boardOf } from './board.js';
import { supersededBy } from './supersede.js';
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { getFileNameLowLevel, openPromise, type Entry, type ZipFile } from 'yauzl';
import { COMPETITION_FILE, type Competition } from '../competition/load.js';
import { PodiumError } from '../contracts/problems.js';
import { crc32, unsafeEntryName, ZipWriter } from '../files/zip-writer.js';
import { hashFile, insideFolder, sha256Hex, walkTree } from '../files/tree.js';
import { DEFAULT_MAX_FILE_MB } from '../submission/validate.js';
import { catFileBlobs, parseRecords, readFileFromRef, readRecordFilesFromRef, resultsRef, rewrittenRecords } from './git-store.js';
import { SCORER } from './record.js';
import type { ResultRecord } from './schema.js';
import { checkReveal, revealPath, type Reveal } from './seal.js';

/**
 * `podium export`: one ZIP archive of a phase — its records and reveal as they are in the results
 * history, an index of the runs, competition.yml, a listing of the public data and, for
 * organisers, each submission's files at its recorded commit — with a manifest naming every
 * file's size and SHA-256. Nothing is read from the hidden data, and a submission whose files
 * no longer hash to what its record says is listed as such, never exported.
 */
export const EXPORT_SCHEMA = 'podium-export/1';
export const MANIFEST_FILE = 'manifest.json';

export interface ManifestFile {
  /** Path inside the archive. */
  path: string;
  size: number;
  /** SHA-256 of the bytes, 64 hex digits (what sha256sum prints). */
  sha256: string;
}

/** What became of one record's submission files. */
export interface ExportedSubmission {
  record: string;
  /** exported: under `folder`; the others say why not, in `why`. */
  status: 'exported' | 'changed' | 'no-commit' | 'commit-not-found' | 'bad-path';
  /** The submission folder in the competition repository, as the record names it. */
  path: string;
  commit?: string;
  /** The hash the record holds. */
  submission_hash: string;
  /** With status changed: the hash of the files found at the commit. */
  found_hash?: string;
  /** With status exported: the folder in the archive, and how many files it holds. */
  folder?: string;
  files?: number;
  /** Files at the commit that are not part of the submission's hash (links, files over max_file_mb), so not exported. */
  left_out?: { file: string; why: string }[];
  why?: string;
}

export interface ExportManifest {
  schema: typeof EXPORT_SCHEMA;
  podium: string;
  competition: string;
  phase: string;
  exported_at: string;
  /** Where the records came from: the results branch (its ref and commit) or a folder. */
  results: { source: 'results-branch'; ref: string; commit: string } | { source: 'folder' } | { source: 'none' };
  /** How many records of the phase the archive holds (under results/). */
  records: number;
  /** Files of the phase under results/ that are not valid records: listed, not exported. */
  invalid_records: { path: string; why: string }[];
  /** Record files a later commit on the results branch changed or deleted (records are only ever added). */
  rewritten_records: { file: string; commit: string }[];
  /** The phase's reveal, if there is one, and what checking it against the records found. */
  reveal: { path: string; problems: string[] } | null;
  /** Absent unless --with-submissions was given. */
  submissions?: ExportedSubmission[];
  /** Every file of the archive but this manifest. */
  files: ManifestFile[];
}

export interface ExportOptions {
  competition: Competition;
  phase: string;
  /** A folder holding results/ (and reveals/); else the competition's results branch. */
  resultsDir?: string;
  withSubmissions: boolean;
  /** Absolute path of the archive to write. */
  out: string;
  now: Date;
  onStep?: (step: string) => void;
  /** For tests: ZIP64 fields on every entry. */
  zip64?: 'auto' | 'always';
}

export class ExportError extends PodiumError {
  constructor(message: string, options?: ErrorOptions & { fix?: string }) {
    super(message, options);
    this.name = 'ExportError';
  }
}

interface HistoryFiles {
  files: { path: string; text: string }[];
  reveal?: string;
  results: ExportManifest['results'];
  rewritten: { file: string; commit: string }[];
}

/** Writes the archive beside `out` and renames it there once complete; returns its manifest. */
export async function exportPhase(opts: ExportOptions): Promise<ExportManifest> {
  const { competition: c, phase } = opts;
  const step = opts.onStep ?? (() => undefined);
  const isFolder = await stat(opts.out).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (isFolder)
    throw new ExportError(`${opts.out} is a folder.`, { fix: 'give --out the name of the archive to write, such as export.zip.' });
  if (opts.withSubmissions && !(await isGitRepository(c.dir)))
    throw new ExportError(`${c.dir} is not a git repository, so the submissions' files cannot be read at their commits.`, {
      fix: 'run the export in a clone of the competition repository, or leave out --with-submissions.',
    });

  step('reading the results history');
  const history = await readHistory(c, phase, opts.resultsDir);
  const parsed = parseRecords(history.files);
  const inPhase = (p: string) => p.startsWith(`results/${phase}/`);
  const records = parsed.records.filter((r) => r.phase === phase).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const texts = new Map(history.files.map((f) => [f.path, f.text]));

  const tmp = `${opts.out}.${process.pid}.tmp`;
  await rm(tmp, { force: true });
  const zip = await ZipWriter.create(tmp, { date: opts.now, zip64: opts.zip64 ?? 'auto' });
  const files: ManifestFile[] = [];
  const add = async (name: string, data: Buffer) => {
    await zip.add(name, data);
    files.push({ path: name, size: data.length, sha256: sha256Hex(data) });
  };
  const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
  try {
    await add(COMPETITION_FILE, await readFile(path.join(c.dir, COMPETITION_FILE)));
    step('listing the public data');
    await add('public-data.json', json(await publicListing(c)));
    step(`writing ${records.length} record(s)`);
    for (const r of records) {
      const name = `results/${r.id}.json`;
      const unsafe = unsafeEntryName(name);
      if (unsafe)
        throw new ExportError(`the record ${name} cannot be put in an archive: ${unsafe}.`, {
          fix: 'no Podium writes such a record id: remove the file from the results history, or export from a folder without it (--results DIR).',
        });
      await add(name, Buffer.from(texts.get(name)!, 'utf8'));
    }
    let reveal: ExportManifest['reveal'] = null;
    if (history.reveal !== undefined) {
      reveal = { path: revealPath(phase), problems: revealProblems(history.reveal, records) };
      await add(revealPath(phase), Buffer.from(history.reveal, 'utf8'));
    }
    // Which records count: a re-scored record's predecessor is kept, marked as replaced.
    const replaced = supersededBy(records);
    await add('runs.json', json(records.map((r) => runOf(r, replaced.get(r.id)?.id))));
    let submissions: ExportedSubmission[] | undefined;
    if (opts.withSubmissions) {
      submissions = [];
      const maxBytes = (c.config.limits?.max_file_mb ?? DEFAULT_MAX_FILE_MB) * 1024 * 1024;
      for (const [i, r] of records.entries()) {
        step(`submission files ${i + 1}/${records.length}`);
        submissions.push(await exportSubmission(c.dir, r, maxBytes, add));
      }
    }
    const manifest: ExportManifest = {
      schema: EXPORT_SCHEMA,
      podium: SCORER.version,
      competition: c.config.slug,
      phase,
      exported_at: opts.now.toISOString(),
      results: history.results,
      records: records.length,
      invalid_records: parsed.invalid.filter((x) => inPhase(x.path)),
      rewritten_records: history.rewritten.filter((x) => inPhase(x.file)),
      reveal,
      ...(submissions ? { submissions } : {}),
      files: [...files],
    };
    await zip.add(MANIFEST_FILE, json(manifest));
    await zip.close();
    await rename(tmp, opts.out);
    return manifest;
  } catch (e: unknown) {
    await zip.abort(tmp);
    throw e;
  }
}

async function isGitRepository(dir: string): Promise<boolean> {
  try {
    return (await simpleGit(dir).raw(['rev-parse', '--is-inside-work-tree'])).trim() === 'true';
  } catch {
    return false;
  }
}

async function readHistory(c: Competition, phase: string, resultsDir: string | undefined): Promise<HistoryFiles> {
  if (resultsDir) {
    const files = await recordFilesIn(resultsDir);
    const reveal = await readFile(path.join(resultsDir, ...revealPath(phase).split('/')), 'utf8').catch(() => undefined);
    return { files, ...(reveal !== undefined ? { reveal } : {}), results: { source: 'folder' }, rewritten: [] };
  }
  if (!(await isGitRepository(c.dir)))
    throw new ExportError(`${c.dir} is not a git repository, so it has no results branch to export.`, {
      fix: 'give --results DIR, a folder holding results/ (a checkout of the results branch), or run in a clone of the competition repository.',
    });
  let ref: string | undefined;
  try {
    ref = await resultsRef(c.dir);
  } catch (e: unknown) {
    throw new ExportError(`the results history cannot be read (${e instanceof Error ? e.message.split('\n')[0] : String(e)}).`, {
      cause: e,
      fix: 'check that origin can be reached, or give --results DIR, a folder holding results/.',
    });
  }
  if (!ref) return { files: [], results: { source: 'none' }, rewritten: [] };
  const commit = (await simpleGit(c.dir).revparse([ref])).trim();
  const reveal = await readFileFromRef(c.dir, ref, revealPath(phase));
  return {
    files: await readRecordFilesFromRef(c.dir, ref),
    ...(reveal !== undefined ? { reveal } : {}),
    results: { source: 'results-branch', ref, commit },
    rewritten: await rewrittenRecords(c.dir, ref),
  };
}

/** The JSON files under DIR/results, as `readRecordFolder` reads them. */
async function recordFilesIn(root: string): Promise<{ path: string; text: string }[]> {
  let entries: string[];
  try {
    entries = (await readdir(path.join(root, 'results'), { recursive: true })) as string[];
  } catch {
    throw new ExportError(`${root} has no results/ folder.`, {
      fix: 'give --results a folder that holds results/, such as a checkout of the results branch.',
    });
  }
  const out: { path: string; text: string }[] = [];
  for (const rel of entries.filter((e) => e.endsWith('.json')).sort())
    out.push({ path: `results/${rel.split(path.sep).join('/')}`, text: await readFile(path.join(root, 'results', rel), 'utf8') });
  return out;
}

function revealProblems(text: string, records: readonly ResultRecord[]): string[] {
  let reveal: Reveal;
  try {
    reveal = JSON.parse(text) as Reveal;
  } catch (e: unknown) {
    return [`not JSON: ${e instanceof Error ? e.message : String(e)}`];
  }
  return checkReveal(reveal, records);
}

/**
 * The public folder's files with their sizes and hashes: a listing, not the files. Anything under
 * the hidden folder, should it lie inside the public one, is left out, as are links.
 */
async function publicListing(c: Competition): Promise<{ folder: string; files: ManifestFile[] }> {
  const root = path.resolve(c.dir, c.config.data.public);
  const hidden = c.config.data.hidden.path ? path.resolve(c.dir, c.config.data.hidden.path) : undefined;
  const tree = await walkTree(root, { maxFiles: Number.MAX_SAFE_INTEGER, maxFileBytes: Number.MAX_SAFE_INTEGER }).catch((e: unknown) => {
    throw new ExportError(
      `cannot list the public data folder ${c.config.data.public}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`,
      {
        cause: e,
        fix: `check data.public in ${COMPETITION_FILE}.`,
      },
    );
  });
  const files: ManifestFile[] = [];
  for (const f of tree.files) {
    if (tree.faults.some((x) => x.rel === f.rel)) continue;
    const abs = path.join(root, ...f.rel.split('/'));
    if (hidden && (abs === hidden || abs.startsWith(hidden + path.sep))) continue;
    files.push({ path: f.rel, size: f.size, sha256: (await hashFile(abs)).slice('sha256:'.length) });
  }
  return { folder: c.config.data.public, files };
}

/**
 * One line of runs.json: who, what and when, the run metadata as the record has it, which board
 * it is on, whether a re-scoring replaced it (and what it replaced), and the provenance.
 */
function runOf(r: ResultRecord, supersededBy: string | undefined): object {
  const p = r.provenance;
  return {
    id: r.id,
    file: `results/${r.id}.json`,
    status: r.status,
    created_at: r.created_at,
    board: boardOf(r),
    ...(r.task !== undefined ? { task: r.task } : {}),
    current: supersededBy === undefined,
    ...(supersededBy !== undefined ? { superseded_by: supersededBy } : {}),
    ...(r.supersedes !== undefined ? { supersedes: r.supersedes } : {}),
    ...(r.rescore ? { rescore: r.rescore } : {}),
    ...(p.limits_ignored ? { limits_ignored: p.limits_ignored } : {}),
    submission: r.submission,
    provenance: {
      ...(p.commit ? { commit: p.commit } : {}),
      submission_hash: p.submission_hash,
      ...(p.data_hash ? { data_hash: p.data_hash } : {}),
      ...(p.image_digest ? { image_digest: p.image_digest } : {}),
      scorer: p.scorer,
    },
  };
}

/**
 * A record's submission files at its commit, hashed as validation hashes a folder (regular files
 * within max_file_mb; links are not files): exported when the hash is the record's, else listed.
 */
async function exportSubmission(
  repo: string,
  r: ResultRecord,
  maxBytes: number,
  add: (name: string, data: Buffer) => Promise<void>,
): Promise<ExportedSubmission> {
  const base = { record: r.id, path: r.submission.path, submission_hash: r.provenance.submission_hash };
  const commit = r.provenance.commit;
  if (!commit) return { ...base, status: 'no-commit', why: 'the record names no commit (it was evaluated from a folder)' };
  const where = insideFolder(r.submission.path);
  if (!where.ok) return { ...base, commit, status: 'bad-path', why: `the record's submission path cannot be read: ${where.why}` };
  const git = simpleGit(repo);
  try {
    await git.raw(['cat-file', '-e', `${commit}^{commit}`]);
  } catch {
    return {
      ...base,
      commit,
      status: 'commit-not-found',
      why: 'the commit is not in this repository; fetch the pull requests\' heads (git fetch origin "+refs/pull/*/head:refs/remotes/origin/pr/*") and export again',
    };
  }
  const prefix = `${where.rel}/`;
  const listing = await git.raw(['ls-tree', '-r', '-l', '-z', '--full-tree', commit, '--', where.rel]);
  const blobs: { rel: string; sha: string }[] = [];
  const leftOut: { file: string; why: string }[] = [];
  for (const line of listing.split('\0')) {
    if (!line) continue;
    const tab = line.indexOf('\t');
    const [mode, type, sha, size] = line.slice(0, tab).split(/\s+/) as [string, string, string, string];
    const file = line.slice(tab + 1);
    if (!file.startsWith(prefix)) continue;
    const rel = file.slice(prefix.length);
    if (type !== 'blob') leftOut.push({ file: rel, why: 'a submodule, not a file' });
    else if (mode === '120000') leftOut.push({ file: rel, why: 'a symbolic link' });
    else if (Number(size) > maxBytes) leftOut.push({ file: rel, why: 'larger than max_file_mb' });
    else blobs.push({ rel, sha });
  }
  blobs.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  const contents = await catFileBlobs(
    repo,
    blobs.map((b) => b.sha),
  );
  const h = createHash('sha256');
  blobs.forEach((b, i) => h.update(`${b.rel}\0${sha256Hex(contents[i]!)}\n`));
  const found = `sha256:${h.digest('hex')}`;
  const extra = leftOut.length > 0 ? { left_out: leftOut } : {};
  if (found !== r.provenance.submission_hash)
    return {
      ...base,
      commit,
      status: 'changed',
      found_hash: found,
      ...extra,
      why: "the files at the commit do not hash to the record's submission hash, so they are not the files that were scored",
    };
  const folder = `submissions/${r.id}`;
  for (const b of blobs) {
    const unsafe = unsafeEntryName(`${folder}/${b.rel}`);
    if (unsafe) return { ...base, commit, status: 'bad-path', ...extra, why: `${b.rel} cannot be a name in an archive: ${unsafe}` };
  }
  for (const [i, b] of blobs.entries()) await add(`${folder}/${b.rel}`, contents[i]!);
  return { ...base, commit, status: 'exported', folder, files: blobs.length, ...extra };
}

export interface VerifyOutcome {
  /** Entries in the archive, the manifest included. */
  entries: number;
  manifest?: ExportManifest;
  problems: string[];
}

/**
 * Re-checks an archive against its manifest: every entry's CRC-32, every file the manifest lists
 * present with its size and SHA-256, no entry the manifest does not list, no unsafe name.
 */
export async function verifyArchive(file: string, label = file): Promise<VerifyOutcome> {
  let zip: ZipFile;
  try {
    zip = await openPromise(file, { decodeStrings: false, validateEntrySizes: true, lazyEntries: true });
  } catch (e: unknown) {
    const fs = e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string';
    throw new ExportError(fs ? `cannot read ${label}: ${(e as Error).message}` : `${label} is not a ZIP archive, or it was cut short.`, {
      cause: e,
      fix: fs ? 'give the path of an archive podium export wrote.' : 'export the phase again (podium export).',
    });
  }
  const problems: string[] = [];
  const seen = new Map<string, ManifestFile>();
  let manifestBytes: Buffer | undefined;
  let entries = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      entries++;
      const name = getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const unsafe = unsafeEntryName(name.endsWith('/') ? name.slice(0, -1) : name);
      if (unsafe) {
        problems.push(`${name}: not a safe name (${unsafe}).`);
        continue;
      }
      if (name.endsWith('/')) continue;
      if (seen.has(name)) problems.push(`${name}: in the archive twice.`);
      const data = await entryBytes(zip, entry);
      if (crc32(data) !== entry.crc32 >>> 0) problems.push(`${name}: its bytes do not match their CRC-32.`);
      if (name === MANIFEST_FILE) manifestBytes = data;
      else seen.set(name, { path: name, size: data.length, sha256: sha256Hex(data) });
    }
  } catch (e: unknown) {
    zip.close();
    throw new ExportError(`${label} is damaged (${e instanceof Error ? e.message : String(e)}).`, {
      cause: e,
      fix: 'export the phase again (podium export).',
    });
  }
  if (!manifestBytes)
    return { entries, problems: [...problems, `${MANIFEST_FILE} is missing: this is not an archive podium export wrote.`] };
  let manifest: ExportManifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as ExportManifest;
  } catch (e: unknown) {
    return { entries, problems: [...problems, `${MANIFEST_FILE} is not JSON: ${e instanceof Error ? e.message : String(e)}.`] };
  }
  if (manifest.schema !== EXPORT_SCHEMA || !Array.isArray(manifest.files))
    return { entries, manifest, problems: [...problems, `${MANIFEST_FILE} is not a ${EXPORT_SCHEMA} manifest.`] };
  for (const want of manifest.files) {
    const got = seen.get(want.path);
    seen.delete(want.path);
    if (!got) problems.push(`${want.path}: listed in the manifest, but not in the archive.`);
    else if (got.size !== want.size || got.sha256 !== want.sha256)
      problems.push(
        `${want.path}: differs from the manifest (${got.size} bytes, sha256 ${got.sha256.slice(0, 16)}…; the manifest says ${want.size} bytes, ${String(want.sha256).slice(0, 16)}…).`,
      );
  }
  for (const extra of seen.keys()) problems.push(`${extra}: in the archive, but not in the manifest.`);
  return { entries, manifest, problems };
}

async function entryBytes(zip: ZipFile, entry: Entry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await zip.openReadStreamPromise(entry)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
