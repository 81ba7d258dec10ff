// int_source_events, the incremental model, on every engine: a second run reads only the source
// rows extracted or tombstoned since its newest row, and leaves the others untouched; its rows then
// equal a full refresh's, tombstones and late-arriving rows included.
import { beforeAll, expect, it } from 'vitest';
import { loadProject } from '../../transforms/project';
import { runModels } from '../../transforms/run';
import { loadRecords } from '../../warehouse/raw/load';
import { markDeleted } from '../../warehouse/raw/reconcile';
import { ADA, commitPayload, GRACE, REPO, repositoryRecord, SQL_DIR, WS } from '../support/rawFixtures';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

const commit = (hash: string, date: string, user = ADA) => ({
  key: `${REPO}:${hash}`,
  parentKey: REPO,
  updatedOn: date,
  payload: commitPayload(hash, date, `${user.display_name} <${user.nickname}@example.com>`, user),
});
const SELECT = ['+int_source_events'];
// Loads here are minutes apart and never concurrent: no lookback needed.
const VARS = { incremental_lookback_minutes: 0 };

describeEachWarehouse('the incremental event model', (engine) => {
  const fx = useMigratedWarehouse(engine);
  const events = () => fx.db.table('intermediate', 'int_source_events');
  const rows = async () =>
    (
      await fx.db.query<{ event_key: string; is_deleted: boolean; actor_uuid: string }>(
        `select event_key, is_deleted, actor_uuid from ${events()}`,
      )
    ).sort((a, b) => (a.event_key < b.event_key ? -1 : 1));
  const load = (records: ReturnType<typeof commit>[], extractedAt: string, runId: string) =>
    loadRecords(fx.db, {
      stream: 'commits',
      connectionId: 'c1',
      workspaceUuid: WS,
      runId,
      records,
      extractedAt,
    });
  const run = async (fullRefresh = false) => {
    const results = await runModels(fx.db, loadProject(SQL_DIR), { select: SELECT, vars: VARS, fullRefresh });
    expect(results.filter((r) => r.status !== 'success')).toEqual([]);
  };

  beforeAll(async () => {
    await loadRecords(fx.db, {
      stream: 'repositories',
      connectionId: 'c1',
      workspaceUuid: WS,
      runId: 'r0',
      records: [repositoryRecord(REPO, WS, 'api')],
    });
  }, 120_000);

  it('reads only what changed since its newest row, and ends equal to a full refresh', async () => {
    await load(
      [commit('c1', '2024-06-01T09:00:00Z'), commit('c2', '2024-06-02T09:00:00Z')],
      '2024-07-01T00:00:00Z',
      'r1',
    );
    await run();
    expect((await rows()).map((r) => r.event_key)).toEqual([
      `commit_authored:${REPO}:c1`,
      `commit_authored:${REPO}:c2`,
    ]);

    // An old row changes without being re-extracted: the incremental run must not see it (proof it
    // read only new rows); a later load adds c3, re-attributes c2 and tombstones c1.
    await fx.db.query(`update ${events()} set actor_uuid = 'untouched' where event_key = $1`, [
      `commit_authored:${REPO}:c1`,
    ]);
    await load(
      [commit('c2', '2024-06-02T09:00:00Z', GRACE), commit('c3', '2024-06-03T09:00:00Z')],
      '2024-07-02T00:00:00Z',
      'r2',
    );
    await markDeleted(fx.db, {
      stream: 'commits',
      connectionId: 'c1',
      parentKey: REPO,
      keep: [`${REPO}:c2`, `${REPO}:c3`],
      runId: 'r3',
      at: '2024-07-03T00:00:00Z',
    });
    await run();
    expect(await rows()).toEqual([
      { event_key: `commit_authored:${REPO}:c1`, is_deleted: true, actor_uuid: ADA.uuid },
      { event_key: `commit_authored:${REPO}:c2`, is_deleted: false, actor_uuid: GRACE.uuid },
      { event_key: `commit_authored:${REPO}:c3`, is_deleted: false, actor_uuid: ADA.uuid },
    ]);

    // Nothing new: a third run changes nothing, and a full refresh gives the same rows.
    await fx.db.query(`update ${events()} set actor_uuid = 'untouched' where event_key = $1`, [
      `commit_authored:${REPO}:c3`,
    ]);
    await run();
    expect((await rows()).find((r) => r.event_key.endsWith(':c3'))?.actor_uuid).toBe('untouched');
    await fx.db.query(`update ${events()} set actor_uuid = $1 where event_key = $2`, [
      ADA.uuid,
      `commit_authored:${REPO}:c3`,
    ]);
    const incremental = await rows();
    await run(true);
    expect(await rows()).toEqual(incremental);
  }, 300_000);
});
