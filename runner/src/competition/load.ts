import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CompetitionSchema, type CompetitionConfig } from './schema.js';
import { parseContract, type YamlSource } from '../contracts/yaml-contract.js';
import { ContractError, didYouMean, PodiumError, type Problem } from '../contracts/problems.js';
import { loadTeams } from './teams.js';
import { placeholderProblems } from './placeholders.js';
import { findMetric, metricNames, type Direction, type Metric, type Reads } from '../scoring/metrics/registry.js';
import { DEFAULT_BOOTSTRAP, type BootstrapSettings } from '../scoring/bootstrap.js';
import type { ScoringSpec } from '../scoring/spec.js';
import { formatOf, type TableFormat } from '../scoring/table.js';
import { DEFAULT_MAX_DETECTIONS } from '../scoring/coco.js';

export const COMPETITION_FILE = 'competition.yml';

export interface CompetitionMetric {
  name: string;
  /** Column heading on the leaderboard. */
  label: string;
  direction: Direction;
  primary: boolean;
  /** The built-in metric; absent for a score the organiser's scoring program writes. */
  metric?: Metric;
  program?: true;
  /** For a program's score: the key it is written under in scores.json. */
  key?: string;
}

export interface Competition {
  /** Folder holding competition.yml (the competition repository's root). */
  dir: string;
  config: CompetitionConfig;
  metrics: CompetitionMetric[];
  primary: CompetitionMetric;
  /**
   * competition.yml's tasks, each as the competition it is evaluated and ranked as (see
   * competitionForTask); absent without tasks.
   */
  tasks?: Competition[];
  /** Set on one task's view of the competition: which task it is. */
  task?: TaskInfo;
}

export type Phase = CompetitionConfig['phases'][number];
export type Task = NonNullable<CompetitionConfig['tasks']>[number];

/** A task of a competition with tasks, as records and pages name it. */
export interface TaskInfo {
  id: string;
  name: string;
  description?: string;
}

/** Where a problem is: competition.yml's positions, or a task's view of them. */
type Positions = Pick<YamlSource, 'problem'>;

/** Checks a competition.yml text; `dir` enables the checks of files it names. */
export async function checkCompetition(
  text: string,
  dir?: string,
  file = COMPETITION_FILE,
): Promise<{ ok: true; competition: Competition } | { ok: false; problems: Problem[] }> {
  const parsed = parseContract(file, text, CompetitionSchema);
  // Placeholders the template left are listed beside other problems: together, what is left to write.
  if (!parsed.ok) return { ok: false, problems: [...parsed.problems, ...(parsed.source ? placeholderProblems(parsed.source) : [])] };
  const { value: config, source } = parsed;
  const problems: Problem[] = placeholderProblems(source);
  const metrics = resolveMetrics(config, source, problems);
  checkPhases(config, source, problems);
  checkUnique(config.concepts?.map((c) => c.id) ?? [], ['concepts'], 'id', 'concept', source, problems);

  if (config.data.hidden.path === undefined && config.data.hidden.env === undefined) {
    problems.push(source.problem(['data', 'hidden'], 'say where the hidden data lives on runners: give "path", "env", or both.'));
  }
  if (!config.tasks) checkReads(config, metrics, source, problems);
  checkPrivate(config.private, ['private'], source, problems);
  if (config.submissions.kinds.includes('api') && !config.api) {
    problems.push(
      source.problem(
        ['submissions', 'kinds'],
        'API submissions need an "api" section: at least "inputs", the file of test inputs sent to endpoints.',
      ),
    );
  }
  checkIngestion(config, source, problems);
  checkHiddenNames(config, source, problems);
  checkRuns(config, source, problems);
  if (!config.tasks) checkRanking(config, metrics, source, problems);
  const views = config.tasks ? checkTasks(config, config.tasks, metrics, source, problems) : undefined;
  if (dir !== undefined) {
    await checkDataFiles(config, dir, source, problems);
    // A task's own lists are in the same public folder.
    for (const [t, task] of (config.tasks ?? []).entries())
      for (const key of ['ids', 'documents'] as const) {
        const file = task.data?.[key];
        if (file !== undefined && !(await isKind(path.resolve(dir, config.data.public, file), 'file')))
          problems.push(
            source.problem(['tasks', t, 'data', key], `task "${task.id}": the file "${file}" does not exist in "${config.data.public}".`),
          );
      }
    // teams.yml travels with competition.yml: an invalid one is reported with it.
    try {
      await loadTeams(dir);
    } catch (e: unknown) {
      if (!(e instanceof ContractError)) throw e;
      problems.push(...e.problems);
    }
  }

  const primary = metrics.find((m) => m.primary);
  if (problems.length > 0 || !primary) return { ok: false, problems: config.tasks ? unique(problems) : problems };
  const base = { dir: dir ?? '.', config, metrics, primary };
  return {
    ok: true,
    competition: views ? { ...base, tasks: views.map((v) => ({ ...v, dir: base.dir })) } : base,
  };
}

