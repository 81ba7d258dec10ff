// Schema migrations for every engine: an ordered list, each applied once and recorded in
// etl_meta.schema_migrations. (knex's migrator cannot drive PGlite or BigQuery, so this small
// runner does the same job for all three.)
import { SCHEMAS, type WarehouseEngine } from './engine';
import { MIGRATIONS } from './migrations/index';

export interface Migration {
  id: string;
  /** Statements for Postgres and PGlite. */
  postgres: (db: WarehouseEngine) => string[];
  /** Statements for BigQuery. */
  bigquery: (db: WarehouseEngine) => string[];
}

async function ensureSchemas(db: WarehouseEngine): Promise<void> {
  for (const schema of SCHEMAS) await db.query(`create schema if not exists ${db.schemaRef(schema)}`);
}

/** Applies every migration not applied yet; returns the ids it applied. */
export async function migrate(db: WarehouseEngine): Promise<string[]> {
  await ensureSchemas(db);
  const ledger = db.table('etl_meta', 'schema_migrations');
  await db.query(
    db.dialect === 'postgres'
      ? `create table if not exists ${ledger} (id text primary key, applied_at timestamptz not null default now())`
      : `create table if not exists ${ledger} (id string not null, applied_at timestamp not null)`,
  );
  const done = new Set((await db.query<{ id: string }>(`select id from ${ledger}`)).map((r) => r.id));
  const applied: string[] = [];
  for (const migration of MIGRATIONS) {
    if (done.has(migration.id)) continue;
    const statements = db.dialect === 'postgres' ? migration.postgres(db) : migration.bigquery(db);
    if (db.dialect === 'postgres') {
      await db.transaction(async (tx) => {
        for (const sql of statements) await tx.query(sql);
        await tx.query(`insert into ${ledger} (id) values ($1)`, [migration.id]);
      });
    } else {
      // The statements as one script, one job: each job costs a round trip (a second or so on
      // BigQuery itself), and BigQuery has no transaction for DDL to gain by running them apart.
      if (statements.length > 0) await db.query(statements.join(';\n'));
      await db.query(`insert into ${ledger} (id, applied_at) values ($1, current_timestamp())`, [
        migration.id,
      ]);
    }
    applied.push(migration.id);
  }
  return applied;
}
