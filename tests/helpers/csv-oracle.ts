import { parse, type InfoRecord, type Options } from 'csv-parse/sync';

/**
 * The oracle for Podium's table reader: how csv-parse, a maintained RFC 4180 parser, reads the
 * same bytes. The options are the dialect Podium documents for truth and predictions files: a
 * UTF-8 byte-order mark is dropped, LF and CRLF both end a record, and blank lines are skipped.
 * Everything else is csv-parse's default, strict reading (a quote only opens a field; after a
 * closing quote comes a comma or the end of the record; every record as long as the first).
 */
export const PODIUM_DIALECT = { bom: true, record_delimiter: ['\r\n', '\n'], skip_empty_lines: true } as const satisfies Options;

export interface CsvReading {
  /** The first record. */
  header: string[];
  /** The records after it. */
  rows: string[][];
  /** 1-based line where each row starts. */
  lines: number[];
}

/** csv-parse's reading of `text`; throws csv-parse's own CsvError where it refuses the text. */
export function readWithCsvParse(text: string, options: Options = {}): CsvReading {
  // With `info`, each record comes with where it ends; csv-parse's types leave that shape out.
  const records = parse(text, { ...PODIUM_DIALECT, ...options, info: true }) as unknown as { record: string[]; info: InfoRecord }[];
  // csv-parse reports the byte offset after each record; a record starts there, past blank lines.
  const bytes = Buffer.from(text, 'utf8');
  const starts: number[] = [];
  let offset = 0;
  let line = 1;
  let counted = 0;
  for (const { info } of records) {
    let s = offset;
    while (bytes[s] === 0x0a || (bytes[s] === 0x0d && bytes[s + 1] === 0x0a)) s += bytes[s] === 0x0d ? 2 : 1;
    for (; counted < s; counted++) if (bytes[counted] === 0x0a) line++;
    starts.push(line);
    offset = info.bytes;
  }
  const [first, ...rest] = records;
  return { header: first?.record ?? [], rows: rest.map((r) => r.record), lines: starts.slice(1) };
}
