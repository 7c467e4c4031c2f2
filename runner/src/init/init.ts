import { PodiumError } from '../contracts/problems.js';
import { chmod, cp, mkdir, readdir, readFile, rename, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isScalar, parseDocument, stringify } from 'yaml';
import { simpleGit } from 'simple-git';
import { writeExample } from '../example/write.js';
import { writeRetrievalExample } from '../example/retrieval.js';
import { publishedSchemas } from '../contracts/published.js';
import { toSlug } from '../contracts/common.js';
import { PLACEHOLDER } from '../competition/placeholders.js';

export interface InitOptions {
  /** Folder to create; must be absent or empty. */
  dir: string;
  /** Fills the title (and the README's heading) of the neutral template; the slug follows it. */
  title?: string;
  /**
   * A bundled example competition instead of the neutral template, with its data and a
   * baseline submission: `true` is the first, sound-events.
   */
  example?: boolean | ExampleName;
  /** Where the hidden part goes (with example); default: a folder beside DIR. */
  hiddenDir?: string;
  /** Make the folder a git repository with a first commit (default true). */
  git?: boolean;
  now?: Date;
}

export interface InitResult {
  dir: string;
  hiddenDir?: string;
  exampleSubmission?: string;
}

export class InitError extends PodiumError {
  constructor(message: string, fix?: string) {
    super(message, fix === undefined ? undefined : { fix });
    this.name = 'InitError';
  }
}

/** The templates folder, found from this module whether it runs from sources or the build. */
async function templatesRoot(): Promise<string> {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'templates');
    try {
      await access(path.join(candidate, 'competition', 'competition.yml'));
      return candidate;
    } catch {
      dir = path.dirname(dir);
    }
  }
  throw new InitError(
    'cannot find templates/competition next to this Podium: it makes and upgrades competitions from a Podium checkout only.',
    'run it from a clone of the Podium repository, as node bin/podium.js (the .podium/podium.mjs of a competition cannot).',
  );
}

/**
 * The neutral template: every file a competition repository starts with, placeholders where
 * the organiser writes their own competition.
 */
export async function templateDir(): Promise<string> {
  return path.join(await templatesRoot(), 'competition');
}

/** The bundled examples: audio classification (the default) and retrieval. */
export const EXAMPLES = ['sound-events', 'retrieval'] as const;
export type ExampleName = (typeof EXAMPLES)[number];

/** A bundled example's own files (competition.yml, README.md), laid over the neutral template. */
export async function exampleTemplateDir(name: ExampleName = 'sound-events'): Promise<string> {
  return path.join(await templatesRoot(), 'examples', name);
}

const DAY = 24 * 3600 * 1000;

/**
 * Whether a file of action/dist is part of the Action a competition gets: the bundle and the
 * chunks it loads when it needs them (index.js, 918.index.js), and the package.json that makes
 * them ES modules. The bundle test holds action/dist to exactly these.
 */
export function isActionFile(name: string): boolean {
  return name === 'package.json' || /^(\d+\.)?index\.js$/.test(name);
}

/** Where the participant tool lives in a Podium checkout (`npm run bundle:tool` writes it). */
export const TOOL_FILE = path.join('tool', 'dist', 'podium.mjs');

/** What a competition repository holds of Podium itself, by path (with `/`) inside it. */
export interface PodiumFile {
  content: Buffer;
  /** 0o755 for the participant tool, so `./.podium/podium.mjs` runs too. */
  mode: number;
}

/**
 * The files Podium owns in a competition, from this Podium installation: the JSON Schemas that
 * editors check competition.yml and submission.yml against offline (`.podium/schemas`); the
 * Action (`.podium/action`), which the workflows use as a local action, so it is pinned by
 * the competition's own commits and reviewed with them and no job depends on another
 * repository; and the participant tool (`.podium/podium.mjs`), which runs in a fork with
 * Node.js alone. `podium init` writes them, `podium upgrade` refreshes them.
 */
