// `bbetl doctor`'s warehouse checks: can it be opened, which migrations does its ledger
// (etl_meta.schema_migrations) hold against the ones this bbetl knows. Applies none: reading only.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readPidFile } from '../../../lib/pidFile';
import type { Config, WarehouseConfig } from '../../../temporal.config';
import { openWarehouse, type WarehouseEngine } from '../../../warehouse/engine';
import { MIGRATIONS } from '../../../warehouse/migrations/index';
import { PGLITE_LOCK_FILE, PgliteLockedError } from '../../../warehouse/pgliteLock';
import {
  answerInTime,
  type CheckResult,
  errorText,
  fail,
  isMissingTable,
  ok,
  READ_ETL_META_FIX,
  warn,
} from './check';
import { checkConnections } from './connections';

const NAME = 'warehouse';

/** Where the warehouse is, without the password a DATABASE_URL may hold. */
function location(config: WarehouseConfig): string {
  switch (config.engine) {
    case 'pglite':
      return `PGlite at ${config.dir}`;
    case 'postgres': {
      const url = new URL(config.url);
      return `Postgres at ${url.hostname}:${url.port || '5432'}${url.pathname}`;
    }
    case 'bigquery':
      return `BigQuery project ${config.project} (${config.location}, datasets ${config.datasetPrefix}_*)`;
  }
}

function connectFix(config: WarehouseConfig): string {
  switch (config.engine) {
    case 'pglite':
      return 'check that PGLITE_DIR (or BBETL_DATA_DIR) names a bbetl data directory this user can read and write';
    case 'postgres': {
      const url = new URL(config.url);
      return `start Postgres at ${url.hostname}:${url.port || '5432'} or correct DATABASE_URL (postgres://user:password@host:5432/db)`;
    }
    case 'bigquery':
      return 'check BIGQUERY_PROJECT, BIGQUERY_LOCATION and the Google credentials (GOOGLE_APPLICATION_CREDENTIALS, or `gcloud auth application-default login`)';
  }
}

/** A running `bbetl worker` or `bbetl web` holds the embedded warehouse: normal, so not a failure. */
function inUse(dir: string, config: Config): CheckResult {
  const holder = readPidFile<{ command: string; since: string }>(join(dir, PGLITE_LOCK_FILE));
  const by = holder?.pid
    ? `process ${holder.pid} (${holder.command ?? 'unknown command'}, since ${holder.since ?? 'unknown time'})`
    : 'another process';
  return warn(
    NAME,
    `PGlite at ${dir} is in use by ${by}: its migrations and connections were not checked`,
    `nothing to do if that is your \`bbetl worker\` or \`bbetl web\` (see ${config.publicUrl}/status); ` +
      'to check them too, stop it and run `bbetl doctor` again',
  );
}

/** The warehouse open and answering, or the check result saying why not. */
async function openToInspect(config: Config): Promise<{ db: WarehouseEngine } | { problem: CheckResult }> {
  const wh = config.warehouse;
  // Opening an empty directory would create a warehouse: the doctor only looks.
  if (wh.engine === 'pglite' && !existsSync(join(wh.dir, 'PG_VERSION'))) {
    return {
      problem: warn(
        NAME,
        `no embedded warehouse yet at ${wh.dir}`,
        'it is created by the first `bbetl connect --client-credentials`, `bbetl worker` or `bbetl web`',
      ),
    };
  }
  let db: WarehouseEngine | undefined;
  try {
    // PGlite is local: only its size decides how long it takes to open.
    db = await (wh.engine === 'pglite' ? openWarehouse(wh) : answerInTime(openWarehouse(wh), location(wh)));
    // BigQuery opens without a request: its first query is where credentials and project fail.
    await answerInTime(db.query('select 1 as ok'), location(wh));
    return { db };
  } catch (err) {
    await db?.close().catch(() => {});
    if (err instanceof PgliteLockedError && wh.engine === 'pglite') return { problem: inUse(wh.dir, config) };
    return { problem: fail(NAME, `cannot connect to ${location(wh)}: ${errorText(err)}`, connectFix(wh)) };
  }
}

async function appliedMigrations(db: WarehouseEngine): Promise<string[]> {
  try {
    const rows = await db.query<{ id: string }>(
      `select id from ${db.table('etl_meta', 'schema_migrations')}`,
    );
    return rows.map((r) => r.id);
  } catch (err) {
    // No ledger yet: nothing was ever applied.
    if (isMissingTable(err)) return [];
    throw err;
  }
}

function migrationsCheck(applied: string[]): CheckResult {
  const known = MIGRATIONS.map((m) => m.id);
  const pending = known.filter((id) => !applied.includes(id));
  const unknown = applied.filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    return warn(
      'migrations',
      `the warehouse has migrations this bbetl does not know: ${unknown.join(', ')}`,
      'upgrade bbetl to the version that migrated this warehouse',
    );
  }
  if (pending.length > 0) {
    return warn(
      'migrations',
      `${pending.length} of ${known.length} pending: ${pending.join(', ')}`,
      'nothing to run by hand: they apply when `bbetl worker` or `bbetl web` next starts',
    );
  }
  return ok('migrations', `all ${known.length} applied (latest ${known.at(-1)})`);
}

/** The warehouse, its migrations, then the connections it stores. */
export async function checkWarehouse(config: Config, now: Date): Promise<CheckResult[]> {
  const opened = await openToInspect(config);
  if ('problem' in opened) return [opened.problem];
  const { db } = opened;
  try {
    let migrations: CheckResult;
    try {
      migrations = migrationsCheck(await appliedMigrations(db));
    } catch (err) {
      migrations = fail(
        'migrations',
        `cannot read etl_meta.schema_migrations: ${errorText(err)}`,
        READ_ETL_META_FIX,
      );
    }
    return [
      ok(NAME, `connected to ${location(config.warehouse)}`),
      migrations,
      ...(await checkConnections(db, config, now)),
    ];
  } finally {
    await db.close();
  }
}