/** The checks of what one evaluation reads and ranks by: the competition's, or each task's. */
function checkView(config: CompetitionConfig, metrics: CompetitionMetric[], source: Positions, problems: Problem[]): void {
  checkReads(config, metrics, source, problems);
  checkRanking(config, metrics, source, problems);
}

/** The truth Podium reads, and the leaderboard settings against the metrics. */
function checkRanking(config: CompetitionConfig, metrics: CompetitionMetric[], source: Positions, problems: Problem[]): void {
  // Podium's metrics and the private split read a truth table; the scoring program alone may do without.
  if (readsTables({ config, metrics }) || readsBoxes({ config }))
    for (const [i, p] of config.phases.entries())
      if ((p.truth ?? config.data.truth) === undefined)
        problems.push(
          source.problem(
            config.data.truth === undefined && i === 0 ? ['data'] : ['phases', i],
            "name the truth file in the hidden folder (data.truth, or the phase's truth): Podium's metrics, and the private part's split, read it.",
          ),
        );
  // The Ladder shows one number per team: nothing else may order the board or be shown.
  const ladder = config.leaderboard?.ladder;
  if (ladder && config.leaderboard?.rank_by === 'average-rank')
    problems.push(
      source.problem(
        ['leaderboard', 'ladder'],
        'the Ladder shows the primary metric only, so it cannot rank by the average rank over metrics.',
      ),
    );
  if (ladder && (config.leaderboard?.tie_breakers?.length ?? 0) > 0)
    problems.push(
      source.problem(
        ['leaderboard', 'tie_breakers'],
        'with the Ladder only the primary metric is shown, so no other metric can break ties; remove tie_breakers (ties go to the earlier submission).',
      ),
    );
  // Metric names in the leaderboard settings must be the competition's own.
  for (const key of ['tie_breakers', 'columns'] as const) {
    for (const [i, col] of (config.leaderboard?.[key] ?? []).entries()) {
      if (config.metrics.some((m) => m.name === col)) continue;
      const known = config.metrics.map((m) => m.name);
      problems.push(source.problem(['leaderboard', key, i], `"${col}" is not one of this competition's metrics.${didYouMean(col, known)}`));
    }
  }
}

/** A private part is a fraction of the ids or a split column of the truth: one of the two. */
function checkPrivate(
  p: { fraction?: number; split_column?: string } | undefined,
  at: (string | number)[],
  source: YamlSource,
  problems: Problem[],
  prefix = '',
): void {
  if (p && (p.fraction === undefined) === (p.split_column === undefined))
    problems.push(
      source.problem(
        at,
        `${prefix}give the private part either as "fraction" (a seeded split by id) or as "split_column" (a truth column), not both or neither.`,
      ),
    );
}

/**
 * competition.yml's tasks: unique ids, the settings that are one per competition, and each
 * task's view checked as a competition of its own, its problems pointing into the task where
 * the task gives the key.
 */
