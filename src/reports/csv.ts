/**
 * Every CSV pcc writes goes through here. Text cells that a spreadsheet would run as a formula
 * (starting with `=`, `+`, `-`, `@`, tab or CR — OWASP's CSV-injection list) get a leading `'`, which
 * spreadsheets show as text; numbers stay numbers. Quoting and line breaks are csv-stringify's.
 */
import { stringify } from 'csv-stringify/sync';

export type CsvCell = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell as it is written: formula starts neutralised, everything else unchanged. */
export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function cell(value: CsvCell): string | number {
  if (value === null || value === undefined) return '';
  return typeof value === 'number' ? value : neutraliseCell(value);
}

/** A whole CSV file: a header row, then the rows. */
export function csvDocument(columns: readonly string[], rows: readonly CsvCell[][]): string {
  return stringify(
    rows.map((r) => r.map(cell)),
    { header: true, columns: [...columns] },
  );
}

/** Rows to append to an existing CSV (no header). */
export function csvRows(rows: readonly CsvCell[][]): string {
  return stringify(rows.map((r) => r.map(cell)));
}
