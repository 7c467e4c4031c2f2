import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { formatProblem } from '../contracts/problems.js';
import { parseContract } from '../contracts/yaml-contract.js';
import { text, type Model, type Report } from './model.js';

/** The image Codabench runs programs in when a bundle names none. */
export const CODABENCH_DEFAULT_IMAGE = 'codalab/codalab-legacy:py37';

/** A scoring program's metadata file: how Codabench runs it. */
const MetadataSchema = Type.Object({ command: Type.Optional(Type.String()) });

export interface ProgramCommand {
  command?: string;
  /** Codabench's variables in the command that Podium does not provide. */
  unsupported: string[];
}

/** A scoring program's command, from its `metadata` or `metadata.yaml` file. */
export async function programCommand(folder: string, report: Report): Promise<ProgramCommand | undefined> {
  for (const name of ['metadata.yaml', 'metadata.yml', 'metadata']) {
    let yaml: string;
    try {
      yaml = await readFile(path.join(folder, name), 'utf8');
    } catch {
      continue;
    }
    const meta = parseContract(name, yaml, MetadataSchema);
    if (!meta.ok) {
      for (const p of meta.problems) report.dropped.push(`The scoring program's ${formatProblem(p)}`);
      return { unsupported: [] };
    }
    const command = text(meta.value.command);
    const unsupported = [...new Set(command?.match(/\$(shared|hidden|submission_program|ingestion_program)\b/g) ?? [])];
    return { ...(command ? { command } : {}), unsupported };
  }
  return undefined;
}

/**
 * What becomes of each scoring program: the first is run as it ran on Codabench when a
 * leaderboard column needs its scores (copied into the repository with a Dockerfile); the others,
 * and the first when no column needs it, stay in the hidden folder and the report says so.
 * Returns the folder of the repository to build, if any.
 */
export async function placePrograms(opts: {
  model: Model;
  /** Each program of the bundle and where it was unpacked, relative to the hidden folder. */
  programs: { ref: string; where: string }[];
  program: ProgramCommand | undefined;
  /** Leaderboard columns the program's scores fill. */
  fromProgram: string[];
  dir: string;
  hidden: string;
  report: Report;
}): Promise<string | undefined> {
  const { model: m, programs, program, fromProgram, report } = opts;
  let build: string | undefined;
  for (const [i, { ref, where }] of programs.entries()) {
    if (i === 0 && fromProgram.length > 0 && program?.command) {
      build = 'scoring_program';
      const image = m.dockerImage ?? CODABENCH_DEFAULT_IMAGE;
      await cp(path.join(opts.hidden, where), path.join(opts.dir, build), { recursive: true });
      await writeFile(path.join(opts.dir, build, 'Dockerfile'), programDockerfile(image, program.command));
      report.carried.push(
        `The scoring program ${ref} → ${build}/ in the repository, with a Dockerfile that runs its command (${program.command}) in ${image}${m.dockerImage ? '' : " (Codabench's default image; the bundle names none)"}, with Codabench's folders: /app/program, /app/input/ref, /app/input/res, /app/output. It is public there: move out anything secret. Its scores ${fromProgram.join(', ')} have no confidence interval.`,
      );
      if (program.unsupported.length > 0)
        report.dropped.push(
          `The scoring program's command uses ${program.unsupported.join(', ')}, which Podium does not provide; check that it runs (podium evaluate on a sample submission).`,
        );
      continue;
    }
    report.dropped.push(
      i === 0 && fromProgram.length === 0
        ? `The scoring program ${ref} is not run: every leaderboard column is a built-in metric, which Podium computes itself (with bootstrap intervals). It was kept in the hidden folder under ${where}/; to run it as well, see scoring.program in the organiser guide.`
        : i === 0
          ? `The scoring program ${ref} has no command in its metadata, so it cannot be run as it is. It was kept in the hidden folder under ${where}/; put it in a folder with a Dockerfile and name that folder in scoring.program.build.`
          : `The scoring program ${ref} of a later phase is not run (Podium runs one scoring program per competition). It was kept in the hidden folder under ${where}/.`,
    );
  }
  return build;
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
