import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { compile } from '../../runner/src/contracts/yaml-contract.js';
import { checkRecord } from '../../runner/src/results/record.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { checkChanges } from './changes.js';

/**
 * What one job hands the next as an artifact: prepare the request, evaluate the request again
 * with the record (or a note that it evaluated nothing). Each file is checked when it is read.
 */
export const REQUEST_FILE = 'request.json';
export const RECORD_FILE = 'record.json';
/** Written by evaluate instead of a record when it evaluates nothing, for report to say why. */
export const NOT_EVALUATED_FILE = 'not-evaluated.json';

/** The evaluation request, passed from job to job. Only prepare writes it, from the API. */
export const RequestSchema = Type.Object({
  pull_request: Type.Integer(),
  head_sha: Type.String({ pattern: '^[0-9a-f]{40}$' }),
  folder: Type.String(),
  team: Type.String(),
  name: Type.String(),
  /**
   * The phase and board the submission was admitted to when prepare ran, just after its check:
   * the record goes there however long the approval takes (a run sent before the last phase's
   * end stays an official one). Absent in requests of earlier versions: decided at evaluation.
   */
  phase: Type.Optional(Type.String()),
  board: Type.Optional(Type.Literal('post-challenge')),
  /** Under the Ladder: the team's best shown score in the phase (on the board; absent: official) when prepare read the history. */
  ladder: Type.Optional(
    Type.Object({
      phase: Type.String(),
      board: Type.Optional(Type.Literal('post-challenge')),
      /** The task the best was read in (a competition with tasks). */
      task: Type.Optional(Type.String()),
      best: Type.Optional(Type.Number()),
    }),
  ),
});
export type Request = Static<typeof RequestSchema>;

export function parseRequest(text: string): Request {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${REQUEST_FILE} is not JSON.`);
  }
  const validate = compile(RequestSchema);
  if (!validate(value)) {
    const first = validate.errors?.[0];
    throw new Error(
      `${REQUEST_FILE} does not describe one submission at one commit${first ? ` (${first.instancePath || '/'} ${first.message ?? ''})` : ''}.`,
    );
  }
  const { folder, team, name } = value;
  if (folder !== `submissions/${team}/${name}` || !checkChanges([{ filename: `${folder}/x`, status: 'added' }]).ok)
    throw new Error(`${REQUEST_FILE} does not describe one submission at one commit (folder is not submissions/<team>/<name>).`);
  return value;
}

/** Empties a job's hand-off folder and writes the request into it. */
export async function startHandoff(dir: string, request: Request): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, REQUEST_FILE), `${JSON.stringify(request)}\n`);
}

export interface NotEvaluated {
  /** The pull request moved on, was closed, or its phase was revealed before the run was approved. */
  reason: 'moved' | 'closed' | 'revealed';
  /** The pull request's head when evaluate looked. */
  head_sha?: string;
}

export type Evaluation = { request: Request } & (
  { record: ResultRecord; skipped?: undefined } | { record?: undefined; skipped: NotEvaluated }
);

/** What evaluate handed over: the record of the request's submission at its commit, or why there is none. */
export async function readEvaluation(dir: string): Promise<Evaluation> {
  const request = parseRequest(await readFile(path.join(dir, REQUEST_FILE), 'utf8'));
  const skippedText = await readFile(path.join(dir, NOT_EVALUATED_FILE), 'utf8').catch(() => undefined);
  if (skippedText !== undefined) {
    const v = JSON.parse(skippedText) as NotEvaluated;
    const head = typeof v.head_sha === 'string' && /^[0-9a-f]{40}$/.test(v.head_sha) ? v.head_sha : undefined;
    const reason = v.reason === 'closed' || v.reason === 'revealed' ? v.reason : 'moved';
    return { request, skipped: { reason, ...(head ? { head_sha: head } : {}) } };
  }
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path.join(dir, RECORD_FILE), 'utf8'));
  } catch (e: unknown) {
    throw new Error(`${RECORD_FILE} cannot be read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const checked = checkRecord(value);
  if (!checked.ok) throw new Error(`${RECORD_FILE} is not a valid result record: ${checked.why}`);
  const { record } = checked;
  if (record.provenance.commit !== request.head_sha || record.submission.team !== request.team || record.submission.name !== request.name)
    throw new Error(`${RECORD_FILE} is not the result of ${request.folder} at ${request.head_sha}.`);
  return { record, request };
}
