// Deleting a disconnected connection's data: its raw rows in every stream and its ledger go, the
// same rows of another connection stay, and the result says what was deleted.
import { describe, expect, it } from 'vitest';
import { deleteConnectionData } from '../../warehouse/connectionData';
import { listRuns, recordError, startRun } from '../../warehouse/ledger';
import { loadRecords } from '../../warehouse/raw/load';
import { readState, writeState } from '../../warehouse/raw/state';
import { rawTable } from '../../warehouse/rawStreams';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

describe('deleting a connection’s data', () => {
  describeEachWarehouse('deleteConnectionData', (engine) => {
    const fx = useMigratedWarehouse(engine);

    it("deletes one connection's raw rows and ledger, and leaves another's as they were", async () => {
      const records = (n: number) =>
        Array.from({ length: n }, (_, i) => ({ key: `k${i}`, parentKey: '{ws}', payload: { id: i } }));
      for (const c of ['gone', 'kept']) {
        await loadRecords(fx.db, {
          stream: 'pullrequests',
          connectionId: c,
          workspaceUuid: '{ws}',
          runId: 'r',
          records: records(3),
        });
        await loadRecords(fx.db, {
          stream: 'members',
          connectionId: c,
          workspaceUuid: '{ws}',
          runId: 'r',
          records: records(2),
        });
        await writeState(fx.db, {
          connectionId: c,
          stream: 'pullrequests',
          scopeKey: '',
          watermark: '2024-05-03T00:00:00Z',
        });
        await startRun(fx.db, { runId: `run-${c}`, connectionId: c, kind: 'backfill' });
        await recordError(fx.db, {
          runId: `run-${c}`,
          connectionId: c,
          stream: 'pullrequests',
          kind: 'http',
          message: 'x',
        });
      }

      expect(await deleteConnectionData(fx.db, 'gone')).toEqual({ rawRows: { members: 2, pullrequests: 3 } });

      const count = async (stream: string, c: string) => {
        const [r] = await fx.db.query<{ n: string }>(
          `select count(*) as n from ${rawTable(fx.db, stream)} where connection_id = $1`,
          [c],
        );
        return Number(r?.n);
      };
      expect([await count('pullrequests', 'gone'), await count('members', 'gone')]).toEqual([0, 0]);
      expect([await count('pullrequests', 'kept'), await count('members', 'kept')]).toEqual([3, 2]);
      expect(await readState(fx.db, 'gone', 'pullrequests', '')).toEqual({});
      expect((await readState(fx.db, 'kept', 'pullrequests', '')).watermark).toBeDefined();
      expect(await listRuns(fx.db, { connectionId: 'gone', limit: 10 })).toEqual([]);
      expect(await listRuns(fx.db, { connectionId: 'kept', limit: 10 })).toHaveLength(1);
      const errors = async (c: string) =>
        (
          await fx.db.query(`select 1 from ${fx.db.table('etl_meta', 'errors')} where connection_id = $1`, [
            c,
          ])
        ).length;
      expect([await errors('gone'), await errors('kept')]).toEqual([0, 1]);
      // Nothing left to delete: a second call (a retry) deletes nothing and fails on nothing.
      expect(await deleteConnectionData(fx.db, 'gone')).toEqual({ rawRows: {} });
    });
  });
});
