import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { checkCompetition } from '../competition/load.js';
import type { Problem } from '../contracts/problems.js';
import type { DataPlan } from './data.js';
import type { PodiumMetric } from './metrics.js';
import type { Model, Report } from './model.js';
import type { PhasePlan } from './phases.js';

/**
 * Writes competition.yml over the one `podium init` made, from what the steps before decided,
 * and returns what podium validate finds in it.
 */
export async function writeCompetition(opts: {
  dir: string;
  model: Model;
  phases: PhasePlan;
  data: DataPlan;
  metrics: PodiumMetric[];
  /** The scoring program's folder in the repository, when it runs. */
  programBuild: string | undefined;
  report: Report;
}): Promise<Problem[]> {
  const { dir, model: m, phases, data, metrics, programBuild, report } = opts;
  // Code submissions when the bundle has an ingestion program or input data.
  const code = m.phases.some((p) => p.ingestion || p.input);
  const timeLimit = m.phases.find((p) => p.timeLimit)?.timeLimit;
  const ymlPath = path.join(dir, 'competition.yml');
  const doc = parseDocument(await readFile(ymlPath, 'utf8'));
  doc.set('title', m.title);
  doc.set('description', m.description ?? `Imported from a ${m.format} bundle.`);
  doc.delete('concepts');
  doc.setIn(['data', 'public'], 'data/public');
  doc.deleteIn(['data', 'ids']);
  doc.setIn(['data', 'truth'], data.truth ?? 'truth.csv');
  if (data.inputs) doc.setIn(['data', 'inputs'], data.inputs);
  else doc.deleteIn(['data', 'inputs']);
  doc.setIn(['data', 'id_column'], data.idColumn ?? 'id');
  doc.setIn(['data', 'target_column'], data.targetColumn ?? 'label');
  doc.set('metrics', metrics);
  doc.set(
    'phases',
    phases.phases.map((p, i) => ({ ...p, ...phases.extra[i] })),
  );
  doc.setIn(['submissions', 'kinds'], code ? ['container'] : ['predictions']);
  if (Object.keys(phases.limits).length) doc.set('limits', phases.limits);
  else doc.delete('limits');
  if (code) {
    doc.set('runtime', {
      ...(timeLimit ? { timeout_seconds: timeLimit } : {}),
      ...(m.dockerImage ? { base_images: [m.dockerImage] } : {}),
    });
    if (m.dockerImage) report.carried.push(`The docker image ${m.dockerImage} → runtime.base_images: submissions may build FROM it.`);
    if (timeLimit) report.carried.push(`The execution time limit → runtime.timeout_seconds: ${timeLimit}.`);
  }
  doc.setIn(
    ['leaderboard', 'columns'],
    metrics.map((x) => x.name),
  );
  if (programBuild) doc.set('scoring', { program: { build: programBuild, ...(timeLimit ? { timeout_seconds: timeLimit } : {}) } });
  await writeFile(ymlPath, doc.toString({ lineWidth: 100 }));
  const checked = await checkCompetition(await readFile(ymlPath, 'utf8'), dir);
  return checked.ok ? [] : checked.problems;
}

/** IMPORT-REPORT.md: what was carried over, what was not, and what podium validate finds. */
export async function writeReport(opts: { dir: string; bundle: string; model: Model; report: Report; problems: Problem[] }): Promise<void> {
  const { report, problems } = opts;
  const text = [
    `# Import report`,
    '',
    `From ${path.basename(opts.bundle)} (${opts.model.format}). The hidden folder is outside this repository; point the variable in data.hidden.env at it on each runner.`,
    '',
    '## Carried over',
    '',
    ...report.carried.map((x) => `- ${x}`),
    '',
    '## Not carried over, or to decide',
    '',
    ...(report.dropped.length ? report.dropped.map((x) => `- ${x}`) : ['- Nothing.']),
    '',
    '## Problems podium validate finds now',
    '',
    ...(problems.length ? problems.map((p) => `- ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`) : ['- None.']),
    '',
  ].join('\n');
  await writeFile(path.join(opts.dir, 'IMPORT-REPORT.md'), text);
}
