import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { PodiumError } from '../contracts/problems.js';
import { isOfficial } from './board.js';
import type { ResultRecord, ScoreValue } from './schema.js';

/**
 * Sealed private scores. While a phase runs, a record's private scores are stored encrypted
 * (AES-256-GCM, with the record id as associated data, so a ciphertext cannot be moved to
 * another record) under a key that only the runners hold, next to a public commitment:
 * SHA-256 over the record id, a random salt and the plaintext. At the end, `podium reveal`
 * decrypts, checks each commitment, and publishes the scores with their salts, so anyone can
 * recompute every commitment from the records as they were committed during the phase.
 */
export const SEAL_ALGORITHM = 'aes-256-gcm';
export const DEFAULT_KEY_ENV = 'PODIUM_SEAL_KEY';

export type ScoreMap = Record<string, ScoreValue>;

export interface Sealed {
  algorithm: string;
  key_id: string;
  ciphertext: string;
  iv: string;
  tag: string;
  commitment: string;
}

export class SealError extends PodiumError {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

/** The key from an environment variable: 32 bytes as 64 hex digits or base64. */
export function sealingKey(env: NodeJS.ProcessEnv, name = DEFAULT_KEY_ENV): Buffer {
  return keyFromEnv(env, name, "the competition's sealing key to keep private scores sealed");
}

/** A 32-byte key from an environment variable (64 hex digits or base64); `purpose` says what for. */
export function keyFromEnv(env: NodeJS.ProcessEnv, name: string, purpose: string): Buffer {
  const text = env[name]?.trim();
  if (!text) throw new SealError(`${name} is not set: the runner needs ${purpose}.`);
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new SealError(`${name} must hold 32 bytes, as 64 hex digits or base64 (openssl rand -hex 32 makes one).`);
  return key;
}

/** Names a key without revealing it: the first 16 hex digits of its SHA-256. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function commitmentOf(recordId: string, salt: string, plaintext: string): string {
  return createHash('sha256').update(`podium-seal-v1\n${recordId}\n${salt}\n${plaintext}`).digest('hex');
}

/** What is encrypted: the scores and the salt of the commitment. */
interface Payload {
  salt: string;
  scores: ScoreMap;
}

export function seal(recordId: string, scores: ScoreMap, key: Buffer): Sealed {
  const salt = randomBytes(16).toString('hex');
  const plaintext = JSON.stringify(scores);
  const iv = randomBytes(12);
  const cipher = createCipheriv(SEAL_ALGORITHM, key, iv);
  cipher.setAAD(Buffer.from(recordId, 'utf8'));
  const payload: Payload = { salt, scores };
  const ciphertext = Buffer.concat([cipher.update(padded(JSON.stringify(payload)), 'utf8'), cipher.final()]);
  return {
    algorithm: SEAL_ALGORITHM,
    key_id: keyId(key),
    ciphertext: ciphertext.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    commitment: commitmentOf(recordId, salt, plaintext),
  };
}

/**
 * The payload padded with spaces (which JSON ignores) to a multiple of 1 KiB: GCM keeps the
 * length of what it encrypts, and the length of "0.885" against "0.8833333333333333" would
 * otherwise tell something of a sealed score.
 */
function padded(json: string): string {
  const block = 1024;
  return json.padEnd(Math.ceil((json.length + 1) / block) * block, ' ');
}

/** Decrypts and checks the commitment; throws when the key is not this seal's or anything was altered. */
export function unseal(recordId: string, sealed: Sealed, key: Buffer): Payload {
  if (sealed.algorithm !== SEAL_ALGORITHM) throw new SealError(`${recordId}: sealed with ${sealed.algorithm}, not ${SEAL_ALGORITHM}.`);
  if (sealed.key_id !== keyId(key))
    throw new SealError(`${recordId}: sealed with key ${sealed.key_id}, but the key given is ${keyId(key)}.`);
  let payload: Payload;
  try {
    const decipher = createDecipheriv(SEAL_ALGORITHM, key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(recordId, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const text = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
    payload = JSON.parse(text) as Payload;
  } catch {
    throw new SealError(`${recordId}: the sealed scores do not decrypt: they were altered, or belong to another record.`);
  }
  verifyCommitment(recordId, sealed.commitment, payload.salt, payload.scores);
  return payload;
}

/** Checks revealed scores against the commitment in the record; needs no key. */
export function verifyCommitment(recordId: string, commitment: string, salt: string, scores: ScoreMap): void {
  const want = Buffer.from(commitment, 'hex');
  const got = Buffer.from(commitmentOf(recordId, salt, JSON.stringify(scores)), 'hex');
  if (want.length !== got.length || !timingSafeEqual(want, got))
    throw new SealError(`${recordId}: the revealed scores do not match the commitment published with the record.`);
}

export function isSealed(v: unknown): v is Sealed {
  return !!v && typeof v === 'object' && typeof (v as Sealed).ciphertext === 'string' && typeof (v as Sealed).commitment === 'string';
}

/**
 * The id a record's exact public scores are sealed under (with the Ladder): the record's own id
 * would let their box and the private part's be swapped without the decryption noticing.
 */
export function exactSealId(recordId: string): string {
  return `${recordId}#exact`;
}

/** Where a phase's reveal lives, on the results branch and on the site. */
export function revealPath(phase: string): string {
  return `reveals/${phase}.json`;
}

/** A phase's revealed private scores: what `podium reveal` publishes as reveals/<phase>.json. */
export interface Reveal {
  schema: 'podium-reveal/1';
  competition: string;
  phase: string;
  revealed_at: string;
  key_id: string;
  /** The private part's scores of every record that sealed them. */
  records: RevealedScores[];
  /** With the Ladder: the exact public scores of every record that sealed them. */
  exact?: RevealedScores[];
}

export interface RevealedScores {
  id: string;
  salt: string;
  scores: ScoreMap;
}

/** The two kinds of sealed box a record can hold, and the id each is sealed under. */
const BOXES = [
  { list: 'records', field: 'private', sealId: (id: string) => id, what: 'sealed', none: 'no sealed record has this id' },
  {
    list: 'exact',
    field: 'exact',
    sealId: exactSealId,
    what: 'exact public scores sealed',
    none: 'no record sealed exact public scores under this id',
  },
] as const;

/**
 * A record's sealed box, on the official board only: a post-challenge record's boxes stay sealed,
 * outside the phase's reveal, which is published once and must keep checking whatever is
 * submitted after it.
 */
function boxOf(r: ResultRecord, field: 'private' | 'exact'): Sealed | undefined {
  if (r.status !== 'scored' || !isOfficial(r)) return undefined;
  const v = r.scores[field];
  return isSealed(v) ? v : undefined;
}

/** Opens every sealed box of a phase's records with the key. */
export function revealPhase(competition: string, phase: string, records: readonly ResultRecord[], key: Buffer, now: Date): Reveal {
  const out: Reveal = { schema: 'podium-reveal/1', competition, phase, revealed_at: now.toISOString(), key_id: keyId(key), records: [] };
  for (const box of BOXES) {
    const opened: RevealedScores[] = [];
    for (const r of records) {
      const sealed = r.phase === phase ? boxOf(r, box.field) : undefined;
      if (!sealed) continue;
      const { salt, scores } = unseal(box.sealId(r.id), sealed, key);
      opened.push({ id: r.id, salt, scores });
    }
    if (box.list === 'records') out.records = opened;
    else if (opened.length > 0) out.exact = opened;
  }
  return out;
}

/**
 * The part of a reveal that opens the given records' boxes (a task's, in a competition with
 * tasks): each entry as published, so each still checks against its record's commitment.
 */
export function revealOf(reveal: Reveal, ids: ReadonlySet<string>): Reveal {
  const { exact, ...rest } = reveal;
  const opened = exact?.filter((x) => ids.has(x.id));
  return { ...rest, records: reveal.records.filter((x) => ids.has(x.id)), ...(opened && opened.length > 0 ? { exact: opened } : {}) };
}

/**
 * Anyone's check of a published reveal against the records: every sealed box of the phase is
 * in it, and every revealed score matches its record's commitment. Returns the problems.
 */
export function checkReveal(reveal: Reveal, records: readonly ResultRecord[]): string[] {
  const problems: string[] = [];
  for (const box of BOXES) {
    const byId = new Map((reveal[box.list] ?? []).map((x) => [x.id, x]));
    for (const r of records) {
      const sealed = r.phase === reveal.phase ? boxOf(r, box.field) : undefined;
      if (!sealed) continue;
      const x = byId.get(r.id);
      if (!x) {
        problems.push(`${r.id}: ${box.what}, but missing from the reveal.`);
        continue;
      }
      byId.delete(r.id);
      try {
        verifyCommitment(box.sealId(r.id), sealed.commitment, x.salt, x.scores);
      } catch (e: unknown) {
        problems.push(e instanceof Error ? e.message : String(e));
      }
    }
    for (const id of byId.keys()) problems.push(`${id}: in the reveal, but ${box.none}.`);
  }
  return problems;
}
