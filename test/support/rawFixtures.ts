// Builders for hand-written raw records shaped like the sandbox's API payloads (after the
// catalog's `fields=` projections), shared by the SQL model tests.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WarehouseEngine } from '../../warehouse/engine';
import { toDate } from '../../warehouse/jsonValues';
import { loadRecords } from '../../warehouse/raw/load';
import type { RawRecord } from '../../warehouse/raw/records';

export const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql');

export const WS = '{ws-1}';
export const REPO = '{repo-1}';
export const t = (iso: string) => new Date(iso);

export const account = (uuid: string, name: string, type: 'user' | 'app_user' = 'user') => ({
  type,
  uuid,
  account_id: `acc-${name.toLowerCase()}`,
  display_name: name,
  nickname: name.toLowerCase(),
});
export type Account = ReturnType<typeof account>;
export const ADA = account('{u-ada}', 'Ada');
export const BOT = account('{u-bot}', 'Deploy Bot', 'app_user');
export const GRACE = account('{u-grace}', 'Grace');

export const commitPayload = (hash: string, date: string, authorRaw: string, user?: Account) => ({
  type: 'commit',
  hash,
  date,
  author: user ? { type: 'author', raw: authorRaw, user } : { type: 'author', raw: authorRaw },
  message: `change ${hash}\n`,
  parents: [],
});

export const prLink = (id: number) => ({ type: 'pullrequest', id, title: `PR ${id}` });
export const endpoint = (branch: string, hash: string) => ({
  branch: { name: branch },
  commit: { type: 'commit', hash },
});

/** A workspace membership record (the members stream); the slug defaults to the uuid. */
export const membership = (ws: string, user: Account, slug = ws) => ({
  key: `${ws}:${user.uuid}`,
  parentKey: ws,
  payload: { type: 'workspace_membership', user, workspace: { type: 'workspace', uuid: ws, slug } },
});

/** A workspace permission record (the permissions stream), with the day it was added when known. */
export const permission = (ws: string, user: Account, addedOn?: string, slug = ws) => ({
  key: `${ws}:${user.uuid}`,
  parentKey: ws,
  payload: {
    type: 'workspace_membership',
    permission: 'member',
    user,
    workspace: { type: 'workspace', uuid: ws, slug },
    ...(addedOn ? { added_on: addedOn } : {}),
  },
});

/** Records of one stream extracted under one workspace. */
export interface WorkspaceLoad {
  ws: string;
  stream: string;
  records: RawRecord[];
}

/** Loads each workspace's records as connection c1's extraction, all in run `runId`. */
export async function loadWorkspaceLoads(
  db: WarehouseEngine,
  loads: readonly WorkspaceLoad[],
  extractedAt: string,
  runId = 'run-1',
): Promise<void> {
  for (const load of loads)
    await loadRecords(db, {
      stream: load.stream,
      connectionId: 'c1',
      workspaceUuid: load.ws,
      runId,
      records: load.records,
      extractedAt,
    });
}

/** Loads a dataset (stream → records) as connection c1's extraction of workspace WS, run run-c1. */
export function loadDataset(
  db: WarehouseEngine,
  dataset: Record<string, RawRecord[]>,
  extractedAt: string,
): Promise<void> {
  const loads = Object.entries(dataset).map(([stream, records]) => ({ ws: WS, stream, records }));
  return loadWorkspaceLoads(db, loads, extractedAt, 'run-c1');
}

/** Rows with BigQuery's timestamp objects turned into Dates (pg, PGlite give Dates already). */
export function plain(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        v !== null && typeof v === 'object' && !(v instanceof Date) && 'value' in v ? toDate(v) : v,
      ]),
    ),
  );
}

/** A deployment to Production, in progress until `completedOn` is given (then SUCCESSFUL). */
export function deployment(
  n: number,
  deployer: Account,
  startedOn: string,
  hash: string,
  completedOn?: string,
) {
  const url = 'http://x';
  const state = completedOn
    ? {
        type: 'deployment_state_completed',
        name: 'COMPLETED',
        url,
        deployer,
        status: { type: 'deployment_state_completed_status_successful', name: 'SUCCESSFUL' },
        start_date: startedOn,
        completion_date: completedOn,
      }
    : { type: 'deployment_state_in_progress', name: 'IN_PROGRESS', url, deployer, start_date: startedOn };
  return {
    key: `{dep-${n}}`,
    parentKey: REPO,
    updatedOn: completedOn ?? startedOn,
    payload: {
      type: 'deployment',
      uuid: `{dep-${n}}`,
      state,
      environment: {
        type: 'deployment_environment',
        uuid: '{env-prod}',
        name: 'Production',
        environment_type: { name: 'Production' },
      },
      release: {
        type: 'deployment_release',
        uuid: `{dep-${n}-release}`,
        name: String(40 + n),
        commit: { type: 'commit', hash },
        created_on: startedOn,
      },
      step: { uuid: `{step-${n}}` },
      last_update_time: completedOn ?? startedOn,
    },
  };
}

/** Rows sorted byte-wise on the given keys (engine collations differ). */
export function sortRows<T extends Record<string, unknown>>(rows: T[], keys: string[]): T[] {
  const key = (r: T) => keys.map((k) => String(r[k])).join('\u0000');
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** An SQL expression casting a date (or any) column to text, per engine. */
export const asText = (db: { dialect: string }, column: string) =>
  `cast(${column} as ${db.dialect === 'bigquery' ? 'string' : 'text'})`;

/** A minimal repository record (the facts' relationships tests look repositories up in dim_repositories). */
export const repositoryRecord = (uuid: string, ws: string, slug: string) => ({
  key: uuid,
  parentKey: ws,
  payload: { type: 'repository', uuid, slug, name: slug, workspace: { uuid: ws } },
});
