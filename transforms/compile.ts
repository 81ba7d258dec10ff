// Renders one model's SQL with nunjucks (autoescape off: this is SQL), dbt-style:
//   ref('model')              the model's relation, e.g. "marts"."dim_users"; the ref is recorded
//   source('bitbucket', 't')  the raw table raw_bitbucket.t
//   config(materialized=…, unique_key=…, partition_by=…)   recorded; renders ''
//   is_incremental()          true only for an incremental model whose relation exists, unless full refresh
//   this                      the model's own relation
//   var('name', default)      a run variable (no default and not given: an error)
//   adapter                   'postgres' | 'bigquery', so macros can dispatch per engine
// Every macro file is imported into every model on the model's first line (no line shift).
import nunjucks from 'nunjucks';
import type { Dialect, WarehouseEngine } from '../warehouse/engine';
import type { Project } from './project';

export type Materialization = 'view' | 'table' | 'incremental';

export interface ModelConfig {
  materialized: Materialization;
  /** Incremental models: the key (or keys) a new row replaces an old one by. */
  uniqueKey?: string[];
  /** BigQuery tables: the `partition by` expression (ignored on Postgres). */
  partitionBy?: string;
}

export interface CompileOptions {
  /** The model's relation already exists (decides is_incremental()). */
  relationExists?: boolean;
  fullRefresh?: boolean;
  vars?: Readonly<Record<string, unknown>>;
}

export interface CompiledModel {
  name: string;
  relation: string;
  sql: string;
  /** Models this one refs, distinct, in first-use order. */
  refs: string[];
  config: ModelConfig;
}

export type RelationNamer = Pick<WarehouseEngine, 'dialect' | 'table'>;

const MATERIALIZATIONS: readonly Materialization[] = ['view', 'table', 'incremental'];
const CONFIG_KEYS = new Set(['materialized', 'unique_key', 'partition_by']);

/** Thrown by the template globals; reported as-is rather than wrapped in nunjucks' render error. */
class ModelError extends Error {}

function keywords(args: unknown[]): Record<string, unknown> {
  const last = args.at(-1);
  if (args.length === 1 && last && typeof last === 'object' && '__keywords' in last) {
    const { __keywords: _, ...rest } = last as Record<string, unknown>;
    return rest;
  }
  throw new ModelError('config() takes keyword arguments only, e.g. config(materialized="table")');
}

function parseConfig(model: string, kw: Record<string, unknown>): ModelConfig {
  for (const key of Object.keys(kw))
    if (!CONFIG_KEYS.has(key))
      throw new ModelError(
        `model "${model}": unknown config "${key}" (known: ${[...CONFIG_KEYS].join(', ')})`,
      );
  const materialized = kw.materialized ?? 'view';
  if (!MATERIALIZATIONS.includes(materialized as Materialization))
    throw new ModelError(
      `model "${model}": materialized must be one of ${MATERIALIZATIONS.join(', ')}, got ${JSON.stringify(materialized)}`,
    );
  const config: ModelConfig = { materialized: materialized as Materialization };
  if (kw.unique_key !== undefined) {
    const keys = Array.isArray(kw.unique_key) ? kw.unique_key : [kw.unique_key];
    if (keys.length === 0 || !keys.every((k) => typeof k === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)))
      throw new ModelError(`model "${model}": unique_key must be a column name or a list of column names`);
    config.uniqueKey = keys as string[];
  }
  if (kw.partition_by !== undefined) {
    if (typeof kw.partition_by !== 'string' || kw.partition_by.trim() === '')
      throw new ModelError(`model "${model}": partition_by must be an SQL expression`);
    config.partitionBy = kw.partition_by;
  }
  return config;
}

/** A nunjucks loader over the project's files (models and macros), by project-relative path. */
function projectLoader(project: Project): nunjucks.ILoader {
  const sources = new Map<string, string>();
  for (const m of project.models.values()) sources.set(m.path, m.source);
  for (const m of project.macros) sources.set(m.path, m.source);
  return {
    getSource(name: string) {
      const src = sources.get(name);
      if (src === undefined) throw new Error(`no template ${name} in the project`);
      return { src, path: name, noCache: false };
    },
  } as nunjucks.ILoader;
}

/** The line that imports every macro, prepended to the model's first line. */
function macroImports(project: Project): string {
  return project.macros
    .filter((m) => m.names.length > 0)
    .map((m) => `{% from ${JSON.stringify(m.path)} import ${m.names.join(', ')} %}`)
    .join('');
}

/** Renders one model. */
export function compileModel(
  db: RelationNamer,
  project: Project,
  name: string,
  options: CompileOptions = {},
): CompiledModel {
  const model = project.models.get(name);
  if (!model) throw new Error(`unknown model "${name}"`);
  const relation = db.table(model.layer, model.name);
  const refs: string[] = [];
  let config: ModelConfig = { materialized: 'view' };
  let configured = false;
  let failure: Error | undefined;
  const fail = (message: string): never => {
    failure ??= new ModelError(message);
    throw failure;
  };
  const dialect: Dialect = db.dialect;

  const env = new nunjucks.Environment(projectLoader(project), {
    autoescape: false,
    throwOnUndefined: true,
  });
  env.addGlobal('ref', (target: unknown) => {
    if (typeof target !== 'string') return fail(`model "${name}": ref() takes a model name`);
    const other = project.models.get(target);
    if (!other) return fail(`model "${name}" refers to unknown model "${target}" (ref('${target}'))`);
    if (!refs.includes(target)) refs.push(target);
    return db.table(other.layer, other.name);
  });
  env.addGlobal('source', (sourceName: unknown, table: unknown) => {
    if (sourceName !== 'bitbucket')
      return fail(`model "${name}": unknown source ${JSON.stringify(sourceName)} (known: 'bitbucket')`);
    if (typeof table !== 'string' || table === '')
      return fail(`model "${name}": source('bitbucket', …) needs a table name`);
    return db.table('raw_bitbucket', table);
  });
  env.addGlobal('config', (...args: unknown[]) => {
    try {
      if (configured) throw new ModelError(`model "${name}": config() is called twice`);
      config = parseConfig(name, keywords(args));
      configured = true;
    } catch (error) {
      return fail((error as Error).message);
    }
    return '';
  });
  env.addGlobal(
    'is_incremental',
    () => config.materialized === 'incremental' && Boolean(options.relationExists) && !options.fullRefresh,
  );
  env.addGlobal('this', relation);
  env.addGlobal('adapter', dialect);
  env.addGlobal('var', (...args: unknown[]) => {
    const [key, fallback] = args;
    if (typeof key !== 'string') return fail(`model "${name}": var() takes a variable name`);
    if (options.vars && Object.hasOwn(options.vars, key)) return options.vars[key];
    if (args.length >= 2) return fallback;
    return fail(`model "${name}": var('${key}') is not set and has no default`);
  });

  let sql: string;
  try {
    const template = new nunjucks.Template(macroImports(project) + model.source, env, model.path, true);
    sql = template.render({});
  } catch (error) {
    if (failure) throw failure;
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`model "${name}" (${model.path}) failed to compile: ${message}`);
  }
  return { name, relation, sql: sql.trim(), refs, config };
}
