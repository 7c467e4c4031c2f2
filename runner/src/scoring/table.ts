import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { jsonText, PodiumError, truncate } from '../contracts/problems.js';
import { CategoryColumn, GrowableFloat64, GrowableInt32, KeyColumn, type FrozenKeys } from './columns.js';

/**
 * A single-pass reader for truth and predictions files, CSV (RFC 4180: quoted fields may hold
 * commas, quotes and newlines; a UTF-8 byte-order mark and CRLF line ends are accepted) or
 * JSON Lines. It reads the file in chunks and stores only the columns asked for, already
 * typed: keys in a byte arena, labels as small integer codes, numbers in a Float64Array. No
 * string per field, so ten million rows fit in well under 2 GiB.
 */

/** `text`: free text kept exactly as written (captions, transcripts); an empty one is a value. */
export type ColumnKind = 'key' | 'category' | 'number' | 'text';

export interface ColumnRequest {
  name: string;
  kind: ColumnKind;
  /** An empty value is a value here (an empty label set), not a row left incomplete. */
  emptyAllowed?: boolean;
}

/** Rows with one kind of problem: how many, and the first few as the file has them. */
export interface Tally {
  count: number;
  examples: { line: number; text: string }[];
}

const EXAMPLES = 3;

function tally(): Tally {
  return { count: 0, examples: [] };
}

function note(t: Tally, line: number, text: () => string): void {
  t.count++;
  if (t.examples.length < EXAMPLES) t.examples.push({ line, text: text() });
}

export interface KeyData {
  kind: 'key';
  keys: FrozenKeys;
}
export interface CategoryData {
  kind: 'category';
  codes: Int32Array;
  values: string[];
}
export interface NumberData {
  kind: 'number';
  values: Float64Array;
  /** Text that is not a number. */
  notNumber: Tally;
  /** NaN, inf, or a number too large for a double. */
  notFinite: Tally;
  /** Of the values that are not numbers, those written with a decimal comma ("0,75"). */
  decimalComma: Tally;
}

export interface TextColumnData {
  kind: 'text';
  values: string[];
}

export type ColumnData = KeyData | CategoryData | NumberData | TextColumnData;

export interface Table {
  header: string[];
  /** For a TREC file: which of the two it is. */
  trec?: 'qrels' | 'run';
  /** For TREC qrels: lines whose relevance is not a whole number, and the first. */
  notWhole?: { count: number; line: number };
  /** Data rows. */
  n: number;
  /** 1-based line where each row starts. */
  lines: Int32Array;
  columns: Map<string, ColumnData>;
  /** Rows with an empty value in a requested column. */
  empty: Tally;
}

export class TableError extends PodiumError {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.name = 'TableError';
    this.line = line;
  }
}

export type TableSource = { path: string } | { text: string };

/** `trec`: TREC qrels (`qid iter docno rel`) or a TREC run (`qid Q0 docno rank score tag`), whitespace-separated. */
export type TableFormat = 'csv' | 'jsonl' | 'trec';

export function formatOf(file: string): TableFormat {
  return /\.jsonl$|\.ndjson$/i.test(file) ? 'jsonl' : 'csv';
}

/** The first bytes of a file, as text. */
export async function headOf(file: string, bytes: number): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * The format of a file from its name, and where the name says nothing (no .csv, .jsonl), from
 * its first line: whitespace-separated fields with no comma, four (qrels) or six and more (a
 * run), make it a TREC file.
 */
export async function sniffFormat(file: string): Promise<TableFormat> {
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  if (/\.csv$/i.test(file)) return 'csv';
  const text = await headOf(file, 1 << 14);
  const first = text.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  if (first.trimStart().startsWith('{')) return 'jsonl';
  const fields = first.trim().split(/\s+/).length;
  return !first.includes(',') && (fields === 4 || fields >= 6) ? 'trec' : 'csv';
}

/**
 * Whether a CSV header read with commas was written with semicolons, as spreadsheets write
 * "CSV" where the decimal separator is a comma: the header is one field holding a `;`, or the
 * missing columns appear once its fields are split on `;`.
 */
export function looksSemicolonSeparated(header: readonly string[], missing: readonly string[]): boolean {
  if (header.length === 1 && header[0]!.includes(';')) return true;
  const split = header.flatMap((h) => h.split(';').map((x) => x.trim().replace(/^"(.*)"$/, '$1')));
  return missing.length > 0 && split.length > header.length && missing.every((m) => split.includes(m));
}

