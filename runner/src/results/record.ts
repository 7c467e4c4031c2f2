import os from 'node:os';
import { compile } from '../contracts/yaml-contract.js';
import { PodiumError } from '../contracts/problems.js';
import { ResultRecordSchema, type Provenance, type ResultRecord } from './schema.js';

export const SCORER = { name: 'podium', version: '0.1.0' } as const;

/** The record's file inside the results tree: results/<phase>/<team>/<name>/<key>.json. */
export function recordPath(record: Pick<ResultRecord, 'id'>): string {
  return `results/${record.id}.json`;
}

/** The key that makes a record unique: the commit when known, else the submission's content hash. */
export function recordKey(commit: string | undefined, submissionHash: string): string {
  return commit ? commit.slice(0, 12) : submissionHash.replace(/^sha256:/, '').slice(0, 12);
}

export class InvalidRecordError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRecordError';
  }
}

/** Checks a record against the published schema; a record that fails is never written. */
export function checkRecord(value: unknown): { ok: true; record: ResultRecord } | { ok: false; why: string } {
  const validate = compile(ResultRecordSchema);
  if (validate(value)) return { ok: true, record: value };
  // A union reports each branch; the branch matching the record's status says what is wrong.
  const status = typeof value === 'object' && value !== null ? (value as { status?: unknown }).status : undefined;
  const errs = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf' && !(e.keyword === 'const' && e.instancePath === '/status'));
  const first = errs.slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
  return { ok: false, why: `status ${JSON.stringify(status)}: ${first.join('; ') || 'does not match the result schema'}` };
}

export function serializeRecord(record: ResultRecord): string {
  const checked = checkRecord(record);
  if (!checked.ok) throw new InvalidRecordError(`refusing to write an invalid result record ${record.id}: ${checked.why}`);
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** What the runner is, for provenance: enough to compare timings, nothing secret. */
export function runnerInfo(): Provenance['runner'] {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    cpu: cpus[0]?.model.trim() || 'unknown',
    cpus: Math.max(1, cpus.length),
    memory_bytes: os.totalmem(),
    node: process.version,
  };
}
