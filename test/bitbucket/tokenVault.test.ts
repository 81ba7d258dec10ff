import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BitbucketOAuth, TokenSet } from '../../bitbucket/auth/oauthClient';
import { consumeState, createState, OAuthStateError } from '../../bitbucket/auth/oauthState';
import { open } from '../../bitbucket/auth/seal';
import { TokenVault, type TokenVaultOptions } from '../../bitbucket/auth/tokenVault';
import { BitbucketError } from '../../bitbucket/errors';
import type { ConnectionStore } from '../../lib/connectionStores';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { WarehouseConnectionStore, WarehouseOAuthStateStore } from '../../warehouse/connections';
import { control } from '../support/sandbox';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';
import { connectAs, sandboxOAuth, userStatus } from './oauthFlow';

/** Wraps the OAuth client to count refreshes and remember the last token set it returned. */
function countingOAuth(oauth: BitbucketOAuth) {
  const seen = { refreshes: 0, last: undefined as TokenSet | undefined };
  const wrapped: Pick<BitbucketOAuth, 'refresh'> = {
    refresh: async (refreshToken) => {
      seen.refreshes += 1;
      seen.last = await oauth.refresh(refreshToken);
      return seen.last;
    },
  };
  return { seen, wrapped };
}

async function rejection(promise: Promise<unknown>): Promise<BitbucketError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(BitbucketError);
    return err as BitbucketError;
  }
  throw new Error('expected a failure');
}

