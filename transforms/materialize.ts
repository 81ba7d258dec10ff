// Puts one compiled model into the warehouse:
//   view         Postgres: `create or replace view`; when that fails (columns changed, or a table
//                of that name) the old relation is replaced: dropped and the view created, in one
//                transaction. BigQuery: `create or replace view` (a table of that name is dropped first).
//   table        Postgres: build `<name>__bbetl_new`, then in one transaction replace the old
//                relation: drop it and rename the new one into place. BigQuery: `create or replace table`.
//   incremental  first run or full refresh: as a table. Otherwise each evaluated_first() subquery
//                is evaluated and written in as its value, then the new rows go into a table of
//                their own (Postgres: etl_meta.<name>__bbetl_written, kept for the model's tests;
//                BigQuery: a `<name>__bbetl_incr` table, dropped after), then in one transaction
//                `delete` the rows whose unique_key comes again (replace_where: the rows matching
//                its predicates) and `insert` the new rows. On Postgres, the table of an
//                incremental model with a unique_key is indexed on it when built.
// Each says whether the relation's rows may have changed, so that the models built from it are
// rebuilt only then: an incremental run that deleted and added nothing did not change them, nor a
// Postgres table rebuilt from the same SQL into the same rows (it is then left as it was).
// A Postgres replacement keeps the views on the old relation (BI views, models outside the run):
// the drop takes them with it (cascade), so they are re-created on the new one in the same
// transaction; one that no longer fits fails the model and leaves the old relation (unless it is
// a model this run builds later). BigQuery's views are late-bound and survive as they are.
import type { Dialect, Queryable, RelationKind, Row, WarehouseEngine } from '../warehouse/engine';
import { quotePgIdent } from '../warehouse/engine';
import type { CompiledModel, EvaluatedFirst, EvaluatedFirstType } from './compile';
import { commentStatements } from './describe';
import { DependentViewError, errorMessage, ProjectError } from './errors';
import type { ModelFile } from './project';
import { quoteColumn } from './quote';

/** What materialize needs to know of the run besides the model. */
export interface MaterializeContext {
  /** The model was compiled for its existing relation (is_incremental() true): add the new rows. */
  incremental: boolean;
  /** The project's models, to tell a view that is a model from one a user made. */
  models: ReadonlyMap<string, ModelFile>;
  /** The models this run builds after this one: a view of theirs that no longer fits is left to that build. */
  later: ReadonlySet<string>;
  /**
   * A table rebuilt into the same rows is kept as it is (found by comparing): the relation was
   * built from the same SQL, and models read it (for a model nothing reads, the comparison would
   * only cost).
   */
  keepIfSameRows: boolean;
}

/** Whether the relation's rows may have changed. */
export interface Materialized {
  changed: boolean;
  /**
   * Postgres, an incremental build: a table holding the rows it wrote, for their tests
   * (run.ts); the caller drops it (dropWrittenRows).
   */
  written?: string;
}

