/**
 * Markup that is escaped by default. Every page, every chart and the browser script's rows are
 * written with the `html` template: a string or number put into it is escaped, so forgetting to
 * escape participant text is impossible rather than unlikely. Markup goes in as it is only when
 * it is a `SafeHtml`, which only `html` (from its own escaped parts) and `raw` (trusted markup,
 * said so where it is used) make.
 *
 * The template also knows where each value lands. A value inside a tag but outside a quoted
 * attribute could add attributes, so only markup may go there; an unquoted attribute, an event
 * handler, a style attribute or a script body refuses values altogether; and a link attribute
 * refuses any scheme but http(s). These are mistakes in the template, found the first time it
 * runs, so they throw.
 */

let wrap!: (markup: string) => SafeHtml;

/** Markup to insert as it is. Made only by `html` and `raw`. */
export class SafeHtml {
  readonly #markup: string;
  private constructor(markup: string) {
    this.#markup = markup;
  }
  static {
    wrap = (markup) => new SafeHtml(markup);
  }
  toString(): string {
    return this.#markup;
  }
}

/** What a template accepts: `null`, `undefined` and `false` write nothing, so `${cond && html`…`}` works. */
export type HtmlValue = string | number | SafeHtml | null | undefined | false | readonly HtmlValue[];

/** The one explicit way to insert markup unescaped. Each use says why its markup is safe. */
export function raw(trusted: string): SafeHtml {
  return wrap(trusted);
}

/** The tagged template: `html`<p>${text}</p>`` escapes `text`; SafeHtml and arrays of it go in as they are. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  const holes = holesOf(strings);
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += insert(values[i], holes[i]!) + strings[i + 1]!;
  return wrap(out);
}

/** Markup for a list of values, without a template around it. */
export function join(values: readonly HtmlValue[], separator = ''): SafeHtml {
  // The separator is text like any other: escaped.
  return wrap(separator === '' ? insertAll(values, TEXT) : values.map((v) => insert(v, TEXT)).join(escape(separator)));
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escape(s: string): string {
  return /[&<>"']/.test(s) ? s.replace(/[&<>"']/g, (c) => ESCAPES[c]!) : s;
}

/** Where a value lands: in text, inside a tag (between attributes), or in a quoted attribute value. */
type Hole = { at: 'text' } | { at: 'tag' } | { at: 'attribute'; name: string; link: boolean };

const TEXT: Hole = { at: 'text' };
const TAG: Hole = { at: 'tag' };

function insert(v: HtmlValue, hole: Hole): string {
  if (v === null || v === undefined || v === false) return '';
  if (hole.at === 'text') {
    if (typeof v === 'string') return escape(v);
    if (v instanceof SafeHtml) return v.toString();
    if (typeof v === 'number') return String(v);
    if (Array.isArray(v)) return insertAll(v, hole);
    throw new Error(`html: ${kind(v)} that is not markup; pass a string or a number (escaped) or markup made by html`);
  }
  if (hole.at === 'tag') {
    if (v instanceof SafeHtml) return v.toString();
    if (Array.isArray(v)) return insertAll(v, hole);
    if (v === '') return '';
    throw new Error(
      `html: ${kind(v)} inside a tag, where it could add attributes; write the attribute in the template and put the value in quotes`,
    );
  }
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string')
    throw new Error(`html: markup in the ${hole.name} attribute; an attribute value is text, so pass a string (it is escaped)`);
  if (hole.link) checkLink(v, hole.name);
  return escape(v);
}

function insertAll(values: readonly HtmlValue[], hole: Hole): string {
  let out = '';
  for (const v of values) out += insert(v, hole);
  return out;
}

function kind(v: unknown): string {
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * A link attribute's fixed text with its values marked: what decides the scheme must be one
 * value checked as a whole (at the start, on its own), or fixed text. A value among other values
 * at the start, or before a ":" that fixed text puts after it, could spell a scheme no check saw.
 */
function checkLinkShape(value: string, attribute: string, where: string): void {
  // eslint-disable-next-line no-control-regex
  const v = value.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+/, '');
  const head = /^[^:/?#]*/.exec(v)![0];
  const terminator = v[head.length];
  if (!head.includes(VALUE_MARK)) return;
  if (head.startsWith(VALUE_MARK + VALUE_MARK) || terminator === ':' || !head.startsWith(VALUE_MARK))
    throw new Error(
      `html: a link in the ${attribute} attribute at ${where} whose scheme could come from a value; pass the whole link as one value`,
    );
}

/** A link that would run script or leave the http(s) world (javascript:, data:, vbscript:) is refused. */
function checkLink(v: string, attribute: string): void {
  if (!v.includes(':')) return;
  // Browsers drop leading control characters and spaces, and tabs and newlines anywhere, before
  // reading the scheme.
  // eslint-disable-next-line no-control-regex
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(v.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+/, ''))?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https')
    throw new Error(`html: a ${scheme}: link in the ${attribute} attribute; only relative and http(s) links are written`);
}

const LINKS = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'xlink:href',
  'poster',
  'cite',
  'data',
  'ping',
  'background',
  'manifest',
  'codebase',
  'longdesc',
  'icon',
  'archive',
  'classid',
  'profile',
]);
/** Attributes no value goes into: script, style, and SVG animation, which can set another attribute (an href) to anything. */
const NO_VALUES = new Set(['style', 'srcset', 'to', 'from', 'by', 'values', 'attributename']);
/** Marks where a value lands in a link attribute's fixed text, to see what decides the link's scheme. */
const VALUE_MARK = '\uE000';
const RAW_TEXT = new Set(['script', 'style']);
const seen = new WeakMap<TemplateStringsArray, Hole[]>();