describeEachWarehouse('token vault', (engineUnderTest) => {
  const fx = useMigratedWarehouse(engineUnderTest);
  let sb: Sandbox;
  let store: ConnectionStore;
  let oauth: BitbucketOAuth;
  const key = randomBytes(32);

  const vault = (options: Partial<TokenVaultOptions> = {}) =>
    new TokenVault({ store, oauth, key, refreshSkewSeconds: 0.5, invalidGrantSettleMs: 300, ...options });
  const storedSecrets = async (id: string) => {
    const sealed = (await store.get(id))?.secretsSealed as string;
    return JSON.parse(open(key, sealed)) as { accessToken: string; refreshToken: string };
  };
  const events = (id: string) =>
    fx.db.query<{ from_status: string | null; to_status: string; reason: string }>(
      `select from_status, to_status, reason from ${fx.db.table('etl_meta', 'connection_events')}
       where connection_id = $1 order by occurred_at`,
      [id],
    );

  beforeAll(async () => {
    store = new WarehouseConnectionStore(fx.db);
    sb = await startSandbox({ scale: 'tiny', seed: 11 });
    oauth = sandboxOAuth(sb);
  });

  afterAll(async () => {
    await sb?.close();
  });

  it('saves a grant: connected, sealed at rest, and its access token works on /2.0/user', async () => {
    const tokens = await connectAs(oauth, 'admin');
    const v = vault();
    await v.saveGrant('conn-save', tokens, { account: { nickname: 'admin' }, workspaces: ['acme'] });
    expect(await v.status('conn-save')).toMatchObject({
      status: 'connected',
      grantType: 'authorization_code',
      scopes: tokens.scopes,
      account: { nickname: 'admin' },
      workspaces: ['acme'],
    });
    const token = await v.getAccessToken('conn-save');
    expect(token).toBe(tokens.accessToken);
    expect(await userStatus(sb, token)).toBe(200);
    const [row] = await fx.db.query<{ secrets: string }>(
      `select secrets from ${fx.db.table('etl_meta', 'connections')} where id = $1`,
      ['conn-save'],
    );
    expect(row?.secrets).toMatch(/^v1\./);
    expect(row?.secrets).not.toContain(tokens.accessToken);
    expect(await events('conn-save')).toEqual([
      { from_status: null, to_status: 'connected', reason: 'grant saved (authorization_code)' },
    ]);
    expect((await v.status('unknown-conn')).status).toBe('not_connected');
    expect((await rejection(v.getAccessToken('unknown-conn'))).message).toMatch(/is not_connected/);
  });

  it('refreshes an expired token and persists the rotated refresh token', async () => {
    // Long enough to be saved and read back before it expires, even on a busy BigQuery emulator
    // (a lifetime of 2 s expired first in a CI run, each of those queries taking seconds).
    await control(sb, 'PUT', '/limits', { tokenLifetimeSeconds: 10 });
    try {
      const tokens = await connectAs(oauth, 'admin');
      const { seen, wrapped } = countingOAuth(oauth);
      const v = vault({ oauth: wrapped });
      await v.saveGrant('conn-expiry', tokens);
      const version = (await store.get('conn-expiry'))?.tokenVersion as number;
      expect(await v.getAccessToken('conn-expiry')).toBe(tokens.accessToken);
      expect(seen.refreshes).toBe(0);
      await sleep(tokens.expiresAt.getTime() - Date.now() + 100);
      expect(await userStatus(sb, tokens.accessToken)).toBe(401);

      const fresh = await v.getAccessToken('conn-expiry');
      expect(seen.refreshes).toBe(1);
      expect(fresh).not.toBe(tokens.accessToken);
      expect(await userStatus(sb, fresh)).toBe(200);
      const stored = await storedSecrets('conn-expiry');
      expect(stored).toEqual({ accessToken: fresh, refreshToken: seen.last?.refreshToken });
      expect(stored.refreshToken).not.toBe(tokens.refreshToken);
      expect((await store.get('conn-expiry'))?.tokenVersion).toBe(version + 1);
      // The persisted refresh token is the live one.
      expect((await oauth.refresh(stored.refreshToken)).accessToken).toEqual(expect.any(String));
    } finally {
      await control(sb, 'PUT', '/limits', { tokenLifetimeSeconds: 7200 });
    }
  });

  it('shares one refresh among concurrent callers of one process', async () => {
    const { seen, wrapped } = countingOAuth(oauth);
    const v = vault({ oauth: wrapped });
    // Stored as already expired, so the first callers must refresh.
    const tokens = await connectAs(oauth, 'admin');
    await v.saveGrant('conn-flight', { ...tokens, expiresAt: new Date(Date.now() - 1000) });
    const served = await Promise.all(Array.from({ length: 10 }, () => v.getAccessToken('conn-flight')));
    expect(seen.refreshes).toBe(1);
    expect(new Set(served)).toEqual(new Set([seen.last?.accessToken]));
  });

  it('after a 401, returns the stored token if it already changed, else forces a refresh', async () => {
    const { seen, wrapped } = countingOAuth(oauth);
    const v = vault({ oauth: wrapped });
    const tokens = await connectAs(oauth, 'admin');
    await v.saveGrant('conn-401', tokens);
    expect(await v.refreshAfterUnauthorized('conn-401', 'some-older-token')).toBe(tokens.accessToken);
    expect(seen.refreshes).toBe(0);
    const replaced = await v.refreshAfterUnauthorized('conn-401', tokens.accessToken);
    expect(seen.refreshes).toBe(1);
    expect(replaced).not.toBe(tokens.accessToken);
    expect(await userStatus(sb, replaced)).toBe(200);
  });

  it('a revoked grant: reconnect_required with reason and event, AUTH; a Reconnect restores connected', async () => {
    const v = vault();
    const tokens = await connectAs(oauth, 'member');
    await v.saveGrant('conn-revoked', tokens);
    await control(sb, 'POST', '/grants/revoke', { user: 'member' });
    expect(await userStatus(sb, tokens.accessToken)).toBe(401);

    const before = Date.now();
    const err = await rejection(v.refreshAfterUnauthorized('conn-revoked', tokens.accessToken));
    expect(err).toMatchObject({ kind: 'AUTH', retryable: false });
    expect(err.message).toBe(
      'connection conn-revoked: the refresh token is no longer valid (invalid_grant): reconnect required',
    );
    const status = await v.status('conn-revoked');
    expect(status).toMatchObject({
      status: 'reconnect_required',
      reason: 'the refresh token is no longer valid (invalid_grant): reconnect required',
    });
    expect(status.changedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect((await events('conn-revoked')).map((e) => [e.from_status, e.to_status])).toEqual([
      [null, 'connected'],
      ['connected', 'reconnect_required'],
    ]);
    const later = await rejection(v.getAccessToken('conn-revoked'));
    expect(later).toMatchObject({ kind: 'AUTH' });
    expect(later.message).toMatch(/^connection conn-revoked is reconnect_required \(the refresh token/);

    await v.saveGrant('conn-revoked', await connectAs(oauth, 'member'));
    expect((await v.status('conn-revoked')).status).toBe('connected');
    expect(await userStatus(sb, await v.getAccessToken('conn-revoked'))).toBe(200);
    expect((await events('conn-revoked')).map((e) => e.to_status)).toEqual([
      'connected',
      'reconnect_required',
      'connected',
    ]);
  });

  it('markRevoked forgets the tokens', async () => {
    const v = vault();
    await v.saveGrant('conn-gone', await connectAs(oauth, 'admin'));
    await v.markRevoked('conn-gone', 'disconnected by the admin');
    expect(await v.status('conn-gone')).toMatchObject({
      status: 'revoked',
      reason: 'disconnected by the admin',
    });
    expect((await store.get('conn-gone'))?.secretsSealed).toBeNull();
    expect((await rejection(v.getAccessToken('conn-gone'))).message).toMatch(/is revoked/);
  });
});

describeEachWarehouse('OAuth state store', (engineUnderTest) => {
  const fx = useMigratedWarehouse(engineUnderTest);
  let states: WarehouseOAuthStateStore;
  beforeAll(async () => {
    states = new WarehouseOAuthStateStore(fx.db);
  });

  const reasonOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (err) {
      expect(err).toBeInstanceOf(OAuthStateError);
      return (err as OAuthStateError).reason;
    }
    return 'accepted';
  };

  it('consumes a state once, for its session; stores only its hash', async () => {
    const state = await createState(states, { purpose: 'connect', binding: 'session-1' });
    expect(state).toMatch(/^[\w-]{43}$/);
    const rows = await fx.db.query(`select * from ${fx.db.table('etl_meta', 'oauth_states')}`);
    expect(JSON.stringify(rows)).not.toContain(state);
    expect(JSON.stringify(rows)).not.toContain('session-1');

    expect(await reasonOf(consumeState(states, state, 'session-2'))).toBe('not_bound');
    expect(await consumeState(states, state, 'session-1')).toBe('connect');
    expect(await reasonOf(consumeState(states, state, 'session-1'))).toBe('replayed');
    expect(await reasonOf(consumeState(states, 'never-issued', 'session-1'))).toBe('unknown');
  });

  it('refuses an expired state', async () => {
    const state = await createState(states, { purpose: 'reconnect', binding: 's', ttlSeconds: 60 });
    expect(await reasonOf(consumeState(states, state, 's', new Date(Date.now() + 61_000)))).toBe('expired');
    expect(await consumeState(states, state, 's')).toBe('reconnect');
  });

  it('lets exactly one of several concurrent consumers win', async () => {
    const state = await createState(states, { purpose: 'connect', binding: 's' });
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => reasonOf(consumeState(states, state, 's'))),
    );
    expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'replayed')).toHaveLength(5);
  });
});
