/**
 * Normalisation of texts before text metrics (`scoring.text.normalise`, `podium score
 * --normalise`): named steps applied in the order given, to hypotheses and references alike,
 * with Python's semantics (jiwer and the other reference tools run on Python 3):
 *
 * - `lowercase`: Python's `str.lower()` (full Unicode lower-casing: "İ" becomes "i̇", a capital
 *   sigma at the end of a word becomes "ς", "ß" stays).
 * - `strip-punctuation`: removes every character of Unicode general category P* (Pc, Pd, Ps,
 *   Pe, Pi, Pf, Po), as `unicodedata.category(c).startswith("P")`.
 * - `collapse-whitespace`: runs of whitespace become one space, and the text is trimmed, as
 *   `" ".join(s.split())`: whitespace is what Python's `str.isspace()` takes, which adds the
 *   separators U+001C–U+001F and U+0085 to JavaScript's `\s` and leaves out U+FEFF.
 *
 * The reference is Python 3.11, whose Unicode tables are version 14.0. JavaScript's are newer
 * (Node 20: Unicode 17); characters assigned since 14.0 that newer tables lower-case or call
 * punctuation are left alone here, as Python 3.11 leaves them (`UNASSIGNED_IN_14`).
 */

export const NORMALISE_STEPS = ['lowercase', 'strip-punctuation', 'collapse-whitespace'] as const;
export type NormaliseStep = (typeof NORMALISE_STEPS)[number];

export function isNormaliseStep(s: string): s is NormaliseStep {
  return (NORMALISE_STEPS as readonly string[]).includes(s);
}

/**
 * Code points unassigned in Unicode 14.0 (Python 3.11's tables) that Node's newer tables
 * lower-case or class as punctuation: found by comparing both over every code point.
 */
const UNASSIGNED_IN_14 =
  /[\u{1b4e}-\u{1b4f}\u{1b7f}\u{1c89}\u{a7cb}-\u{a7cc}\u{a7ce}\u{a7d2}\u{a7d4}\u{a7da}\u{a7dc}\u{10d50}-\u{10d65}\u{10d6e}\u{10ed0}\u{113d4}-\u{113d5}\u{113d7}-\u{113d8}\u{11b00}-\u{11b09}\u{11be1}\u{11f43}-\u{11f4f}\u{16d6d}-\u{16d6f}\u{16ea0}-\u{16eb8}\u{1e5ff}]/u;
const UNASSIGNED_SPLIT = new RegExp(`(${UNASSIGNED_IN_14.source})`, 'u');

/** Punctuation; and less the characters Python 3.11 does not know, for a text that has any. */
const PUNCTUATION = /\p{P}/gu;
const PUNCTUATION_KNOWN = new RegExp(`(?!${UNASSIGNED_IN_14.source})\\p{P}`, 'gu');

/** Python's whitespace (`str.isspace()`), as the inside of a character class. */
const SPACE = String.raw`\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const WHITESPACE_RUN = new RegExp(`[${SPACE}]+`, 'g');
const EDGES = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');

function lowercase(s: string): string {
  if (!UNASSIGNED_IN_14.test(s)) return s.toLowerCase();
  // Characters Python does not know are neither cased nor case-ignorable: they end the
  // context of a final sigma, as the end of the text does.
  return s
    .split(UNASSIGNED_SPLIT)
    .map((part, i) => (i % 2 === 1 ? part : part.toLowerCase()))
    .join('');
}

const APPLY: Record<NormaliseStep, (s: string) => string> = {
  lowercase,
  'strip-punctuation': (s) => s.replace(UNASSIGNED_IN_14.test(s) ? PUNCTUATION_KNOWN : PUNCTUATION, ''),
  'collapse-whitespace': (s) => s.replace(WHITESPACE_RUN, ' ').replace(EDGES, ''),
};

/** The text after each step in turn. */
export function normaliseText(text: string, steps: readonly NormaliseStep[]): string {
  let s = text;
  for (const step of steps) s = APPLY[step](s);
  return s;
}

/** A function normalising texts by the steps, or the identity when there are none. */
export function normaliser(steps: readonly NormaliseStep[] | undefined): (text: string) => string {
  if (!steps || steps.length === 0) return (s) => s;
  return (s) => normaliseText(s, steps);
}
