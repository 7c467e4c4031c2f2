/** A CSV field as RFC 4180 writes it: quoted, with quotes doubled, when it holds a comma, a quote or a line break. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
