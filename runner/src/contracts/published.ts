import { CompetitionSchema } from '../competition/schema.js';
import { SubmissionSchema } from '../submission/schema.js';
import { ResultRecordSchema } from '../results/schema.js';

/**
 * The JSON Schemas as published (schemas/ in the repository, .podium/schemas/ in a
 * competition): the same objects ajv validates with, so the two cannot drift apart.
 */
export function publishedSchemas(): Record<string, object> {
  const plain = (s: object) => ({ $schema: 'http://json-schema.org/draft-07/schema#', ...(JSON.parse(JSON.stringify(s)) as object) });
  return {
    'competition.schema.json': plain(CompetitionSchema),
    'submission.schema.json': plain(SubmissionSchema),
    'result.schema.json': plain(ResultRecordSchema),
  };
}
