// Renders one model's SQL with nunjucks (autoescape off: this is SQL), dbt-style:
//   ref('model')              the model's relation, e.g. "marts"."dim_users"; the ref is recorded
//   source('bitbucket', 't')  the raw table raw_bitbucket.t
//   source('etl_meta', 't')   a table the tool itself keeps (e.g. identity_map, edited by users)
//   config(materialized=…, unique_key=…, partition_by=…, post_hook=…,
//          incremental_strategy=…, incremental_predicates=…, incremental_inputs=…)   recorded; renders ''
//   run_started_at            the run's stamp (ISO 8601, UTC): later than every earlier run's
//   is_incremental()          true only for an incremental model whose relation exists, unless full refresh
//   this                      the model's own relation
//   var('name', default)      a run variable (no default and not given: an error)
//   target.type               'postgres' | 'bigquery', so macros can dispatch per engine (dbt's spelling)
//   evaluated_first(sql, type)  an uncorrelated scalar subquery ('date' or 'timestamp') an incremental
//                             build evaluates once, before its statements, and writes in as a literal
//                             (CompiledModel.evaluatedFirst)
// Every macro is imported into every model on the model's first line (no line shift). As in dbt,
// macros are global: a macro file imports nothing, and calls the macros of any other file.
// post_hook statements are templates too, rendered with the model's globals (so `{{ this }}`).
// Custom tests (tests/*.sql) render the same way, without `this`; their config() takes only
// severity='warn' | 'error'.
import { LRUCache } from 'lru-cache';
import nunjucks from 'nunjucks';
import type { Schema, WarehouseEngine } from '../warehouse/engine';
import { closeNames, errorMessage, ProjectError, UnknownModelError } from './errors';
import { IDENTIFIER, type Severity } from './modelDoc';
import type { Project, TestFile } from './project';

export type Materialization = 'view' | 'table' | 'incremental';

/**
 * How an incremental run puts its rows in place:
 *   delete+insert  the rows whose unique_key comes again are deleted, the new rows inserted
 *   replace_where  the rows matching every incremental_predicates are deleted, the new rows
 *                  inserted (the model's incremental branch selects exactly the rows they match)
 */
export type IncrementalStrategy = 'delete+insert' | 'replace_where';

export interface ModelConfig {
  materialized: Materialization;
  /** Incremental models: the key (or keys) a new row replaces an old one by. */
  uniqueKey?: string[];
  incrementalStrategy?: IncrementalStrategy;
  /** replace_where: SQL conditions on the model's relation, all of them matching the rows replaced. */
  incrementalPredicates?: string[];
  /**
   * Incremental models: the models whose changes the incremental branch accounts for. A change
   * to any other model the model reads (through views) makes its next build a full one. None
   * given: every parent's changes are accounted for.
   */
  incrementalInputs?: string[];
  /** BigQuery tables: the `partition by` expression (ignored on Postgres). */
  partitionBy?: string;
  /** Statements run after the model is materialized, as written (rendered: CompiledModel.postHooks). */
  postHook?: string[];
}

export interface CompileOptions {
  /** The model's relation already exists (decides is_incremental()). */
  relationExists?: boolean;
  fullRefresh?: boolean;
  vars?: Readonly<Record<string, unknown>>;
  /** run_started_at (default: a fixed stamp, for plans and docs, which do not run the SQL). */
  runStartedAt?: Date;
}

export interface CompiledModel {
  name: string;
  relation: string;
  sql: string;
  /** Models this one refs, distinct, in first-use order. */
  refs: string[];
  /** The sources it reads, as `source.table` (e.g. bitbucket.commits), distinct, in first-use order. */
  sources: string[];
  config: ModelConfig;
  /** config(post_hook=…), rendered. */
  postHooks: string[];
  /** evaluated_first() calls, distinct: what to replace in `sql` and the predicates, and by what. */
  evaluatedFirst: EvaluatedFirst[];
}

