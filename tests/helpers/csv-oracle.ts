/**
 * A small, strict CSV reader for truth and predictions files (RFC 4180: comma-separated,
 * double-quoted fields may hold commas, quotes and newlines). Accepts a UTF-8 byte-order
 * mark and CRLF line ends, since spreadsheets and Windows tools write them.
 */
export interface CsvTable {
  header: string[];
  /** Data rows, each as long as the header. */
  rows: string[][];
  /** 1-based line in the file where each data row starts (for messages). */
  lines: number[];
}

export class CsvError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.name = 'CsvError';
    this.line = line;
  }
}

export function parseCsv(input: string): CsvTable {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (text.includes('\0')) throw new CsvError('the file contains NUL bytes; it is not a text CSV file', 1);
  const records = text.includes('"') ? splitQuoted(text) : splitPlain(text);
  const first = records.shift();
  if (!first || (first.fields.length === 1 && first.fields[0] === '')) {
    throw new CsvError('the file is empty; the first line must be a header such as "id,label"', 1);
  }
  const header = first.fields.map((h) => h.trim());
  const rows: string[][] = [];
  const lines: number[] = [];
  for (const r of records) {
    if (r.fields.length === 1 && r.fields[0] === '') continue; // blank line
    if (r.fields.length !== header.length) {
      throw new CsvError(
        `line ${r.line} has ${r.fields.length} field${r.fields.length === 1 ? '' : 's'} but the header has ${header.length}`,
        r.line,
      );
    }
    rows.push(r.fields);
    lines.push(r.line);
  }
  return { header, rows, lines };
}

interface RawRecord {
  fields: string[];
  line: number;
}

function splitPlain(text: string): RawRecord[] {
  const out: RawRecord[] = [];
  const parts = text.split('\n');
  for (let i = 0; i < parts.length; i++) {
    let l = parts[i]!;
    if (l.endsWith('\r')) l = l.slice(0, -1);
    if (i === parts.length - 1 && l === '') break;
    out.push({ fields: l.split(','), line: i + 1 });
  }
  return out;
}

function splitQuoted(text: string): RawRecord[] {
  const out: RawRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '"' && field === '') {
      // Quoted field: runs to the closing quote; "" stands for one quote.
      i++;
      const startLine = line;
      for (;;) {
        if (i >= n) throw new CsvError(`a quoted field opened on line ${startLine} is never closed`, startLine);
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new CsvError(`line ${line}: text after a closing quote; quote the whole field`, line);
      }
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      fields.push(field);
      out.push({ fields, line: recordLine });
      fields = [];
      field = '';
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    out.push({ fields, line: recordLine });
  }
  return out;
}
