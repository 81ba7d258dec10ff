// The metric glossary: every mart and column as its .yml beside the SQL describes it (the same
// source as docs/glossary.md), read once through the transform project's loader. Pages link their
// figures here through glossaryHref, which refuses a column the glossary does not define.
import { loadProject } from '../../transforms/project';
import { DEFAULT_PROJECT_DIR } from '../../transforms/service';
import type { Column, Format, Kpi } from './model';

/** Text with its `code` spans marked, so the template can set them as code without any markup. */
export interface TextPart {
  text: string;
  code: boolean;
}

export interface GlossaryEntry {
  name: string;
  description: TextPart[];
  columns: Array<{ name: string; anchor: string; description: TextPart[] }>;
}

const parts = (text: string | undefined): TextPart[] =>
  (text ?? '').split('`').map((piece, i) => ({ text: piece, code: i % 2 === 1 }));

export const glossaryAnchor = (mart: string, column: string) => `${mart}.${column}`;

let entries: GlossaryEntry[] | undefined;

/** The marts, alphabetically, with their columns in the files' order. */
export function glossaryEntries(): GlossaryEntry[] {
  entries ??= [...loadProject(DEFAULT_PROJECT_DIR).models.values()]
    .filter((m) => m.layer === 'marts')
    .map((m) => ({
      name: m.name,
      description: parts(m.doc?.description),
      columns: (m.doc?.columns ?? []).map((c) => ({
        name: c.name,
        anchor: glossaryAnchor(m.name, c.name),
        description: parts(c.description),
      })),
    }));
  return entries;
}

/** The glossary link of a mart column; throws for one it does not define (a page's typo). */
export function glossaryHref(mart: string, column: string): string {
  const known = glossaryEntries()
    .find((e) => e.name === mart)
    ?.columns.some((c) => c.name === column);
  if (!known) throw new Error(`the glossary defines no column ${mart}.${column}`);
  return `/glossary#${glossaryAnchor(mart, column)}`;
}

/** A table column showing a mart column (under `key` in the rows), its header linked to the definition. */
export function martColumn(
  mart: string,
  column: string,
  label: string,
  format: Format,
  key = column,
): Column {
  return { key, label, format, glossary: glossaryHref(mart, column) };
}

/** A headline figure of a mart column, its label linked to the column's definition. */
export function martKpi(mart: string, column: string, kpi: Omit<Kpi, 'glossary'>): Kpi {
  return { ...kpi, glossary: glossaryHref(mart, column) };
}
