// The raw landing zone's table names. A stream name becomes an identifier (raw_bitbucket.<stream>),
// so only the names on this list ever reach SQL; anything else is refused with a clear error.
// (The list mirrors bitbucket/streams/catalog.ts, which warehouse/ must not import; a test keeps
// the two equal.)
import type { WarehouseEngine } from './engine';

/** The streams whose tables 002_raw_and_ledger creates. Frozen: a migration never changes. */
export const RAW_STREAMS_002 = [
  'workspaces',
  'members',
  'permissions',
  'projects',
  'repositories',
  'branches',
  'commits',
  'pullrequests',
  'pr_activity',
  'pr_comments',
  'pr_commits',
  'pipelines',
  'pipeline_steps',
  'environments',
  'deployments',
] as const;

/** The streams whose tables 006_access_and_tasks creates (PR tasks, project permissions, groups). */
export const RAW_STREAMS_006 = [
  'pr_tasks',
  'project_group_permissions',
  'project_user_permissions',
  'group_members',
] as const;

export const RAW_STREAMS = [...RAW_STREAMS_002, ...RAW_STREAMS_006] as const;

export type RawStream = (typeof RAW_STREAMS)[number];

const KNOWN = new Set<string>(RAW_STREAMS);

export function isRawStream(name: unknown): name is RawStream {
  return typeof name === 'string' && KNOWN.has(name);
}

export function assertRawStream(name: unknown): RawStream {
  if (!isRawStream(name))
    throw new Error(`unknown raw stream ${JSON.stringify(name)}: expected one of ${RAW_STREAMS.join(', ')}`);
  return name;
}

/** Statements creating the raw tables of `streams`, for each engine (one layout for every stream). */
export const rawTableDdl = {
  postgres: (db: Pick<WarehouseEngine, 'table'>, streams: readonly RawStream[]): string[] =>
    streams.flatMap((stream) => [
      `create table ${rawTable(db, stream)} (
        connection_id text not null,
        workspace_uuid text,
        record_key text not null,
        parent_key text,
        updated_on timestamptz,
        payload jsonb not null,
        _extracted_at timestamptz not null,
        _run_id text not null,
        _payload_hash text not null,
        _deleted_at timestamptz,
        primary key (connection_id, record_key)
      )`,
      `create index on ${rawTable(db, stream)} (connection_id, parent_key)`,
    ]),
  bigquery: (db: Pick<WarehouseEngine, 'table'>, streams: readonly RawStream[]): string[] =>
    streams.map(
      (stream) => `create table if not exists ${rawTable(db, stream)} (
        connection_id string not null,
        workspace_uuid string,
        record_key string not null,
        parent_key string,
        updated_on timestamp,
        payload json,
        _extracted_at timestamp not null,
        _run_id string not null,
        _payload_hash string not null,
        _deleted_at timestamp
      ) cluster by connection_id, record_key`,
    ),
};

/** The quoted raw_bitbucket.<stream> table; throws for a name that is not a known stream. */
export function rawTable(db: Pick<WarehouseEngine, 'table'>, stream: string): string {
  return db.table('raw_bitbucket', assertRawStream(stream));
}