/** The types evaluated_first() takes. */
export type EvaluatedFirstType = 'date' | 'timestamp';
const EVALUATED_FIRST_TYPES: readonly EvaluatedFirstType[] = ['date', 'timestamp'];

/**
 * A scalar subquery to evaluate once per build: as rendered, `text` is valid SQL that computes it
 * where it stands (so plans, docs and a build that skips this read it as written); a build may
 * replace every `text` by the value of `expression`. Why: Postgres runs such a subquery once per
 * reference and cannot estimate `day >= (subquery)`, so a literal gets the better plan.
 */
export interface EvaluatedFirst {
  text: string;
  expression: string;
  type: EvaluatedFirstType;
}

export interface CompiledTest {
  name: string;
  /** The query returning the offending rows. */
  sql: string;
  refs: string[];
  sources: string[];
  severity: Severity;
}

export type RelationNamer = Pick<WarehouseEngine, 'dialect' | 'table'>;

/** source() names → the schema their tables live in. */
const SOURCE_SCHEMAS = { bitbucket: 'raw_bitbucket', etl_meta: 'etl_meta' } as const satisfies Record<
  string,
  Schema
>;
const MATERIALIZATIONS: readonly Materialization[] = ['view', 'table', 'incremental'];
const CONFIG_KEYS = new Set([
  'materialized',
  'unique_key',
  'partition_by',
  'post_hook',
  'incremental_strategy',
  'incremental_predicates',
  'incremental_inputs',
]);
const STRATEGIES: readonly IncrementalStrategy[] = ['delete+insert', 'replace_where'];
/** run_started_at when the SQL is compiled only to be read (plans, docs, hashes). */
const PLAN_STAMP = new Date(0);
const TEST_CONFIG_KEYS = new Set(['severity']);

function keywords(args: unknown[]): Record<string, unknown> {
  const last = args.at(-1);
  if (args.length === 1 && last && typeof last === 'object' && '__keywords' in last) {
    const { __keywords: _, ...rest } = last as Record<string, unknown>;
    return rest;
  }
  throw new ProjectError('config() takes keyword arguments only, e.g. config(materialized="table")');
}

function checkConfigKeys(label: string, kw: Record<string, unknown>, known: ReadonlySet<string>): void {
  for (const key of Object.keys(kw))
    if (!known.has(key))
      throw new ProjectError(`${label}: unknown config "${key}" (known: ${[...known].join(', ')})`);
}

function parseConfig(label: string, kw: Record<string, unknown>): ModelConfig {
  checkConfigKeys(label, kw, CONFIG_KEYS);
  const materialized = kw.materialized ?? 'view';
  if (!MATERIALIZATIONS.includes(materialized as Materialization))
    throw new ProjectError(
      `${label}: materialized must be one of ${MATERIALIZATIONS.join(', ')}, got ${JSON.stringify(materialized)}`,
    );
  const config: ModelConfig = { materialized: materialized as Materialization };
  if (kw.unique_key !== undefined) {
    const keys = Array.isArray(kw.unique_key) ? kw.unique_key : [kw.unique_key];
    if (keys.length === 0 || !keys.every((k) => typeof k === 'string' && IDENTIFIER.test(k)))
      throw new ProjectError(`${label}: unique_key must be a column name or a list of column names`);
    config.uniqueKey = keys as string[];
  }
  if (kw.partition_by !== undefined) {
    if (typeof kw.partition_by !== 'string' || kw.partition_by.trim() === '')
      throw new ProjectError(`${label}: partition_by must be an SQL expression`);
    config.partitionBy = kw.partition_by;
  }
  // (An empty list is no hook, as in dbt: `post_hook=[] if target.type == 'bigquery' else […]`.)
  const noHooks = Array.isArray(kw.post_hook) && kw.post_hook.length === 0;
  if (kw.post_hook !== undefined && !noHooks)
    config.postHook = sqlList(label, 'post_hook', 'statement', kw.post_hook);
  parseIncrementalConfig(label, kw, config);
  return config;
}

