import type { TableFormat } from './table.js';

/**
 * The rows of a CSV, JSON Lines or TREC text whose id (a TREC file's query) is in `keep`, written back exactly as they were
 * (header, quoting, line ends and every column kept), for a program that must see one part of
 * the test set only: an organiser's scoring program run on the public and the private part
 * apart. The texts have been read by Podium's own reader before, so they are well formed.
 */
export function subsetRows(text: string, format: TableFormat, idColumn: string, keep: ReadonlySet<string>): string {
  // TREC qrels and runs: the query is the first field of a line.
  if (format === 'trec')
    return text
      .split(/(?<=\n)/)
      .filter((line) => keep.has(line.trim().split(/\s+/)[0] ?? ''))
      .map((line) => (line.endsWith('\n') ? line : `${line}\n`))
      .join('');
  if (format === 'jsonl') {
    const out: string[] = [];
    for (const line of text.split(/(?<=\n)/)) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as Record<string, unknown>;
      const id = row[idColumn];
      if (id !== undefined && id !== null && keep.has(String(id).trim())) out.push(line.endsWith('\n') ? line : `${line}\n`);
    }
    return out.join('');
  }
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  let header: string[] | undefined;
  let column = -1;
  const out: string[] = [];
  for (const record of csvRecords(body)) {
    if (record.fields.length === 1 && record.fields[0] === '') continue; // a blank line
    if (!header) {
      header = record.fields.map((f) => f.trim());
      column = header.indexOf(idColumn);
      if (column < 0) throw new Error(`no column "${idColumn}" in the header`);
      out.push(record.raw);
      continue;
    }
    if (keep.has((record.fields[column] ?? '').trim())) out.push(record.raw);
  }
  return out.map((r) => (r.endsWith('\n') ? r : `${r}\n`)).join('');
}

/** CSV records with their raw text (line end included) and their fields, quotes undone. */
export function* csvRecords(text: string): Generator<{ raw: string; fields: string[] }> {
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    const start = pos;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[pos] === '"') {
        pos++;
        for (;;) {
          const q = text.indexOf('"', pos);
          if (q < 0) throw new Error('a quoted field is never closed');
          field += text.slice(pos, q);
          if (text[q + 1] === '"') {
            field += '"';
            pos = q + 2;
          } else {
            pos = q + 1;
            break;
          }
        }
        // Up to the separator (Podium's reader refuses text after a closing quote).
        while (pos < n && text[pos] !== ',' && text[pos] !== '\n') pos++;
      } else {
        let e = pos;
        while (e < n && text[e] !== ',' && text[e] !== '\n') e++;
        field = text.slice(pos, e);
        pos = e;
      }
      fields.push(field.endsWith('\r') && (pos >= n || text[pos] === '\n') ? field.slice(0, -1) : field);
      if (pos < n && text[pos] === ',') {
        pos++;
        continue;
      }
      if (pos < n) pos++; // the line end
      break;
    }
    yield { raw: text.slice(start, pos), fields };
  }
}
