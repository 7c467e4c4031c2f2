import { Type, type TUnsafe } from '@sinclair/typebox';

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
