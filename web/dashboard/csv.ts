// A table as CSV (RFC 4180), safe to open in a spreadsheet: text that starts like a formula
// (= + - @, or a tab or carriage return that some spreadsheets skip) gets a leading ', so a
// display name such as =HYPERLINK(…) stays text instead of running.
import type { Table } from './model';

const FORMULA_START = /^[=+\-@\t\r]/;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? String(value) : String(value).replace(FORMULA_START, "'$&");
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(table: Table): string {
  const lines = [
    table.columns.map((c) => csvCell(c.label)),
    ...table.rows.map((row) => table.columns.map((c) => csvCell(row[c.key]))),
  ];
  return `${lines.map((cells) => cells.join(',')).join('\r\n')}\r\n`;
}
