// The warehouse contract every engine implements. Callers write SQL with $1, $2 … placeholders;
// each adapter binds them its own way. JSON columns come back parsed on every engine. Tables are
// always named through `table()`, which quotes them and applies the engine's schema prefix, so no
// identifier from outside ever reaches SQL unquoted.
import type { WarehouseConfig } from '../temporal.config';

export type EngineName = WarehouseConfig['engine'];
export type Dialect = 'postgres' | 'bigquery';

/** The warehouse's schemas (BigQuery: datasets). */
export const SCHEMAS = ['etl_meta', 'raw_bitbucket', 'staging', 'intermediate', 'marts'] as const;
export type Schema = (typeof SCHEMAS)[number];

export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one statement and returns its rows. */
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * Postgres server only, inside `transaction()`: streams `source` into a `COPY … FROM STDIN`
   * statement on the transaction's connection; returns the number of rows copied.
   */
  copyFrom?(sql: string, source: Iterable<string> | AsyncIterable<string>): Promise<number>;
}

/** What a relation and its columns say they hold, as BI tools show it; null: no description. */
export interface RelationDescriptions {
  description: string | null;
  /** The columns to describe; the relation's other columns keep what they have. */
  columns: ReadonlyArray<{ name: string; description: string | null }>;
}

/** A column of a bulk-loaded table (BigQuery types). */
export interface BulkColumn {
  name: string;
  type: 'STRING' | 'TIMESTAMP' | 'JSON' | 'INT64' | 'BOOL';
}

/** What a relation is, if it exists. */
export type RelationKind = 'table' | 'view' | undefined;

export interface WarehouseEngine extends Queryable {
  readonly name: EngineName;
  readonly dialect: Dialect;
  /** The physical name of a schema (prefix applied), unquoted. */
  schemaName(schema: Schema): string;
  /** The schema's quoted reference, for DDL: "etl_meta" or `project.bbetl_etl_meta`. */
  schemaRef(schema: Schema): string;
  /** A qualified, quoted table name, e.g. "etl_meta"."connections" or `project.bbetl_etl_meta.connections`. */
  table(schema: Schema, name: string): string;
  /**
   * Postgres and PGlite: runs `fn` in one transaction (all of it commits, or none). BigQuery has
   * no transactions across jobs: statements run in order, each atomic on its own, so callers that
   * need atomicity there write the unit of work as one statement.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * BigQuery only: creates table `name` in `schema` (expiring at `expiresAt`, so a crash leaves no
   * litter behind) and fills it with `rows` by one load job of newline-delimited JSON.
   */
  loadTable?(
    schema: Schema,
    name: string,
    columns: readonly BulkColumn[],
    rows: readonly Row[],
    options?: { expiresAt?: Date },
  ): Promise<void>;
  /**
   * BigQuery only: sets the description of table or view `name` in `schema` and of the columns
   * given, through the tables API (the emulator ignores `ALTER TABLE … SET OPTIONS(description=…)`
   * and rejects `ALTER VIEW`). Throws naming a given column the relation does not have.
   */
  describeRelation?(schema: Schema, name: string, descriptions: RelationDescriptions): Promise<void>;
  /**
   * BigQuery only: whether `name` in `schema` is a table or a view (undefined: neither), read
   * through the tables API: free and quick, where a query to find out is a billed job.
   */
  relationKind?(schema: Schema, name: string): Promise<RelationKind>;
  /**
   * BigQuery only: the rows of table `name` in `schema` as its metadata says, without a job.
   * Exact once the query job that created the table is done; after DML, count instead (the
   * emulator's metadata does not follow DML).
   */
  createdTableRows?(schema: Schema, name: string): Promise<number>;
  /**
   * Postgres only: takes session advisory lock `key` on a connection of its own, if free, and
   * returns its release; undefined when another session holds it. The server releases it when
   * the session ends, so a worker that dies holds nothing.
   */
  tryAdvisoryLock?(key: string): Promise<(() => Promise<void>) | undefined>;
  close(): Promise<void>;
}

/** Double-quotes a Postgres identifier; any character is allowed, quotes are doubled. */
export function quotePgIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Backquotes a BigQuery identifier path; rejects characters BigQuery never allows in one. */
export function quoteBqIdent(path: string): string {
  if (!/^[A-Za-z0-9_.:-]+$/.test(path))
    throw new Error(`invalid BigQuery identifier: ${JSON.stringify(path)}`);
  return `\`${path}\``;
}

export async function openWarehouse(config: WarehouseConfig): Promise<WarehouseEngine> {
  switch (config.engine) {
    case 'pglite':
      return (await import('./pglite')).openPglite(config.dir, config.schemaPrefix);
    case 'postgres':
      return (await import('./postgres')).openPostgres(config.url, config.schemaPrefix);
    case 'bigquery':
      return (await import('./bigquery')).openBigQuery(config);
  }
}