/** What the model's relation is now, if it exists. */
export async function relationKind(db: WarehouseEngine, model: ModelFile): Promise<RelationKind> {
  if (db.relationKind) return db.relationKind(model.layer, model.name);
  const rows = await db.query<{ table_type: string }>(
    'select table_type from information_schema.tables where table_schema = $1 and table_name = $2',
    [db.schemaName(model.layer), model.name],
  );
  const type = rows[0]?.table_type;
  return type === undefined ? undefined : type === 'VIEW' ? 'view' : 'table';
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

/** A view (or materialized view) on a relation about to be replaced, as needed to re-create it. */
interface DependentView {
  schema: string;
  name: string;
  materialized: boolean;
  definition: string;
  /** reloptions, e.g. security_barrier=true. */
  options: string[] | null;
  description: string | null;
  columns: Array<{ name: string; description: string | null }>;
}

/**
 * The views that depend on `relation`, directly or through other views, parents first (by their
 * longest path from it). A view depends on what its rewrite rule reads (pg_depend → pg_rewrite);
 * a view's rule also depends on the view itself, which is not a dependent.
 */
const DEPENDENT_VIEWS = `
with recursive dependent(oid, depth) as (
    select r.ev_class, 1
    from pg_depend d join pg_rewrite r on r.oid = d.objid
    where d.classid = 'pg_rewrite'::regclass and d.refclassid = 'pg_class'::regclass
      and d.refobjid = to_regclass($1) and r.ev_class <> d.refobjid
  union
    select r.ev_class, p.depth + 1
    from dependent p
    join pg_depend d on d.refobjid = p.oid
    join pg_rewrite r on r.oid = d.objid
    where d.classid = 'pg_rewrite'::regclass and d.refclassid = 'pg_class'::regclass
      and r.ev_class <> d.refobjid
)
select n.nspname as schema, c.relname as name, c.relkind = 'm' as materialized,
  pg_get_viewdef(c.oid) as definition, c.reloptions as options,
  obj_description(c.oid, 'pg_class') as description,
  coalesce((
    select json_agg(
      json_build_object('name', a.attname, 'description', col_description(c.oid, a.attnum))
      order by a.attnum
    )
    from pg_attribute a
    where a.attrelid = c.oid and a.attnum > 0 and col_description(c.oid, a.attnum) is not null
  ), '[]') as columns
from (select oid, max(depth) as depth from dependent group by oid) v
join pg_class c on c.oid = v.oid
join pg_namespace n on n.oid = c.relnamespace
order by v.depth, n.nspname, c.relname`;

/**
 * Re-creates `views` (parents first) after their relation was replaced, in its transaction `tx`.
 * One that fails is left out (its savepoint rolled back) when the run rebuilds it later; any other
 * throws a DependentViewError, which rolls the replacement back.
 */
async function recreateViews(
  db: WarehouseEngine,
  tx: Queryable,
  model: CompiledModel,
  views: readonly DependentView[],
  context: MaterializeContext,
): Promise<void> {
  for (const view of views) {
    const relation = `${quotePgIdent(view.schema)}.${quotePgIdent(view.name)}`;
    const kind = view.materialized ? 'materialized view' : 'view';
    const options = view.options?.length ? ` with (${view.options.join(', ')})` : '';
    const create = `create ${kind} ${relation}${options} as\n${view.definition.replace(/;\s*$/, '')}`;
    const comments = view.description !== null || view.columns.length > 0;
    const viewModel = [...context.models.values()].find(
      (f) => f.name === view.name && db.schemaName(f.layer) === view.schema,
    )?.name;
    await tx.query('savepoint bbetl_dependent_view');
    try {
      await tx.query(create);
      if (comments) for (const c of commentStatements(relation, kind, view)) await tx.query(c);
      await tx.query('release savepoint bbetl_dependent_view');
    } catch (error) {
      await tx.query('rollback to savepoint bbetl_dependent_view');
      if (viewModel && context.later.has(viewModel)) continue;
      throw new DependentViewError(relation, model.name, errorMessage(error), viewModel);
    }
  }
}

/** Postgres: in one transaction, drops the model's relation, runs `create`, and re-creates the views that were on it. */
async function replaceRelation(
  db: WarehouseEngine,
  model: CompiledModel,
  existing: RelationKind,
  create: (tx: Queryable) => Promise<unknown>,
  context: MaterializeContext,
): Promise<void> {
  await db.transaction(async (tx) => {
    const views = existing ? await tx.query<DependentView & Row>(DEPENDENT_VIEWS, [model.relation]) : [];
    if (existing) await tx.query(`drop ${existing} if exists ${model.relation} cascade`);
    await create(tx);
    await recreateViews(db, tx, model, views, context);
  });
}

async function materializeView(
  db: WarehouseEngine,
  model: CompiledModel,
  existing: RelationKind,
  context: MaterializeContext,
) {
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
  await replaceRelation(db, model, existing, (tx) => tx.query(create), context);
}

async function materializeTable(
  db: WarehouseEngine,
  file: ModelFile,
  model: CompiledModel,
  existing: RelationKind,
  context: MaterializeContext,
): Promise<Materialized> {
  if (db.dialect === 'bigquery') {
    const partition = model.config.partitionBy ? `partition by ${model.config.partitionBy}\n` : '';
    const create = `create or replace table ${model.relation}\n${partition}as\n${model.sql}`;
    await createOrReplaceOnBigQuery(db, create, 'view', model, existing);
    return { changed: true };
  }
  const newName = `${model.name}__bbetl_new`;
  const staged = db.table(file.layer, newName);
  await db.query(`drop table if exists ${staged}`);
  await db.query(`create table ${staged} as\n${model.sql}`);
  const rename = (tx: Queryable) => tx.query(`alter table ${staged} rename to ${quotePgIdent(model.name)}`);
  try {
    if (existing === 'table' && context.keepIfSameRows && (await sameRows(db, staged, model.relation))) {
      await db.query(`drop table ${staged}`);
      return { changed: false };
    }
    await replaceRelation(db, model, existing, rename, context);
    return { changed: true };
  } catch (error) {
    await db.query(`drop table if exists ${staged}`); // not left beside the old relation
    throw error;
  }
}

/** Postgres: the two relations (same columns) hold the same rows, duplicates counted. */
async function sameRows(db: WarehouseEngine, a: string, b: string): Promise<boolean> {
  const differing = await db.query(
    `select 1 from ((table ${a} except all table ${b}) union all (table ${b} except all table ${a})) d limit 1`,
  );
  return differing.length === 0;
}

/** The condition on the model's relation that selects the rows an incremental run replaces; none: only adds. */
function replacedRows(
  model: CompiledModel,
  staged: string,
  column: (name: string) => string,
  alias = '',
): string | undefined {
  const { uniqueKey, incrementalStrategy, incrementalPredicates } = model.config;
  if (incrementalStrategy === 'replace_where')
    return (incrementalPredicates ?? []).map((p) => `(${p})`).join(' and ');
  if (!uniqueKey) return undefined;
  const cols = uniqueKey.map(column);
  return `(${cols.map((c) => alias + c).join(', ')}) in (select ${cols.join(', ')} from ${staged})`;
}

/**
 * How each type of evaluated_first() is read (as text, exactly: a timestamp to the microsecond, in
 * UTC, whatever the session's time zone), what its text must look like, and its SQL type (the
 * literal is `<type> '<text>'`).
 */
const EVALUATED_TYPES: Record<
  EvaluatedFirstType,
  { read: (dialect: Dialect, sql: string) => string; shape: RegExp; sqlType: (dialect: Dialect) => string }
> = {
  date: {
    read: (dialect, sql) => `cast(${sql} as ${dialect === 'bigquery' ? 'string' : 'text'})`,
    shape: /^\d{4}-\d{2}-\d{2}$/,
    sqlType: () => 'date',
  },
  timestamp: {
    read: (dialect, sql) =>
      dialect === 'bigquery'
        ? `format_timestamp('%Y-%m-%dT%H:%M:%E6SZ', ${sql}, 'UTC')`
        : `to_char((${sql}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    shape: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
    sqlType: (dialect) => (dialect === 'bigquery' ? 'timestamp' : 'timestamptz'),
  },
};

/** A value of evaluated_first(), as its SQL literal; anything else is refused, not written into SQL. */
function evaluatedLiteral(model: string, dialect: Dialect, first: EvaluatedFirst, value: unknown): string {
  const type = EVALUATED_TYPES[first.type];
  if (value === null || value === undefined) return `cast(null as ${type.sqlType(dialect)})`;
  const text = String(value);
  if (!type.shape.test(text))
    throw new ProjectError(
      `model "${model}": evaluated_first(…, '${first.type}') gave ${JSON.stringify(text)}, not a ${first.type}: ${first.expression}`,
    );
  return `${type.sqlType(dialect)} '${text}'`;
}

/** `model` with each evaluated_first() subquery evaluated now, on `on`, and written in as its value. */
async function evaluateFirst(on: Queryable, dialect: Dialect, model: CompiledModel): Promise<CompiledModel> {
  let { sql } = model;
  let predicates = model.config.incrementalPredicates;
  for (const first of model.evaluatedFirst) {
    const uses = (s: string) => s.includes(first.text);
    if (!uses(sql) && !predicates?.some(uses)) continue;
    const [row] = await on.query<{ value: unknown }>(
      `select ${EVALUATED_TYPES[first.type].read(dialect, first.expression)} as value`,
    );
    const literal = evaluatedLiteral(model.name, dialect, first, row?.value);
    sql = sql.replaceAll(first.text, literal);
    predicates = predicates?.map((p) => p.replaceAll(first.text, literal));
  }
  return { ...model, sql, config: { ...model.config, incrementalPredicates: predicates } };
}

/**
 * Postgres: the new rows go into a table of their own in etl_meta (unlogged: it lives only until
 * their tests have read it, and a crash loses nothing the next build needs), then replace the rows
 * they supersede, in one transaction. The table outlives the transaction so that the model's tests
 * can read the rows written rather than all of them (run.ts); a crash that leaves it behind is
 * cleared by the next build.
 */
async function materializeIncremental(
  db: WarehouseEngine,
  file: ModelFile,
  compiled: CompiledModel,
): Promise<Materialized> {
  if (db.dialect === 'bigquery')
    return materializeIncrementalOnBigQuery(db, file, await evaluateFirst(db, db.dialect, compiled));
  const written = db.table('etl_meta', `${compiled.name}__bbetl_written`);
  await dropWrittenRows(db, written);
  return db.transaction(async (tx: Queryable) => {
    const model = await evaluateFirst(tx, db.dialect, compiled);
    await tx.query(`create unlogged table ${written} as\n${model.sql}`);
    const condition = replacedRows(model, written, quotePgIdent);
    const [deleted] = condition
      ? await tx.query<{ n: unknown }>(
          `with d as (delete from ${model.relation} where ${condition} returning 1) select count(*) as n from d`,
        )
      : [];
    const [inserted] = await tx.query<{ n: unknown }>(
      `with i as (insert into ${model.relation} select * from ${written} returning 1) select count(*) as n from i`,
    );
    return { changed: Number(deleted?.n ?? 0) + Number(inserted?.n) > 0, written };
  });
}

/** Drops a table of written rows (Materialized.written), if it is there. */
export async function dropWrittenRows(db: Queryable, written: string): Promise<void> {
  await db.query(`drop table if exists ${written}`);
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
): Promise<Materialized> {
  const staged = db.table(file.layer, `${model.name}__bbetl_incr`);
  await db.query(`create or replace table ${staged} as\n${model.sql}`);
  try {
    const condition = replacedRows(model, staged, (k) => quoteColumn('bigquery', k), 't.');
    // What the transaction will delete and insert, counted first (the script returns no counts).
    const deleting = condition ? `(select count(*) from ${model.relation} t where ${condition})` : '0';
    const [counts] = await db.query<{ deleted: unknown; inserted: unknown }>(
      `select ${deleting} as deleted, (select count(*) from ${staged}) as inserted`,
    );
    if (Number(counts?.deleted) + Number(counts?.inserted) === 0) return { changed: false };
    const remove = condition ? `delete from ${model.relation} t where ${condition};\n` : '';
    await db.query(
      `begin transaction;\n${remove}insert into ${model.relation} select * from ${staged};\ncommit transaction;`,
    );
    return { changed: true };
  } finally {
    await db.query(`drop table if exists ${staged}`);
  }
}

/**
 * Materializes `model` as its config says; an incremental model adds its rows when
 * `context.incremental`, else it is built as a table.
 */
export async function materialize(
  db: WarehouseEngine,
  file: ModelFile,
  model: CompiledModel,
  existing: RelationKind,
  context: MaterializeContext,
): Promise<Materialized> {
  if (model.config.materialized === 'view') {
    await materializeView(db, model, existing, context);
    return { changed: true };
  }
  const built = context.incremental
    ? await materializeIncremental(db, file, model)
    : await materializeTable(db, file, model, existing, context);
  if (db.dialect === 'bigquery') return built;
  // (On every incremental build, not only a full one: a table built before the index was made
  // gets it too. `if not exists` costs a catalog lookup.)
  await indexUniqueKey(db, model);
  // A new table has no statistics until autovacuum gets to it: the models built next from it
  // would be planned blind (a nested loop over thousands of rows planned as one).
  if (!context.incremental && built.changed) await db.query(`analyze ${model.relation}`);
  return built;
}

/**
 * Postgres: an incremental model's table gets an index on its unique_key, made with the table.
 * Each incremental run deletes the rows whose key comes again, and models such as
 * int_source_events look their previous rows up by it: a few rows of many, which without the
 * index cost a scan of the whole table each (BigQuery has no indexes).
 */
async function indexUniqueKey(db: WarehouseEngine, model: CompiledModel): Promise<void> {
  const { materialized, uniqueKey } = model.config;
  if (materialized !== 'incremental' || !uniqueKey?.length) return;
  const name = quotePgIdent(`${model.name}__unique_key`);
  const cols = uniqueKey.map(quotePgIdent);
  await db.query(`create index if not exists ${name} on ${model.relation} (${cols.join(', ')})`);
}
