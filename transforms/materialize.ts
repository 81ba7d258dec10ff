// Puts one compiled model into the warehouse:
//   view         Postgres: `create or replace view`; when that fails (columns changed, or a table
//                of that name) the old relation is dropped (cascade) and the view created, in one
//                transaction. BigQuery: `create or replace view` (a table of that name is dropped first).
//   table        Postgres: build `<name>__bbetl_new`, then in one transaction drop the old relation
//                (cascade) and rename the new one into place. BigQuery: `create or replace table`.
//   incremental  first run or full refresh: as a table. Otherwise the new rows into a temp table
//                (BigQuery: a `<name>__bbetl_incr` table, dropped after), then in one transaction
//                `delete` the rows whose unique_key comes again and `insert` the new rows.
import { isBigQueryNotFound } from '../warehouse/bigquery';
import type { Queryable, WarehouseEngine } from '../warehouse/engine';
import { quotePgIdent } from '../warehouse/engine';
import type { CompiledModel } from './compile';
import type { ModelFile } from './project';
import { quoteColumn } from './quote';

export type RelationKind = 'table' | 'view' | undefined;

/** What the model's relation is now, if it exists. */
export async function relationKind(db: WarehouseEngine, model: ModelFile): Promise<RelationKind> {
  if (db.dialect === 'postgres') {
    const rows = await db.query<{ table_type: string }>(
      'select table_type from information_schema.tables where table_schema = $1 and table_name = $2',
      [db.schemaName(model.layer), model.name],
    );
    const type = rows[0]?.table_type;
    return type === undefined ? undefined : type === 'VIEW' ? 'view' : 'table';
  }
  try {
    await db.query(`select 1 from ${db.table(model.layer, model.name)} limit 0`);
    return 'table'; // BigQuery: exists (view or table; the statements below cope with either)
  } catch (error) {
    // Anything but "not found" (a timeout, a quota) must not pass for a missing relation: that
    // would rebuild an incremental model from scratch.
    if (isBigQueryNotFound(error)) return undefined;
    throw error;
  }
}

/** BigQuery's `create or replace` fails on a relation of the other kind: drop that, then create. */
async function createOrReplaceOnBigQuery(
  db: WarehouseEngine,
  create: string,
  otherKind: 'table' | 'view',
  model: CompiledModel,
  existing: RelationKind,
): Promise<void> {
  try {
    await db.query(create);
  } catch (error) {
    if (!existing) throw error;
    await db.query(`drop ${otherKind} if exists ${model.relation}`);
    await db.query(create);
  }
}

async function materializeView(db: WarehouseEngine, model: CompiledModel, existing: RelationKind) {
  const create = `create or replace view ${model.relation} as\n${model.sql}`;
  if (db.dialect === 'bigquery') return createOrReplaceOnBigQuery(db, create, 'table', model, existing);
  if (existing === 'view') {
    try {
      await db.transaction((tx) => tx.query(create));
      return;
    } catch {
      // columns changed: fall through to drop and create
    }
  }
  await db.transaction(async (tx) => {
    if (existing) await tx.query(`drop ${existing} if exists ${model.relation} cascade`);
    await tx.query(create);
  });
}

async function materializeTable(
  db: WarehouseEngine,
  file: ModelFile,
  model: CompiledModel,
  existing: RelationKind,
) {
  if (db.dialect === 'bigquery') {
    const partition = model.config.partitionBy ? `partition by ${model.config.partitionBy}\n` : '';
    const create = `create or replace table ${model.relation}\n${partition}as\n${model.sql}`;
    return createOrReplaceOnBigQuery(db, create, 'view', model, existing);
  }
  const newName = `${model.name}__bbetl_new`;
  const staged = db.table(file.layer, newName);
  await db.query(`drop table if exists ${staged}`);
  await db.query(`create table ${staged} as\n${model.sql}`);
  await db.transaction(async (tx) => {
    if (existing) await tx.query(`drop ${existing} if exists ${model.relation} cascade`);
    await tx.query(`alter table ${staged} rename to ${quotePgIdent(model.name)}`);
  });
}

async function materializeIncremental(db: WarehouseEngine, file: ModelFile, model: CompiledModel) {
  const keys = model.config.uniqueKey;
  if (db.dialect === 'bigquery') return materializeIncrementalOnBigQuery(db, file, model, keys);
  const tmp = quotePgIdent(`${model.name}__bbetl_incr`);
  await db.transaction(async (tx: Queryable) => {
    await tx.query(`create temporary table ${tmp} on commit drop as\n${model.sql}`);
    if (keys) {
      const cols = keys.map(quotePgIdent).join(', ');
      await tx.query(`delete from ${model.relation} where (${cols}) in (select ${cols} from ${tmp})`);
    }
    await tx.query(`insert into ${model.relation} select * from ${tmp}`);
  });
}

/**
 * The new rows are computed once, into a staging table, before the model's relation changes: the
 * model reads its own relation (the newest row already there), and a statement that both reads and
 * writes it sees its own writes on the emulator (an `insert … select` that lost rows under load).
 * The delete and insert then run as one transaction, so no reader or crash sees the rows gone.
 */
async function materializeIncrementalOnBigQuery(
  db: WarehouseEngine,
  file: ModelFile,
  model: CompiledModel,
  keys: readonly string[] | undefined,
) {
  const staged = db.table(file.layer, `${model.name}__bbetl_incr`);
  await db.query(`create or replace table ${staged} as\n${model.sql}`);
  try {
    const q = (k: string) => quoteColumn('bigquery', k);
    const match = (keys ?? []).map((k) => `t.${q(k)} = s.${q(k)}`).join(' and ');
    const remove = keys
      ? `delete from ${model.relation} t where exists (select 1 from ${staged} s where ${match});\n`
      : '';
    await db.query(
      `begin transaction;\n${remove}insert into ${model.relation} select * from ${staged};\ncommit transaction;`,
    );
  } finally {
    await db.query(`drop table if exists ${staged}`);
  }
}

/**
 * Materializes `model` as its config says; `incremental` when it was compiled for an existing
 * relation (is_incremental() true), else an incremental model is built as a table.
 */
export async function materialize(
  db: WarehouseEngine,
  file: ModelFile,
  model: CompiledModel,
  existing: RelationKind,
  incremental: boolean,
): Promise<void> {
  if (model.config.materialized === 'view') await materializeView(db, model, existing);
  else if (incremental) await materializeIncremental(db, file, model);
  else await materializeTable(db, file, model, existing);
}
