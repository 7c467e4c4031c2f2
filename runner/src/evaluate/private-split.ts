import { createHash } from 'node:crypto';
import type { Competition } from '../competition/load.js';
import { TruthError, unitColumn, type ScoringSpec } from '../scoring/spec.js';
import { sameWithinQueries } from '../scoring/truth.js';
import type { Table } from '../scoring/table.js';

/** Row numbers of the truth in its public and its private part. */
export interface Parts {
  public: Int32Array;
  private: Int32Array;
}

/** Whether a unit (an id, a query, an image) is in the private part: a seeded hash of it, below the fraction. */
export function inPrivatePart(seed: number, fraction: number, id: string): boolean {
  return createHash('sha256').update(`${seed}:${id}`).digest().readUInt32BE(0) / 2 ** 32 < fraction;
}

/**
 * The truth rows of the public and the private part, when competition.yml has a private part:
 * by a seeded hash of each id (`private.fraction`), or by a truth column (`private.split_column`).
 */
export function splitRows(c: Competition, truth: Table, spec: ScoringSpec): Parts | undefined {
  const p = c.config.private;
  if (!p) return undefined;
  if (p.split_column) {
    const col = truth.columns.get(p.split_column);
    if (!col || col.kind !== 'category') throw new TruthError(`the truth has no column "${p.split_column}" (private.split_column)`);
    if (spec.query && spec.reads.has('ranking')) sameWithinQueries(truth, spec.query, p.split_column);
    // A text's references (rows of one id) go to the same part.
    if (spec.reads.has('text')) sameWithinQueries(truth, spec.id, p.split_column, 'id');
    return splitUnits(p, truth.n, () => '', { name: `the truth column "${p.split_column}"`, valueOf: (i) => col.values[col.codes[i]!]! });
  }
  // Retrieval is split by query: all of a query's judgements go to the same part.
  const by = unitColumn(spec);
  const ids = truth.columns.get(by);
  if (!ids || ids.kind !== 'key') throw new TruthError(`the truth has no column "${by}"`);
  return splitUnits(p, truth.n, (i) => ids.keys.get(i));
}

/**
 * Units 0 … n-1 (rows, images) in the public and the private part: by the split field's value
 * of each ("public" or "private"), or by a seeded hash of each unit's id (rows of one id go
 * to the same part).
 */
export function splitUnits(
  p: NonNullable<Competition['config']['private']>,
  n: number,
  idOf: (i: number) => string,
  field?: { name: string; valueOf: (i: number) => string },
): Parts {
  const pub: number[] = [];
  const priv: number[] = [];
  if (field) {
    const bad = new Set<string>();
    for (let i = 0; i < n; i++) {
      const v = field.valueOf(i);
      if (v !== 'public' && v !== 'private') bad.add(v);
      (v === 'private' ? priv : pub).push(i);
    }
    if (bad.size > 0)
      throw new TruthError(`${field.name} holds ${[...bad].map((b) => `"${b}"`).join(', ')}; only "public" and "private" are allowed`);
  } else {
    const seed = p.seed ?? 1;
    const side = new Map<string, boolean>();
    for (let i = 0; i < n; i++) {
      const id = idOf(i);
      let isPrivate = side.get(id);
      if (isPrivate === undefined) side.set(id, (isPrivate = inPrivatePart(seed, p.fraction!, id)));
      (isPrivate ? priv : pub).push(i);
    }
  }
  if (pub.length === 0 || priv.length === 0)
    throw new TruthError(
      `the split leaves the ${pub.length === 0 ? 'public' : 'private'} part empty; change private.fraction or the split column`,
    );
  return { public: Int32Array.from(pub), private: Int32Array.from(priv) };
}
