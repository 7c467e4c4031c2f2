import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SubmissionSchema, type SubmissionConfig } from './schema.js';
import { RUN_FIELDS, toSlug, type RunField, type SubmissionKind } from '../contracts/common.js';
import { parseContract, type YamlSource } from '../contracts/yaml-contract.js';
import { didYouMean, PodiumError, type Problem } from '../contracts/problems.js';
import {
  builtIn,
  competitionForTask,
  DEFAULT_MAX_PER_QUERY,
  formatFor,
  maxDetectionsOf,
  readsBoxes,
  readsTables,
  scoringSpec,
  type Competition,
} from '../competition/load.js';
import { readCocoResults, readCocoTruth, type CocoTruth } from '../scoring/coco.js';
import { TruthError } from '../scoring/spec.js';
import { hashFiles, insideFolder, walkTree } from '../files/tree.js';
import { formatOf, MissingColumnsError, readTable, TableError } from '../scoring/table.js';
import { loadPredictions, type LoadedPredictions } from '../scoring/predictions.js';
import { readIdList, type Reference } from '../scoring/join.js';
import { checkBuild } from '../sandbox/container/dockerfile.js';
import { checkRankedLists, type RankedListRules } from '../scoring/ranked-lists.js';

export const SUBMISSION_FILE = 'submission.yml';
export const DEFAULT_MAX_FILE_MB = 50;
/** The largest submission.yml: what the workflow reads of it again, as data, before an evaluation. */
export const MAX_SUBMISSION_YML_BYTES = 64 * 1024;
const MAX_FILES = 200;
const DIGEST_PINNED = /^([a-z0-9./_-]+(:[0-9]+)?\/)?[a-z0-9._/-]+@sha256:[0-9a-f]{64}$|^sha256:[0-9a-f]{64}$/;

/** Who a submission is from: from submission.yml, or from its folder when the file is broken. */
export interface SubmissionIdentity {
  team: string;
  name: string;
  /** The folder relative to the competition repository, e.g. submissions/team/name. */
  path: string;
}

export interface ValidationReport {
  ok: boolean;
  identity: SubmissionIdentity;
  problems: Problem[];
  submission?: SubmissionConfig;
  /** What the participant should know but that does not stop the evaluation (missing queries, tied scores). */
  notices?: Problem[];
  /** Parsed predictions, for the predictions kind when they are valid. */
  predictions?: LoadedPredictions;
  /** Content hash of every file in the folder. */
  hash?: string;
  /** Set when the Dockerfile is refused before any build: why, as the record's error code says it. */
  buildRefused?: 'base-image-not-allowed' | 'build-not-allowed';
}

export interface ValidateOptions {
  /** The ids the predictions must cover; default: the competition's public id list, when it has one. */
  reference?: Reference;
  /** The time the submission is checked at, for dates such as runs.notes_required_by; default now. */
  now?: Date;
}

