/** A CSV field as RFC 4180 writes it: quoted, with quotes doubled, when it holds a comma, a quote or a line break. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * Text a spreadsheet will not run: a leading =, +, - or @ (or a tab or carriage return before
 * one, which spreadsheets skip) makes a formula in Excel and LibreOffice, so such a text gets a
 * leading apostrophe, which they show as text. For texts only: numbers are written as they are.
 */
export function spreadsheetSafe(text: string): string {
  return /^[\t\r]*[=+\-@]/.test(text) ? `'${text}` : text;
}
