import { Type, type Static, type TUnsafe } from '@sinclair/typebox';

/**
 * A string from a fixed list, as a JSON Schema `enum` rather than TypeBox's union of
 * literals: ajv then reports one "allowed: …" error instead of one per alternative.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** A name that is also a folder name and part of a record's path: safe on every file system. */
export const Slug = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,63}$',
  description: 'use 1 to 64 lower-case letters, digits, "-" and "_", starting with a letter or digit',
});

/** Any text made into a Slug: lower case, runs of other characters as "-", at most 64. */
export function toSlug(s: string, fallback: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^[-_]+|[-_]+$/g, '')
      .slice(0, 64) || fallback
  );
}

export const SUBMISSION_KINDS = ['predictions', 'container', 'api', 'code'] as const;
export const SubmissionKind = StringEnum(SUBMISSION_KINDS);
export type SubmissionKind = (typeof SUBMISSION_KINDS)[number];

export const Direction = StringEnum(['maximize', 'minimize'] as const);

/*
 * A run as evaluation campaigns count them (TRECVID, MediaEval, ImageCLEF): what submission.yml
 * says of it under "run:", kept in its record. competition.yml's "runs" says which fields it asks for.
 */
export const RUN_FIELDS = ['type', 'priority', 'training_data', 'external_resources', 'notes'] as const;
export type RunField = (typeof RUN_FIELDS)[number];
export const RunMetadata = Type.Object(
  {
    // One of competition.yml's runs.types (automatic, manual…); validation says which.
    type: Type.Optional(Slug),
    priority: Type.Optional(Type.Integer({ minimum: 1, description: "1 is the team's first choice among its runs of the type" })),
    training_data: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'the data the system was trained on' })),
    // One type list rather than a union: one message ("true or false or text") for a wrong value.
    external_resources: Type.Optional(
      Type.Unsafe<boolean | string>({
        type: ['boolean', 'string'],
        minLength: 1,
        maxLength: 2000,
        description: 'false, or what was used beyond the training data (pretrained models, lexicons, other data)',
      }),
    ),
    notes: Type.Optional(Type.String({ format: 'uri', description: 'a link to the working notes or paper that describes the run' })),
  },
  {
    additionalProperties: false,
    description: "what the run is, where competition.yml's runs asks for it: type, priority, training data, external resources, notes link",
  },
);
export type RunMetadata = Static<typeof RunMetadata>;
