// The warehouse code under hostile input, on every engine.
// Names from outside (workspace and repository slugs, record keys, run and connection ids) are
// values, never SQL. Bitbucket itself only allows [a-z0-9._-] in slugs, so the hostile names go
// straight into our warehouse code, built per engine to drop the very tables being written: if
// one reached SQL unquoted, a table would vanish or a count would be off. (Odd unicode and JSON
// payloads already round-trip in test/warehouse/rawLoader.test.ts.)
// Replays at the same instant: of concurrent uses of one invite exactly one wins. (Concurrent
// consumers of one OAuth state: test/bitbucket/tokenVault.test.ts.)
import { beforeAll, expect, it } from 'vitest';
import type { WarehouseEngine } from '../../warehouse/engine';
import { listIdentityMappings, mapIdentity } from '../../warehouse/identityMap';
import { finishRun, listErrors, listRuns, recordError, startRun } from '../../warehouse/ledger';
import { loadRecords } from '../../warehouse/raw/load';
import { existingKeys, markDeleted } from '../../warehouse/raw/reconcile';
import { readState } from '../../warehouse/raw/state';
import { selectRaw, tombstoneSubtree } from '../../warehouse/rawQueries';
import { rawTable } from '../../warehouse/rawStreams';
import { recentErrors, streamErrorCounts, streamLoads, workspaceRuns } from '../../warehouse/syncStatus';
import { WebAccountStore } from '../../warehouse/webAccounts';
import { DEFAULT_CONNECTION } from '../../web/deps';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

/** Names that break out of a string literal, a quoted identifier or a placeholder, in either dialect. */
function hostileNames(db: WarehouseEngine): string[] {
  return [
    `x'); drop table ${db.table('etl_meta', 'runs')}; --`,
    `x"; drop table ${db.table('etl_meta', 'errors')}; --`,
    `x\`; drop table ${rawTable(db, 'repositories')}; --`,
    `x\\'; delete from ${db.table('etl_meta', 'runs')} where true or '' = '`,
    `$1 $2 @p0 ? %s ' || (select 1) || '`,
    `ws-ünï ✓ 🚀 \u202e /* */ -- \n\t`,
  ];
}

const count = async (db: WarehouseEngine, table: string) =>
  Number((await db.query<{ n: unknown }>(`select count(*) as n from ${table}`))[0]?.n);

describeEachWarehouse('security: hostile input to the warehouse', (engine) => {
  const fx = useMigratedWarehouse(engine);
  let names: string[];
  const connectionId = `conn'); drop table x; --`;
  beforeAll(async () => {
    names = hostileNames(fx.db);
  });

  it('the run ledger and the status page queries give back hostile workspaces, streams and keys exactly', async () => {
    for (const [i, name] of names.entries()) {
      const runId = `run ${i}: ${name}`;
      await startRun(fx.db, { runId, connectionId, kind: 'backfill', workflowId: name, workspace: name });
      await recordError(fx.db, {
        connectionId,
        runId,
        stream: name,
        recordKey: name,
        kind: 'malformed',
        message: name,
        raw: name,
      });
      await finishRun(fx.db, { runId, status: 'completed', records: i, detail: { message: name } });
    }
    const sorted = [...names].sort();
    const runs = await listRuns(fx.db, { connectionId, limit: 100 });
    expect(runs.map((r) => [r.workspace, r.workflowId, r.detail])).toEqual(
      expect.arrayContaining(names.map((n) => [n, n, { message: n }])),
    );
    expect(runs).toHaveLength(names.length);
    const errors = await listErrors(fx.db, { connectionId, limit: 100 });
    expect(errors.map((e) => [e.stream, e.recordKey, e.message, e.raw])).toEqual(
      expect.arrayContaining(names.map((n) => [n, n, n, n])),
    );
    expect((await workspaceRuns(fx.db, connectionId)).map((w) => w.workspace).sort()).toEqual(sorted);
    const counts = await streamErrorCounts(fx.db, connectionId);
    expect(counts.map((c) => [c.workspace, c.stream])).toEqual(
      expect.arrayContaining(names.map((n) => [n, n])),
    );
    expect((await recentErrors(fx.db, connectionId, 100)).map((e) => e.workspace).sort()).toEqual(sorted);
    expect(await count(fx.db, fx.db.table('etl_meta', 'runs'))).toBe(names.length);
    expect(await count(fx.db, fx.db.table('etl_meta', 'errors'))).toBe(names.length);
  });

  it('the raw loader, lookups and tombstones treat hostile keys, parents and cursors as values', async () => {
    const [workspace, workspaceUuid, scopeKey] = names as [string, string, string];
    const runId = `load: ${names[3]}`;
    await startRun(fx.db, { runId, connectionId, kind: 'backfill', workspace });
    const records = names.map((name) => ({
      key: name,
      parentKey: name,
      updatedOn: '2026-10-01T00:00:00Z',
      payload: { name, [name]: name },
    }));
    const state = { scopeKey, cursor: { next: names[1] }, watermark: '2026-10-01T00:00:00Z' };
    const stream = 'repositories';
    expect(await loadRecords(fx.db, { stream, connectionId, workspaceUuid, runId, records, state })).toEqual({
      inserted: names.length,
      updated: 0,
      unchanged: 0,
      altered: [],
    });
    expect(await readState(fx.db, connectionId, stream, scopeKey)).toEqual({
      watermark: '2026-10-01T00:00:00.000000Z',
      cursor: { next: names[1] },
    });
    expect([...(await existingKeys(fx.db, stream, connectionId, [...names, 'absent']))].sort()).toEqual(
      [...names].sort(),
    );
    for (const name of names) {
      const rows = await selectRaw(fx.db, {
        stream,
        connectionId,
        parentKey: name,
        columns: { name: ['name'] },
      });
      expect(rows).toEqual([{ record_key: name, name }]);
    }
    // No LIKE-style wildcard either: '%' is a key of its own, not "every key".
    await tombstoneSubtree(fx.db, connectionId, '%', '2026-10-02T00:00:00Z');
    expect(await markDeleted(fx.db, { stream, connectionId, keep: names.slice(1), runId })).toBe(1);
    const live = await selectRaw(fx.db, { stream, connectionId });
    expect(live.map((r) => r.record_key).sort()).toEqual(names.slice(1).sort());
    expect(await streamLoads(fx.db, connectionId)).toEqual([
      expect.objectContaining({ workspace, stream, records: names.length - 1 }),
    ]);
    expect(await count(fx.db, rawTable(fx.db, stream))).toBe(names.length);
  });

  it('the identity map keeps a hostile address as a value', async () => {
    const email = `o'brien");drop--"\`x@evil.example`;
    await mapIdentity(fx.db, email, '{0000aaaa-1111-2222-3333-444455556666}');
    expect((await listIdentityMappings(fx.db)).map((m) => m.authorEmail)).toEqual([email]);
    expect(await count(fx.db, fx.db.table('etl_meta', 'identity_map'))).toBe(1);
  });

  it('one invite used at once from five places: exactly one use wins, the others see it used', async () => {
    const accounts = new WebAccountStore(fx.db);
    const expiresAt = new Date(Date.now() + 86_400_000);
    await accounts.insertInvite({
      inviteId: 'contested',
      connectionId: DEFAULT_CONNECTION,
      createdBy: 'max',
      expiresAt,
    });
    // On Postgres the five run on separate pooled connections, as five requests would.
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => accounts.consumeInvite('contested')));
    expect(outcomes.sort()).toEqual(['ok', 'used', 'used', 'used', 'used']);
    expect(await accounts.consumeInvite('contested')).toBe('used');
  });
});