/**
 * Where each value of a template lands, read once per template from its fixed parts with a small
 * HTML tokenizer: enough of the HTML syntax for markup we write ourselves.
 */
function holesOf(strings: TemplateStringsArray): Hole[] {
  const known = seen.get(strings);
  if (known) return known;
  const holes: Hole[] = [];
  let mode: 'text' | 'tag' | 'unquoted' | 'value' | 'raw-text' | 'comment' = 'text';
  let tag = '';
  let closing = false;
  let name = '';
  let equals = false;
  let quote = '';
  // A name ended by blanks stays the attribute's name until "=" or the next name begins.
  let ended = false;
  // The fixed text of the attribute value so far, VALUE_MARK where a value goes.
  let value = '';
  const where = (i: number) =>
    `\`${strings
      .slice(0, i + 1)
      .join('${…}')
      .slice(-60)}\${…}\``;
  for (let k = 0; k < strings.length; k++) {
    const s = strings[k]!;
    for (let i = 0; i < s.length; i++) {
      const ch = s[i]!;
      if (mode === 'text') {
        if (ch !== '<') continue;
        if (s.startsWith('<!--', i)) {
          mode = 'comment';
          i += 3;
          continue;
        }
        const m = /^<(\/?)([a-zA-Z!?][^\s/>]*)/.exec(s.slice(i));
        if (!m) continue;
        mode = 'tag';
        closing = m[1] === '/';
        tag = m[2]!.toLowerCase();
        name = '';
        ended = false;
        equals = false;
        i += m[0].length - 1;
      } else if (mode === 'tag') {
        if (ch === '>') mode = !closing && RAW_TEXT.has(tag) ? 'raw-text' : 'text';
        else if (ch === '=') equals = true;
        else if (ch === '"' || ch === "'") {
          if (equals) {
            mode = 'value';
            quote = ch;
            value = '';
            equals = false;
          }
        } else if (/\s/.test(ch)) {
          if (name) ended = true;
        } else if (equals) {
          mode = 'unquoted';
          equals = false;
        } else if (ch !== '/') {
          if (ended) name = '';
          ended = false;
          name += ch.toLowerCase();
        }
      } else if (mode === 'unquoted') {
        if (ch === '>') mode = 'text';
        else if (/\s/.test(ch)) {
          mode = 'tag';
          name = '';
        }
      } else if (mode === 'value') {
        if (ch === quote) {
          if (LINKS.has(name)) checkLinkShape(value, name, where(k));
          mode = 'tag';
          name = '';
          ended = false;
        } else value += ch;
      } else if (mode === 'raw-text') {
        if (s.slice(i, i + 2 + tag.length).toLowerCase() === `</${tag}`) {
          mode = 'tag';
          closing = true;
          i += 1 + tag.length;
        }
      } else if (s.startsWith('-->', i)) {
        mode = 'text';
        i += 2;
      }
    }
    if (k === strings.length - 1) break;
    if (mode === 'text') holes.push(TEXT);
    else if (mode === 'tag' && !equals) {
      holes.push(TAG);
      name = '';
      ended = false;
    } else if (mode === 'value') {
      if (name.startsWith('on') || NO_VALUES.has(name))
        throw new Error(
          `html: a value in the ${name} attribute at ${where(k)}; no value goes into an event handler, a style or an animation`,
        );
      // Browsers drop leading blanks and control characters before reading a link's scheme.
      // eslint-disable-next-line no-control-regex
      const atStart = value.replace(/^[\u0000-\u0020]+/, '') === '';
      holes.push({ at: 'attribute', name, link: atStart && LINKS.has(name) });
      value += VALUE_MARK;
    } else if (mode === 'tag' || mode === 'unquoted')
      throw new Error(`html: an unquoted attribute value at ${where(k)}; put the value in quotes`);
    else
      throw new Error(
        `html: a value inside a ${mode === 'comment' ? 'comment' : `<${tag}>`} at ${where(k)}, where escaping does not apply`,
      );
  }
  seen.set(strings, holes);
  return holes;
}

/** A link a participant gave (paper, code): only http(s), never javascript: or data:. */
export function safeUrl(u: string | undefined): string | undefined {
  if (!u) return undefined;
  try {
    const url = new URL(u);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
