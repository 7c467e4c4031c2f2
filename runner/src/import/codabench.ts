import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Problem } from '../contracts/problems.js';
import { initCompetition } from '../init/init.js';
import { bundlePath, openBundle, unpack, type Bundle } from './bundle.js';
import { codabenchV2 } from './codabench-v2.js';
import { codalab } from './codalab.js';
import { copyPages, mapData } from './data.js';
import { ensureMetric, mapColumns } from './metrics.js';
import { readModel, type BundleFormat, type Model, type Report } from './model.js';
import { mapPhases, mapRule } from './phases.js';
import { CODABENCH_DEFAULT_IMAGE, placeProgram, type PlacedProgram, type ProgramKind } from './program.js';
import { copySolutions, ORGANISERS } from './solutions.js';
import { writeCompetition, writeReport } from './write.js';

/**
 * `podium import codabench`: turns a Codabench competition bundle (competition.yaml
 * version 2) or an older CodaLab one (1.5) into a Podium competition repository. Reference
 * data goes to the hidden folder, never into the repository. Everything that cannot be carried
 * over is said in IMPORT-REPORT.md, not dropped silently.
 *
 * The bundle's scoring program is the source of truth: it goes into the repository with a
 * Dockerfile that runs it as Codabench did, and every leaderboard column is a score it writes.
 * An ingestion program goes there too, and participants then submit code (kind: code).
 *
 * The steps: read the bundle (a folder, or a zip unpacked) and its competition.yaml into a
 * format-free model; then phases, the programs, data, leaderboard metrics and the solutions;
 * then competition.yml and the report. Each step adds what it did to the report, in this order.
 */

/** The formats of competition.yaml, tried in turn; the last takes whatever the others do not. */
const FORMATS: readonly BundleFormat[] = [codabenchV2, codalab];

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

export async function importCodabench(opts: ImportOptions): Promise<ImportResult> {
  const bundle = await openBundle(opts.bundle);
  try {
    const model = readModel(bundle.yamlName, await readFile(bundlePath(bundle, bundle.yamlName), 'utf8'), FORMATS);
    const dir = path.resolve(opts.dir);
    const hidden = path.resolve(opts.hiddenDir ?? `${dir}-hidden`);
    const report: Report = { carried: [`The ${model.format} bundle "${model.title}".`], dropped: [] };

    await initCompetition({ dir, title: model.title, git: false });
    await rm(path.join(dir, 'submissions', 'baseline'), { recursive: true, force: true });
    await copyPages(bundle, model, dir, report);
    const phases = mapPhases(model, report);
    const scoring = await placeFirst(bundle, model, 'scoring', dir, hidden, report);
    const ingestion = await placeFirst(bundle, model, 'ingestion', dir, hidden, report);
    reportImage(model, scoring.placed || ingestion.placed, report);
    const data = await mapData({ bundle, model, phases, dir, hidden, report });
    const metrics = mapColumns(model.columns, { program: scoring.placed, table: data.table }, report);
    ensureMetric(metrics, report);
    const rule = mapRule(model, report);
    if (ingestion.placed) {
      const during = model.phases.find((p) => p.ingestion)?.duringScoring === true;
      report.carried.push(
        `Participants submit code (submissions.kinds: [code]): their submission folder is mounted at /app/ingested_program and the ingestion program runs it${during ? ' beside the scoring program, the two sharing /app/shared (ingestion_only_during_scoring → ingestion.during_scoring: true)' : ', then the scoring program scores what it wrote'}.`,
      );
    } else if (model.phases.some((p) => p.input)) {
      report.dropped.push(
        'The bundle has input data but no ingestion program that runs it: participants submit results (kind predictions). For code run on the inputs, add an ingestion program (ingestion.build) or container submissions.',
      );
    }
    const solutions = await copySolutions({ bundle, model, code: ingestion.placed, dir, report });

    const problems = await writeCompetition(
      dir,
      {
        model,
        phases,
        data,
        metrics,
        ...(scoring.placed ? { scoring: scoring.build } : {}),
        ...(ingestion.placed
          ? { ingestion: { build: ingestion.build, during_scoring: model.phases.find((p) => p.ingestion)?.duringScoring === true } }
          : {}),
        rule,
        baselines: solutions.length ? [ORGANISERS] : [],
      },
      report,
    );
    report.dropped.push(...model.left);
    await writeReport({ dir, bundle: opts.bundle, model, report, problems });
    return { dir, hiddenDir: hidden, carried: report.carried, dropped: report.dropped, problems };
  } finally {
    await bundle.close();
  }
}

/**
 * The first phase's program of KIND into the repository. Podium runs one scoring program and one
 * ingestion program per competition: a later phase's other program is kept in the hidden folder.
 */
async function placeFirst(
  bundle: Bundle,
  m: Model,
  kind: ProgramKind,
  dir: string,
  hidden: string,
  report: Report,
): Promise<PlacedProgram> {
  const key = kind === 'scoring' ? 'scoring' : 'ingestion';
  const refs = [...new Set(m.phases.flatMap((p) => (p[key] ? [p[key]] : [])))];
  if (refs.length === 0) {
    if (kind === 'scoring')
      report.dropped.push("The bundle has no scoring program; only Podium's built-in metrics can score it, on a truth table with ids.");
    return { placed: false };
  }
  const placed = await placeProgram({
    bundle,
    ref: refs[0]!,
    kind,
    image: m.dockerImage ?? CODABENCH_DEFAULT_IMAGE,
    imageNamed: m.dockerImage !== undefined,
    dir,
    hidden,
    report,
  });
  for (const ref of refs.slice(1)) {
    const where = path.join('codabench', 'other', `${kind}_program`, path.basename(ref, '.zip'));
    await unpack(bundle, ref, path.join(hidden, where));
    const names = m.phases.filter((p) => p[key] === ref).map((p) => `"${p.name}"`);
    report.dropped.push(
      `The ${kind} program ${ref} of phase ${names.join(', ')} is not run: Podium runs one ${kind} program per competition, the first phase's. It was kept in the hidden folder under ${where}/.`,
    );
  }
  return placed;
}

/** The bundle's image: the Dockerfiles name it, so the runners need it or a runtime.images entry for it. */
function reportImage(m: Model, used: boolean, report: Report): void {
  const image = m.dockerImage ?? CODABENCH_DEFAULT_IMAGE;
  if (!used) {
    if (m.dockerImage) report.dropped.push(`The docker image ${m.dockerImage} is not used: no program of the bundle runs.`);
    return;
  }
  report.carried.push(
    `The docker image ${image}${m.dockerImage ? '' : " (Codabench's default)"} is named in the programs' Dockerfiles. The runners must have it (docker pull ${image} where they can reach Docker Hub), or map it in competition.yml to an image they have: runtime.images: { "${image}": <image with the Python packages the programs import> }.`,
  );
}
