// The raw landing zone's table names. A stream name becomes an identifier (raw_bitbucket.<stream>),
// so only the names on this list ever reach SQL; anything else is refused with a clear error.
// (The list mirrors bitbucket/streams/catalog.ts, which warehouse/ must not import; a test keeps
// the two equal.)
import type { WarehouseEngine } from './engine';

export const RAW_STREAMS = [
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

/** The quoted raw_bitbucket.<stream> table; throws for a name that is not a known stream. */
export function rawTable(db: Pick<WarehouseEngine, 'table'>, stream: string): string {
  return db.table('raw_bitbucket', assertRawStream(stream));
}
