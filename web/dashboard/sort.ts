// Sorting a table by a column from the address (?sort=<column>&dir=asc|desc), so a sorted view is
// a shareable URL and its CSV comes in the same order. Only the table's own sortable columns are
// accepted: anything else is a 400 that lists them. Nulls go last whichever the direction.
import { badRequest, type Filters, filterQuery, quoted, type Sort } from './filters';
import type { Column, TableRow } from './model';

/** The sort asked for, checked against the columns that may be sorted on. */
export function checkedSort(f: Filters, sortable: readonly string[]): Sort | undefined {
  if (f.sort && !sortable.includes(f.sort.key))
    throw badRequest(
      `sort: there is no column ${quoted(f.sort.key)} to sort on; use one of ${sortable.join(', ')}`,
    );
  return f.sort;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

/** The rows sorted by `sort` (a stable sort: rows that tie keep their order); as given without one. */
export function sortRows<T extends TableRow>(rows: T[], sort: Sort | undefined): T[] {
  if (!sort) return rows;
  const sign = sort.dir === 'asc' ? 1 : -1;
  const blank = (v: unknown) => v === null || v === undefined || v === '';
  return [...rows].sort((x, y) => {
    const [a, b] = [x[sort.key], y[sort.key]];
    if (blank(a) || blank(b)) return Number(blank(a)) - Number(blank(b));
    return sign * compare(a, b);
  });
}

/**
 * The columns with sort links for those in `sortable`: a click sorts by the column, ascending
 * first, and a second click on the sorted column turns the order round.
 */
export function sortableColumns(
  columns: Column[],
  sortable: readonly string[],
  f: Filters,
  offered: Parameters<typeof filterQuery>[1],
): Column[] {
  return columns.map((c) => {
    if (!sortable.includes(c.key)) return c;
    const current = f.sort?.key === c.key ? f.sort.dir : undefined;
    const dir = current === 'asc' ? 'desc' : 'asc';
    return { ...c, sort: { href: `?${filterQuery(f, offered, { sort: c.key, dir })}`, current } };
  });
}
