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

/**
 * Applies every migration not applied yet (in order; the project's, unless given), returns the ids
 * it applied. One that fails throws, with the ones before it applied and recorded.
 */
export async function migrate(
  db: WarehouseEngine,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<string[]> {
  await ensureSchemas(db);
  const ledger = db.table('etl_meta', 'schema_migrations');
  await db.query(
    db.dialect === 'postgres'
      ? `create table if not exists ${ledger} (id text primary key, applied_at timestamptz not null default now())`
      : `create table if not exists ${ledger} (id string not null, applied_at timestamp not null)`,
  );
  const done = new Set((await db.query<{ id: string }>(`select id from ${ledger}`)).map((r) => r.id));
  const pending = migrations.filter((m) => !done.has(m.id));
  if (db.dialect === 'postgres') {
    for (const migration of pending) {
      await db.transaction(async (tx) => {
        for (const sql of migration.postgres(db)) await tx.query(sql);
        await tx.query(`insert into ${ledger} (id) values ($1)`, [migration.id]);
      });
    }
  } else if (pending.length > 0) {
    // Every pending migration in one script, one job: each job costs a round trip (a second or so
    // on BigQuery itself), and BigQuery has no transaction for DDL to gain by running them apart.
    // Each migration's ledger row follows its statements, so a script that fails part way leaves
    // the migrations before the failure applied and recorded, as one job per migration would.
    // (A JSON string is a BigQuery string literal: the same quotes and escapes.)
    const script = pending.flatMap((migration) => [
      ...migration.bigquery(db),
      `insert into ${ledger} (id, applied_at) values (${JSON.stringify(migration.id)}, current_timestamp())`,
    ]);
    await db.query(script.join(';\n'));
  }
  return pending.map((m) => m.id);
}
