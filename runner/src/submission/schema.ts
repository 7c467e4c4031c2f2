import { Type, type Static } from '@sinclair/typebox';
import { RunMetadata, Slug, SubmissionKind } from '../contracts/common.js';

// Which field each kind needs. Written as if/then so every kind's mistake gets its own
// plain "missing required key" message rather than a union's wall of alternatives.
const needs = (kind: string, field: string) => ({
  if: { properties: { kind: { const: kind } }, required: ['kind'] },
  then: { required: [field] },
});

export const SubmissionSchema = Type.Object(
  {
    team: Slug,
    name: Slug,
    kind: SubmissionKind,
    // the competition's task (tasks[].id in competition.yml) this submission is for; required when the competition has tasks
    task: Type.Optional(Slug),
    predictions: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'predictions file, relative to this folder; "." or absent: every file of the folder goes to the scoring program (/app/input/res), as Codabench sends a result submission',
      }),
    ),
    image: Type.Optional(Type.String({ minLength: 1, description: 'container image pinned by digest (name@sha256:...)' })),
    build: Type.Optional(Type.String({ minLength: 1, description: 'folder with a Dockerfile, relative to this folder' })),
    endpoint: Type.Optional(Type.String({ format: 'uri', description: 'HTTPS endpoint of the participant system' })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    authors: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 50 })),
    paper: Type.Optional(Type.String({ format: 'uri' })),
    code: Type.Optional(Type.String({ format: 'uri' })),
    final: Type.Optional(
      Type.Boolean({ description: "choose this submission for the final ranking, where the leaderboard's rule is chosen-per-team" }),
    ),
    run: Type.Optional(RunMetadata),
  },
  {
    $id: 'urn:podium:schema:submission:1',
    title: 'Podium submission.yml',
    additionalProperties: false,
    allOf: [needs('api', 'endpoint')],
  },
);

export type SubmissionConfig = Static<typeof SubmissionSchema>;
