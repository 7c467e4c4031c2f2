/**
 * Text a participant controls, made safe to show in GitHub's Markdown (PR comments, job
 * summaries): every such string goes through `inert` (one line) or `inertBlock` (verbatim
 * lines). Nothing in the result renders as HTML, a link, an image, a mention, a reference,
 * a table break or a code span, and nothing reorders the text around it.
 */

/** Longest participant string shown inline; longer ones are cut with an ellipsis. */
export const INERT_MAX = 300;

/**
 * Bidirectional controls (they can make "0.31" read as "13.0" or hide text), other format
 * characters that change how text reads, and C0/C1 controls other than tab and newline.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

/** Drops what cannot be shown safely and cuts to `max` characters (counted in code points). */
function clean(text: string, max: number): string {
  const plain = text.replace(INVISIBLE, '\ufffd');
  const points = [...plain];
  return points.length > max ? `${points.slice(0, max - 1).join('')}…` : plain;
}

/**
 * One line of participant text, inert in Markdown: HTML escaped (`<`, `>`, `&`; quotes need
 * nothing outside tags), Markdown punctuation and `$` (GitHub's math) backslash-escaped, @mentions, #references and web addresses broken by a zero-width joiner
 * (U+2060, which copies cleanly), line breaks turned into spaces, cut to `max` characters.
 */
export function inert(text: string, max = INERT_MAX): string {
  return clean(text.replace(/\r\n?|\n/g, ' '), max)
    .replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)
    .replace(/[\\`*_[\]()|~!#$]/g, (c) => `\\${c}`)
    .replace(/^[-+=]/, '\\$&')
    .replace(/^(\d+)([.)])/, '$1\\$2')
    .replace(/@/g, '@\u2060')
    .replace(/#(?=\d)/g, '#\u2060')
    .replace(/\b(GH)-(?=\d)/gi, '$1-\u2060')
    .replace(/:\/\//g, ':\u2060//')
    .replace(/(^|[^\p{L}\p{N}])(www)\./giu, '$1$2\u2060.');
}

/**
 * Several lines of participant text shown as they are (a container's last lines of output):
 * a fenced code block, longer than any run of backticks inside, so nothing in it renders.
 */
export function inertBlock(text: string, maxChars = 2000): string {
  const points = [...text.replace(/\r\n?/g, '\n')];
  const kept = points.length > maxChars ? `…${points.slice(-maxChars).join('')}` : points.join('');
  const body = kept.replace(INVISIBLE, (c) => (c === '\t' ? c : '\ufffd'));
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${body}\n${fence}`;
}

/**
 * Text inside an HTML block of a comment (a <summary> line), where GitHub applies no Markdown:
 * HTML-escaped and cleaned only, so that a backslash escape would show as itself.
 */
export function inertHtml(text: string, max = INERT_MAX): string {
  return clean(text.replace(/\r\n?|\n/g, ' '), max).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!,
  );
}