function checkTasks(
  config: CompetitionConfig,
  tasks: readonly Task[],
  metrics: CompetitionMetric[],
  source: YamlSource,
  problems: Problem[],
): Competition[] {
  checkUnique(
    tasks.map((t) => t.id),
    ['tasks'],
    'id',
    'task',
    source,
    problems,
  );
  for (const [i, p] of config.phases.entries())
    for (const key of ['truth', 'inputs'] as const)
      if (p[key] !== undefined)
        problems.push(
          source.problem(
            ['phases', i, key],
            `with tasks, each task names its own ${key === 'truth' ? 'truth (tasks[].data.truth)' : 'data'}; a phase's ${key} would be every task's. Remove it here.`,
            true,
          ),
        );
  const views: Competition[] = [];
  for (const [t, task] of tasks.entries()) {
    for (const [k, kind] of (task.submissions?.kinds ?? []).entries())
      if (!config.submissions.kinds.includes(kind))
        problems.push(
          source.problem(
            ['tasks', t, 'submissions', 'kinds', k],
            `task "${task.id}" takes "${kind}" submissions, which submissions.kinds does not list (${config.submissions.kinds.join(', ')}); add it there or remove it here.`,
          ),
        );
    checkPrivate(task.private, ['tasks', t, 'private'], source, problems, `task "${task.id}": `);
    if (task.private && config.ingestion?.during_scoring)
      problems.push(
        source.problem(
          ['tasks', t, 'private'],
          `task "${task.id}": with during_scoring the scoring program scores the run as it happens, so there are no predictions to split into a private part; remove "private" here or during_scoring.`,
          true,
        ),
      );
    const view = taskConfig(config, task);
    const at = taskPositions(source, t, task);
    const own: Problem[] = [];
    const viewMetrics = task.metrics ? resolveMetrics(view, at, own) : metrics;
    checkView(view, viewMetrics, at, own);
    problems.push(...own);
    const primary = viewMetrics.find((m) => m.primary);
    if (primary) views.push({ dir: '.', config: view, metrics: viewMetrics, primary, task: taskInfo(task) });
  }
  return views;
}

function taskInfo(task: Task): TaskInfo {
  return { id: task.id, name: task.name, ...(task.description !== undefined ? { description: task.description } : {}) };
}

/**
 * A task's problems: a key the task gives is pointed at in the task, one it inherits at the
 * competition's; the message names the task either way.
 */
function taskPositions(source: YamlSource, t: number, task: Task): Positions {
  const map = (p: readonly (string | number)[]): (string | number)[] => {
    const [head, key] = p;
    if (head === 'metrics' && task.metrics) return ['tasks', t, ...p];
    if (head === 'submissions' && task.submissions) return ['tasks', t, ...p];
    if (head === 'private' && task.private) return ['tasks', t, ...p];
    if (head === 'data') {
      if (key !== undefined && task.data && typeof key === 'string' && key in task.data) return ['tasks', t, ...p];
      if (key === undefined) return task.data ? ['tasks', t, 'data'] : ['tasks', t];
    }
    return [...p];
  };
  return { problem: (p, message, atKey) => source.problem(map(p), `task "${task.id}": ${message}`, atKey) };
}

/** The same problem found through two tasks is listed once. */
function unique(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.file}:${p.line}:${p.column}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * competition.yml as one task sees it: the task's data keys over the competition's data, its
 * metrics, kinds, limits and private part in place of the competition's, each phase taking the
 * task's kinds only, and no tasks.
 */
export function taskConfig(config: CompetitionConfig, task: Task): CompetitionConfig {
  const { tasks: _tasks, private: _private, ...rest } = config;
  const kinds = task.submissions?.kinds ?? config.submissions.kinds;
  const limits = task.limits || config.limits ? { ...config.limits, ...task.limits } : undefined;
  // A task's private part replaces the competition's split whole (a fraction and a split column
  // cannot mix); the sealing key stays the competition's, one for every task.
  const keyEnv = config.private?.key_env;
  const priv = task.private ? { ...task.private, ...(keyEnv !== undefined ? { key_env: keyEnv } : {}) } : config.private;
  return {
    ...rest,
    ...(task.concepts ? { concepts: task.concepts } : {}),
    data: { ...config.data, ...task.data },
    metrics: task.metrics ?? config.metrics,
    submissions: { kinds },
    ...(limits ? { limits } : {}),
    ...(priv ? { private: priv } : {}),
    phases: config.phases.map((p) => (p.kinds ? { ...p, kinds: p.kinds.filter((k) => kinds.includes(k)) } : p)),
  };
}

/**
 * The competition as one of its tasks is evaluated, scored and ranked: the same competition
 * with the task's data, metrics, kinds and limits laid over (taskConfig). Every single-task
 * function takes the view as it takes a competition without tasks.
 */
export function competitionForTask(c: Competition, taskId: string): Competition {
  const view = c.tasks?.find((v) => v.task?.id === taskId);
  if (view) return view;
  const ids = (c.tasks ?? []).map((v) => v.task!.id);
  throw new PodiumError(
    ids.length === 0
      ? `this competition has no tasks, so there is no task "${taskId}".`
      : `there is no task "${taskId}".${didYouMean(taskId, ids)}`,
    { fix: ids.length === 0 ? 'leave the task out.' : `name one of the tasks: ${ids.join(', ')}.` },
  );
}

