// A complete pipeline for tests: sandbox + warehouse + token vault + worker on the test run's
// Temporal dev server, wired exactly as the product wires them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createActivities } from '../../activities/index';
import { createBitbucketOAuth } from '../../bitbucket/auth/oauthClient';
import { OFF_BY_DEFAULT } from '../../bitbucket/streams/plan';
import { createLogger } from '../../lib/log';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../sandbox/index';
import { createServices, type Services } from '../../services/services';
import { loadConfig } from '../../temporal.config';
import { writeStreamSettings } from '../../warehouse/connectionStreams';
import type { WarehouseEngine } from '../../warehouse/engine';
import { jsonText } from '../../warehouse/rawQueries';
import { RAW_STREAMS } from '../../warehouse/rawStreams';
import type { BackfillInput } from '../../workflows/backfill';
import { newDataDir } from './dataDirs';
import { control } from './sandbox';
import { workflowBundle } from './temporal';
import type { WarehouseUnderTest } from './warehouse';

export const CONNECTION = 'test-connection';

/** The environment a bbetl process needs to talk to this sandbox (tests pass it to children too). */
export function pipelineEnv(sb: Sandbox, dataDir = newDataDir()): Record<string, string> {
  return {
    BBETL_DATA_DIR: dataDir,
    BBETL_SECRET_KEY: SECRET_KEY,
    BITBUCKET_CLIENT_ID: sb.urls.clientId,
    BITBUCKET_CLIENT_SECRET: sb.urls.clientSecret,
    BITBUCKET_API_URL: sb.urls.apiUrl,
    BITBUCKET_OAUTH_URL: sb.urls.oauthUrl,
    // The sandbox's limit is lifted for tests; pacing at Bitbucket's real 1,000/h would take hours.
    BITBUCKET_RATE_LIMIT_PER_HOUR: '1000000',
    // Syncs here run one after another seconds apart: no load can still be committing.
    TRANSFORM_LOOKBACK_MINUTES: '0',
    LOG_LEVEL: 'warn',
  };
}

/** One key for the whole test process, so worker children can read what the test stored. */
const SECRET_KEY = randomBytes(32).toString('base64');

export async function pipelineServices(sb: Sandbox, db: WarehouseEngine): Promise<Services> {
  const config = loadConfig(pipelineEnv(sb));
  return createServices(config, createLogger({ level: 'warn', pretty: false }), {
    db,
    clientOptions: { backoffBaseMs: 5, backoffMaxMs: 100, maxAttempts: 12 },
  });
}

/** Connects headlessly (client credentials), as `bbetl connect --client-credentials` does. */
export async function connect(
  sb: Sandbox,
  services: Services,
  workspaces = ['acme'],
  connectionId = CONNECTION,
): Promise<void> {
  const oauth = createBitbucketOAuth({
    clientId: sb.urls.clientId,
    clientSecret: sb.urls.clientSecret,
    oauthUrl: sb.urls.oauthUrl,
  });
  await services.vault.saveGrant(connectionId, await oauth.clientCredentials(), { workspaces });
}

/** Turns on, for the test connection, the streams that are off by default (branches, pipeline steps). */
export async function readEveryStream(db: WarehouseEngine): Promise<void> {
  await writeStreamSettings(
    db,
    CONNECTION,
    OFF_BY_DEFAULT.map((stream) => ({ stream, on: true })),
  );
}

export function workerOptions(services: Services, taskQueue: string) {
  return { taskQueue, workflowBundle: workflowBundle(), activities: createActivities(services) };
}

/** Live raw keys per stream for one workspace (the workspaces stream: all of the connection's). */
export async function rawKeys(
  db: WarehouseEngine,
  workspaceUuid: string,
  connectionId = CONNECTION,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const stream of RAW_STREAMS) {
    const rows = await db.query<{ record_key: string }>(
      `select record_key from ${db.table('raw_bitbucket', stream)}
       where connection_id = $1 and _deleted_at is null ${stream === 'workspaces' ? '' : 'and workspace_uuid = $2'}
       order by record_key`,
      stream === 'workspaces' ? [connectionId] : [connectionId, workspaceUuid],
    );
    out[stream] = rows.map((r) => r.record_key).sort();
  }
  return out;
}

/**
 * The stored (live) pipelines and deployments of a workspace by state, named as the sandbox's
 * truth names them: `state.name`, then the stage, result or status name.
 */
