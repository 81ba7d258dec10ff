// The status page's warehouse queries on every engine, over a ledger and raw tables written by hand.
import { beforeAll, expect, it } from 'vitest';
import type { WarehouseEngine } from '../../warehouse/engine';
import { finishRun, recordError, startRun } from '../../warehouse/ledger';
import { loadRecords } from '../../warehouse/raw/load';
import {
  latestTransformRunId,
  recentErrors,
  streamErrorCounts,
  streamLoads,
  workspaceRuns,
} from '../../warehouse/syncStatus';
import { recordTransformRun } from '../../warehouse/transformLedger';
import { describeEachWarehouse, useMigratedWarehouse, type WarehouseUnderTest } from '../support/warehouse';

const C = 'conn';

async function run(
  db: WarehouseEngine,
  runId: string,
  workspace: string,
  at: string,
  status: 'completed' | 'failed' | 'running',
  records = 0,
) {
  const until = `2025-03-0${at}T00:00:00Z`;
  await startRun(db, {
    runId,
    connectionId: C,
    kind: 'incremental',
    workspace,
    windowUntil: until,
    startedAt: until,
  });
  if (status !== 'running')
    await finishRun(db, { runId, status, records, finishedAt: `2025-03-0${at}T00:05:00Z` });
}

const load = (db: WarehouseEngine, stream: string, runId: string, keys: string[], version = 1) =>
  loadRecords(db, {
    stream,
    connectionId: C,
    workspaceUuid: '{ws}',
    runId,
    records: keys.map((key) => ({
      key,
      updatedOn: `2025-02-0${version}T00:00:00Z`,
      payload: { key, version },
    })),
    extractedAt: `2025-03-0${version}T00:01:00Z`,
  });

describeEachWarehouse('sync status queries', (engine: () => WarehouseUnderTest) => {
  const fx = useMigratedWarehouse(engine);
  beforeAll(async () => {
    await run(fx.db, 'r1', 'acme', '1', 'completed', 3);
    await run(fx.db, 'r2', 'acme', '2', 'completed', 1);
    await run(fx.db, 'r3', 'acme', '3', 'failed');
    await run(fx.db, 'b1', 'beta', '1', 'running');
    await load(fx.db, 'commits', 'r1', ['c1', 'c2']);
    await load(fx.db, 'pullrequests', 'r1', ['p1']);
    await load(fx.db, 'commits', 'r2', ['c2'], 2);
    await load(fx.db, 'branches', 'outside-the-ledger', ['b1']);
    for (const [runId, at] of [
      ['r1', '1'],
      ['r3', '3'],
    ])
      await recordError(fx.db, {
        connectionId: C,
        runId: runId as string,
        stream: 'commits',
        kind: 'BAD_PAYLOAD',
        message: `bad in ${runId}`,
        occurredAt: `2025-03-0${at}T00:02:00Z`,
      });
    for (const [runId, at] of [
      ['t1', '1'],
      ['t2', '2'],
    ])
      await recordTransformRun(fx.db, {
        runId: runId as string,
        triggeredBy: 'cli',
        nodes: [
          {
            node: 'stg_commits',
            kind: 'model',
            materialized: 'view',
            status: 'success',
            startedAt: new Date(`2025-03-0${at}T01:00:00Z`),
            ms: 5,
            rowCount: 1,
            error: null,
            sample: null,
          },
        ],
      });
  }, 120_000);

  it('gives each workspace its newest run and its newest success', async () => {
    expect(await workspaceRuns(fx.db, C)).toEqual([
      {
        workspace: 'acme',
        latestRunId: 'r3',
        latestStatus: 'failed',
        lastSuccessRunId: 'r2',
        lastSuccessAt: new Date('2025-03-02T00:05:00Z'),
        lastSuccessRecords: 1,
        completeUntil: new Date('2025-03-02T00:00:00Z'),
      },
      {
        workspace: 'beta',
        latestRunId: 'b1',
        latestStatus: 'running',
        lastSuccessRunId: null,
        lastSuccessAt: null,
        lastSuccessRecords: 0,
        completeUntil: null,
      },
    ]);
    expect(await workspaceRuns(fx.db, 'other')).toEqual([]);
  });

  it('counts raw rows per workspace and stream, and what the last success wrote', async () => {
    const loads = await streamLoads(fx.db, C);
    const byKey = Object.fromEntries(loads.map((l) => [`${l.workspace}/${l.stream}`, l]));
    expect(Object.keys(byKey).sort()).toEqual(['acme/commits', 'acme/pullrequests', 'null/branches']);
    expect(byKey['acme/commits']).toEqual({
      workspace: 'acme',
      stream: 'commits',
      records: 2,
      lastRunRecords: 1,
      newestUpdatedOn: new Date('2025-02-02T00:00:00Z'),
      lastLoadedAt: new Date('2025-03-02T00:01:00Z'),
    });
    expect(byKey['acme/pullrequests']).toMatchObject({ records: 1, lastRunRecords: 0 });
    expect(byKey['null/branches']).toMatchObject({ records: 1, lastRunRecords: 0 });
  });

  it('counts errors per workspace and stream, and lists the newest first', async () => {
    expect(await streamErrorCounts(fx.db, C)).toEqual([
      {
        workspace: 'acme',
        stream: 'commits',
        total: 2,
        latestRun: 1,
        lastAt: new Date('2025-03-03T00:02:00Z'),
      },
    ]);
    const errors = await recentErrors(fx.db, C, 1);
    expect(errors).toEqual([
      {
        workspace: 'acme',
        stream: 'commits',
        recordKey: null,
        kind: 'BAD_PAYLOAD',
        message: 'bad in r3',
        runId: 'r3',
        occurredAt: new Date('2025-03-03T00:02:00Z'),
      },
    ]);
  });

  it('finds the newest transform run', async () => {
    expect(await latestTransformRunId(fx.db)).toBe('t2');
  });
});