/** The fewest items a slice group is scored on (data.min_slice_size): smaller groups show their size only. */
export const DEFAULT_MIN_SLICE_SIZE = 10;
export function minSliceSize(c: Competition): number {
  return c.config.data.min_slice_size ?? DEFAULT_MIN_SLICE_SIZE;
}

/**
 * Whether evaluations seal scores, so that the runners need the sealing key: a private part or the
 * Ladder, in the competition or in any of its tasks.
 */
export function sealsScores(c: Competition): boolean {
  return [c, ...(c.tasks ?? [])].some((v) => v.config.private !== undefined || v.config.leaderboard?.ladder !== undefined);
}

/**
 * The competition as a record of it is read: the view of the record's task when it has one
 * (its metrics, primary and labels), else the competition itself.
 */
export function viewOf(c: Competition, record: { task?: string | undefined }): Competition {
  return record.task !== undefined && c.tasks?.some((v) => v.task?.id === record.task) ? competitionForTask(c, record.task) : c;
}

/** Reads and checks DIR/competition.yml; throws ContractError listing every problem. */
export async function loadCompetition(dir: string): Promise<Competition> {
  const file = path.join(dir, COMPETITION_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e: unknown) {
    throw new ContractError(
      COMPETITION_FILE,
      [
        {
          file: COMPETITION_FILE,
          line: 0,
          column: 0,
          path: '',
          message: `cannot read ${file}: is this a competition folder? (podium init makes one)`,
        },
      ],
      { cause: e },
    );
  }
  const result = await checkCompetition(text, dir);
  if (!result.ok) throw new ContractError(COMPETITION_FILE, result.problems);
  return result.competition;
}

function resolveMetrics(config: CompetitionConfig, source: Positions, problems: Problem[]): CompetitionMetric[] {
  const out: CompetitionMetric[] = [];
  const primaries = config.metrics.filter((m) => m.primary === true).length;
  if (primaries === 0 && config.metrics.length > 1) {
    problems.push(source.problem(['metrics'], 'mark exactly one metric with "primary: true"; it ranks the leaderboard.'));
  }
  let primarySeen = false;
  for (const [i, m] of config.metrics.entries()) {
    if (m.from === 'program') {
      if (!config.scoring?.program)
        problems.push(
          source.problem(
            ['metrics', i, 'from'],
            'a metric from the scoring program needs scoring.program, the folder with its Dockerfile.',
          ),
        );
      if (!m.direction)
        problems.push(
          source.problem(['metrics', i], `say whether ${m.name} is better higher or lower: direction: maximize or minimize.`, true),
        );
      const primary = m.primary === true || (primaries === 0 && config.metrics.length === 1);
      if (primary && primarySeen) problems.push(source.problem(['metrics', i, 'primary'], 'only one metric can be primary.'));
      primarySeen ||= primary;
      out.push({
        name: m.name,
        label: m.label ?? m.name,
        direction: m.direction ?? 'maximize',
        primary,
        program: true,
        key: m.key ?? m.name,
      });
      continue;
    }
    if (m.key !== undefined)
      problems.push(
        source.problem(['metrics', i, 'key'], `"key" names a score of the scoring program; ${m.name} is a built-in metric. Remove "key".`),
      );
    const metric = findMetric(m.name);
    if (!metric) {
      problems.push(
        source.problem(
          ['metrics', i, 'name'],
          `unknown metric "${m.name}".${didYouMean(m.name, metricNames())} Built-in metrics: ${metricNames().join(', ')}.`,
        ),
      );
      continue;
    }
    if (m.direction !== undefined && m.direction !== metric.direction) {
      problems.push(
        source.problem(
          ['metrics', i, 'direction'],
          `${m.name} is always ${metric.direction}d; remove "direction" or set it to ${metric.direction}.`,
        ),
      );
    }
    const primary = m.primary === true || (primaries === 0 && config.metrics.length === 1);
    if (primary && primarySeen) problems.push(source.problem(['metrics', i, 'primary'], 'only one metric can be primary.'));
    primarySeen ||= primary;
    out.push({ name: m.name, label: m.label ?? m.name, direction: metric.direction, primary, metric });
  }
  checkUnique(
    config.metrics.map((m) => m.name),
    ['metrics'],
    'name',
    'metric',
    source,
    problems,
  );
  return out;
}

