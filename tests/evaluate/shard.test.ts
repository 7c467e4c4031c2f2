import { createServer, type Server } from 'node:http';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { evaluateShard, evaluateSubmission, mergeShards } from '../../runner/src/evaluate/evaluate.js';
import { unitColumn } from '../../runner/src/scoring/spec.js';
import { inShard, parseShard, parseShardFile, shardInputs, shardOf, type ShardFile } from '../../runner/src/evaluate/shard.js';
import { checkRecord } from '../../runner/src/results/record.js';
import type { ResultRecord } from '../../runner/src/results/schema.js';
import { BASE_IMAGE, engineAvailable, ensureBaseImage } from '../../scripts/busybox-image.js';
import { argv } from '../helpers/argv.js';
import { exampleCompetition, runCli } from '../helpers/competition.js';
import { readWithCsvParse } from '../helpers/csv-oracle.js';
import { useTempDirs } from '../helpers/temp.js';
import { requireTool } from '../helpers/tools.js';

const temp = useTempDirs();
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
const COMMIT = 'c'.repeat(40);

describe('shard assignment', () => {
  it('spreads ids evenly, by a hash that does not change', () => {
    // Fixed values, computed by an independent FNV-1a (32-bit) in Python: a change here would
    // split ids differently between runner versions.
    expect([shardOf('seg-0001', 4), shardOf('seg-0002', 4), shardOf('', 4), shardOf('é', 7), shardOf('hello', 1000)]).toEqual([
      3, 4, 2, 3, 724,
    ]);
    expect(shardOf('a', 1)).toBe(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(`id-${i}`, 4) - 1]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });

  it('puts every id in exactly one shard', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer({ min: 1, max: 200 }), (id, count) => {
        const s = shardOf(id, count);
        expect(Number.isInteger(s) && s >= 1 && s <= count).toBe(true);
        const holders = Array.from({ length: count }, (_, k) => k + 1).filter((index) => inShard(id, { index, count }));
        expect(holders).toEqual([s]);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('splits a CSV table so that csv-parse reads each row back from exactly one shard', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', '7', ' ', ',', '"', '\n', '\r\n', '\r', 'é', '🙂'), maxLength: 10 });
    const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const tables = fc.record({
      rows: fc.array(fc.tuple(text, text), { maxLength: 30 }),
      count: fc.integer({ min: 1, max: 4 }),
      eol: fc.constantFrom('\n', '\r\n'),
    });
    const root = await temp();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(tables, async ({ rows, count, eol }) => {
        const from = path.join(root, `from-${++run}`);
        await mkdir(from);
        await writeFile(path.join(from, 'test.csv'), ['id,text', ...rows.map((r) => r.map(quote).join(','))].join(eol) + eol);
        // Podium reads inputs as keys: blanks around a value are not part of it.
        const want = rows.map((r) => r.map((v) => v.trim()));
        const seen: string[][] = [];
        for (let index = 1; index <= count; index++) {
          const to = path.join(root, `to-${run}-${index}`);
          await shardInputs(from, to, 'id', { index, count });
          const read = readWithCsvParse(await readFile(path.join(to, 'test.csv'), 'utf8'));
          expect(read.header).toEqual(['id', 'text']);
          for (const row of read.rows) expect(inShard(row[0]!, { index, count }), row[0]).toBe(true);
          seen.push(...read.rows);
        }
        const order = (xs: string[][]) => xs.map((x) => JSON.stringify(x)).sort();
        expect(order(seen)).toEqual(order(want));
      }),
      { seed: 42, numRuns: 25 },
    );
  });

  it('splits retrieval inputs by query: each shard gets its topics and the whole collection', async () => {
    const from = await temp();
    const topics = ['query,text', ...Array.from({ length: 40 }, (_, i) => `q${i},topic ${i}`)].join('\n') + '\n';
    const collection = ['doc,text', ...Array.from({ length: 30 }, (_, i) => `d${i},caption ${i}`)].join('\n') + '\n';
    await writeFile(path.join(from, 'topics.csv'), topics);
    await writeFile(path.join(from, 'collection.csv'), collection);
    const column = unitColumn({ id: 'doc', query: 'query', reads: new Set(['ranking']) });
    expect(column).toBe('query');
    const seen: string[] = [];
    for (const index of [1, 2, 3]) {
      const to = path.join(await temp(), 'in');
      await shardInputs(from, to, column, { index, count: 3 });
      expect(await readFile(path.join(to, 'collection.csv'), 'utf8')).toBe(collection);
      seen.push(...(await readFile(path.join(to, 'topics.csv'), 'utf8')).trim().split('\n').slice(1));
    }
    expect(seen.sort()).toEqual(topics.trim().split('\n').slice(1).sort());
    // Control: split by the document column, the topics table has no such column and is not split by query.
    expect(unitColumn({ id: 'doc', reads: new Set(['label']) })).toBe('doc');
  });

  it('reads I/N and refuses anything else', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '2', 'a/b', '1/0', '-1/2']) expect(parseShard(bad)).toBeUndefined();
  });

  it('splits an inputs folder: tables by row, per-item files by name, the rest copied whole', async () => {
    const root = await temp();
    const tables = path.join(root, 'tables');
    await mkdir(tables);
    const ids = Array.from({ length: 40 }, (_, i) => `x${i}`);
    await writeFile(path.join(tables, 'test.csv'), `id,text\n${ids.map((id) => `${id},"a, ""quoted"" ${id}"`).join('\n')}\n`);
    await writeFile(path.join(tables, 'meta.jsonl'), ids.map((id) => JSON.stringify({ id, n: 1.5 })).join('\n') + '\n');
    await writeFile(path.join(tables, 'vocab.txt'), 'shared\n');
    const items = path.join(root, 'items');
    await mkdir(items);
    for (const id of ids) await writeFile(path.join(items, `${id}.wav`), id);
    const seenCsv: string[] = [];
    const seenJsonl: string[] = [];
    const seenItems: string[] = [];
    for (let k = 1; k <= 4; k++) {
      const shard = { index: k, count: 4 };
      const t = path.join(root, `t${k}`);
      await shardInputs(tables, t, 'id', shard);
      const csv = (await readFile(path.join(t, 'test.csv'), 'utf8')).trim().split('\n');
      expect(csv[0]).toBe('id,text');
      for (const line of csv.slice(1)) {
        const id = line.split(',')[0]!;
        expect(inShard(id, shard)).toBe(true);
        expect(line).toBe(`${id},"a, ""quoted"" ${id}"`);
        seenCsv.push(id);
      }
      for (const line of (await readFile(path.join(t, 'meta.jsonl'), 'utf8')).trim().split('\n').filter(Boolean)) {
        // Rows are kept byte for byte: numbers stay numbers.
        expect(line).toMatch(/"n":1\.5/);
        seenJsonl.push((JSON.parse(line) as { id: string }).id);
      }
      expect(await readFile(path.join(t, 'vocab.txt'), 'utf8')).toBe('shared\n');
      const i = path.join(root, `i${k}`);
      await shardInputs(items, i, 'id', shard);
      seenItems.push(...(await readdir(i)).map((f) => f.replace('.wav', '')));
    }
    for (const seen of [seenCsv, seenJsonl, seenItems]) expect([...seen].sort()).toEqual([...ids].sort());
  });
});