/** A number written with a decimal comma, as spreadsheets in many locales write them. */
export const DECIMAL_COMMA = /^\s*"?[+-]?\d*,\d+"?\s*$/;

/** What to do about a file saved with semicolons (and decimal commas): how to save it with commas. */
export const SAVE_WITH_COMMAS =
  'Save it as CSV with commas and decimal points: in LibreOffice, File > Save As, "Text CSV", tick "Edit filter settings" and choose "," as the field delimiter; ' +
  'Excel uses the system\'s list separator, so set it to "," (Windows: Region settings > Additional settings > List separator, with "." as decimal symbol) before saving as "CSV UTF-8".';

/** Missing requested columns: reported to the caller, who knows what the file is for. */
export class MissingColumnsError extends PodiumError {
  readonly missing: string[];
  readonly header: string[];
  /** The header looks written with semicolons rather than commas: one problem, not one per column. */
  readonly semicolons: boolean;
  constructor(missing: string[], header: string[], { csv = true }: { csv?: boolean } = {}) {
    const semicolons = csv && looksSemicolonSeparated(header, missing);
    super(
      semicolons
        ? `the header looks separated by semicolons, not commas, so the column(s) ${missing.map((m) => `"${m}"`).join(', ')} were not found`
        : `missing column(s) ${missing.map((m) => `"${m}"`).join(', ')}`,
      semicolons ? { fix: SAVE_WITH_COMMAS } : {},
    );
    this.name = 'MissingColumnsError';
    this.missing = missing;
    this.header = header;
    this.semicolons = semicolons;
  }
}

/** The row being read, shared by the sinks so that no per-row object is made. */
interface RowContext {
  line: number;
  /** The row's text, made only when a message needs it. */
  raw(): string;
}

interface Sink {
  bytes(buf: Buffer, s: number, e: number, row: RowContext): void;
  text(v: string, row: RowContext): void;
  finish(): ColumnData;
}

function keySink(): Sink {
  const col = new KeyColumn();
  return {
    bytes: (b, s, e) => {
      // Keys are compared as written, less surrounding blanks.
      while (s < e && (b[s] === 32 || b[s] === 9)) s++;
      while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
      col.pushBytes(b, s, e);
    },
    text: (v) => col.pushString(v.trim()),
    finish: () => ({ kind: 'key', keys: col.finish() }),
  };
}

