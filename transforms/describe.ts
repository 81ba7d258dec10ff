// Puts a model's yml descriptions into the warehouse, where BI tools read them (docs/bi-tools.md):
// the relation's description and each documented column's.
//   Postgres, PGlite  `comment on table|view` and `comment on column`, in one transaction
//   BigQuery          the table's or view's description and its fields', by the tables API
//                     (WarehouseEngine.describeRelation)
// Written after every build: a recreated table has none, while a replaced Postgres view and an
// incremental table keep the old ones, so a description taken out of the yml is removed here.
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

/** The comment statements of `relation` (quoted, qualified), a table or a view. */
export function commentStatements(
  relation: string,
  kind: 'table' | 'view' | 'materialized view',
  { description, columns }: RelationDescriptions,
): string[] {
  return [
    `comment on ${kind} ${relation} is ${pgLiteral(description)}`,
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
  const statements = commentStatements(db.table(file.layer, file.name), kind, descriptions);
  await db.transaction(async (tx) => {
    for (const statement of statements) await tx.query(statement);
  });
}
