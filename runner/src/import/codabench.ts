import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Problem } from '../contracts/problems.js';
import { initCompetition } from '../init/init.js';
import { bundlePath, openBundle } from './bundle.js';
import { codabenchV2 } from './codabench-v2.js';
import { codalab } from './codalab.js';
import { copyPages, mapData } from './data.js';
import { ensureMetric, mapColumns } from './metrics.js';
import { readModel, type BundleFormat, type Report } from './model.js';
import { mapPhases } from './phases.js';
import { placePrograms } from './program.js';
import { writeCompetition, writeReport } from './write.js';

/**
 * `podium import codabench`: turns a Codabench competition bundle (competition.yaml
 * version 2) or an older CodaLab one (1.5) into a Podium competition repository. Reference
 * data goes to the hidden folder, never into the repository. Everything that cannot be carried
 * over is said in IMPORT-REPORT.md, not dropped silently.
 *
 * The steps: read the bundle (a folder, or a zip unpacked) and its competition.yaml into a
 * format-free model; then phases, data, leaderboard metrics and the scoring program; then
 * competition.yml and the report. Each step adds what it did to the report, in this order.
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
    const data = await mapData({ bundle, model, phases, dir, hidden, report });
    const { metrics, fromProgram } = mapColumns(model.columns, data.program, report);
    const programBuild = await placePrograms({ model, programs: data.programs, program: data.program, fromProgram, dir, hidden, report });
    ensureMetric(metrics, report);
    for (const k of model.unread)
      report.dropped.push(`The setting "${k}" of competition.yaml has no counterpart here and was not carried over.`);

    const problems = await writeCompetition({ dir, model, phases, data, metrics, programBuild, report });
    await writeReport({ dir, bundle: opts.bundle, model, report, problems });
    return { dir, hiddenDir: hidden, carried: report.carried, dropped: report.dropped, problems };
  } finally {
    await bundle.close();
  }
}
