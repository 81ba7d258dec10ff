// Puts a model's yml descriptions into the warehouse, where BI tools read them (docs/bi-tools.md):
// the relation's description and each documented column's.
//   Postgres, PGlite  `comment on table|view` and `comment on column`, in one transaction
//   BigQuery          the table's or view's description and its fields', by the tables API
//                     (WarehouseEngine.describeRelation)
// Checked after every build: a recreated table has none, while a replaced Postgres view and an
// incremental table keep the old ones, so a description taken out of the yml is removed here. Only
// those that differ from what the relation carries are written: a run that rebuilt nothing's
// descriptions sends one query per model (Postgres, PGlite), not one statement per column.
import { quotePgIdent, type RelationDescriptions, type WarehouseEngine } from '../warehouse/engine';
import type { Materialization } from './compile';
import type { ModelDoc } from './modelDoc';
import type { ModelFile } from './project';

/** What the yml says the relation and its columns hold. */
export function descriptionsOf(doc: ModelDoc): RelationDescriptions {
  return {
    description: doc.description ?? null,
    columns: doc.columns.map((c) => ({ name: c.name, description: c.description ?? null })),
  };
}

/** A Postgres string literal: an E'' string, so it reads the same whatever standard_conforming_strings is. */
const pgLiteral = (text: string | null) =>
  text === null ? 'null' : `E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** The comment statements of `relation` (quoted, qualified), a table or a view; an undefined description: none for the relation. */
export function commentStatements(
  relation: string,
  kind: 'table' | 'view' | 'materialized view',
  { description, columns }: Omit<RelationDescriptions, 'description'> & { description?: string | null },
): string[] {
  return [
    ...(description === undefined ? [] : [`comment on ${kind} ${relation} is ${pgLiteral(description)}`]),
    ...columns.map(
      (c) => `comment on column ${relation}.${quotePgIdent(c.name)} is ${pgLiteral(c.description)}`,
    ),
  ];
}

/** Writes the model's descriptions onto its built relation; a model without a yml has none to write. */
export async function writeDescriptions(
  db: WarehouseEngine,
  file: ModelFile,
  materialized: Materialization,
): Promise<void> {
  if (!file.doc) return;
  const descriptions = descriptionsOf(file.doc);
  if (db.dialect === 'bigquery') {
    if (!db.describeRelation) throw new Error(`the ${db.name} engine cannot store descriptions`);
    await db.describeRelation(file.layer, file.name, descriptions);
    return;
  }
  const kind = materialized === 'view' ? 'view' : 'table';
  const relation = db.table(file.layer, file.name);
  const stored = await storedComments(db, relation);
  // (a yml column the relation lacks is never stored: its statement fails, and says so)
  const statements = commentStatements(relation, kind, {
    description: stored.get(null) === descriptions.description ? undefined : descriptions.description,
    columns: descriptions.columns.filter((c) => !stored.has(c.name) || stored.get(c.name) !== c.description),
  });
  if (statements.length === 0) return;
  await db.transaction(async (tx) => {
    for (const statement of statements) await tx.query(statement);
  });
}

/** The comments `relation` carries now: its own (key null) and each column's (null: none). */
async function storedComments(
  db: WarehouseEngine,
  relation: string,
): Promise<Map<string | null, string | null>> {
  const rows = await db.query<{ name: string | null; description: string | null }>(
    `select cast(null as text) as name, obj_description($1::regclass, 'pg_class') as description
     union all
     select attname::text, col_description(attrelid, attnum)
       from pg_catalog.pg_attribute
      where attrelid = $1::regclass and attnum > 0 and not attisdropped`,
    [relation],
  );
  return new Map(rows.map((r) => [r.name, r.description]));
}