function categorySink(): Sink {
  const col = new CategoryColumn();
  // Few distinct labels: match the bytes against those seen before, making no string per row.
  const known: { bytes: Buffer; code: number }[] = [];
  return {
    bytes: (b, s, e) => {
      while (s < e && (b[s] === 32 || b[s] === 9)) s++;
      while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
      const len = e - s;
      for (const k of known) {
        if (k.bytes.length !== len) continue;
        let same = true;
        for (let i = 0; i < len; i++) {
          if (k.bytes[i] !== b[s + i]) {
            same = false;
            break;
          }
        }
        if (same) {
          col.pushCode(k.code);
          return;
        }
      }
      const v = b.toString('utf8', s, e);
      col.push(v);
      if (known.length < 64) known.push({ bytes: Buffer.from(b.subarray(s, e)), code: col.codeOf(v)! });
    },
    text: (v) => col.push(v.trim()),
    finish: () => ({ kind: 'category', codes: col.view(), values: col.values }),
  };
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Plain decimals ("-12.5", "0.25") with up to 15 significant digits are exact as m / 10^k
 * (Clinger's fast path: both operands are exact doubles, so the one division rounds
 * correctly); anything else goes through Number().
 */
function parseDecimal(b: Buffer, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (b[i] === 45 || b[i] === 43) {
    neg = b[i] === 45;
    i++;
  }
  let m = 0;
  let digits = 0;
  let frac = 0;
  let dot = false;
  let sawDigit = false;
  for (; i < e; i++) {
    const c = b[i]!;
    if (c >= 48 && c <= 57) {
      sawDigit = true;
      if (digits === 0 && c === 48 && !dot) continue; // leading zeros
      m = m * 10 + (c - 48);
      digits++;
      if (dot) frac++;
    } else if (c === 46 && !dot) dot = true;
    else return Number(b.toString('latin1', s, e));
  }
  if (!sawDigit || digits > 15 || frac > 22) return Number(b.toString('latin1', s, e));
  const v = frac === 0 ? m : m / POW10[frac]!;
  return neg ? -v : v;
}

function numberSink(): Sink {
  const values = new GrowableFloat64();
  const notNumber = tally();
  const notFinite = tally();
  const decimalComma = tally();
  const check = (v: number, raw: () => string, row: RowContext) => {
    if (Number.isFinite(v)) return;
    const text = raw();
    const word = /^\s*[+-]?(nan|inf|infinity)\s*$/i.test(text);
    note(Number.isNaN(v) && !word ? notNumber : notFinite, row.line, () => row.raw());
    if (Number.isNaN(v) && DECIMAL_COMMA.test(text)) note(decimalComma, row.line, () => text.trim());
  };
  return {
    bytes: (b, s, e, row) => {
      while (s < e && (b[s] === 32 || b[s] === 9)) s++;
      while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
      const v = s === e ? NaN : parseDecimal(b, s, e);
      values.push(v);
      if (!Number.isFinite(v) && s !== e) check(v, () => b.toString('latin1', s, e), row);
    },
    text: (t, row) => {
      const v = t.trim() === '' ? NaN : Number(t);
      values.push(v);
      if (!Number.isFinite(v) && t.trim() !== '') check(v, () => t, row);
    },
    finish: () => ({ kind: 'number', values: values.view(), notNumber, notFinite, decimalComma }),
  };
}

function textSink(): Sink {
  const values: string[] = [];
  return {
    bytes: (b, s, e) => values.push(b.toString('utf8', s, e)),
    text: (v) => values.push(v),
    finish: () => ({ kind: 'text', values }),
  };
}

const SINKS: Record<ColumnKind, () => Sink> = { key: keySink, category: categorySink, number: numberSink, text: textSink };

/** Whether an empty value in this column leaves the row incomplete. */
const emptyCounts = (r: ColumnRequest): boolean => r.kind !== 'text' && r.emptyAllowed !== true;

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const CHUNK = 4 << 20;

/** Reads the requested columns of a CSV or JSON Lines table. */
export async function readTable(
  source: TableSource,
  request: readonly ColumnRequest[],
  format: TableFormat = 'csv',
  /** Bytes read at a time; small values exercise rows cut across chunks in tests. */
  chunkBytes = CHUNK,
): Promise<Table> {
  if (format === 'jsonl') return readJsonLines(source, request, chunkBytes);
  if (format === 'trec') return readTrec(source, request, chunkBytes);
  return readCsv(source, request, chunkBytes);
}

async function* chunksOf(source: TableSource, chunkBytes: number): AsyncGenerator<Buffer> {
  if ('text' in source) {
    const all = Buffer.from(source.text, 'utf8');
    for (let i = 0; i < all.length; i += chunkBytes) yield all.subarray(i, i + chunkBytes);
    return;
  }
  const fh = await open(source.path, 'r');
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await fh.read(buf, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

async function readCsv(source: TableSource, request: readonly ColumnRequest[], chunkBytes: number): Promise<Table> {
  let header: string[] | undefined;
  let wanted: { index: number; sink: Sink; name: string; counts: boolean }[] = [];
  const lines = new GrowableInt32();
  const empty = tally();
  let line = 1;
  let n = 0;
  // Per-row scratch, reused: field ranges, the text of quoted fields, and how many fields.
  const fs: number[] = [];
  const fe: number[] = [];
  const fq: (string | null)[] = [];
  let nf: number;

  let ctxBuf: Buffer = Buffer.alloc(0);
  let ctxStart = 0;
  let ctxEnd = 0;
  const ctx: RowContext = { line: 0, raw: () => truncate(ctxBuf.toString('utf8', ctxStart, Math.max(ctxStart, ctxEnd))) };

  let carry: Buffer = Buffer.alloc(0);
  let first = true;
  const iterator = chunksOf(source, chunkBytes);
  // Closing the generator closes the file, also when a row turns out to be malformed.
  try {
    for (let done = false; !done;) {
      const next = await iterator.next();
      done = next.done === true;
      let buf: Buffer = done ? carry : carry.length ? Buffer.concat([carry, next.value as Buffer]) : (next.value as Buffer);
      if (first && (buf.length >= 3 || done)) {
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
        first = false;
      } else if (first) {
        carry = buf; // too short to tell whether it starts with a byte-order mark
        continue;
      }
      if (buf.includes(0)) throw new TableError('the file contains NUL bytes; it is not a text CSV file', line);
      const len = buf.length;
      let pos = 0;
      // Rows wholly read so far; a row cut by the chunk's end is read again with the next chunk.
      let consumed = 0;
      rows: while (pos < len) {
        const rowStart = pos;
        const rowLine = line;
        nf = 0;
        let linesInRow = 0;
        for (;;) {
          // One field.
          if (buf[pos] === QUOTE) {
            let text = '';
            let p = pos + 1;
            let segment = p;
            for (;;) {
              if (p >= len) {
                if (done) throw new TableError(`a quoted field opened on line ${rowLine + linesInRow} is never closed`, rowLine);
                break rows; // row continues in the next chunk
              }
              const c = buf[p]!;
              if (c === QUOTE) {
                if (p + 1 >= len && !done) break rows;
                if (buf[p + 1] === QUOTE) {
                  text += buf.toString('utf8', segment, p + 1);
                  p += 2;
                  segment = p;
                  continue;
                }
                text += buf.toString('utf8', segment, p);
                p++;
                break;
              }
              if (c === LF) linesInRow++;
              p++;
            }
            if (p >= len && !done) break rows;
            const after = buf[p];
            // A CR after a closing quote must begin a CRLF (or end the file): a lone CR is text.
            const loneCR = after === CR && p + 1 < len && buf[p + 1] !== LF;
            if (p < len && ((after !== COMMA && after !== LF && after !== CR) || loneCR)) {
              throw new TableError(`line ${rowLine + linesInRow}: text after a closing quote; quote the whole field`, rowLine);
            }
            fs[nf] = pos;
            fe[nf] = p;
            fq[nf++] = text;
            pos = p;
          } else {
            let p = pos;
            while (p < len) {
              const c = buf[p]!;
              if (c === COMMA || c === LF) break;
              p++;
            }
            if (p >= len && !done) break rows;
            let end = p;
            if (end > pos && buf[end - 1] === CR && (p >= len || buf[p] === LF)) end--;
            fs[nf] = pos;
            fe[nf] = end;
            fq[nf++] = null;
            pos = p;
          }
          if (pos >= len) break; // last row without a final newline
          if (buf[pos] === CR && pos + 1 >= len && !done) break rows;
          if (buf[pos] === CR && buf[pos + 1] === LF) pos++;
          if (buf[pos] === COMMA) {
            pos++;
            continue;
          }
          pos++; // LF
          linesInRow++;
          break;
        }
        line += linesInRow;
        consumed = pos;

        // A blank line.
        if (nf === 1 && fq[0] === null && fe[0] === fs[0]) continue;
        if (!header) {
          header = fs.slice(0, nf).map((s, i) => (fq[i] ?? buf.toString('utf8', s, fe[i])).trim());
          const missing = request.filter((r) => !header!.includes(r.name)).map((r) => r.name);
          if (missing.length > 0) throw new MissingColumnsError(missing, header);
          wanted = request.map((r) => ({ index: header!.indexOf(r.name), sink: SINKS[r.kind](), name: r.name, counts: emptyCounts(r) }));
          continue;
        }
        if (nf !== header.length) {
          throw new TableError(`line ${rowLine} has ${nf} field${nf === 1 ? '' : 's'} but the header has ${header.length}`, rowLine);
        }
        ctxBuf = buf;
        ctxStart = rowStart;
        ctxEnd = fe[nf - 1]!;
        ctx.line = rowLine;
        let isEmpty = false;
        for (const w of wanted) {
          const q = fq[w.index];
          const s = fs[w.index]!;
          const e = fe[w.index]!;
          if (q !== null && q !== undefined) {
            if (w.counts && q.trim() === '') isEmpty = true;
            w.sink.text(q, ctx);
          } else {
            if (w.counts && isBlank(buf, s, e)) isEmpty = true;
            w.sink.bytes(buf, s, e, ctx);
          }
        }
        if (isEmpty) note(empty, rowLine, () => ctx.raw());
        lines.push(rowLine);
        n++;
      }
      carry = consumed < len ? Buffer.from(buf.subarray(consumed)) : Buffer.alloc(0);
    }
  } finally {
    await iterator.return(undefined);
  }
  if (!header) throw new TableError('the file is empty; the first line must be a header such as "id,label"', 1);
  return { header, n, lines: lines.view(), columns: new Map(wanted.map((w) => [w.name, w.sink.finish()])), empty };
}

function isBlank(buf: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

async function readJsonLines(source: TableSource, request: readonly ColumnRequest[], chunkBytes: number): Promise<Table> {
  const sinks = request.map((r) => ({ sink: SINKS[r.kind](), name: r.name, kind: r.kind, counts: emptyCounts(r) }));
  const lines = new GrowableInt32();
  const empty = tally();
  let n = 0;
  let line = 0;
  let rest = '';
  const seen = new Set<string>();
  const take = (text: string) => {
    line++;
    if (text.trim() === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      throw new TableError(`line ${line} is not valid JSON; each line must be one JSON object`, line);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new TableError(`line ${line} is not a JSON object`, line);
    const record = obj as Record<string, unknown>;
    if (n === 0) {
      for (const k of Object.keys(record)) seen.add(k);
      const missing = request.filter((r) => !(r.name in record)).map((r) => r.name);
      if (missing.length > 0) throw new MissingColumnsError(missing, Object.keys(record), { csv: false });
    }
    const ctx: RowContext = { line, raw: () => truncate(text) };
    let isEmpty = false;
    for (const { sink, name, kind, counts } of sinks) {
      const v = record[name];
      if (kind === 'text' && typeof v !== 'string')
        throw new TableError(
          `line ${line}: "${name}" is ${v === undefined ? 'missing' : v === null ? 'null' : `a ${Array.isArray(v) ? 'list' : typeof v}`}, not a text; write it as a JSON string ("" for an empty one)`,
          line,
        );
      const str =
        v === undefined || v === null
          ? ''
          : typeof v === 'string'
            ? v
            : typeof v === 'number' || typeof v === 'boolean'
              ? String(v)
              : jsonText(v);
      if (str === undefined) throw new TableError(`line ${line}: "${name}" is nested too deeply to read; give a text or a number`, line);
      if (counts && str.trim() === '') isEmpty = true;
      sink.text(str, ctx);
    }
    if (isEmpty) note(empty, line, ctx.raw);
    lines.push(line);
    n++;
  };
  // A chunk can end inside a multi-byte character; the decoder holds it for the next one.
  const decoder = new StringDecoder('utf8');
  let firstChunk = true;
  for await (const chunk of chunksOf(source, chunkBytes)) {
    let text = rest + decoder.write(chunk);
    if (firstChunk) text = text.replace(/^\uFEFF/, '');
    firstChunk = false;
    const parts = text.split('\n');
    rest = parts.pop()!;
    for (const p of parts) take(p.endsWith('\r') ? p.slice(0, -1) : p);
  }
  if (rest !== '') take(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  if (n === 0) throw new TableError('the file has no JSON lines', 1);
  return { header: [...seen], n, lines: lines.view(), columns: new Map(sinks.map((s) => [s.name, s.sink.finish()])), empty };
}

/** Field positions of the two TREC files: query, document, and the number (relevance or score). */
const TREC_FIELDS = { qrels: [0, 2, 3], run: [0, 2, 4] } as const;
const TREC_SHAPE = {
  qrels: 'a qrels line is "qid iter docno rel"',
  run: 'a run line is "qid Q0 docno rank score tag"',
} as const;

/** The bytes C's isspace() takes as blanks within a line: space, tab, CR, VT, FF. */
const SPACE = new Uint8Array(256);
for (const c of [32, 9, 13, 11, 12]) SPACE[c] = 1;

/**
 * Reads a TREC qrels or run file, whitespace-separated as trec_eval reads them: the query,
 * document and number requested (two keys and a number, in that order) come from fields 1, 3
 * and 4 (qrels) or 1, 3 and 5 (a run); the iter, Q0, rank and tag fields are read past. The
 * first line's field count says which file it is: four for qrels, six or more for a run
 * (trec_eval ignores fields after the sixth). Lines starting with # and blank lines are skipped.
 */
async function readTrec(source: TableSource, request: readonly ColumnRequest[], chunkBytes: number): Promise<Table> {
  const keys = request.filter((r) => r.kind === 'key');
  const numbers = request.filter((r) => r.kind === 'number');
  const other = request.filter((r) => r.kind === 'category');
  if (keys.length !== 2 || numbers.length !== 1)
    throw new TableError('a TREC file holds ranked documents per query: it is read with retrieval metrics only', 1);
  if (other.length > 0)
    throw new MissingColumnsError(
      other.map((r) => r.name),
      request.filter((r) => r.kind !== 'category').map((r) => r.name),
      { csv: false },
    );
  // Fields hold no blanks, so keys go to their columns as they are, untrimmed.
  const queryKeys = new KeyColumn();
  const docKeys = new KeyColumn();
  const number = numberSink();
  const notWhole: number[] = [];
  const lines = new GrowableInt32();
  let kind: 'qrels' | 'run' | undefined;
  let line = 1;
  let n = 0;
  let carry: Buffer = Buffer.alloc(0);
  const starts = new Int32Array(8);
  const ends = new Int32Array(8);
  let ctxBuf: Buffer = carry;
  let ctxStart = 0;
  let ctxEnd = 0;
  const ctx: RowContext = { line: 0, raw: () => truncate(ctxBuf.toString('utf8', ctxStart, ctxEnd).trim()) };
  const iterator = chunksOf(source, chunkBytes);
  try {
    for (let done = false; !done;) {
      const next = await iterator.next();
      done = next.done === true;
      const buf: Buffer = done ? carry : carry.length ? Buffer.concat([carry, next.value as Buffer]) : (next.value as Buffer);
      if (buf.includes(0)) throw new TableError('the file contains NUL bytes; it is not a text TREC file', line);
      const len = buf.length;
      let pos = line === 1 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
      let consumed = pos;
      while (pos < len) {
        let end = buf.indexOf(LF, pos);
        if (end < 0) {
          if (!done) break; // the line continues in the next chunk
          end = len;
        }
        const rowLine = line++;
        const lineStart = pos;
        pos = end + 1;
        consumed = Math.min(pos, len);
        if (buf[lineStart] === 35) continue; // a comment: #
        // The fields up to the sixth; a run's fields after it are not read (trec_eval ignores them).
        let nf = 0;
        let p = lineStart;
        while (nf < 6) {
          while (p < end && SPACE[buf[p]!]) p++;
          if (p >= end) break;
          const s = p;
          while (p < end && !SPACE[buf[p]!]) p++;
          starts[nf] = s;
          ends[nf++] = p;
        }
        if (nf === 0) continue;
        if (!kind) {
          if (nf === 4) kind = 'qrels';
          else if (nf >= 6) kind = 'run';
          else
            throw new TableError(
              `line ${rowLine} has ${nf} field${nf === 1 ? '' : 's'}: ${TREC_SHAPE.qrels} (4 fields), ${TREC_SHAPE.run} (6)`,
              rowLine,
            );
        } else if (kind === 'qrels' ? nf !== 4 : nf < 6) {
          throw new TableError(
            `line ${rowLine} has ${nf === 6 && !blankTo(buf, p, end) ? 'more than 6' : nf} field${nf === 1 ? '' : 's'}, where ${TREC_SHAPE[kind]}`,
            rowLine,
          );
        }
        ctxBuf = buf;
        ctxStart = lineStart;
        ctxEnd = end;
        ctx.line = rowLine;
        const [q, d, v] = TREC_FIELDS[kind];
        queryKeys.pushBytes(buf, starts[q]!, ends[q]!);
        docKeys.pushBytes(buf, starts[d]!, ends[d]!);
        // Counted, not quoted: a file meant as a run may hold anything in this field.
        if (kind === 'qrels' && !isWholeNumber(buf, starts[v]!, ends[v]!)) notWhole.push(rowLine);
        number.bytes(buf, starts[v]!, ends[v]!, ctx);
        lines.push(rowLine);
        n++;
      }
      carry = consumed < len ? Buffer.from(buf.subarray(consumed)) : Buffer.alloc(0);
    }
  } finally {
    await iterator.return(undefined);
  }
  if (!kind) throw new TableError(`the file has no lines: ${TREC_SHAPE.qrels}, ${TREC_SHAPE.run}`, 1);
  const names = [keys[0]!.name, keys[1]!.name, numbers[0]!.name];
  return {
    header: names,
    trec: kind,
    ...(notWhole.length > 0 ? { notWhole: { count: notWhole.length, line: notWhole[0]! } } : {}),
    n,
    lines: lines.view(),
    columns: new Map<string, ColumnData>([
      [names[0]!, { kind: 'key', keys: queryKeys.finish() }],
      [names[1]!, { kind: 'key', keys: docKeys.finish() }],
      [names[2]!, number.finish()],
    ]),
    empty: tally(),
  };
}

/** Whether nothing but blanks is left on the line. */
function blankTo(b: Buffer, p: number, end: number): boolean {
  while (p < end && SPACE[b[p]!]) p++;
  return p >= end;
}

function isWholeNumber(b: Buffer, s: number, e: number): boolean {
  if (b[s] === 45 || b[s] === 43) s++;
  if (s >= e) return false;
  for (let i = s; i < e; i++) if (b[i]! < 48 || b[i]! > 57) return false;
  return true;
}