/** The metrics must agree on how to read the files. */
function checkReads(config: CompetitionConfig, all: CompetitionMetric[], source: Positions, problems: Problem[]): void {
  const metrics = builtIn(all);
  const reads = new Set(metrics.map((m) => m.metric.reads));
  const byRead = (r: Reads) => metrics.filter((m) => m.metric.reads === r).map((m) => m.name);
  if (reads.has('label') && reads.has('number')) {
    problems.push(
      source.problem(
        ['metrics'],
        `${byRead('label').join(', ')} read the target column as class labels but ${byRead('number').join(', ')} read it as numbers; choose classification or regression metrics.`,
      ),
    );
  }
  if (reads.has('ranking')) {
    const others = metrics.filter((m) => m.metric.reads !== 'ranking').map((m) => m.name);
    if (others.length > 0)
      problems.push(
        source.problem(['metrics'], `retrieval metrics cannot be mixed with ${others.join(', ')}: they read ranked lists per query.`),
      );
    if (config.data.query_column === undefined && config.data.format !== 'trec')
      problems.push(
        source.problem(
          ['data'],
          'retrieval metrics need "data.query_column", the column naming each row\'s query, or "data.format: trec" for TREC qrels and runs.',
        ),
      );
  }
  checkBoxes(config, all, reads, source, problems);
  if (config.data.format === 'trec') {
    if (!reads.has('ranking') || reads.size > 1)
      problems.push(
        source.problem(
          ['data', 'format'],
          'TREC files hold ranked lists per query: use retrieval metrics only (map, ndcg_cut_10, P_10, map@10, …).',
        ),
      );
    if (config.data.slices)
      problems.push(
        source.problem(
          ['data', 'slices'],
          'TREC qrels have no other columns to slice by: give the truth as CSV (query, document, grade and the slice column).',
        ),
      );
    if (config.private?.split_column)
      problems.push(
        source.problem(['private', 'split_column'], 'TREC qrels have no split column: use "private.fraction", or give the truth as CSV.'),
      );
  }
  if ((config.data.max_per_query !== undefined || config.data.documents !== undefined) && !reads.has('ranking'))
    problems.push(source.problem(['data'], '"max_per_query" and "documents" are for retrieval metrics, which rank documents per query.'));
  if (reads.has('label-sets') && (reads.has('label') || reads.has('score') || reads.has('class-scores'))) {
    problems.push(
      source.problem(
        ['metrics'],
        'multi-label metrics read the target column as label sets; they cannot be mixed with single-label metrics.',
      ),
    );
  }
  for (const r of ['class-scores', 'label-sets'] as const) {
    if (reads.has(r) && !config.concepts) {
      problems.push(
        source.problem(['metrics'], `${byRead(r).join(', ')} read one score column per class: list the classes under "concepts".`),
      );
    }
  }
  // Predicted label sets: binarised over the competition's labels, which must be fixed (a
  // participant's own labels would change the Hamming loss and the macro average).
  if (reads.has('predicted-sets')) {
    const single = metrics.filter((m) => ['label', 'score', 'class-scores', 'number'].includes(m.metric.reads)).map((m) => m.name);
    if (single.length > 0)
      problems.push(
        source.problem(
          ['metrics'],
          `${byRead('predicted-sets').join(', ')} read the target column as label sets; they cannot be mixed with ${single.join(', ')}.`,
        ),
      );
    if (!config.concepts)
      problems.push(
        source.problem(
          ['metrics'],
          `${byRead('predicted-sets').join(', ')} compare label sets over the competition's labels: list them under "concepts".`,
        ),
      );
  }
  // Text metrics read the target column as free text: no other metric reads it that way.
  if (reads.has('text') && reads.size > 1) {
    const others = metrics.filter((m) => m.metric.reads !== 'text').map((m) => m.name);
    problems.push(
      source.problem(
        ['metrics'],
        `${byRead('text').join(', ')} read the target column as text; they cannot be mixed with ${others.join(', ')}.`,
      ),
    );
  }
  if (config.scoring?.text?.normalise && !reads.has('text'))
    problems.push(
      source.problem(['scoring', 'text', 'normalise'], 'the normalisation steps are for text metrics (bleu, wer, …); remove them.'),
    );
}