/** A string or a list of them, none blank. */
function sqlList(label: string, key: string, what: string, value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v) => typeof v === 'string' && v.trim() !== ''))
    throw new ProjectError(`${label}: ${key} must be an SQL ${what} or a list of them`);
  return list as string[];
}

function parseIncrementalConfig(label: string, kw: Record<string, unknown>, config: ModelConfig): void {
  const given = ['incremental_strategy', 'incremental_predicates', 'incremental_inputs'].filter(
    (k) => kw[k] !== undefined,
  );
  if (given.length === 0) return;
  if (config.materialized !== 'incremental')
    throw new ProjectError(`${label}: ${given.join(', ')} apply to materialized='incremental' only`);
  const strategy = kw.incremental_strategy ?? 'delete+insert';
  if (!STRATEGIES.includes(strategy as IncrementalStrategy))
    throw new ProjectError(
      `${label}: incremental_strategy must be one of ${STRATEGIES.join(', ')}, got ${JSON.stringify(strategy)}`,
    );
  config.incrementalStrategy = strategy as IncrementalStrategy;
  if (kw.incremental_predicates !== undefined)
    config.incrementalPredicates = sqlList(
      label,
      'incremental_predicates',
      'condition',
      kw.incremental_predicates,
    );
  if (strategy === 'replace_where' && !config.incrementalPredicates)
    throw new ProjectError(`${label}: incremental_strategy='replace_where' needs incremental_predicates`);
  if (strategy === 'replace_where' && config.uniqueKey)
    throw new ProjectError(
      `${label}: incremental_strategy='replace_where' replaces by incremental_predicates, not unique_key`,
    );
  if (kw.incremental_inputs !== undefined) {
    const inputs = Array.isArray(kw.incremental_inputs) ? kw.incremental_inputs : [kw.incremental_inputs];
    if (!inputs.every((k) => typeof k === 'string' && IDENTIFIER.test(k)))
      throw new ProjectError(`${label}: incremental_inputs must be a model name or a list of them`);
    config.incrementalInputs = inputs as string[];
  }
}

function parseTestConfig(label: string, kw: Record<string, unknown>): Severity {
  checkConfigKeys(label, kw, TEST_CONFIG_KEYS);
  const severity = kw.severity ?? 'error';
  if (severity !== 'error' && severity !== 'warn')
    throw new ProjectError(`${label}: severity must be 'error' or 'warn', got ${JSON.stringify(severity)}`);
  return severity;
}

/** The template holding every macro file, one after another, so that they call one another. */
const ALL_MACROS = '(macros)';

const ENVIRONMENT_OPTIONS = { autoescape: false, throwOnUndefined: true };

/** What nunjucks exports and takes beyond its published types: its compiler, precompiled templates. */
interface Precompiled {
  type: 'code';
  obj: unknown;
}
const { compiler } = nunjucks as unknown as {
  compiler: {
    compile(src: string, asyncFilters: string[], extensions: unknown[], name: string, opts: object): string;
  };
};

/**
 * Templates compiled once per process, by path and source. Compiling was most of a run's time
 * outside the warehouse (every model imports the macros, thousands of lines, and each render
 * compiled them again: about a second per run at any scale). A compiled template holds no
 * environment (it is handed one when it renders), so every render shares it.
 */
const compiledTemplates = new LRUCache<string, Precompiled>({ max: 2_000 });

function precompiled(path: string, source: string): Precompiled {
  const key = `${path}\n${source}`;
  let template = compiledTemplates.get(key);
  if (!template) {
    let code: string;
    try {
      code = compiler.compile(source, [], [], path, ENVIRONMENT_OPTIONS);
    } catch (error) {
      // nunjucks' own compile throws it again, worded with the template's path, line and column
      // (a syntax error: no global plays a part).
      new nunjucks.Template(source, undefined, path, true);
      throw error;
    }
    template = { type: 'code', obj: new Function(code)() };
    compiledTemplates.set(key, template);
  }
  return template;
}

/** A template for `env` from the compiled one. */
function templateOf(path: string, source: string, env: nunjucks.Environment): nunjucks.Template {
  return new nunjucks.Template(precompiled(path, source) as unknown as string, env, path, true);
}

