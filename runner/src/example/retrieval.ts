import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seededRandom, toCsv } from './data.js';

/**
 * The retrieval example: search a broadcast archive. Segment descriptions (the documents) are
 * drawn from topics' words, queries are a few words of one topic, and the graded judgements
 * (qrels) follow from how each segment was made: 2 for a segment about the query's topic that
 * has its words, 1 for one that is about it less, 0 for a judged segment that is not. The data
 * is synthetic and seeded, so every machine generates the same files; the baseline is a real
 * (if small) ranker, TF-IDF word overlap.
 */

// Topics share some words (a crowd at a match and at a parade), so words alone mislead.
const TOPICS: Record<string, readonly string[]> = {
  election: ['election', 'vote', 'ballot', 'candidate', 'poll', 'campaign', 'minister'],
  football: ['football', 'goal', 'match', 'striker', 'league', 'crowd', 'stadium'],
  weather: ['weather', 'storm', 'rain', 'forecast', 'wind', 'flood', 'field'],
  concert: ['concert', 'orchestra', 'music', 'conductor', 'violin', 'stage', 'crowd'],
  harvest: ['harvest', 'farm', 'wheat', 'tractor', 'crop', 'field', 'rain'],
  space: ['rocket', 'launch', 'orbit', 'satellite', 'astronaut', 'mission', 'stage'],
  budget: ['budget', 'tax', 'minister', 'spending', 'deficit', 'parliament', 'vote'],
  festival: ['festival', 'parade', 'costume', 'fireworks', 'crowd', 'music', 'stadium'],
};
const FILLER = [
  'today',
  'report',
  'news',
  'studio',
  'interview',
  'evening',
  'people',
  'city',
  'live',
  'morning',
  'local',
  'again',
  'goal',
  'launch',
  'record',
  'storm',
  'campaign',
  'match',
  'stage',
  'field',
];
const TOPIC_NAMES = Object.keys(TOPICS);

export interface RetrievalExample {
  documents: { doc: string; text: string }[];
  queries: { query: string; text: string }[];
  /** Judged (query, document, grade) triples. */
  qrels: [query: string, doc: string, grade: number][];
}

export function retrievalExample(seed = 2026): RetrievalExample {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const documents: { doc: string; text: string; main: string; second: string | undefined; words: Set<string> }[] = [];
  for (let i = 0; i < 240; i++) {
    const main = pick(TOPIC_NAMES);
    const second = r() < 0.35 ? pick(TOPIC_NAMES.filter((t) => t !== main)) : undefined;
    const words: string[] = [];
    for (let w = 0; w < 10; w++) {
      const x = r();
      words.push(x < 0.25 ? pick(TOPICS[main]!) : second && x < 0.4 ? pick(TOPICS[second]!) : pick(FILLER));
    }
    documents.push({ doc: `seg-${String(i + 1).padStart(4, '0')}`, text: words.join(' '), main, second, words: new Set(words) });
  }
  const queries: { query: string; text: string; topic: string }[] = [];
  for (let q = 0; q < 24; q++) {
    const topic = TOPIC_NAMES[q % TOPIC_NAMES.length]!;
    const words = new Set<string>();
    while (words.size < 2) words.add(pick(TOPICS[topic]!));
    queries.push({ query: `q${String(q + 1).padStart(2, '0')}`, text: [...words].join(' '), topic });
  }
  const qrels: [string, string, number][] = [];
  for (const q of queries) {
    const terms = q.text.split(' ');
    for (const d of documents) {
      const shared = terms.filter((t) => d.words.has(t)).length;
      let grade = -1;
      // Relevance is about the topic, not the words: a segment about it may use none of them.
      if (d.main === q.topic) grade = 2;
      else if (d.second === q.topic) grade = 1;
      else if (shared > 0 || r() < 0.05) grade = 0; // judged from the pool, not relevant
      if (grade >= 0) qrels.push([q.query, d.doc, grade]);
    }
  }
  return {
    documents: documents.map(({ doc, text }) => ({ doc, text })),
    queries: queries.map(({ query, text }) => ({ query, text })),
    qrels,
  };
}

/** TF-IDF word overlap: each query's documents by the summed weight of its words, the best `depth`. */
export function tfidfRanker(ex: RetrievalExample, depth = 100): [query: string, doc: string, score: number][] {
  const df = new Map<string, number>();
  const bags = ex.documents.map((d) => {
    const bag = new Map<string, number>();
    for (const w of d.text.split(' ')) bag.set(w, (bag.get(w) ?? 0) + 1);
    for (const w of bag.keys()) df.set(w, (df.get(w) ?? 0) + 1);
    return bag;
  });
  const n = ex.documents.length;
  const out: [string, string, number][] = [];
  for (const q of ex.queries) {
    const scored = ex.documents
      .map((d, i) => {
        let s = 0;
        for (const t of q.text.split(' ')) {
          const tf = bags[i]!.get(t) ?? 0;
          if (tf > 0) s += (1 + Math.log(tf)) * Math.log(n / df.get(t)!);
        }
        return { doc: d.doc, score: Math.round(s * 10000) / 10000 };
      })
      .filter((x) => x.score > 0)
      .sort((a, b) => b.score - a.score || (a.doc < b.doc ? -1 : 1))
      .slice(0, depth);
    for (const x of scored) out.push([q.query, x.doc, x.score]);
  }
  return out;
}

/**
 * The retrieval example's generated files in a competition made from
 * templates/examples/retrieval: the public documents and queries, the hidden qrels and inputs
 * (in `hidden`, outside the repository), and the organisers' baseline run. Returns the
 * submission's folder, relative to `dir`.
 */
export async function writeRetrievalExample(dir: string, hidden: string): Promise<string> {
  const ex = retrievalExample();
  const documents = toCsv(
    ['doc', 'text'],
    ex.documents.map((d) => [d.doc, d.text]),
  );
  const queries = toCsv(
    ['query', 'text'],
    ex.queries.map((q) => [q.query, q.text]),
  );
  const pub = path.join(dir, 'data', 'public');
  await mkdir(pub, { recursive: true });
  await writeFile(path.join(pub, 'documents.csv'), documents);
  await writeFile(path.join(pub, 'queries.csv'), queries);
  await mkdir(path.join(hidden, 'inputs'), { recursive: true });
  await writeFile(path.join(hidden, 'qrels.csv'), toCsv(['query', 'doc', 'grade'], ex.qrels));
  // What container submissions read at /input: the documents and queries, never the judgements.
  await writeFile(path.join(hidden, 'inputs', 'documents.csv'), documents);
  await writeFile(path.join(hidden, 'inputs', 'queries.csv'), queries);

  const sub = path.join(dir, 'submissions', 'baseline', 'tfidf');
  await mkdir(sub, { recursive: true });
  await writeFile(path.join(sub, 'run.csv'), toCsv(['query', 'doc', 'score'], tfidfRanker(ex)));
  await writeFile(
    path.join(sub, 'submission.yml'),
    [
      '# yaml-language-server: $schema=../../../.podium/schemas/submission.schema.json',
      'team: baseline',
      'name: tfidf',
      'kind: predictions',
      'predictions: run.csv',
      'description: >-',
      "  Organisers' baseline: rank each query's segments by the TF-IDF weight of the query",
      '  words they contain, and keep the best 100.',
      '',
    ].join('\n'),
  );
  return path.relative(dir, sub).split(path.sep).join('/');
}