/** The example competition taking API submissions, and a participant system that answers from the baseline. */
async function apiSetup() {
  const root = await temp();
  const ex = await exampleCompetition(root, {
    edit: (y) =>
      y
        .replace(/kinds: \[.*\]/, 'kinds: [predictions, api, container]')
        .replace(
          'leaderboard:',
          `api:\n  inputs: test.csv\n  inputs_from: public\n  batch_size: 25\n  allow_http: true\n  allow_hosts: ['127.0.0.1']\nruntime:\n  timeout_seconds: 20\n  memory_mb: 64\n  base_images: [${BASE_IMAGE}]\nleaderboard:`,
        ),
  });
  const answers = await ex.baselineAnswers();
  const asked: string[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as { items: { id: string }[] };
      asked.push(...body.items.map((i) => i.id));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ predictions: body.items.map((i) => ({ id: i.id, label: answers.get(i.id) })) }));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const dir = await ex.submit('t', 'api', {
    'submission.yml': `team: t\nname: api\nkind: api\nendpoint: http://127.0.0.1:${port}/predict\n`,
  });
  return { ex, dir, asked, answers };
}

function scoresOf(r: ResultRecord) {
  if (r.status !== 'scored') throw new Error(`${r.status}: ${r.error.message}`);
  return r.scores;
}

