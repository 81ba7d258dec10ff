import { BigQuery, type TableField } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import type { WarehouseConfig } from '../temporal.config';
import {
  type Queryable,
  quoteBqIdent,
  type RelationDescriptions,
  type Row,
  type Schema,
  type WarehouseEngine,
} from './engine';

type BigQueryConfig = Extract<WarehouseConfig, { engine: 'bigquery' }>;

/** A BigQuery client; against an emulator it sends a static token instead of looking for Google credentials. */
export function bigQueryClient(config: BigQueryConfig): BigQuery {
  if (!config.apiEndpoint) return new BigQuery({ projectId: config.project, location: config.location });
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'emulator' });
  return new BigQuery({ projectId: config.project, apiEndpoint: config.apiEndpoint, authClient });
}

/** BigQuery's answer for a dataset or table that does not exist (HTTP 404, or a job's `notFound`). */
export function isBigQueryNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; errors?: Array<{ reason?: unknown }> } | null;
  return e?.code === 404 || (Array.isArray(e?.errors) && e.errors.some((x) => x?.reason === 'notFound'));
}

/** $1, $2 … become @p1, @p2 … (BigQuery named parameters). */
function bindPositional(sql: string, params: readonly unknown[]) {
  const named: Record<string, unknown> = {};
  params.forEach((value, i) => {
    named[`p${i + 1}`] = value;
  });
  return { query: sql.replace(/\$(\d+)\b/g, '@p$1'), params: named };
}

function parseJsonFields(rows: Row[], fields: TableField[] | undefined): Row[] {
  const jsonNames = (fields ?? []).filter((f) => f.type === 'JSON').map((f) => f.name as string);
  if (jsonNames.length === 0) return rows;
  for (const row of rows) {
    for (const name of jsonNames) {
      const value = row[name];
      if (typeof value === 'string') row[name] = JSON.parse(value);
    }
  }
  return rows;
}

/** The table's top-level fields with the descriptions given (none: the field's own is removed). */
function describeFields(
  table: string,
  fields: TableField[],
  columns: RelationDescriptions['columns'],
): TableField[] {
  const given = new Map(columns.map((c) => [c.name, c.description]));
  const missing = [...given.keys()].filter((name) => !fields.some((f) => f.name === name));
  if (missing.length > 0) throw new Error(`${table} has no column ${missing.join(', ')}`);
  return fields.map((field) => {
    if (!given.has(field.name as string)) return field;
    const { description: _old, ...rest } = field;
    const description = given.get(field.name as string);
    return description ? { ...rest, description } : rest;
  });
}

export async function openBigQuery(config: BigQueryConfig): Promise<WarehouseEngine> {
  const bq = bigQueryClient(config);
  const schemaName = (schema: Schema) => `${config.datasetPrefix}_${schema}`;
  const runner: Queryable = {
    async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []) {
      const [job] = await bq.createQueryJob({ ...bindPositional(sql, params), location: config.location });
      const [rows, , response] = await job.getQueryResults({ autoPaginate: true });
      return parseJsonFields(rows as Row[], response?.schema?.fields) as T[];
    },
  };
  return {
    name: 'bigquery',
    dialect: 'bigquery',
    schemaName,
    schemaRef: (schema) => quoteBqIdent(`${config.project}.${schemaName(schema)}`),
    table: (schema, name) => quoteBqIdent(`${config.project}.${schemaName(schema)}.${name}`),
    ...runner,
    // BigQuery has no interactive transactions across jobs: each statement (MERGE, DELETE …) is
    // atomic on its own, and callers write each unit of work as one statement or script.
    transaction: (fn) => fn(runner),
    async loadTable(schema, name, columns, rows, options = {}) {
      const dataset = bq.dataset(schemaName(schema));
      await dataset.createTable(name, {
        schema: { fields: columns.map((c) => ({ name: c.name, type: c.type, mode: 'NULLABLE' })) },
        ...(options.expiresAt ? { expirationTime: String(options.expiresAt.getTime()) } : {}),
        location: config.location,
      });
      if (rows.length === 0) return;
      const ndjson = `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
      await new Promise<void>((resolve, reject) => {
        const stream = dataset.table(name).createWriteStream({
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          writeDisposition: 'WRITE_APPEND',
          location: config.location,
        });
        stream.on('error', reject);
        stream.on('complete', () => resolve());
        stream.end(ndjson);
      });
    },
    async describeRelation(schema, name, { description, columns }) {
      const table = bq.dataset(schemaName(schema)).table(name);
      const [metadata] = await table.getMetadata();
      const stored: TableField[] = metadata.schema?.fields ?? [];
      // A patch replaces the whole schema: every field goes back as it was, descriptions aside.
      const fields = describeFields(name, stored, columns);
      // (None differing from what the table carries: no patch, one API call less a model a run.)
      const same = (a: string | null | undefined, b: string | null | undefined) => (a ?? '') === (b ?? '');
      if (
        same(metadata.description, description) &&
        fields.every((field, i) => same(field.description, stored[i]?.description))
      )
        return;
      // '' removes the relation's description.
      await table.setMetadata({ description: description ?? '', schema: { fields } });
    },
    async relationKind(schema, name) {
      try {
        const [metadata] = await bq.dataset(schemaName(schema)).table(name).getMetadata();
        return metadata.type === 'VIEW' || metadata.type === 'MATERIALIZED_VIEW' ? 'view' : 'table';
      } catch (error) {
        // Anything but "not found" (a timeout, a quota) must not pass for a missing relation.
        if (isBigQueryNotFound(error)) return undefined;
        throw error;
      }
    },
    async createdTableRows(schema, name) {
      const [metadata] = await bq.dataset(schemaName(schema)).table(name).getMetadata();
      const rows = Number(metadata.numRows);
      if (!Number.isSafeInteger(rows)) throw new Error(`${name}: no row count in its metadata`);
      return rows;
    },
    close: async () => {},
  };
}
