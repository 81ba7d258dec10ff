// Runs a project's models against a warehouse, parents before children:
//   view         Postgres: `create or replace view`; when that fails (columns changed, or a table
//                of that name) the old relation is dropped (cascade) and the view created, in one
//                transaction. BigQuery: `create or replace view` (a table of that name is dropped first).
//   table        Postgres: build `<name>__bbetl_new`, then in one transaction drop the old relation
//                (cascade) and rename the new one into place. BigQuery: `create or replace table`.
//   incremental  first run or full refresh: as a table. Otherwise Postgres, in one transaction:
//                the new rows into a temp table, `delete` the rows whose unique_key comes again,
//                `insert` the new rows; BigQuery: the same delete + insert, as two statements.
// A failed model is reported and its descendants skipped; the rest still run.
import type { Queryable, WarehouseEngine } from '../warehouse/engine';
import { quotePgIdent } from '../warehouse/engine';
import { type CompiledModel, compileModel, type Materialization } from './compile';
import { buildDag, selectModels, topologicalOrder } from './dag';
import type { Project } from './project';

export interface RunOptions {
  /** dbt-style selectors (`model`, `+model`, `model+`); none: every model. */
  select?: readonly string[];
  /** Rebuild incremental models from scratch. */
  fullRefresh?: boolean;
  vars?: Readonly<Record<string, unknown>>;
}

export interface ModelRunResult {
  name: string;
  materialized: Materialization;
  /** Wall time of compiling and materializing the model. */
  ms: number;
  status: 'success' | 'error' | 'skipped';
  error?: string;
}

type RelationKind = 'table' | 'view' | undefined;

/** Compiles every model once (no incremental branch) and returns the run order. */
export function planRun(
  db: Pick<WarehouseEngine, 'dialect' | 'table'>,
  project: Project,
  options: RunOptions = {},
) {
  const compiled = new Map<string, CompiledModel>();
  for (const name of project.models.keys())
    compiled.set(name, compileModel(db, project, name, { fullRefresh: true, vars: options.vars }));
  const dag = buildDag(new Map([...compiled].map(([n, c]) => [n, c.refs])));
  const order = topologicalOrder(dag);
  const selected = selectModels(dag, options.select);
  return { dag, compiled, order: order.filter((n) => selected.has(n)) };
}

async function relationKind(db: WarehouseEngine, project: Project, name: string): Promise<RelationKind> {
  const model = project.models.get(name);
  if (!model) return undefined;
  if (db.dialect === 'postgres') {
    const rows = await db.query<{ table_type: string }>(
      'select table_type from information_schema.tables where table_schema = $1 and table_name = $2',
      [db.schemaName(model.layer), name],
    );
    const type = rows[0]?.table_type;
    return type === undefined ? undefined : type === 'VIEW' ? 'view' : 'table';
  }
  try {
    await db.query(`select 1 from ${db.table(model.layer, name)} limit 0`);
    return 'table'; // BigQuery: exists (view or table; the statements below cope with either)
  } catch {
    return undefined;
  }
}

async function materializeView(db: WarehouseEngine, model: CompiledModel, existing: RelationKind) {
  const create = `create or replace view ${model.relation} as\n${model.sql}`;
  if (db.dialect === 'bigquery') {
    try {
      await db.query(create);
    } catch (error) {
      if (!existing) throw error;
      await db.query(`drop table if exists ${model.relation}`);
      await db.query(create);
    }
    return;
  }
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
  project: Project,
  model: CompiledModel,
  existing: RelationKind,
  partitionBy: string | undefined,
) {
  if (db.dialect === 'bigquery') {
    const partition = partitionBy ? `partition by ${partitionBy}\n` : '';
    const create = `create or replace table ${model.relation}\n${partition}as\n${model.sql}`;
    try {
      await db.query(create);
    } catch (error) {
      if (!existing) throw error;
      await db.query(`drop view if exists ${model.relation}`);
      await db.query(create);
    }
    return;
  }
  const layer = project.models.get(model.name)?.layer ?? 'marts';
  const newName = `${model.name}__bbetl_new`;
  const staged = db.table(layer, newName);
  await db.query(`drop table if exists ${staged}`);
  await db.query(`create table ${staged} as\n${model.sql}`);
  await db.transaction(async (tx) => {
    if (existing) await tx.query(`drop ${existing} if exists ${model.relation} cascade`);
    await tx.query(`alter table ${staged} rename to ${quotePgIdent(model.name)}`);
  });
}

async function materializeIncremental(db: WarehouseEngine, model: CompiledModel) {
  const keys = model.config.uniqueKey;
  if (db.dialect === 'bigquery') {
    if (keys) {
      const cols = keys.map((k) => `\`${k}\``).join(', ');
      const match = keys.map((k) => `t.\`${k}\` = s.\`${k}\``).join(' and ');
      await db.query(
        `delete from ${model.relation} t where exists (select 1 from (select ${cols} from (\n${model.sql}\n)) s where ${match})`,
      );
    }
    await db.query(`insert into ${model.relation}\nselect * from (\n${model.sql}\n)`);
    return;
  }
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

/** Runs the selected models in dependency order; one result per selected model. */
export async function runModels(
  db: WarehouseEngine,
  project: Project,
  options: RunOptions = {},
): Promise<ModelRunResult[]> {
  const { dag, compiled, order } = planRun(db, project, options);
  const results: ModelRunResult[] = [];
  const failed = new Set<string>();
  for (const name of order) {
    const planned = compiled.get(name) as CompiledModel;
    const materialized = planned.config.materialized;
    const upstreamFailed = [...(dag.parents.get(name) ?? [])].find((p) => failed.has(p));
    if (upstreamFailed) {
      failed.add(name);
      results.push({
        name,
        materialized,
        ms: 0,
        status: 'skipped',
        error: `upstream "${upstreamFailed}" failed`,
      });
      continue;
    }
    const started = performance.now();
    try {
      const existing = await relationKind(db, project, name);
      const incremental = materialized === 'incremental' && existing === 'table' && !options.fullRefresh;
      const model = compileModel(db, project, name, {
        relationExists: existing === 'table',
        fullRefresh: options.fullRefresh,
        vars: options.vars,
      });
      if (materialized === 'view') await materializeView(db, model, existing);
      else if (incremental) await materializeIncremental(db, model);
      else await materializeTable(db, project, model, existing, model.config.partitionBy);
      results.push({ name, materialized, ms: Math.round(performance.now() - started), status: 'success' });
    } catch (error) {
      failed.add(name);
      results.push({
        name,
        materialized,
        ms: Math.round(performance.now() - started),
        status: 'error',
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return results;
}
