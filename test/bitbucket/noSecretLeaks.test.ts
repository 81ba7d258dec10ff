// Drives the whole delegated-access lifecycle with logging at trace level, and checks that no
// token, code, client secret or key shows up in any log line or anywhere in any error thrown.
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BitbucketOAuth, TokenSet } from '../../bitbucket/auth/oauthClient';
import { consumeState, createState } from '../../bitbucket/auth/oauthState';
import { TokenVault } from '../../bitbucket/auth/tokenVault';
import { createLogger } from '../../lib/log';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { WarehouseConnectionStore, WarehouseOAuthStateStore } from '../../warehouse/connections';
import { control } from '../support/sandbox';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';
import { consentInBrowser, REDIRECT_URI, sandboxOAuth } from './oauthFlow';

describeEachWarehouse(
  'no secret in logs or errors',
  (engineUnderTest) => {
    const fx = useMigratedWarehouse(engineUnderTest);
    let sb: Sandbox;
    beforeAll(async () => {
      sb = await startSandbox({ scale: 'tiny', seed: 13 });
    });

    afterAll(async () => {
      await sb?.close();
    });

    it('keeps tokens, codes, the client secret and the key out of every log line and error', async () => {
      const lines: string[] = [];
      const log = createLogger({
        level: 'trace',
        destination: { write: (line: string) => lines.push(line) },
      });
      const secrets = new Map<string, string>([
        ['client secret', sb.urls.clientSecret],
        ['basic credentials', Buffer.from(`${sb.urls.clientId}:${sb.urls.clientSecret}`).toString('base64')],
      ]);
      const errors: unknown[] = [];
      const capture = async (promise: Promise<unknown>) => {
        try {
          await promise;
        } catch (err) {
          errors.push(err);
          // As a caller would: log the error object itself, with pino's error serializer.
          log.error({ err }, 'operation failed');
        }
      };

      const real = sandboxOAuth(sb);
      const remember = (label: string, tokens: TokenSet) => {
        secrets.set(`${label} access token`, tokens.accessToken);
        if (tokens.refreshToken) secrets.set(`${label} refresh token`, tokens.refreshToken);
        return tokens;
      };
      let refreshes = 0;
      const oauth: BitbucketOAuth = {
        ...real,
        exchangeCode: async (params) => remember('exchanged', await real.exchangeCode(params)),
        refresh: async (token) => remember(`refresh ${++refreshes}`, await real.refresh(token)),
      };
      const key = randomBytes(32);
      secrets.set('key (base64)', key.toString('base64'));
      secrets.set('key (hex)', key.toString('hex'));
      const store = new WarehouseConnectionStore(fx.db);
      const vault = new TokenVault({ store, oauth, key, log, invalidGrantSettleMs: 200 });
      const otherWorker = new TokenVault({ store, oauth, key, log, invalidGrantSettleMs: 200 });

      // Connect: state, consent, code exchange (the code is single-use, so a replay fails).
      const states = new WarehouseOAuthStateStore(fx.db);
      const state = await createState(states, { purpose: 'connect', binding: 'session-cookie-value' });
      secrets.set('state', state);
      secrets.set('session binding', 'session-cookie-value');
      const callback = await consentInBrowser(
        oauth.authorizeUrl({ state, redirectUri: REDIRECT_URI }),
        'admin',
      );
      const code = callback.searchParams.get('code') as string;
      secrets.set('authorization code', code);
      expect(await consumeState(states, state, 'session-cookie-value')).toBe('connect');
      await capture(consumeState(states, state, 'session-cookie-value'));
      const tokens = await oauth.exchangeCode({ code, redirectUri: REDIRECT_URI });
      await capture(oauth.exchangeCode({ code, redirectUri: REDIRECT_URI }));

      // Use, expire, refresh from two workers at once, and after a 401.
      await vault.saveGrant('conn-leak', { ...tokens, expiresAt: new Date(Date.now() - 1000) });
      await Promise.all([vault.getAccessToken('conn-leak'), otherWorker.getAccessToken('conn-leak')]);
      await vault.refreshAfterUnauthorized('conn-leak', await vault.getAccessToken('conn-leak'));

      // Failures: wrong consumer secret, a wrong key, a revoked grant, then a disconnect.
      const wrongSecret = 'not-the-secret-8d1f2';
      secrets.set('wrong client secret', wrongSecret);
      await capture(sandboxOAuth(sb, { clientSecret: wrongSecret }).clientCredentials());
      await capture(new TokenVault({ store, oauth, key: randomBytes(32), log }).getAccessToken('conn-leak'));
      await control(sb, 'POST', '/grants/revoke', { user: 'admin' });
      await capture(vault.refreshAfterUnauthorized('conn-leak', await vault.getAccessToken('conn-leak')));
      await capture(vault.getAccessToken('conn-leak'));
      await vault.markRevoked('conn-leak', 'disconnected by the admin');

      expect(refreshes).toBeGreaterThanOrEqual(2);
      expect(errors).toHaveLength(6);
      const logText = lines.join('');
      for (const message of [
        'connection connected',
        'access token refreshed',
        'connection needs a reconnect',
      ]) {
        expect(logText).toContain(message);
      }
      // Every property, at any depth, hidden ones and the cause chain included.
      const errorText = errors
        .map((err) => inspect(err, { depth: Infinity, showHidden: true, maxStringLength: null }))
        .join('\n');
      const leaks = [...secrets].filter(([, value]) => `${logText}\n${errorText}`.includes(value));
      expect(leaks.map(([name]) => name)).toEqual([]);
    });
  },
  ['pglite'],
);