/** Object detection: COCO files, the detection metrics alone, scored by Podium itself. */
function checkBoxes(
  config: CompetitionConfig,
  all: CompetitionMetric[],
  reads: ReadonlySet<Reads>,
  source: Positions,
  problems: Problem[],
): void {
  const coco = config.data.format === 'coco';
  if (reads.has('boxes') && !coco)
    problems.push(
      source.problem(
        ['data'],
        'the detection metrics (coco_ap, …) read COCO files: add "format: coco" under data, with the truth as COCO instances JSON.',
      ),
    );
  if (config.data.max_detections !== undefined && !coco)
    problems.push(source.problem(['data', 'max_detections'], '"max_detections" is for object detection, with "data.format: coco".'));
  if (!coco) return;
  const others = all.filter((m) => m.metric?.reads !== 'boxes').map((m) => m.name);
  if (others.length > 0)
    problems.push(
      source.problem(
        ['metrics'],
        `COCO files are scored with the detection metrics (coco_ap, coco_ap50, …, coco_ar_large) only, not ${others.join(', ')}.`,
      ),
    );
  const kinds = config.submissions.kinds.filter((k) => k !== 'predictions' && k !== 'container');
  if (kinds.length > 0)
    problems.push(
      source.problem(
        ['submissions', 'kinds'],
        `object detection takes predictions files and containers (writing COCO results JSON), not ${kinds.join(', ')} submissions.`,
      ),
    );
  if (config.data.ids === undefined)
    problems.push(
      source.problem(
        ['data'],
        'name the test images in "data.ids": a COCO file in the public folder with "images" and "categories" (no annotations), so that participants know what to detect and validation can check their image and category ids.',
      ),
    );
  for (const [key, why] of [
    ['documents', 'retrieval'],
    ['query_column', 'retrieval'],
  ] as const)
    if (config.data[key] !== undefined) problems.push(source.problem(['data', key], `"${key}" is for ${why}, not object detection.`));
}

/**
 * Names in the hidden folder (the truth, the inputs; of the competition, a phase or a task) stay
 * inside it: an absolute path or one that climbs out with .. would read files the hidden folder
 * does not hold.
 */
function checkHiddenNames(config: CompetitionConfig, source: YamlSource, problems: Problem[]): void {
  const names: [(string | number)[], string | undefined][] = [
    [['data', 'truth'], config.data.truth],
    [['data', 'inputs'], config.data.inputs],
    ...config.phases.flatMap((p, i): [(string | number)[], string | undefined][] => [
      [['phases', i, 'truth'], p.truth],
      [['phases', i, 'inputs'], p.inputs],
    ]),
    ...(config.tasks ?? []).map((t, i): [(string | number)[], string | undefined] => [['tasks', i, 'data', 'truth'], t.data?.truth]),
  ];
  for (const [at, name] of names) {
    if (name === undefined) continue;
    const normal = path.posix.normalize(name.replace(/\\/g, '/'));
    if (path.posix.isAbsolute(normal) || /^[A-Za-z]:/.test(name) || normal === '..' || normal.startsWith('../'))
      problems.push(source.problem(at, `"${name}" leaves the hidden folder; name a file or folder inside it, such as truth.csv.`));
  }
}

/** Code submissions and the ingestion program that runs them come together. */
function checkIngestion(config: CompetitionConfig, source: YamlSource, problems: Problem[]): void {
  const code = config.submissions.kinds.includes('code');
  if (code && !config.ingestion)
    problems.push(
      source.problem(
        ['submissions', 'kinds'],
        'code submissions are run by the organisers\' ingestion program: add "ingestion: { build: FOLDER }", the folder with its Dockerfile.',
      ),
    );
  if (config.ingestion && !code)
    problems.push(
      source.problem(['ingestion'], 'the ingestion program runs code submissions: add "code" to submissions.kinds, or remove "ingestion".'),
    );
  if (config.ingestion?.during_scoring && !config.scoring?.program)
    problems.push(
      source.problem(
        ['ingestion', 'during_scoring'],
        'an ingestion program runs during scoring beside the scoring program: add scoring.program, or remove during_scoring.',
      ),
    );
  if (config.ingestion?.during_scoring && config.private)
    problems.push(
      source.problem(
        ['ingestion', 'during_scoring'],
        'with during_scoring the scoring program scores the run as it happens, so there are no predictions to split into a private part; remove "private" or during_scoring.',
      ),
    );
}

