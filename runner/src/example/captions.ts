import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seededRandom } from './data.js';
import { submissionYml } from './submission.js';

/**
 * The captions example: describe short video clips in one English sentence, as video-to-text
 * campaigns do. Each clip is a scene (who, doing what, where); three annotators described it
 * in their own words, so the truth holds three reference captions per clip, one per row. The
 * public test file gives, per clip, the tags a visual tagger found (some wrong, some missing);
 * the baseline writes one sentence from the tags with a fixed template.
 */

const WHO = [
  ['man', 'a man', 'a person', 'a guy'],
  ['woman', 'a woman', 'a lady', 'a person'],
  ['child', 'a child', 'a kid', 'a young boy'],
  ['dog', 'a dog', 'a puppy', 'a brown dog'],
  ['reporter', 'a reporter', 'a journalist', 'a news reporter'],
  ['crowd', 'a crowd', 'many people', 'a group of people'],
] as const;
const DOING = [
  ['running', 'is running', 'runs', 'is jogging'],
  ['talking', 'is talking', 'speaks', 'is speaking'],
  ['cooking', 'is cooking', 'prepares food', 'is making a meal'],
  ['dancing', 'is dancing', 'dances', 'is moving to music'],
  ['singing', 'is singing', 'sings', 'is performing a song'],
  ['playing', 'is playing', 'plays', 'is having fun'],
] as const;
const WHERE = [
  ['kitchen', 'in a kitchen', 'in the kitchen', 'at home in a kitchen'],
  ['street', 'on a street', 'in the street', 'outside on a road'],
  ['stage', 'on a stage', 'on stage', 'in front of an audience'],
  ['park', 'in a park', 'in the park', 'on the grass outside'],
  ['studio', 'in a studio', 'in a tv studio', 'in front of cameras'],
  ['beach', 'on a beach', 'at the beach', 'by the sea'],
] as const;

export interface CaptionClip {
  id: string;
  /** The tags a visual tagger found, space-separated. */
  tags: string;
  /** Three reference captions. */
  references: string[];
  /** Where the clip comes from: a slice of the test set. */
  source: string;
}

const SOURCES = ['news', 'user-video', 'film'];

export function captionsData(seed = 2029, count = 240): CaptionClip[] {
  const r = seededRandom(seed);
  const pick = (n: number) => Math.floor(r() * n);
  const clips: CaptionClip[] = [];
  for (let i = 0; i < count; i++) {
    const [w, d, p] = [WHO[pick(WHO.length)]!, DOING[pick(DOING.length)]!, WHERE[pick(WHERE.length)]!];
    // Each annotator picks their own words for each part.
    const references = [0, 1, 2].map(() => `${w[1 + pick(3)]} ${d[1 + pick(3)]} ${p[1 + pick(3)]}`);
    // The tagger misses a part now and then, and now and then names a wrong one.
    const tags = [w, d, p]
      .map((part, k) => {
        const roll = r();
        if (roll < 0.1) return '';
        if (roll < 0.25) return [WHO, DOING, WHERE][k]![pick(6)]![0];
        return part[0];
      })
      .filter((t) => t !== '');
    clips.push({ id: `clip-${String(i + 1).padStart(4, '0')}`, tags: tags.join(' '), references, source: SOURCES[i % SOURCES.length]! });
  }
  return clips;
}

/** One sentence from the tags: "a <who> is <doing> in the <where>", with what is missing left out. */
export function templateCaption(tags: string): string {
  const words = new Set(tags.split(' '));
  const who = WHO.find((w) => words.has(w[0]))?.[0];
  const doing = DOING.find((d) => words.has(d[0]))?.[0];
  const where = WHERE.find((p) => words.has(p[0]))?.[0];
  return [who ? `a ${who}` : 'someone', doing ? `is ${doing}` : 'is there', where ? `in the ${where}` : ''].filter(Boolean).join(' ');
}

/** A CSV field: quoted, as every caption may hold a comma. */
const field = (s: string) => `"${s.replace(/"/g, '""')}"`;

export async function writeCaptionsExample(dir: string, hidden: string): Promise<string> {
  const clips = captionsData();
  const pub = path.join(dir, 'data', 'public');
  await writeFile(path.join(pub, 'test.csv'), ['id,tags', ...clips.map((c) => `${c.id},${c.tags}`)].join('\n') + '\n');
  await mkdir(hidden, { recursive: true });
  // One reference per row: an id appears once per reference.
  await writeFile(
    path.join(hidden, 'references.csv'),
    ['id,text,source', ...clips.flatMap((c) => c.references.map((t) => `${c.id},${field(t)},${c.source}`))].join('\n') + '\n',
  );
  const sub = path.join(dir, 'submissions', 'baseline', 'tag-template');
  await mkdir(sub, { recursive: true });
  await writeFile(
    path.join(sub, 'captions.csv'),
    ['id,text', ...clips.map((c) => `${c.id},${field(templateCaption(c.tags))}`)].join('\n') + '\n',
  );
  await writeFile(
    path.join(sub, 'submission.yml'),
    submissionYml('tag-template', 'captions.csv', [
      "Organisers' baseline: one sentence per clip from the tagger's tags, with a fixed",
      'template ("a WHO is DOING in the WHERE"), leaving out what the tagger missed.',
    ]),
  );
  return path.relative(dir, sub).split(path.sep).join('/');
}