/** A nunjucks loader over the project's files (models and macros), by project-relative path. */
function projectLoader(project: Project): nunjucks.ILoader {
  const sources = new Map<string, string>();
  for (const m of project.models.values()) sources.set(m.path, m.source);
  sources.set(ALL_MACROS, project.macros.map((m) => m.source).join('\n'));
  return {
    getSource(name: string) {
      const src = sources.get(name);
      if (src === undefined) throw new Error(`no template ${name} in the project`);
      // noCache: each environment's loader is its own, so nunjucks' cache would never be hit.
      return { src: precompiled(name, src), path: name, noCache: true };
    },
  } as unknown as nunjucks.ILoader;
}

/** The line that imports every macro, prepended to the template's first line. */
function macroImports(project: Project): string {
  const names = project.macros.flatMap((m) => m.names);
  return names.length > 0 ? `{% from "${ALL_MACROS}" import ${names.join(', ')} %}` : '';
}

/** What is being compiled, for the globals and for messages. */
interface Subject {
  /** e.g. `model "dim_users"`. */
  label: string;
  /** `this`; none for custom tests. */
  relation?: string;
  /** Receives config()'s keyword arguments. */
  configure(kw: Record<string, unknown>): void;
  isIncremental(): boolean;
}

/** A nunjucks environment with the dbt-style globals, recording refs and sources as they render. */
function templateRenderer(db: RelationNamer, project: Project, subject: Subject, options: CompileOptions) {
  const { label } = subject;
  const refs: string[] = [];
  const sources: string[] = [];
  const evaluatedFirst = new Map<string, EvaluatedFirst>();
  let configured = false;
  // The globals' errors are reported as they are, not wrapped in nunjucks' render error.
  let failure: Error | undefined;
  const fail = (message: string): never => {
    failure ??= new ProjectError(message);
    throw failure;
  };

  const env = new nunjucks.Environment(projectLoader(project), ENVIRONMENT_OPTIONS);
  env.addGlobal('ref', (target: unknown) => {
    if (typeof target !== 'string') return fail(`${label}: ref() takes a model name`);
    const other = project.models.get(target);
    if (!other) return fail(`${label} refers to unknown model "${target}" (ref('${target}'))`);
    if (!refs.includes(target)) refs.push(target);
    return db.table(other.layer, other.name);
  });
  env.addGlobal('source', (sourceName: unknown, table: unknown) => {
    const schema = SOURCE_SCHEMAS[sourceName as keyof typeof SOURCE_SCHEMAS];
    if (typeof sourceName !== 'string' || !schema)
      return fail(
        `${label}: unknown source ${JSON.stringify(sourceName)} (known: ${Object.keys(SOURCE_SCHEMAS).join(', ')})`,
      );
    if (typeof table !== 'string' || table === '')
      return fail(`${label}: source('${sourceName}', …) needs a table name`);
    if (!sources.includes(`${sourceName}.${table}`)) sources.push(`${sourceName}.${table}`);
    return db.table(schema, table);
  });
  env.addGlobal('config', (...args: unknown[]) => {
    try {
      if (configured) throw new ProjectError(`${label}: config() is called twice`);
      subject.configure(keywords(args));
      configured = true;
    } catch (error) {
      return fail((error as Error).message);
    }
    return '';
  });
  env.addGlobal('evaluated_first', (expression: unknown, type: unknown) => {
    const sql = String(expression ?? '').trim();
    if (sql === '') return fail(`${label}: evaluated_first() takes an SQL expression`);
    if (!EVALUATED_FIRST_TYPES.includes(type as EvaluatedFirstType))
      return fail(
        `${label}: evaluated_first()'s type must be one of ${EVALUATED_FIRST_TYPES.join(', ')}, got ${JSON.stringify(type)}`,
      );
    const text = `(/* evaluated first */ ${sql})`;
    if (!evaluatedFirst.has(text))
      evaluatedFirst.set(text, { text, expression: sql, type: type as EvaluatedFirstType });
    return text;
  });
  env.addGlobal('is_incremental', () => subject.isIncremental());
  if (subject.relation) env.addGlobal('this', subject.relation);
  env.addGlobal('target', { type: db.dialect });
  env.addGlobal('run_started_at', (options.runStartedAt ?? PLAN_STAMP).toISOString());
  env.addGlobal('var', (...args: unknown[]) => {
    const [key, fallback] = args;
    if (typeof key !== 'string') return fail(`${label}: var() takes a variable name`);
    if (options.vars && Object.hasOwn(options.vars, key)) return options.vars[key];
    if (args.length >= 2) return fallback;
    return fail(`${label}: var('${key}') is not set and has no default`);
  });

  const imports = macroImports(project);
  return {
    refs,
    sources,
    evaluatedFirst: () => [...evaluatedFirst.values()],
    /** Renders `source`; `path` names it in template errors. */
    render(path: string, source: string): string {
      try {
        return templateOf(path, imports + source, env)
          .render({})
          .trim();
      } catch (error) {
        if (failure) throw failure;
        throw new ProjectError(`${label} (${path}) failed to compile: ${errorMessage(error)}`);
      }
    },
  };
}

