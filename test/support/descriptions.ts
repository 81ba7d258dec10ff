// Reads back the descriptions a relation carries in the warehouse, as a BI tool would see them:
// Postgres and PGlite from pg_catalog (obj_description, col_description), BigQuery from the
// table's metadata. No description reads as null.
import type { WarehouseConfig } from '../../temporal.config';
import { bigQueryClient } from '../../warehouse/bigquery';
import type { Schema, WarehouseEngine } from '../../warehouse/engine';

export interface StoredDescriptions {
  description: string | null;
  /** Every column of the relation, in order. */
  columns: Record<string, string | null>;
}

export async function readDescriptions(
  config: WarehouseConfig,
  db: WarehouseEngine,
  schema: Schema,
  name: string,
): Promise<StoredDescriptions> {
  if (config.engine === 'bigquery') {
    const table = bigQueryClient(config).dataset(db.schemaName(schema)).table(name);
    const [metadata] = await table.getMetadata();
    const fields: Array<{ name: string; description?: string }> = metadata.schema?.fields ?? [];
    return {
      description: metadata.description || null,
      columns: Object.fromEntries(fields.map((f) => [f.name, f.description || null])),
    };
  }
  const relation = db.table(schema, name);
  const [own] = await db.query<{ description: string | null }>(
    `select obj_description($1::regclass, 'pg_class') as description`,
    [relation],
  );
  const columns = await db.query<{ name: string; description: string | null }>(
    `select attname as name, col_description(attrelid, attnum) as description
       from pg_catalog.pg_attribute
      where attrelid = $1::regclass and attnum > 0 and not attisdropped
      order by attnum`,
    [relation],
  );
  return {
    description: own?.description ?? null,
    columns: Object.fromEntries(columns.map((c) => [c.name, c.description])),
  };
}
