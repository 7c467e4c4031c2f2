import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seededRandom, toCsv } from './data.js';
import { submissionYml } from './submission.js';

/**
 * The retrieval example: find the programmes of a broadcast archive that answer a
 * researcher's query. Programmes are described by a title of topic words; each query asks for
 * one topic. Judgements are graded: 2 for a programme on the query's topic, 1 for one on a
 * neighbouring topic, 0 for one judged and found off the topic. The baseline ranks by the
 * words a title shares with the query, a real (if plain) method.
 */

const TOPICS: readonly (readonly string[])[] = [
  ['election', 'vote', 'parliament', 'campaign'],
  ['flood', 'river', 'rain', 'rescue'],
  ['football', 'league', 'goal', 'stadium'],
  ['orchestra', 'concert', 'symphony', 'conductor'],
  ['harvest', 'farm', 'wheat', 'tractor'],
  ['railway', 'train', 'station', 'strike'],
  ['volcano', 'eruption', 'ash', 'island'],
  ['museum', 'painting', 'exhibition', 'artist'],
  ['hospital', 'nurse', 'ward', 'surgery'],
  ['space', 'rocket', 'launch', 'orbit'],
  ['fishing', 'harbour', 'boat', 'catch'],
  ['school', 'teacher', 'exam', 'pupil'],
];
const FILLER = ['report', 'interview', 'special', 'evening', 'news', 'local', 'archive', 'feature', 'live', 'weekly'];
const FORMATS = ['documentary', 'bulletin', 'magazine', 'debate'];

export interface RetrievalExample {
  queries: { query: string; text: string; topic: number }[];
  documents: { doc: string; title: string; topic: number; format: string }[];
  /** query, doc, grade */
  qrels: [string, string, number][];
}

export function retrievalData(seed = 2027): RetrievalExample {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const documents: RetrievalExample['documents'] = [];
  for (let i = 0; i < 900; i++) {
    const topic = Math.floor(r() * TOPICS.length);
    // A title mostly of its topic's words, sometimes one of the next topic's, and filler.
    const words = [pick(TOPICS[topic]!), pick(TOPICS[topic]!), pick(FILLER)];
    if (r() < 0.3) words.push(pick(TOPICS[(topic + 1) % TOPICS.length]!));
    if (r() < 0.5) words.push(pick(FILLER));
    documents.push({ doc: `prog-${String(i + 1).padStart(4, '0')}`, title: shuffle(words, r).join(' '), topic, format: pick(FORMATS) });
  }
  const queries: RetrievalExample['queries'] = [];
  for (let q = 0; q < 36; q++) {
    const topic = q % TOPICS.length;
    const words = shuffle([...TOPICS[topic]!], r).slice(0, 2);
    queries.push({ query: `q${String(q + 1).padStart(3, '0')}`, text: words.join(' '), topic });
  }
  // Judged as a pool: the programmes on the topic and its neighbour, and as many off it.
  const qrels: [string, string, number][] = [];
  for (const q of queries) {
    const on = documents.filter((d) => d.topic === q.topic);
    const near = documents.filter((d) => d.topic === (q.topic + 1) % TOPICS.length).filter(() => r() < 0.4);
    const off = documents.filter((d) => d.topic !== q.topic && d.topic !== (q.topic + 1) % TOPICS.length).filter(() => r() < 0.04);
    for (const d of on) qrels.push([q.query, d.doc, r() < 0.85 ? 2 : 0]);
    for (const d of near) qrels.push([q.query, d.doc, r() < 0.5 ? 1 : 0]);
    for (const d of off) qrels.push([q.query, d.doc, 0]);
  }
  return { queries, documents, qrels };
}

function shuffle<T>(xs: T[], r: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Ranks every programme by the words its title shares with the query (ties by id), top 100. */
export function wordOverlapRun(data: RetrievalExample): [string, string, number][] {
  const run: [string, string, number][] = [];
  for (const q of data.queries) {
    const words = new Set(q.text.split(' '));
    const scored = data.documents
      .map((d) => ({ doc: d.doc, score: d.title.split(' ').filter((w) => words.has(w)).length }))
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score || (a.doc < b.doc ? -1 : 1))
      .slice(0, 100);
    for (const s of scored) run.push([q.query, s.doc, s.score]);
  }
  return run;
}

export async function writeRetrievalExample(dir: string, hidden: string): Promise<string> {
  const data = retrievalData();
  const pub = path.join(dir, 'data', 'public');
  await writeFile(
    path.join(pub, 'queries.csv'),
    toCsv(
      ['query', 'text'],
      data.queries.map((q) => [q.query, q.text]),
    ),
  );
  await writeFile(
    path.join(pub, 'documents.csv'),
    toCsv(
      ['doc', 'title', 'format'],
      data.documents.map((d) => [d.doc, d.title, d.format]),
    ),
  );
  await mkdir(hidden, { recursive: true });
  const topicOf = new Map(data.queries.map((q) => [q.query, q.topic < 6 ? 'news' : 'culture']));
  await writeFile(
    path.join(hidden, 'qrels.csv'),
    toCsv(
      ['query', 'doc', 'grade', 'desk'],
      data.qrels.map(([q, d, g]) => [q, d, g, topicOf.get(q)!]),
    ),
  );
  const sub = path.join(dir, 'submissions', 'baseline', 'word-overlap');
  await mkdir(sub, { recursive: true });
  await writeFile(path.join(sub, 'run.csv'), toCsv(['query', 'doc', 'score'], wordOverlapRun(data)));
  await writeFile(
    path.join(sub, 'submission.yml'),
    submissionYml('word-overlap', 'run.csv', [
      "Organisers' baseline: rank every programme by the number of words its title shares",
      'with the query; equal counts are ranked by programme id. The first 100 per query.',
    ]),
  );
  return path.relative(dir, sub).split(path.sep).join('/');
}