/** competition.yml's runs: the settings that only make sense together. */
function checkRuns(config: CompetitionConfig, source: YamlSource, problems: Problem[]): void {
  const runs = config.runs;
  if (!runs) return;
  if (runs.types === undefined) {
    if (runs.max_per_type !== undefined)
      problems.push(
        source.problem(['runs', 'max_per_type'], 'runs are counted per run type: list the types under "runs.types", or use limits.total.'),
      );
    const at = runs.required?.indexOf('type') ?? -1;
    if (at >= 0)
      problems.push(source.problem(['runs', 'required', at], 'run.type is required, but no run types are listed: add "runs.types".'));
  }
  const notes = runs.required?.indexOf('notes') ?? -1;
  if (notes >= 0 && runs.notes_required_by !== undefined)
    problems.push(
      source.problem(
        ['runs', 'required', notes],
        'notes are required from runs.notes_required_by on: remove "notes" here, or remove the date to require them from the start.',
      ),
    );
}

function checkPhases(config: CompetitionConfig, source: YamlSource, problems: Problem[]): void {
  const accepted = config.submissions.kinds;
  for (const [i, p] of config.phases.entries()) {
    if (Date.parse(p.end) <= Date.parse(p.start)) {
      problems.push(source.problem(['phases', i, 'end'], `phase "${p.id}" ends (${p.end}) before it starts (${p.start}).`));
    }
    // submissions.kinds is every kind the competition takes; a phase narrows it.
    for (const [k, kind] of (p.kinds ?? []).entries())
      if (!accepted.includes(kind))
        problems.push(
          source.problem(
            ['phases', i, 'kinds', k],
            `phase "${p.id}" takes "${kind}" submissions, which submissions.kinds does not list (${accepted.join(', ')}); add it there or remove it here.`,
          ),
        );
  }
  checkUnique(
    config.phases.map((p) => p.id),
    ['phases'],
    'id',
    'phase',
    source,
    problems,
  );
}

function checkUnique(values: string[], at: string[], key: string, what: string, source: Positions, problems: Problem[]): void {
  const seen = new Set<string>();
  for (const [i, v] of values.entries()) {
    if (seen.has(v)) problems.push(source.problem([...at, i, key], `${what} "${v}" appears twice; each ${key} must be unique.`));
    seen.add(v);
  }
}

async function checkDataFiles(config: CompetitionConfig, dir: string, source: YamlSource, problems: Problem[]): Promise<void> {
  const publicDir = path.resolve(dir, config.data.public);
  const rel = path.relative(path.resolve(dir), publicDir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    problems.push(source.problem(['data', 'public'], 'the public data folder must be inside the competition repository.'));
    return;
  }
  if (!(await isKind(publicDir, 'dir'))) {
    problems.push(source.problem(['data', 'public'], `the folder "${config.data.public}" does not exist in the competition repository.`));
    return;
  }
  if (config.data.ids !== undefined && !(await isKind(path.join(publicDir, config.data.ids), 'file'))) {
    problems.push(source.problem(['data', 'ids'], `the file "${config.data.ids}" does not exist in "${config.data.public}".`));
  }
  if (config.data.documents !== undefined && !(await isKind(path.join(publicDir, config.data.documents), 'file'))) {
    problems.push(source.problem(['data', 'documents'], `the file "${config.data.documents}" does not exist in "${config.data.public}".`));
  }
  // The organiser's programs are built from the repository: a folder with a Dockerfile each.
  for (const [at, folder] of [
    [['scoring', 'program', 'build'], config.scoring?.program?.build],
    [['ingestion', 'build'], config.ingestion?.build],
  ] as const) {
    if (folder === undefined) continue;
    const where = path.resolve(dir, folder);
    const inRepo = path.relative(path.resolve(dir), where);
    if (inRepo.startsWith('..') || path.isAbsolute(inRepo))
      problems.push(source.problem([...at], `"${folder}" must be a folder inside the competition repository.`));
    else if (!(await isKind(path.join(where, 'Dockerfile'), 'file')))
      problems.push(source.problem([...at], `the folder "${folder}" has no Dockerfile; the runner builds the program's image from it.`));
  }
  if (config.data.sample_inputs !== undefined && !(await isKind(path.join(publicDir, config.data.sample_inputs), 'dir'))) {
    problems.push(
      source.problem(['data', 'sample_inputs'], `the folder "${config.data.sample_inputs}" does not exist in "${config.data.public}".`),
    );
  }
}

async function isKind(p: string, kind: 'dir' | 'file'): Promise<boolean> {
  try {
    const s = await stat(p);
    return kind === 'dir' ? s.isDirectory() : s.isFile();
  } catch {
    return false;
  }
}

/**
 * Whether Podium reads the truth and the predictions as tables: for its own metrics, or to split
 * off a private part by id. Otherwise the scoring program alone reads them, in whatever form.
 */
