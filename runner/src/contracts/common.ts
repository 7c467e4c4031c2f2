import { Type } from '@sinclair/typebox';

/** A name that is also a folder name and part of a record's path: safe on every file system. */
export const Slug = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,63}$',
  description: 'use 1 to 64 lower-case letters, digits, "-" and "_", starting with a letter or digit',
});

export const SubmissionKind = Type.Union([Type.Literal('predictions'), Type.Literal('container'), Type.Literal('api')]);
export const SUBMISSION_KINDS = ['predictions', 'container', 'api'] as const;

export const Direction = Type.Union([Type.Literal('maximize'), Type.Literal('minimize')]);
