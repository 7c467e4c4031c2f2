import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Document, parseDocument } from 'yaml';
import { checkCompetition } from '../competition/load.js';
import type { Problem } from '../contracts/problems.js';
import type { DataPlan } from './data.js';
import type { PodiumMetric } from './metrics.js';
import type { Model, Report } from './model.js';
import type { PhasePlan } from './phases.js';

/** What the steps decided, for competition.yml. */
export interface CompetitionPlan {
  model: Model;
  phases: PhasePlan;
  data: DataPlan;
  metrics: PodiumMetric[];
  /** The scoring program's folder in the repository, when it runs. */
  scoring?: string;
  /** The ingestion program's folder, and whether it runs beside the scoring program. */
  ingestion?: { build: string; during_scoring: boolean };
  rule: { rule?: string; choose?: number };
  /** Teams shown as baselines: the bundle's solutions. */
  baselines: string[];
}

/**
 * Writes competition.yml over the one `podium init` made, from what the steps before decided,
 * and returns what podium validate finds in it.
 */
export async function writeCompetition(dir: string, plan: CompetitionPlan, report: Report): Promise<Problem[]> {
  const { model: m, phases, data, metrics } = plan;
  const timeLimit = m.phases.find((p) => p.timeLimit)?.timeLimit;
  if (timeLimit) {
    report.carried.push(
      `The execution time limit → runtime.timeout_seconds: ${timeLimit}${plan.scoring ? ", and the scoring program's" : ''}.`,
    );
    for (const p of m.phases)
      if (p.timeLimit && p.timeLimit !== timeLimit)
        report.dropped.push(
          `Phase "${p.name}" has its own execution time limit (${p.timeLimit} s); Podium has one per competition: ${timeLimit} s was kept.`,
        );
  }
  const ymlPath = path.join(dir, 'competition.yml');
  // The slug and the hidden folder's variable as podium init chose them; the rest is the bundle's.
  const made = parseDocument(await readFile(ymlPath, 'utf8')).toJS() as { slug: string; data: { hidden: unknown } };
  const config = {
    version: 1,
    title: m.title,
    slug: made.slug,
    description: m.description ?? `Imported from a ${m.format} bundle.`,
    data: {
      public: 'data/public',
      hidden: made.data.hidden,
      ...(data.truth ? { truth: data.truth } : {}),
      ...(data.inputs ? { inputs: data.inputs } : {}),
      ...(data.table ? { id_column: data.idColumn ?? 'id', target_column: data.targetColumn ?? 'label' } : {}),
    },
    metrics,
    phases: phases.phases.map((p, i) => ({ ...p, ...phases.extra[i] })),
    submissions: { kinds: plan.ingestion ? ['code'] : ['predictions'] },
    ...(Object.keys(phases.limits).length ? { limits: phases.limits } : {}),
    ...(timeLimit ? { runtime: { timeout_seconds: timeLimit } } : {}),
    ...(plan.scoring ? { scoring: { program: { build: plan.scoring, ...(timeLimit ? { timeout_seconds: timeLimit } : {}) } } } : {}),
    ...(plan.ingestion ? { ingestion: plan.ingestion } : {}),
    ...(data.tasks
      ? {
          tasks: data.tasks.map((t) => ({
            id: t.id,
            name: t.name,
            ...(t.description ? { description: t.description } : {}),
            ...(t.truth ? { data: { truth: t.truth } } : {}),
          })),
        }
      : {}),
    leaderboard: {
      columns: metrics.map((x) => x.name),
      rule: plan.rule.rule ?? 'best-per-team',
      ...(plan.rule.choose ? { choose: plan.rule.choose } : {}),
      ...(plan.baselines.length ? { baselines: plan.baselines } : {}),
    },
  };
  const doc = new Document(config);
  doc.commentBefore = [
    ' yaml-language-server: $schema=.podium/schemas/competition.schema.json',
    ` Imported from a ${m.format} bundle by podium import codabench: IMPORT-REPORT.md says what`,
    ' each setting of the bundle became. Reference: docs/contracts.md in the Podium repository.',
  ].join('\n');
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
    ...(opts.model.warnings.length ? ['## Read with a warning', '', ...opts.model.warnings.map((x) => `- ${x}`), ''] : []),
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
