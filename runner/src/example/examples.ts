import { writeCaptionsExample } from './captions.js';
import { writeDetectionExample } from './detection.js';
import { writeRetrievalExample } from './retrieval.js';
import { writeExample } from './write.js';

/**
 * The example competitions `podium init --example NAME` makes, one per family of metrics, so
 * that an organiser starts from the one closest to theirs. Each has its template folder
 * (templates/examples/NAME: competition.yml and README.md, laid over the neutral template) and
 * a writer of its generated data: the public files, the hidden truth (outside the repository)
 * and the organisers' baseline submission, whose folder it returns.
 */
export const EXAMPLES = {
  'sound-events': { about: 'label broadcast audio segments (classification)', write: writeExample },
  retrieval: { about: 'rank archive programmes per query (retrieval, graded judgements)', write: writeRetrievalExample },
  detection: { about: 'find faces, logos and captions in video frames (COCO object detection)', write: writeDetectionExample },
  captions: { about: 'describe video clips in a sentence (captioning, several references)', write: writeCaptionsExample },
} as const satisfies Record<string, { about: string; write: (dir: string, hidden: string) => Promise<string> }>;

export type ExampleName = keyof typeof EXAMPLES;

export const EXAMPLE_NAMES = Object.keys(EXAMPLES) as ExampleName[];
