import { maxDetectionsOf, scoringSpec, type Competition } from './load.js';

/** What a predictions file of this competition looks like: in words, and as its first lines. */
export interface PredictionFormat {
  name: string;
  description: string;
  /** A header (where the format has one) and four rows. */
  example: string[];
}

/**
 * The predictions format this competition reads, derived from its metrics and data section, so
 * that the competition page shows participants exactly what the runner checks.
 */
export function predictionFormat(c: Competition): PredictionFormat {
  const spec = scoringSpec(c);
  const d = c.config.data;
  const labels = c.config.concepts?.map((x) => x.id) ?? ['cat', 'dog'];
  const pick = (i: number) => labels[i % labels.length]!;
  if (spec.reads.has('boxes')) {
    return {
      name: 'COCO results (JSON)',
      description: `one JSON list with one object per detection: the test image in "image_id", the category in "category_id", the box in "bbox" as [x, y, width, height] in pixels from the top-left corner, and a confidence in "score"; at most ${maxDetectionsOf(c)} detections per image. Detections are ranked by score within each category, as pycocotools ranks them.`,
      example: [
        '[',
        '  {"image_id": 1, "category_id": 1, "bbox": [412.0, 96.5, 58.2, 71.0], "score": 0.93},',
        '  {"image_id": 1, "category_id": 2, "bbox": [24.0, 22.0, 61.0, 36.6], "score": 0.81},',
        '  {"image_id": 2, "category_id": 1, "bbox": [130.4, 210.0, 20.5, 26.1], "score": 0.47}',
        ']',
      ],
    };
  }
  if (spec.reads.has('text')) {
    return {
      name: 'texts (CSV)',
      description: `one row per test id, with "${spec.id}" and the text in "${spec.target}" (quoted where it holds a comma); an empty text is allowed. JSON Lines, one {"${spec.id}": …, "${spec.target}": …} per line, is read too.`,
      example: [
        `${spec.id},${spec.target}`,
        'item-0001,a man is running in the park',
        'item-0002,"a woman, smiling, sings on a stage"',
        'item-0003,two dogs play on the beach',
        'item-0004,',
      ],
    };
  }
  if (spec.reads.has('predicted-sets')) {
    return {
      name: 'label sets (CSV)',
      description: `one row per test id, with "${spec.id}" and the predicted labels in "${spec.target}", separated by spaces (empty for none)${c.config.concepts ? `, each one of: ${labels.join(', ')}` : ''}.`,
      example: [
        `${spec.id},${spec.target}`,
        `item-0001,${pick(0)} ${pick(1)}`,
        `item-0002,${pick(2)}`,
        'item-0003,',
        `item-0004,${pick(1)} ${pick(3)}`,
      ],
    };
  }
  if (spec.reads.has('ranking')) {
    const max = d.max_per_query ?? 1000;
    if (d.format === 'trec') {
      return {
        name: 'TREC run',
        description: `one line per ranked document, "qid Q0 docno rank score tag" separated by spaces or tabs; at most ${max} documents per query. Documents are ranked by score, highest first; the rank column is not read, and equal scores are ranked by document id (trec_eval's order).`,
        example: [
          'q101 Q0 doc-4471 1 12.84 myrun',
          'q101 Q0 doc-0912 2 11.07 myrun',
          'q101 Q0 doc-3310 3 9.52 myrun',
          'q102 Q0 doc-0417 1 15.20 myrun',
          'q102 Q0 doc-2256 2 8.91 myrun',
        ],
      };
    }
    return {
      name: 'ranked lists (CSV)',
      description: `one row per ranked document: the query in "${spec.query}", the document in "${spec.id}" and its score in "${spec.score}", higher ranked first; at most ${max} documents per query, one row per query and document.`,
      example: [
        `${spec.query},${spec.id},${spec.score}`,
        'q101,doc-4471,12.84',
        'q101,doc-0912,11.07',
        'q101,doc-3310,9.52',
        'q102,doc-0417,15.20',
      ],
    };
  }
  const ids = ['item-0001', 'item-0002', 'item-0003', 'item-0004'];
  if (spec.reads.has('class-scores') || spec.reads.has('label-sets')) {
    const cols = labels.map((l) => `${spec.score}_${l}`);
    const row = (i: number) => labels.map((_, k) => (k === i % labels.length ? 0.7 : 0.3 / Math.max(1, labels.length - 1)).toFixed(2));
    return {
      name: 'class scores (CSV)',
      description: `one row per test id, with "${spec.id}" and one score column per class, "${spec.score}_<class>"${spec.reads.has('class-scores') ? '; for probability metrics the scores of a row sum to 1' : ''}.`,
      example: [[spec.id, ...cols].join(','), ...ids.map((id, i) => [id, ...row(i)].join(','))],
    };
  }
  if (spec.reads.has('score')) {
    return {
      name: 'scores (CSV)',
      description: `one row per test id, with "${spec.id}" and a score in "${spec.score}", higher for the positive class.`,
      example: [`${spec.id},${spec.score}`, ...ids.map((id, i) => `${id},${[0.91, 0.12, 0.55, 0.73][i]}`)],
    };
  }
  if (spec.reads.has('number')) {
    return {
      name: 'numbers (CSV)',
      description: `one row per test id, with "${spec.id}" and the predicted number in "${spec.target}".`,
      example: [`${spec.id},${spec.target}`, ...ids.map((id, i) => `${id},${[3.2, 0.75, 12, 5.5][i]}`)],
    };
  }
  return {
    name: 'labels (CSV)',
    description: `one row per test id, with "${spec.id}" and the predicted label in "${spec.target}"${c.config.concepts ? `, one of: ${labels.join(', ')}` : ''}.`,
    example: [`${spec.id},${spec.target}`, ...ids.map((id, i) => `${id},${pick(i)}`)],
  };
}
