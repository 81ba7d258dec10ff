// Two workers (two TokenVaults, each with its own warehouse connection, as two processes would
// have) hammer one connection whose access token has expired. Refresh tokens rotate, so any lost
// or doubled rotation shows up as a failed call, a reconnect_required status, or a dead token.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BitbucketOAuth } from '../../bitbucket/auth/oauthClient';
import { open } from '../../bitbucket/auth/seal';
import { TokenVault } from '../../bitbucket/auth/tokenVault';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { WarehouseConnectionStore } from '../../warehouse/connections';
import type { WarehouseEngine } from '../../warehouse/engine';
import { control } from '../support/sandbox';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';
import { connectAs, sandboxOAuth, userStatus } from './oauthFlow';

const CALLS_PER_WORKER = 10;
// Two rounds with the grace period, then one without (round 3).
const ROUNDS = 3;

describeEachWarehouse(
  'token vault: two workers refreshing one connection',
  (engineUnderTest) => {
    const fx = useMigratedWarehouse(engineUnderTest);
    let dbA: WarehouseEngine;
    let dbB: WarehouseEngine;
    let sb: Sandbox;
    beforeAll(async () => {
      dbA = fx.db;
      dbB = await fx.wh.open();
      // Short-lived tokens make every round a refresh race. A BigQuery statement can take a second
      // or more on a loaded machine, so there a token lives long enough to outlast its own write.
      const tokenLifetimeSeconds = fx.wh.name === 'bigquery' ? 6 : 2;
      sb = await startSandbox({ scale: 'tiny', seed: 3, tokenLifetimeSeconds });
    });
    afterAll(async () => {
      await sb?.close();
      await dbB?.close();
    });

    it('every call gets a working token, rotations are never lost, and refreshes stay few', async () => {
      const oauth = sandboxOAuth(sb);
      let refreshes = 0;
      // Worker A is slow to store what it got (a GC pause, a slow warehouse); worker B reaches
      // Bitbucket just after A. So B always refreshes with a token A has just rotated, while A's
      // write is still pending: the window in which a careless vault goes wrong. (Without these
      // delays both refreshes land in the same millisecond, which even a zero grace period allows.)
      const counted = (delay: { beforeMs: number; afterMs: number }): Pick<BitbucketOAuth, 'refresh'> => ({
        refresh: async (refreshToken) => {
          refreshes += 1;
          await sleep(delay.beforeMs);
          const tokens = await oauth.refresh(refreshToken);
          await sleep(delay.afterMs);
          return tokens;
        },
      });
      const key = randomBytes(32);
      const storeA = new WarehouseConnectionStore(dbA);
      const worker = (db: WarehouseEngine, delay: { beforeMs: number; afterMs: number }) =>
        new TokenVault({
          store: new WarehouseConnectionStore(db),
          oauth: counted(delay),
          key,
          refreshSkewSeconds: 0.5,
        });
      const workerA = worker(dbA, { beforeMs: 0, afterMs: 300 });
      const workerB = worker(dbB, { beforeMs: 30, afterMs: 0 });
      await workerA.saveGrant('conn-shared', await connectAs(oauth, 'admin'));

      const perRound: number[] = [];
      for (let round = 1; round <= ROUNDS; round += 1) {
        // From round 3 on, a refresh token stops working the moment it is used. With the default
        // grace period B's late refresh still succeeds and B wins the compare-and-swap, which tests
        // that A drops its own result. With no grace, B gets invalid_grant although the grant is
        // fine: a vault that reads that as "revoked", or stores a used refresh token, now fails
        // calls, flips the connection to reconnect_required, or ends with a dead refresh token.
        if (round === 3) await control(sb, 'PUT', '/limits', { refreshGraceSeconds: 0 });
        const expiresAt = (await storeA.get('conn-shared'))?.accessExpiresAt as Date;
        await sleep(Math.max(0, expiresAt.getTime() - Date.now() + 50));

        const before = refreshes;
        const calls = [workerA, workerB].flatMap((w) =>
          Array.from({ length: CALLS_PER_WORKER }, () => w.getAccessToken('conn-shared')),
        );
        const tokens = await Promise.all(calls);
        perRound.push(refreshes - before);

        const statuses = await Promise.all(tokens.map((t) => userStatus(sb, t)));
        expect(statuses.every((s) => s === 200)).toBe(true);
        // The loser of a race hands out the winner's token, never its own.
        expect(new Set(tokens).size).toBe(1);
      }

      // At most one refresh per worker per round (single-flight inside each, CAS between them).
      for (const n of perRound) expect(n).toBeGreaterThanOrEqual(1);
      for (const n of perRound) expect(n).toBeLessThanOrEqual(2);
      expect(await workerB.status('conn-shared')).toMatchObject({ status: 'connected' });
      const events = await dbA.query(
        `select to_status from ${dbA.table('etl_meta', 'connection_events')} where connection_id = $1`,
        ['conn-shared'],
      );
      expect(events).toEqual([{ to_status: 'connected' }]);
      // The refresh token finally stored was never used (grace is 0 now): it must still work.
      const sealed = (await storeA.get('conn-shared'))?.secretsSealed as string;
      const { refreshToken } = JSON.parse(open(key, sealed)) as { refreshToken: string };
      expect(await userStatus(sb, (await oauth.refresh(refreshToken)).accessToken)).toBe(200);
    });
  },
  ['postgres', 'bigquery'],
);
