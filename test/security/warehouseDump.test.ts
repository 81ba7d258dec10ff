// Someone with a copy of the warehouse but not the key learns no token. test/bitbucket/seal.test.ts
// already proves open() refuses a wrong key or altered data without revealing the plaintext, and
// tokenVault.test.ts that the connections row holds a v1.… ciphertext; here: the whole dump after
// a connect and two rotations holds no token, code or key in any encoding, and a vault holding
// another key gets nothing out of it, without harming the connection.
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { SealError } from '../../bitbucket/auth/seal';
import { TokenVault } from '../../bitbucket/auth/tokenVault';
import { WarehouseConnectionStore } from '../../warehouse/connections';
import { userStatus } from '../bitbucket/oauthFlow';
import { CONNECTION, usePipeline } from '../support/pipeline';
import { describeEachWarehouse } from '../support/warehouse';
import { issuedSecrets, keySecrets, leakedIn, warehouseDump } from './secrets';

describeEachWarehouse(
  'security: a warehouse dump without the key',
  (engine) => {
    // Tokens live 2 s, under the vault's refresh skew: every getAccessToken rotates them.
    const ctx = usePipeline(engine, { scale: 'tiny', seed: 72, tokenLifetimeSeconds: 2 });

    it('holds no token, code or key in clear or encoded, and opens with no other key', async () => {
      const first = await ctx.services.vault.getAccessToken(CONNECTION);
      const second = await ctx.services.vault.getAccessToken(CONNECTION);
      expect(second).not.toBe(first);
      expect(ctx.sb.grants.issuedSecrets().refreshTokens.length).toBeGreaterThanOrEqual(3);

      const dump = await warehouseDump(ctx.db);
      expect(dump.tables).toContain(`${ctx.db.schemaName('etl_meta')}.connections`);
      expect(dump.text).toMatch(/"v1\.[\w-]+\.[\w-]+\.[\w-]+"/);
      const secrets = issuedSecrets(ctx.sb);
      for (const [label, value] of keySecrets(ctx.services.secretKey)) secrets.set(label, value);
      expect(leakedIn(dump.text, secrets)).toEqual([]);

      const before = await ctx.services.vault.status(CONNECTION);
      const stranger = new TokenVault({
        store: new WarehouseConnectionStore(ctx.db),
        oauth: ctx.services.oauth,
        key: randomBytes(32),
      });
      await expect(stranger.getAccessToken(CONNECTION)).rejects.toBeInstanceOf(SealError);
      await expect(stranger.refreshAfterUnauthorized(CONNECTION, second)).rejects.toBeInstanceOf(SealError);
      // A wrong key is an operator's mistake, not a dead grant: nothing changed, the right key still works.
      expect(await ctx.services.vault.status(CONNECTION)).toEqual(before);
      expect(await userStatus(ctx.sb, await ctx.services.vault.getAccessToken(CONNECTION))).toBe(200);
    });
  },
  ['pglite', 'postgres'],
);