export async function rawStates(
  db: WarehouseEngine,
  workspaceUuid: string,
): Promise<{ pipelines: Record<string, number>; deployments: Record<string, number> }> {
  const count = async (stream: 'pipelines' | 'deployments', detail: string[][]) => {
    const columns = [['state', 'name'], ...detail].map((path, i) => `${jsonText(db, path)} as c${i}`);
    const rows = await db.query<Record<string, string | null>>(
      `select ${columns.join(', ')} from ${db.table('raw_bitbucket', stream)}
       where connection_id = $1 and _deleted_at is null and workspace_uuid = $2`,
      [CONNECTION, workspaceUuid],
    );
    const out: Record<string, number> = {};
    for (const row of rows) {
      const d = detail.map((_, i) => row[`c${i + 1}`]).find((v) => v);
      const key = d ? `${row.c0}/${d}` : `${row.c0}`;
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  };
  return {
    pipelines: await count('pipelines', [
      ['state', 'stage', 'name'],
      ['state', 'result', 'name'],
    ]),
    deployments: await count('deployments', [['state', 'status', 'name']]),
  };
}

/**
 * The sandbox's ground truth of a workspace, as keys per stream. With `streams: 'defaults'` (a
 * fixture reading what a new connection reads) the streams off by default hold no key.
 */
export async function truthKeys(
  sb: Sandbox,
  workspace: string,
  streams: StreamsRead = 'every',
): Promise<{ uuid: string; keys: Record<string, string[]> }> {
  const truth = (await control(sb, 'GET', `/truth?workspace=${workspace}&keys=1`)).json;
  const keys = Object.fromEntries(
    Object.entries(truth.keys as Record<string, string[]>).map(([k, v]) => [
      k,
      streams === 'defaults' && (OFF_BY_DEFAULT as readonly string[]).includes(k) ? [] : [...v].sort(),
    ]),
  );
  const all: string[] = [];
  for (const ws of (await control(sb, 'GET', '/state')).json.workspaces) {
    all.push(...(await control(sb, 'GET', `/truth?workspace=${ws}&keys=1`)).json.keys.workspaces);
  }
  keys.workspaces = all.sort();
  return { uuid: keys.workspaces.length ? (truth.keys.workspaces[0] as string) : '', keys };
}

export async function sandboxNow(sb: Sandbox, offsetMs = 0): Promise<string> {
  return new Date(Date.parse((await control(sb, 'GET', '/state')).json.now) + offsetMs).toISOString();
}

/** Start options of a backfill of `acme` since 2025 (to just past the sandbox's now) on `taskQueue`. */
export async function acmeBackfill(sb: Sandbox, taskQueue: string, input: Partial<BackfillInput> = {}) {
  const until = await sandboxNow(sb, 1);
  const args: [BackfillInput] = [
    { connectionId: CONNECTION, workspace: 'acme', since: '2025-01-01T00:00:00Z', until, ...input },
  ];
  return { taskQueue, workflowId: `backfill:${CONNECTION}:acme:${taskQueue}`, args };
}

/** Which streams a fixture's connection reads: every one, or what a new connection reads. */
export type StreamsRead = 'every' | 'defaults';

export interface PipelineFixture {
  streams: StreamsRead;
  sb: Sandbox;
  wh: WarehouseUnderTest;
  db: WarehouseEngine;
  services: Services;
}

/**
 * A sandbox, a warehouse and connected services for a describe block (filled in beforeAll). The
 * connection reads every stream, so what lands can be compared with the sandbox's whole ground
 * truth; `streams: 'defaults'` leaves it reading what a new connection reads.
 */
export function usePipeline(
  engine: () => WarehouseUnderTest,
  sandboxOptions: SandboxOptions,
  options: { streams?: StreamsRead } = {},
): PipelineFixture {
  const ctx = { streams: options.streams ?? 'every' } as PipelineFixture;
  beforeAll(async () => {
    ctx.sb = await startSandbox(sandboxOptions);
    ctx.wh = engine();
    ctx.db = await ctx.wh.open();
    ctx.services = await pipelineServices(ctx.sb, ctx.db);
    await connect(ctx.sb, ctx.services);
    if (ctx.streams === 'every') await readEveryStream(ctx.db);
  });
  afterAll(async () => {
    await ctx.sb?.close();
    await ctx.wh?.cleanup(ctx.db);
    await ctx.db?.close();
  });
  return ctx;
}