/** Every problem with a submission folder, without running or scoring anything. */
export async function validateSubmission(
  competition: Competition,
  submissionDir: string,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const dir = path.resolve(submissionDir);
  const identity = identityFromFolder(competition, dir);
  const problems: Problem[] = [];
  const notices: Problem[] = [];
  const whole = (file: string, message: string): Problem => ({ file, line: 0, column: 0, path: '', message });

  try {
    if (!(await stat(dir)).isDirectory())
      return {
        ok: false,
        identity,
        problems: [whole(identity.path, 'is not a folder; give the submission folder that holds submission.yml.')],
      };
  } catch {
    return {
      ok: false,
      identity,
      problems: [whole(identity.path, 'does not exist; give the submission folder that holds submission.yml.')],
    };
  }

  const maxMb = competition.config.limits?.max_file_mb ?? DEFAULT_MAX_FILE_MB;
  const tree = await walkTree(dir, { maxFileBytes: maxMb * 1024 * 1024, maxFiles: MAX_FILES });
  for (const f of tree.faults) {
    const why = {
      symlink: 'is a symbolic link; submissions may hold regular files only (copy the file in instead).',
      special: 'is not a regular file (device, socket or pipe); remove it.',
      'too-large': `is ${((f.size ?? 0) / 1024 / 1024).toFixed(1)} MB, over this competition's limit of ${maxMb} MB per file.`,
      'too-many': `is past the limit of ${MAX_FILES} files per submission; remove what the evaluation does not need.`,
    }[f.reason];
    problems.push(whole(`${identity.path}/${f.rel}`, why));
  }

  const ymlFile = `${identity.path}/${SUBMISSION_FILE}`;
  if (!tree.files.some((f) => f.rel === SUBMISSION_FILE)) {
    if (!tree.faults.some((f) => f.rel === SUBMISSION_FILE))
      problems.push(whole(ymlFile, 'is missing; every submission folder needs a submission.yml (see the participant guide).'));
    return { ok: false, identity, problems };
  }
  const ymlSize = tree.files.find((f) => f.rel === SUBMISSION_FILE)?.size ?? 0;
  if (ymlSize > MAX_SUBMISSION_YML_BYTES) {
    // The workflow reads the task, run type and priority from it again before the evaluation, up to this size.
    problems.push(
      whole(
        ymlFile,
        `is ${(ymlSize / 1024).toFixed(0)} KiB; a submission.yml may be ${MAX_SUBMISSION_YML_BYTES / 1024} KiB at most: keep long texts in other files.`,
      ),
    );
    return { ok: false, identity, problems };
  }
  const parsed = parseContract(ymlFile, await readFile(path.join(dir, SUBMISSION_FILE), 'utf8'), SubmissionSchema);
  if (!parsed.ok) return { ok: false, identity, problems: [...problems, ...parsed.problems] };
  const { value: sub, source } = parsed;
  // A submissions/TEAM/NAME folder is TEAM's NAME whatever submission.yml says (a mismatch is a
  // problem below): a record is never charged to a team another folder names.
  const inFolder = identity.path.split('/').length === 3 && identity.path.startsWith('submissions/');
  const named: SubmissionIdentity = inFolder ? identity : { team: sub.team, name: sub.name, path: identity.path };

  // A competition with tasks is checked, from here on, as the task the submission names.
  const task = taskOf(competition, sub.task);
  if (!task.ok) return { ok: false, identity, problems: [...problems, source.problem(task.at, task.why, task.at.length > 0)] };
  competition = task.competition;
  const accepted = competition.config.submissions.kinds;
  if (!accepted.includes(sub.kind)) {
    problems.push(
      source.problem(['kind'], `this competition does not accept "${sub.kind}" submissions; it accepts: ${accepted.join(', ')}.`),
    );
  }
  const run = checkRun(competition, sub, source, options.now ?? new Date());
  problems.push(...run.problems);
  notices.push(...run.notices);
  const inSubmissionsFolder = identity.path.split('/');
  if (inSubmissionsFolder.length === 3 && inSubmissionsFolder[0] === 'submissions') {
    if (inSubmissionsFolder[1] !== sub.team)
      problems.push(
        source.problem(['team'], `team is "${sub.team}" but the folder is submissions/${inSubmissionsFolder[1]}/; they must match.`),
      );
    if (inSubmissionsFolder[2] !== sub.name)
      problems.push(source.problem(['name'], `name is "${sub.name}" but the folder is ${identity.path}/; they must match.`));
    // Records name a run by its folder made a slug: "a_" would be run "a", as another folder "a" is.
    for (const [key, segment] of [
      ['team', inSubmissionsFolder[1]!],
      ['name', inSubmissionsFolder[2]!],
    ] as const) {
      const recorded = toSlug(segment, 'unknown');
      if (recorded !== segment)
        problems.push(
          source.problem(
            [key],
            `the folder name "${segment}" would be recorded as "${recorded}", which another folder could be too; rename the folder (and ${key}) to "${recorded}".`,
          ),
        );
    }
  }

  let predictions: LoadedPredictions | undefined;
  let buildRefused: ValidationReport['buildRefused'];
  // Without built-in metrics the scoring program alone reads the predictions, in whatever form
  // the competition's participants send them: nothing is read here but that the file is there.
  const tableRead = readsTables(competition);
  const boxesRead = readsBoxes(competition);
  const wholeFolder = sendsWholeFolder(sub);
  if (sub.kind === 'predictions' && wholeFolder) {
    if (boxesRead)
      problems.push(
        source.problem(
          sub.predictions === undefined ? ['kind'] : ['predictions'],
          'this competition scores one COCO results file (a JSON list of detections): name it, e.g. "predictions: detections.json".',
        ),
      );
    else if (tableRead)
      problems.push(
        source.problem(
          sub.predictions === undefined ? ['kind'] : ['predictions'],
          builtIn(competition.metrics).length > 0
            ? `this competition scores a predictions file with its own metrics (${builtIn(competition.metrics)
                .map((m) => m.name)
                .join(', ')}): name it, e.g. "predictions: predictions.csv".`
            : 'this competition splits the predictions into a public and a private part by id, so they are one table: name the file, e.g. "predictions: predictions.csv".',
        ),
      );
    else if (!tree.files.some((f) => f.rel !== SUBMISSION_FILE))
      problems.push(whole(identity.path, 'holds no file but submission.yml; put the predictions files beside it.'));
  } else if (sub.kind === 'predictions' && sub.predictions !== undefined) {
    const target = insideFolder(sub.predictions);
    if (!target.ok) {
      problems.push(source.problem(['predictions'], `"${sub.predictions}" cannot be used: ${target.why}.`));
    } else if (tree.faults.some((f) => f.rel === target.rel)) {
      problems.push(source.problem(['predictions'], `"${sub.predictions}" cannot be read (see the problem with that file above).`));
    } else if (!tree.files.some((f) => f.rel === target.rel)) {
      const csvs = tree.files.filter((f) => f.rel.endsWith('.csv')).map((f) => f.rel);
      problems.push(
        source.problem(
          ['predictions'],
          `the file "${sub.predictions}" is not in the submission folder.${csvs.length ? ` CSV files there: ${csvs.join(', ')}.` : ''}`,
        ),
      );
    } else if (boxesRead) {
      problems.push(...(await checkDetections(competition, `${identity.path}/${target.rel}`, path.join(dir, target.rel))));
    } else if (tableRead) {
      const file = `${identity.path}/${target.rel}`;
      const reference = options.reference ?? (await publicIds(competition));
      const loaded = await loadPredictions(
        file,
        { path: path.join(dir, target.rel) },
        formatFor(competition, target.rel),
        scoringSpec(competition),
        reference,
      );
      if (loaded.ok) {
        predictions = loaded.predictions;
        const rules = await rankedListRules(competition);
        if (rules) {
          const checked = checkRankedLists(file, loaded.predictions, scoringSpec(competition), rules);
          problems.push(...checked.problems);
          notices.push(...checked.notices);
        }
      } else problems.push(...loaded.problems);
    }
  }
  if (sub.kind === 'container') {
    if ((sub.image === undefined) === (sub.build === undefined)) {
      problems.push(
        source.problem(
          ['kind'],
          'a container submission gives exactly one of "image" (pinned by digest) or "build" (a folder with a Dockerfile).',
        ),
      );
    }
    if (sub.image !== undefined && !DIGEST_PINNED.test(sub.image)) {
      problems.push(
        source.problem(
          ['image'],
          `"${sub.image}" is not pinned: write name@sha256:<64 hex digits> so the image cannot change after scoring.`,
        ),
      );
    }
    if (sub.build !== undefined) {
      const b = insideFolder(sub.build, true);
      if (!b.ok) problems.push(source.problem(['build'], `"${sub.build}" cannot be used: ${b.why}.`));
      else {
        const rel = b.rel === '.' ? 'Dockerfile' : `${b.rel}/Dockerfile`;
        if (!tree.files.some((f) => f.rel === rel)) problems.push(source.problem(['build'], `there is no Dockerfile in "${sub.build}".`));
        else if (!tree.faults.some((f) => f.rel === rel)) {
          // The check the evaluation makes before it builds, made here without building: a base
          // image the competition does not allow is found when the participant validates.
          const checked = checkBuild(await readFile(path.join(dir, rel), 'utf8'), competition.config.runtime?.base_images ?? []);
          if (!checked.ok) {
            buildRefused = /allowed base images|does not build images/.test(checked.why) ? 'base-image-not-allowed' : 'build-not-allowed';
            problems.push({
              file: `${identity.path}/${rel}`,
              line: checked.line,
              column: checked.line > 0 ? 1 : 0,
              path: '',
              message: `cannot be built here: ${checked.why}`,
            });
          }
        }
      }
    }
  }
  if (sub.kind === 'api' && sub.endpoint !== undefined) {
    const allowHttp = competition.config.api?.allow_http === true;
    if (!sub.endpoint.startsWith('https://') && !(allowHttp && sub.endpoint.startsWith('http://'))) {
      problems.push(source.problem(['endpoint'], `the endpoint must use https://${allowHttp ? ' or http://' : ''}.`));
    }
  }
  if (sub.kind === 'code' && !tree.files.some((f) => f.rel !== SUBMISSION_FILE))
    problems.push(
      whole(
        identity.path,
        "holds no file but submission.yml; put the code the ingestion program runs beside it (see the competition's page).",
      ),
    );
  for (const key of ['predictions', 'image', 'build', 'endpoint'] as const) {
    const owner = { predictions: 'predictions', image: 'container', build: 'container', endpoint: 'api' }[key];
    if (sub[key] !== undefined && sub.kind !== owner) {
      problems.push(
        source.problem([key], `"${key}" belongs to ${owner} submissions, but kind is "${sub.kind}"; remove it or change kind.`, true),
      );
    }
  }

  const hash = await hashFiles(
    dir,
    tree.files.filter((f) => !tree.faults.some((x) => x.rel === f.rel)),
  );
  return {
    ok: problems.length === 0,
    identity: named,
    problems,
    notices,
    submission: sub,
    ...(predictions ? { predictions } : {}),
    hash,
    ...(buildRefused ? { buildRefused } : {}),
  };
}