/** Renders one model and its post hooks. */
export function compileModel(
  db: RelationNamer,
  project: Project,
  name: string,
  options: CompileOptions = {},
): CompiledModel {
  const model = project.models.get(name);
  if (!model)
    throw new UnknownModelError(name, `unknown model "${name}"`, closeNames(name, project.models.keys()));
  const relation = db.table(model.layer, model.name);
  const label = `model "${name}"`;
  let config: ModelConfig = { materialized: 'view' };
  const renderer = templateRenderer(
    db,
    project,
    {
      label,
      relation,
      configure: (kw) => {
        config = parseConfig(label, kw);
      },
      isIncremental: () =>
        config.materialized === 'incremental' && Boolean(options.relationExists) && !options.fullRefresh,
    },
    options,
  );
  const sql = renderer.render(model.path, model.source);
  // A hook that renders empty (a macro with nothing to do on this engine) is skipped, as in dbt.
  const postHooks = (config.postHook ?? [])
    .map((hook, i) => renderer.render(`${model.path} post_hook ${i + 1}`, hook))
    .filter((hook) => hook.trim() !== '');
  return {
    name,
    relation,
    sql,
    refs: renderer.refs,
    sources: renderer.sources,
    config,
    postHooks,
    evaluatedFirst: renderer.evaluatedFirst(),
  };
}

/**
 * A model as the run plan and the docs see it: the full-refresh SQL, and what it reads in either
 * branch of is_incremental(), so a ref made only in the incremental branch still orders its
 * parent first (the run compiles that branch once the relation exists).
 */
export function compileModelForPlan(
  db: RelationNamer,
  project: Project,
  name: string,
  options: Pick<CompileOptions, 'vars'> = {},
): CompiledModel {
  const full = compileModel(db, project, name, { fullRefresh: true, vars: options.vars });
  if (full.config.materialized !== 'incremental') return full;
  const incremental = compileModel(db, project, name, { relationExists: true, vars: options.vars });
  const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];
  return {
    ...full,
    refs: union(full.refs, incremental.refs),
    sources: union(full.sources, incremental.sources),
  };
}

/** Renders one custom test (tests/<name>.sql). */
export function compileTest(
  db: RelationNamer,
  project: Project,
  test: TestFile,
  options: Pick<CompileOptions, 'vars'> = {},
): CompiledTest {
  const label = `test "${test.name}"`;
  let severity: Severity = 'error';
  const renderer = templateRenderer(
    db,
    project,
    {
      label,
      configure: (kw) => {
        severity = parseTestConfig(label, kw);
      },
      isIncremental: () => false,
    },
    options,
  );
  const sql = renderer.render(test.path, test.source);
  return { name: test.name, sql, refs: renderer.refs, sources: renderer.sources, severity };
}
