import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadCompetition, type Competition } from '../../runner/src/competition/load.js';
import { seededRandom } from '../../runner/src/example/data.js';

/** One query of a made-up retrieval test set: its judgements and a system's ranked list. */
export interface Topic {
  query: string;
  domain: string;
  /** Judged documents and their grades (0 = judged not relevant). */
  judged: [doc: string, grade: number][];
  /** The system's documents and scores, some unjudged, some scores tied. */
  run: [doc: string, score: number][];
}

/** Topics with graded judgements, unjudged retrieved documents and tied scores. */
export function randomTopics(seed: number, count: number, { docs = 30, judged = 12, retrieved = 15 } = {}): Topic[] {
  const r = seededRandom(seed);
  const topics: Topic[] = [];
  for (let q = 0; q < count; q++) {
    const pool = Array.from({ length: docs }, (_, i) => `d${i}`).sort(() => r() - 0.5);
    const j: [string, number][] = pool.slice(0, judged).map((d) => [d, Math.floor(r() * 4)]);
    // Each query has at least one relevant document, so every measure is defined on it.
    if (!j.some(([, g]) => g > 0)) j[0]![1] = 2;
    const ranked = [...pool].sort(() => r() - 0.5).slice(0, retrieved);
    topics.push({
      query: `q${q}`,
      domain: q % 3 === 0 ? 'news' : 'sport',
      judged: j,
      run: ranked.map((d) => [d, Math.round(r() * 8) / 8]),
    });
  }
  return topics;
}

export const qrelsCsv = (topics: readonly Topic[]): string =>
  ['query,doc,grade,domain', ...topics.flatMap((t) => t.judged.map(([d, g]) => `${t.query},${d},${g},${t.domain}`))].join('\n') + '\n';

export const runCsv = (topics: readonly Topic[]): string =>
  ['query,doc,score', ...topics.flatMap((t) => t.run.map(([d, s]) => `${t.query},${d},${s}`))].join('\n') + '\n';

export interface RetrievalCompetition {
  dir: string;
  hidden: string;
  competition: Competition;
  /** Writes a predictions submission with this run; returns its folder. */
  submit(team: string, name: string, run: string): Promise<string>;
}

/** A retrieval competition (captions ranked per image query) with the topics as hidden truth. */
export async function retrievalCompetition(
  root: string,
  topics: readonly Topic[],
  /** More lines for the data section and for the end of competition.yml; files for the public folder. */
  { data = '', extra = '', publicFiles = {} }: { data?: string; extra?: string; publicFiles?: Record<string, string> } = {},
): Promise<RetrievalCompetition> {
  const dir = path.join(root, 'competition');
  const hidden = path.join(root, 'hidden');
  await mkdir(path.join(dir, 'data', 'public'), { recursive: true });
  await mkdir(path.join(dir, 'submissions'), { recursive: true });
  await mkdir(hidden, { recursive: true });
  await writeFile(path.join(hidden, 'qrels.csv'), qrelsCsv(topics));
  for (const [name, text] of Object.entries(publicFiles)) await writeFile(path.join(dir, 'data', 'public', name), text);
  await writeFile(
    path.join(dir, 'competition.yml'),
    `version: 1
title: Caption retrieval
slug: caption-retrieval
description: Rank the captions for each image.
data:
  public: data/public
  hidden:
    env: PODIUM_HIDDEN_DIR
  truth: qrels.csv
  query_column: query
  id_column: doc
  target_column: grade
  score_column: score
${data}metrics:
  - name: ndcg@10
    primary: true
  - name: map@10
phases:
  - id: main
    name: Main phase
    start: 2026-01-01T00:00:00Z
    end: 2026-12-31T23:59:59Z
submissions:
  kinds: [predictions]
${extra}`,
  );
  const competition = await loadCompetition(dir);
  return {
    dir,
    hidden,
    competition,
    async submit(team, name, run) {
      const sub = path.join(dir, 'submissions', team, name);
      await mkdir(sub, { recursive: true });
      await writeFile(path.join(sub, 'submission.yml'), `team: ${team}\nname: ${name}\nkind: predictions\npredictions: run.csv\n`);
      await writeFile(path.join(sub, 'run.csv'), run);
      return sub;
    },
  };
}
