import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { csvField } from '../format/csv.js';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { readInputs } from '../sandbox/api/inputs.js';
import { formatOf } from '../scoring/table.js';

/**
 * Sharding: one evaluation split over N runners. Every id belongs to exactly one shard, by a
 * fixed hash of the id, so shards need no list of ids and no coordination; each shard runs the
 * submission on its share of the inputs and keeps the predictions, and `podium merge` joins
 * them and scores the whole, which gives exactly the scores of one unsharded run.
 */
export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 1 && count <= 1000 && index >= 1 && index <= count ? { index, count } : undefined;
}

/** FNV-1a over the id's UTF-8 bytes: stable across machines, Node versions and runs. */
export function shardOf(id: string, count: number): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(id, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % count) + 1;
}

export function inShard(id: string, shard: Shard): boolean {
  return shardOf(id, shard.count) === shard.index;
}

/** Rows of a CSV or JSON Lines table whose id is in the shard; JSON Lines rows are kept byte for byte. */
async function filterTable(from: string, to: string, idColumn: string, shard: Shard): Promise<boolean> {
  const format = formatOf(from);
  if (format === 'jsonl') {
    const lines = (await readFile(from, 'utf8')).split('\n');
    const kept: string[] = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        return false;
      }
      const id = (row as Record<string, unknown>)[idColumn];
      if (id === undefined) return false;
      if (inShard(String(id), shard)) kept.push(line);
    }
    await writeFile(to, kept.length ? `${kept.join('\n')}\n` : '');
    return true;
  }
  let rows: Record<string, string>[];
  try {
    rows = await readInputs(from);
  } catch {
    return false;
  }
  const header =
    rows.length > 0
      ? Object.keys(rows[0]!)
      : (await readFile(from, 'utf8'))
          .split(/\r?\n/)[0]!
          .replace(/^\uFEFF/, '')
          .split(',');
  if (!header.includes(idColumn)) return false;
  const body = rows.filter((r) => inShard(r[idColumn] ?? '', shard)).map((r) => header.map((h) => csvField(r[h] ?? '')).join(','));
  await writeFile(to, `${header.map(csvField).join(',')}\n${body.map((b) => `${b}\n`).join('')}`);
  return true;
}

/**
 * A copy of a container's inputs folder holding the shard's share: tables (CSV, JSON Lines)
 * with the id column keep the shard's rows. When the folder has no such table, its top-level
 * files are taken as one item each, named by id (`<id>.<ext>`), and kept by the stem's shard.
 * Everything else (a vocabulary, a config) is copied whole.
 */
export async function shardInputs(from: string, to: string, idColumn: string, shard: Shard): Promise<void> {
  await mkdir(to, { recursive: true });
  const entries = await readdir(from, { withFileTypes: true, recursive: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.relative(from, path.join(e.parentPath, e.name)));
  const tables = new Set<string>();
  for (const rel of files) {
    if (!/\.(csv|jsonl|ndjson)$/i.test(rel)) continue;
    await mkdir(path.dirname(path.join(to, rel)), { recursive: true });
    if (await filterTable(path.join(from, rel), path.join(to, rel), idColumn, shard)) tables.add(rel);
  }
  for (const rel of files) {
    if (tables.has(rel)) continue;
    const perItem = tables.size === 0 && !rel.includes(path.sep);
    if (perItem && !inShard(rel.replace(/\.[^.]*$/, ''), shard)) continue;
    await mkdir(path.dirname(path.join(to, rel)), { recursive: true });
    await copyFile(path.join(from, rel), path.join(to, rel));
  }
}

const ErrorShape = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    problems: Type.Optional(Type.Array(Type.Unknown())),
    platform_fault: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** What one shard hands to `podium merge`. */
export const ShardFileSchema = Type.Object(
  {
    schema: Type.Literal('podium-shard/1'),
    competition: Type.String(),
    phase: Type.String(),
    team: Type.String(),
    name: Type.String(),
    submission_hash: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }),
    commit: Type.Optional(Type.String({ pattern: '^[0-9a-f]{40}$' })),
    shard: Type.Object({ index: Type.Integer({ minimum: 1 }), count: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    created_at: Type.String({ format: 'date-time' }),
    status: Type.Union([Type.Literal('predicted'), Type.Literal('failed'), Type.Literal('rejected')]),
    items: Type.Integer({ minimum: 0, description: 'test items in this shard' }),
    predictions: Type.Optional(
      Type.Object(
        {
          file: Type.String(),
          format: Type.Union([Type.Literal('csv'), Type.Literal('jsonl'), Type.Literal('trec')]),
          text: Type.String(),
        },
        { additionalProperties: false },
      ),
    ),
    error: Type.Optional(ErrorShape),
    resources: Type.Record(Type.String(), Type.Unknown()),
    provenance: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type ShardFile = Static<typeof ShardFileSchema>;

let check: (((v: unknown) => boolean) & { errors?: unknown }) | undefined;

export function parseShardFile(name: string, text: string): ShardFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${name} is not JSON; give the files that podium evaluate --shard wrote.`);
  }
  if (!check) {
    const ajv = new Ajv({ strict: false });
    addFormats.default(ajv);
    check = ajv.compile(ShardFileSchema);
  }
  if (!check(value)) throw new Error(`${name} is not a shard file of this Podium version (schema podium-shard/1).`);
  return value as ShardFile;
}