export function readsTables(c: Pick<Competition, 'config' | 'metrics'>): boolean {
  if (readsBoxes(c)) return false;
  return builtIn(c.metrics).length > 0 || c.config.private !== undefined;
}

/**
 * Whether Podium reads COCO files (object detection): the truth as instances JSON, the
 * predictions as results JSON, scored by evaluate/score-detection.ts rather than as tables.
 */
export function readsBoxes(c: Pick<Competition, 'config'>): boolean {
  return c.config.data.format === 'coco';
}

/** The metrics Podium computes itself, as opposed to those the organiser's scoring program writes. */
export function builtIn(metrics: readonly CompetitionMetric[]): (CompetitionMetric & { metric: Metric })[] {
  return metrics.filter((m): m is CompetitionMetric & { metric: Metric } => m.metric !== undefined);
}

/** The columns a predictions file must have for this competition's metrics, and how they are read. */
export function scoringSpec(c: Competition): ScoringSpec {
  const d = c.config.data;
  const reads = new Set(builtIn(c.metrics).map((m) => m.metric.reads));
  const labels =
    c.config.concepts && !reads.has('number') && !reads.has('ranking') && !reads.has('text')
      ? c.config.concepts.map((x) => x.id)
      : undefined;
  const normalise = reads.has('text') ? c.config.scoring?.text?.normalise : undefined;
  // A TREC file's fields are known by position: these names are what messages call them.
  if (d.format === 'trec') return { query: 'qid', id: 'docno', target: 'rel', score: 'sim', reads, trecComplete: true };
  return {
    id: d.id_column ?? 'id',
    target: d.target_column ?? 'label',
    score: d.score_column ?? 'score',
    ...(d.query_column ? { query: d.query_column } : {}),
    reads,
    ...(labels ? { labels } : {}),
    ...(normalise && normalise.length > 0 ? { normalise } : {}),
    // A competition averages over every judged query: leaving a query out never raises a mean.
    ...(reads.has('ranking') ? { trecComplete: true } : {}),
  };
}

/** How a truth or predictions file of this competition is read: `data.format`, else by its name. */
export function formatFor(c: Competition, file: string): TableFormat {
  const format = c.config.data.format;
  // COCO files are never read as tables (readsTables is false for them).
  if (format === 'coco') throw new Error(`${file} is a COCO file, not a table`);
  return format ?? formatOf(file);
}

/** Most detections a participant may give per image (object detection). */
export function maxDetectionsOf(c: Competition): number {
  return c.config.data.max_detections ?? DEFAULT_MAX_DETECTIONS;
}

/** Most documents a participant may rank per query (retrieval). */
export const DEFAULT_MAX_PER_QUERY = 1000;

export function bootstrapSettings(c: Competition): BootstrapSettings {
  const b = c.config.scoring?.bootstrap ?? {};
  return {
    resamples: b.resamples ?? DEFAULT_BOOTSTRAP.resamples,
    seed: b.seed ?? DEFAULT_BOOTSTRAP.seed,
    level: b.level ?? DEFAULT_BOOTSTRAP.level,
  };
}

/** Where the hidden data is on this runner: an explicit folder wins, then the variable, then the path. */
export function hiddenDir(c: Competition, explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  if (explicit) return path.resolve(explicit);
  const { path: p, env: name } = c.config.data.hidden;
  if (name && env[name]) return path.resolve(env[name]);
  if (p) return path.resolve(c.dir, p);
  throw new Error(`the hidden data folder is not set: pass --hidden DIR or set the environment variable ${name}`);
}

/** The phase open at `now`, or the one named. */
export function findPhase(c: Competition, now: Date, id?: string): { ok: true; phase: Phase } | { ok: false; why: string } {
  const phases = c.config.phases;
  if (id !== undefined) {
    const phase = phases.find((p) => p.id === id);
    return phase
      ? { ok: true, phase }
      : {
          ok: false,
          why: `there is no phase "${id}".${didYouMean(
            id,
            phases.map((p) => p.id),
          )} Phases: ${phases.map((p) => p.id).join(', ')}.`,
        };
  }
  const t = now.getTime();
  const open = phases.find((p) => Date.parse(p.start) <= t && t < Date.parse(p.end));
  if (open) return { ok: true, phase: open };
  const windows = phases.map((p) => `${p.id} (${p.start} to ${p.end})`).join('; ');
  return { ok: false, why: `no phase is open at ${now.toISOString()}. Phases: ${windows}.` };
}