/** What each run field is, for the messages that ask for it. */
const RUN_FIELD_TEXT: Record<RunField, string> = {
  type: 'the run type',
  priority: 'its priority among your runs (1 is your first choice)',
  training_data: 'the data the system was trained on',
  external_resources: 'false, or what the system used beyond the training data',
  notes: 'a link to the working notes or paper that describes the run',
};

/**
 * submission.yml's run against competition.yml's runs: a run only where the competition asks
 * for one, its type one of the declared types, its priority within the runs a team may send of
 * a type, every required field there, and the notes link from its date on (a notice before).
 */
export function checkRun(
  c: Competition,
  sub: SubmissionConfig,
  source: YamlSource,
  now: Date,
): { problems: Problem[]; notices: Problem[] } {
  const problems: Problem[] = [];
  const notices: Problem[] = [];
  const runs = c.config.runs;
  const run = sub.run;
  if (!runs) {
    if (run !== undefined)
      problems.push(
        source.problem(
          ['run'],
          'this competition asks for no run metadata (its competition.yml has no "runs" section); remove "run:".',
          true,
        ),
      );
    return { problems, notices };
  }
  const required = new Set<RunField>(runs.required ?? []);
  if (runs.types) required.add('type');
  const typesText = runs.types?.join(', ');
  const example = (f: RunField) =>
    f === 'type'
      ? `type: ${runs.types?.[0] ?? 'automatic'}`
      : f === 'priority'
        ? 'priority: 1'
        : f === 'external_resources'
          ? 'external_resources: false'
          : f === 'notes'
            ? 'notes: https://…'
            : `${f}: …`;
  const missing = RUN_FIELDS.filter((f) => required.has(f) && run?.[f] === undefined);
  if (run === undefined && missing.length > 0) {
    problems.push(
      source.problem(
        [],
        `this competition asks each submission to describe its run: add "run:" with ${missing.map((f) => `${f} (${RUN_FIELD_TEXT[f]}${f === 'type' ? `: ${typesText}` : ''})`).join(', ')}.`,
      ),
    );
  } else
    for (const f of missing)
      problems.push(
        source.problem(
          ['run'],
          `run.${f} is missing: this competition asks every run for ${RUN_FIELD_TEXT[f]}; add "${example(f)}" under "run:".`,
          true,
        ),
      );
  if (run?.type !== undefined) {
    if (!runs.types)
      problems.push(source.problem(['run', 'type'], 'this competition declares no run types (runs.types); remove "type".', true));
    else if (!runs.types.includes(run.type))
      problems.push(
        source.problem(
          ['run', 'type'],
          `"${run.type}" is not a run type of this competition; use one of: ${typesText}.${didYouMean(run.type, runs.types)}`,
        ),
      );
  }
  if (run?.priority !== undefined && runs.max_per_type !== undefined && run.priority > runs.max_per_type)
    problems.push(
      source.problem(
        ['run', 'priority'],
        `priority ${run.priority} is past the ${runs.max_per_type} runs a team may send of a run type; give 1 to ${runs.max_per_type} (1 is your first choice).`,
      ),
    );
  if (run?.notes !== undefined && !/^https?:\/\//.test(run.notes))
    problems.push(source.problem(['run', 'notes'], `"${run.notes}" is not a web link; give the working notes or paper as https://….`));
  if (runs.notes_required_by !== undefined && run?.notes === undefined) {
    const due = runs.notes_required_by;
    const at = run === undefined ? [] : ['run'];
    if (now.getTime() >= Date.parse(due))
      problems.push(
        source.problem(
          at,
          `a link to the working notes or paper (run.notes) is required since ${due}; add "notes: https://…" under "run:".`,
          run !== undefined,
        ),
      );
    else
      notices.push(
        source.problem(
          at,
          `a link to the working notes or paper (run.notes) will be required from ${due}; add "notes: https://…" under "run:" by then.`,
          run !== undefined,
        ),
      );
  }
  return { problems, notices };
}

/**
 * Whether a predictions submission sends its whole folder (every file but submission.yml) to the
 * scoring program, as Codabench sends a result zip: no "predictions" key, or ".".
 */
export function sendsWholeFolder(sub: Pick<SubmissionConfig, 'predictions'>): boolean {
  return sub.predictions === undefined || sub.predictions === '.' || sub.predictions === './';
}

/** The rules a retrieval competition's ranked lists are checked against, from its published lists. */
export async function rankedListRules(c: Competition): Promise<RankedListRules | undefined> {
  const spec = scoringSpec(c);
  if (!spec.reads.has('ranking') || !spec.query) return undefined;
  const d = c.config.data;
  const list = async (file: string, column: string) => {
    try {
      return await readIdList(path.join(c.dir, d.public, file), column, formatFor(c, file));
    } catch (e: unknown) {
      if (e instanceof MissingColumnsError || e instanceof TableError)
        throw new PodiumError(
          `${d.public}/${file} cannot be read as a list of ${column === spec.query ? 'queries' : 'documents'}: ${e.message}. List them in a "${column}" column, or one per line in a .txt file; tell the organisers.`,
        );
      throw e;
    }
  };
  const names = builtIn(c.metrics).map((m) => m.name);
  const podium = names.filter((n) => n.includes('@')).length;
  return {
    ...(d.ids !== undefined ? { queries: await list(d.ids, spec.query) } : {}),
    ...(d.documents !== undefined ? { documents: await list(d.documents, spec.id) } : {}),
    maxPerQuery: d.max_per_query ?? DEFAULT_MAX_PER_QUERY,
    tieOrder: podium === 0 ? 'trec' : podium === names.length ? 'podium' : 'both',
  };
}

/**
 * A COCO results file checked against the competition's public list of test images and
 * categories (data.ids): unknown images or categories, malformed boxes, scores that are not
 * numbers, too many detections per image. Quoted back: the file is the participant's own.
 */
export async function checkDetections(c: Competition, name: string, file: string): Promise<Problem[]> {
  const images = await publicImages(c);
  const read = await readCocoResults(name, { path: file }, images, { maxDetections: maxDetectionsOf(c) });
  return read.ok ? [] : read.problems;
}

/** The competition's public COCO file of the test images (data.ids); a faulty one is the organisers' to fix. */
export async function publicImages(c: Competition): Promise<CocoTruth> {
  const name = c.config.data.ids;
  if (name === undefined) throw new PodiumError('the competition names no test images (data.ids); tell the organisers.');
  try {
    return await readCocoTruth({ path: path.join(c.dir, c.config.data.public, name) }, { imagesOnly: true });
  } catch (e: unknown) {
    if (e instanceof TruthError)
      throw new PodiumError(`${c.config.data.public}/${name}, the competition's list of test images, cannot be read: ${e.message}.`, {
        fix: 'tell the organisers; the file is a COCO JSON object with "images" and "categories".',
      });
    throw e;
  }
}

/** The published test ids, when the competition lists them (not for retrieval, whose ids are per query). */
export async function publicIds(c: Competition): Promise<Reference | undefined> {
  const spec = scoringSpec(c);
  if (c.config.data.ids === undefined || spec.reads.has('ranking')) return undefined;
  const file = path.join(c.dir, c.config.data.public, c.config.data.ids);
  const table = await readTable({ path: file }, [{ name: spec.id, kind: 'key' }], formatOf(file));
  const col = table.columns.get(spec.id)!;
  if (col.kind !== 'key') throw new Error('id column must be a key');
  return { ids: col.keys, visibility: 'public' };
}

/**
 * The competition as the submission's task is evaluated: its task's view where the competition
 * has tasks (submission.yml must name one of them), the competition itself where it has none
 * (and submission.yml names none). A view stays itself for a submission of its task.
 */
export function taskOf(
  c: Competition,
  task: string | undefined,
): { ok: true; competition: Competition } | { ok: false; at: string[]; why: string } {
  if (c.task !== undefined)
    return task === c.task.id
      ? { ok: true, competition: c }
      : {
          ok: false,
          at: task === undefined ? [] : ['task'],
          why: `this evaluation is of task "${c.task.id}"; submission.yml must say "task: ${c.task.id}".`,
        };
  const ids = (c.tasks ?? []).map((v) => v.task!.id);
  if (ids.length === 0)
    return task === undefined
      ? { ok: true, competition: c }
      : { ok: false, at: ['task'], why: 'this competition has no tasks (competition.yml lists no "tasks"); remove "task".' };
  if (task === undefined)
    return { ok: false, at: [], why: `this competition has several tasks: add "task:" with one of: ${ids.join(', ')}.` };
  if (!ids.includes(task))
    return {
      ok: false,
      at: ['task'],
      why: `"${task}" is not a task of this competition; use one of: ${ids.join(', ')}.${didYouMean(task, ids)}`,
    };
  return { ok: true, competition: competitionForTask(c, task) };
}

/**
 * Who submits and what kind, read cheaply before an evaluation so that the competition's rules
 * can be applied first. A submissions/TEAM/NAME folder is TEAM's, whatever its submission.yml
 * says (as in the Action, which goes by the folder); elsewhere the team is submission.yml's.
 * The kind and the run type are submission.yml's. Undefined when neither says (the evaluation rejects the folder).
 */
export async function entrantOf(
  c: Competition,
  submissionDir: string,
): Promise<{ team: string; name?: string; kind?: SubmissionKind; runType?: string; priority?: number; task?: string } | undefined> {
  const dir = path.resolve(submissionDir);
  const text = await readFile(path.join(dir, SUBMISSION_FILE), 'utf8').catch(() => undefined);
  const parsed = text === undefined ? undefined : parseContract(SUBMISSION_FILE, text, SubmissionSchema);
  const rel = path.relative(path.resolve(c.dir), dir).split(path.sep);
  const folderTeam = rel.length === 3 && rel[0] === 'submissions' ? identityFromFolder(c, dir).team : undefined;
  if (parsed?.ok)
    return {
      team: folderTeam ?? parsed.value.team,
      name: folderTeam !== undefined ? identityFromFolder(c, dir).name : parsed.value.name,
      kind: parsed.value.kind,
      ...(parsed.value.run?.type !== undefined ? { runType: parsed.value.run.type } : {}),
      ...(parsed.value.run?.priority !== undefined ? { priority: parsed.value.run.priority } : {}),
      ...(parsed.value.task !== undefined ? { task: parsed.value.task } : {}),
    };
  return folderTeam === undefined ? undefined : { team: folderTeam };
}

function identityFromFolder(c: Competition, dir: string): SubmissionIdentity {
  const rel = path.relative(path.resolve(c.dir), dir).split(path.sep).join('/');
  const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  const parts = (inside ? rel : path.basename(dir)).split('/');
  const slug = (s: string | undefined) => toSlug(s ?? 'unknown', 'unknown');
  const isStandard = parts.length === 3 && parts[0] === 'submissions';
  return {
    team: slug(isStandard ? parts[1] : 'unknown'),
    name: slug(isStandard ? parts[2] : parts[parts.length - 1]),
    path: inside ? rel : path.basename(dir),
  };
}