export async function podiumFiles(): Promise<Map<string, PodiumFile>> {
  const podiumRoot = path.dirname(path.dirname(await templateDir()));
  const files = new Map<string, PodiumFile>();
  const add = (name: string, content: string | Buffer, mode = 0o644) =>
    files.set(name, { content: typeof content === 'string' ? Buffer.from(content) : content, mode });

  for (const [name, schema] of Object.entries(publishedSchemas())) add(`.podium/schemas/${name}`, `${JSON.stringify(schema, null, 2)}\n`);

  let manifest: string;
  const dist = path.join(podiumRoot, 'action', 'dist');
  try {
    manifest = await readFile(path.join(podiumRoot, 'action.yml'), 'utf8');
    await access(path.join(dist, 'index.js'));
  } catch {
    throw new InitError(
      'this Podium installation has no bundled action (action/dist).',
      'run npm run bundle:action in the Podium repository.',
    );
  }
  add('.podium/action/action.yml', manifest.replace('main: action/dist/index.js', 'main: dist/index.js'));
  for (const entry of (await readdir(dist, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name)))
    if (entry.isFile() && isActionFile(entry.name)) add(`.podium/action/dist/${entry.name}`, await readFile(path.join(dist, entry.name)));

  try {
    add('.podium/podium.mjs', await readFile(path.join(podiumRoot, TOOL_FILE)), 0o755);
  } catch {
    throw new InitError(
      'this Podium installation has no participant tool (tool/dist/podium.mjs).',
      'run npm run bundle:tool in the Podium repository.',
    );
  }
  return files;
}

/** Writes one of Podium's own files into the competition at `dir`. */
export async function writePodiumFile(dir: string, name: string, file: PodiumFile): Promise<void> {
  const target = path.join(dir, ...name.split('/'));
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, file.content, { mode: file.mode });
  // writeFile keeps the mode of a file that exists; an upgrade sets it as a new file would have it.
  await chmod(target, file.mode);
}

/** Creates a competition repository from the template. */
export async function initCompetition(opts: InitOptions): Promise<InitResult> {
  const dir = path.resolve(opts.dir);
  try {
    if ((await readdir(dir)).length > 0) throw new InitError(`${opts.dir} already exists and is not empty; choose a new folder.`);
  } catch (e: unknown) {
    if (e instanceof InitError) throw e;
  }
  await mkdir(dir, { recursive: true });
  await cp(await templateDir(), dir, { recursive: true });
  const example = opts.example === true ? 'sound-events' : opts.example || undefined;
  if (example) await cp(await exampleTemplateDir(example), dir, { recursive: true });
  await rename(path.join(dir, 'gitignore'), path.join(dir, '.gitignore'));

  for (const [name, file] of await podiumFiles()) await writePodiumFile(dir, name, file);

  // A fresh competition's phase opens today and runs for twelve weeks.
  const now = opts.now ?? new Date();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const ymlPath = path.join(dir, 'competition.yml');
  const values: [(string | number)[], string][] = [
    [['phases', 0, 'start'], iso(start)],
    [['phases', 0, 'end'], iso(new Date(start.getTime() + 84 * DAY))],
    [['slug'], slugify(opts.title ? opts.title : path.basename(dir))],
  ];
  if (opts.title) {
    values.push([['title'], opts.title]);
    await fillReadmeTitle(path.join(dir, 'README.md'), opts.title);
  }
  await writeFile(ymlPath, setScalars(await readFile(ymlPath, 'utf8'), values));

  const result: InitResult = { dir };
  if (example) {
    const hidden = path.resolve(opts.hiddenDir ?? `${dir}-hidden`);
    result.exampleSubmission = example === 'retrieval' ? await writeRetrievalExample(dir, hidden) : await writeExample(dir, hidden);
    result.hiddenDir = hidden;
  }

  if (opts.git !== false) {
    const git = simpleGit(dir);
    await git.init(['--initial-branch=main']);
    await git.add('.');
    await git.raw([
      '-c',
      'user.name=Podium',
      '-c',
      'user.email=podium@users.noreply.localhost',
      '-c',
      'commit.gpgsign=false',
      'commit',
      '--quiet',
      '-m',
      'Start the competition from the Podium template',
    ]);
  }
  return result;
}

/**
 * The text with the values at these paths replaced, and nothing else touched: the comments that
 * tell the organiser what to write stay where the template put them.
 */
export function setScalars(text: string, values: readonly [(string | number)[], string][]): string {
  const doc = parseDocument(text);
  const edits = values.map(([at, value]) => {
    const node = doc.getIn(at, true);
    if (!isScalar(node) || !node.range) throw new InitError(`the template's competition.yml has no value at ${at.join('.')}`);
    const plain = stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
    // A value the YAML library would write over several lines is written as one quoted line.
    return { from: node.range[0], to: node.range[1], yaml: plain.includes('\n') ? JSON.stringify(value) : plain };
  });
  for (const e of edits.sort((a, b) => b.from - a.from)) text = text.slice(0, e.from) + e.yaml + text.slice(e.to);
  return text;
}

/** The README's heading, when it is still the template's placeholder (the example's is its own). */
async function fillReadmeTitle(file: string, title: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (text.startsWith(`# ${PLACEHOLDER}`))
    await writeFile(
      file,
      text.replace(/^.*/, () => `# ${title}`),
    );
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function slugify(s: string): string {
  return toSlug(s, 'competition');
}