describe('a sharded evaluation', () => {
  it('API submission, 4 shards through the CLI: each shard asks only its ids, and the merge scores exactly as one run', async () => {
    const { ex, dir, asked, answers } = await apiSetup();
    const whole = await evaluateSubmission({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir, commit: COMMIT });
    asked.length = 0;
    const parts: string[] = [];
    for (let k = 1; k <= 4; k++) {
      const out = path.join(ex.dir, '..', `part-${k}.json`);
      const before = asked.length;
      const r = await runCli(ex.dir, [
        'evaluate',
        ...argv({ competition: '.', hidden: ex.hidden, commit: COMMIT, shard: `${k}/4`, out }, dir),
      ]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`shard ${k}/4`);
      for (const id of asked.slice(before)) expect(inShard(id, { index: k, count: 4 })).toBe(true);
      parts.push(out);
    }
    expect([...asked].sort()).toEqual([...answers.keys()].sort());
    const out = path.join(ex.dir, '..', 'merged.json');
    const m = await runCli(ex.dir, [
      'merge',
      ...argv({ competition: '.', hidden: ex.hidden, commit: COMMIT, submission: dir, out }, ...parts.reverse()),
    ]);
    expect(m.code, m.err).toBe(0);
    const merged = JSON.parse(await readFile(out, 'utf8')) as ResultRecord;
    expect(checkRecord(merged).ok).toBe(true);
    expect(merged.id).toBe(whole.id);
    expect(scoresOf(merged)).toEqual(scoresOf(whole));
    expect(merged.resources!.requests).toBeGreaterThanOrEqual(4);
  });

  it('refuses to merge a missing, repeated or foreign shard, and says which', async () => {
    const { ex, dir } = await apiSetup();
    const opts = { competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir, commit: COMMIT };
    const parts: ShardFile[] = [];
    for (let k = 1; k <= 3; k++) parts.push(await evaluateShard(opts, { index: k, count: 3 }));
    await expect(mergeShards(opts, parts.slice(0, 2))).rejects.toThrow(/shard\(s\) 3\/3 missing/);
    await expect(mergeShards(opts, [...parts, parts[0]!])).rejects.toThrow(/shard 1\/3 is given twice/);
    await expect(mergeShards(opts, [parts[0]!, parts[1]!, { ...parts[2]!, submission_hash: `sha256:${'0'.repeat(64)}` }])).rejects.toThrow(
      /shard 3\/3 was run on other files/,
    );
    await expect(mergeShards({ ...opts, commit: 'd'.repeat(40) }, parts)).rejects.toThrow(/is of commit c+, not d+/);
    // A shard file that went through JSON is read back the same; a stranger's file is refused.
    expect(parseShardFile('p.json', JSON.stringify(parts[0]))).toEqual(parts[0]);
    expect(() => parseShardFile('x.json', '{"schema":"other"}')).toThrow(/not a shard file/);
    // A shard that failed fails the merged record, saying which shard.
    const failed = await mergeShards(opts, [
      parts[0]!,
      parts[1]!,
      {
        ...parts[2]!,
        status: 'failed',
        predictions: undefined,
        error: { code: 'endpoint-failed', message: 'the endpoint failed: timeout' },
      } as ShardFile,
    ]);
    expect(failed.status).toBe('failed');
    if (failed.status === 'failed') expect(failed.error.message).toBe('shard 3/3: the endpoint failed: timeout');
  });

  it('refuses to shard a predictions submission: nothing runs', async () => {
    const root = await temp();
    const ex = await exampleCompetition(root);
    const dir = path.join(ex.dir, 'submissions', 'baseline', 'nearest-centroid');
    const part = await evaluateShard({ competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir }, { index: 1, count: 2 });
    expect(part.status).toBe('rejected');
    expect(part.error?.code).toBe('shard-not-supported');
  });
});

const engine = requireTool('a Docker engine', await engineAvailable());
describe.skipIf(!engine)('a sharded container evaluation on the real engine', () => {
  beforeAll(async () => {
    await ensureBaseImage();
  }, 120_000);

  it('4 shards, each container sees only its rows; merged scores equal the unsharded run', async () => {
    const { ex } = await apiSetup();
    const predict = `awk -F, 'NR==1{print "id,label"; next} {print $1 "," ($2 > -21 ? "music" : "speech")}' /input/test.csv > /output/predictions.csv`;
    const dir = await ex.submit('t', 'box', {
      'submission.yml': 'team: t\nname: box\nkind: container\nbuild: .\n',
      Dockerfile: `FROM ${BASE_IMAGE}\nCOPY run.sh /run.sh\nCMD ["/bin/sh", "/run.sh"]\n`,
      'run.sh': `${predict}\n`,
    });
    const opts = { competition: ex.competition, hiddenDir: ex.hidden, submissionDir: dir, commit: COMMIT };
    const whole = await evaluateSubmission(opts);
    const parts: ShardFile[] = [];
    for (let k = 1; k <= 4; k++) {
      const p = await evaluateShard(opts, { index: k, count: 4 });
      expect(p.status, p.error?.message).toBe('predicted');
      const ids = p
        .predictions!.text.trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[0]!);
      for (const id of ids) expect(inShard(id, { index: k, count: 4 })).toBe(true);
      parts.push(p);
    }
    const merged = await mergeShards(opts, parts);
    expect(scoresOf(merged)).toEqual(scoresOf(whole));
    expect(merged.provenance.image_digest).toBe(whole.provenance.image_digest);
  });
});
