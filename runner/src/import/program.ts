import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { formatProblem } from '../contracts/problems.js';
import { parseContract } from '../contracts/yaml-contract.js';
import { unpack, type Bundle } from './bundle.js';
import { text, type Report } from './model.js';

/** The image Codabench runs programs in when a bundle names none (its competitions' default). */
export const CODABENCH_DEFAULT_IMAGE = 'codalab/codalab-legacy:py37';

/** A program's metadata file: how Codabench runs it. */
const MetadataSchema = Type.Object({ command: Type.Optional(Type.String()) });

export type ProgramKind = 'scoring' | 'ingestion';

/** The repository folder each kind of program goes to. */
export const PROGRAM_FOLDER: Readonly<Record<ProgramKind, string>> = { scoring: 'scoring_program', ingestion: 'ingestion_program' };

/**
 * Codabench's variables in a metadata command, as its compute worker resolves them, and where
 * Podium's runtime mounts the same folders. $input and $predictions differ by the program.
 */
const VARIABLES: Readonly<Record<string, string | Readonly<Record<ProgramKind, string>>>> = {
  input: { scoring: '/app/input', ingestion: '/app/input_data' },
  predictions: { scoring: '/app/input/res', ingestion: '/app/output' },
  output: '/app/output',
  tmp: '/app/output',
  program: '/app/program',
  ingestion_program: '/app/program',
  hidden: '/app/input/ref',
  shared: '/app/shared',
  submission_program: '/app/ingested_program',
};

/** The command with Codabench's variables ($input or ${input}) replaced by Podium's folders; unknown ones are kept. */
export function resolveCommand(command: string, kind: ProgramKind): { command: string; unknown: string[] } {
  const unknown = new Set<string>();
  const resolved = command.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const to = VARIABLES[name];
    if (to === undefined) {
      unknown.add(whole);
      return whole;
    }
    return typeof to === 'string' ? to : to[kind];
  });
  return { command: resolved, unknown: [...unknown] };
}

/** A program's command, from its `metadata.yaml`, `metadata.yml` or `metadata` file; undefined when it has none. */
export async function programCommand(folder: string, report: Report, what: string): Promise<string | undefined> {
  for (const name of ['metadata.yaml', 'metadata.yml', 'metadata']) {
    let yaml: string;
    try {
      yaml = await readFile(path.join(folder, name), 'utf8');
    } catch {
      continue;
    }
    const meta = parseContract(name, yaml, MetadataSchema);
    if (!meta.ok) {
      for (const p of meta.problems) report.dropped.push(`${what}: ${formatProblem(p)}`);
      return undefined;
    }
    return text(meta.value.command);
  }
  return undefined;
}

/**
 * A Dockerfile that runs a Codabench program unchanged: the program at /app/program, its working
 * folder, and its command with Codabench's variables resolved to the folders Podium's runtime
 * mounts (/app/input, /app/output, /app/shared; for an ingestion program /app/input_data and
 * /app/ingested_program).
 */
export function programDockerfile(image: string, command: string, kind: ProgramKind): string {
  return [
    `# Written by podium import codabench: the ${kind} program as Codabench ran it.`,
    `FROM ${image}`,
    'COPY . /app/program',
    'WORKDIR /app/program',
    `CMD ${JSON.stringify(['/bin/sh', '-c', resolveCommand(command, kind).command])}`,
    '',
  ].join('\n');
}

/** A program placed in the repository: its folder there (with a Dockerfile), or why it is not run. */
export type PlacedProgram = { placed: true; build: string; command: string } | { placed: false };

/**
 * The bundle's program REF into the repository's scoring_program/ or ingestion_program/, with
 * a Dockerfile that runs its metadata command in IMAGE. A program without a command cannot be
 * run: it goes to the hidden folder instead, and the report says what to do.
 */
export async function placeProgram(opts: {
  bundle: Bundle;
  ref: string;
  kind: ProgramKind;
  image: string;
  imageNamed: boolean;
  dir: string;
  hidden: string;
  report: Report;
}): Promise<PlacedProgram> {
  const { bundle, ref, kind, image, report } = opts;
  const build = PROGRAM_FOLDER[kind];
  const target = path.join(opts.dir, build);
  const written = await unpack(bundle, ref, target);
  const what = `The ${kind} program ${ref}`;
  if (written.length === 0) {
    report.dropped.push(`${what} is not in the bundle; nothing was carried over for it.`);
    return { placed: false };
  }
  const command = await programCommand(target, report, what);
  if (!command) {
    await rm(target, { recursive: true, force: true });
    const kept = path.join('codabench', build);
    await unpack(bundle, ref, path.join(opts.hidden, kept));
    report.dropped.push(
      `${what} has no command in its metadata file, so it cannot be run as it is. It was kept in the hidden folder under ${kept}/; put it in a folder of the repository with a Dockerfile and name that folder in ${kind === 'scoring' ? 'scoring.program.build' : 'ingestion.build'}.`,
    );
    return { placed: false };
  }
  await writeFile(path.join(target, 'Dockerfile'), programDockerfile(image, command, kind));
  const { command: resolved, unknown } = resolveCommand(command, kind);
  report.carried.push(
    `${what} → ${build}/ in the repository, with a Dockerfile FROM ${image}${opts.imageNamed ? '' : " (Codabench's default image; the bundle names none)"} that runs its command "${command}" as "${resolved}". It is public there, as everything in the repository: move out anything secret.`,
  );
  if (unknown.length > 0)
    report.dropped.push(
      `${what}'s command uses ${unknown.join(', ')}, which Codabench does not define; the shell will read ${unknown.length === 1 ? 'it' : 'them'} as empty. Check it with podium evaluate on a sample submission.`,
    );
  return { placed: true, build, command };
}
