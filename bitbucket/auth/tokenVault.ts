// The token vault: hands out a valid access token per connection, refreshing it when it is about
// to expire, and keeps the rotating refresh token consistent across every worker process.
//
// Concurrency: inside one process, concurrent callers of one connection share a single refresh
// (a promise per connection). Across processes there is no lock: each refresh result is written
// with compare-and-swap on token_version, the loser drops its result and uses the stored one. A
// refresh that fails with invalid_grant may just mean another worker used the same (now rotated)
// refresh token first, so the vault waits for that worker's write before declaring the grant dead.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CONNECTION_STATUSES,
  type ConnectionStatus,
  type ConnectionStore,
  type StoredConnection,
} from '../../lib/connectionStores';
import type { Logger } from '../../lib/log';
import { BitbucketError } from '../errors';
import { type BitbucketOAuth, OAuthTokenError, type TokenSet } from './oauthClient';
import { open, seal } from './seal';

export interface ConnectionInfo {
  id: string;
  status: ConnectionStatus;
  reason: string | null;
  changedAt: Date | null;
  grantType: string | null;
  scopes: string[];
  account: Record<string, unknown> | null;
  workspaces: string[];
  accessExpiresAt: Date | null;
}

export interface TokenVaultOptions {
  store: ConnectionStore;
  oauth: Pick<BitbucketOAuth, 'refresh'>;
  key: Buffer;
  /** Refresh this long before the access token expires (default 120 s). */
  refreshSkewSeconds?: number;
  /** After invalid_grant, how long to watch for another worker's rotation landing (default 2 s). */
  invalidGrantSettleMs?: number;
  log?: Logger;
}

interface Secrets {
  accessToken: string;
  refreshToken?: string;
}

const SETTLE_POLL_MS = 200;

export class TokenVault {
  private readonly store: ConnectionStore;
  private readonly flights = new Map<string, Promise<string>>();
  private readonly skewMs: number;
  private readonly settleMs: number;

  constructor(private readonly options: TokenVaultOptions) {
    this.store = options.store;
    this.skewMs = (options.refreshSkewSeconds ?? 120) * 1000;
    this.settleMs = options.invalidGrantSettleMs ?? 2000;
  }

  /** Stores a new grant (first Connect or a Reconnect) and marks the connection `connected`. */
  async saveGrant(
    connectionId: string,
    tokens: TokenSet,
    meta: { account?: Record<string, unknown>; workspaces?: string[] } = {},
  ): Promise<void> {
    const secretsSealed = this.seal({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
    await this.store.saveGrant(
      connectionId,
      {
        provider: 'bitbucket',
        status: 'connected',
        secretsSealed,
        accessExpiresAt: tokens.expiresAt,
        scopes: tokens.scopes,
        grantType: tokens.grantType,
        ...meta,
      },
      `grant saved (${tokens.grantType})`,
    );
    this.options.log?.info(
      { connectionId, grantType: tokens.grantType, scopes: tokens.scopes, expiresAt: tokens.expiresAt },
      'connection connected',
    );
  }

  /** A valid access token, refreshed first when it expires within the skew. */
  async getAccessToken(connectionId: string): Promise<string> {
    const { record, secrets } = await this.connected(connectionId);
    const expiresAt = record.accessExpiresAt?.getTime() ?? 0;
    if (expiresAt - this.skewMs > Date.now()) return secrets.accessToken;
    return this.replace(connectionId, secrets.accessToken);
  }

  /** Called once when Bitbucket answered 401 to `rejectedAccessToken`: returns a different, newer token. */
  async refreshAfterUnauthorized(connectionId: string, rejectedAccessToken: string): Promise<string> {
    // Twice at most: the first call may join a refresh that started for an older token.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const token = await this.replace(connectionId, rejectedAccessToken);
      if (token !== rejectedAccessToken) return token;
    }
    throw new BitbucketError('AUTH', `connection ${connectionId}: its access token is still rejected`);
  }

  async status(connectionId: string): Promise<ConnectionInfo> {
    return toInfo(connectionId, await this.store.get(connectionId));
  }

  /** Every connection stored, oldest first (none: an empty list). */
  async list(): Promise<ConnectionInfo[]> {
    return (await this.store.list()).map((record) => toInfo(record.id, record));
  }

  /** An admin disconnected the connection here: forget the tokens for good. */
  async disconnect(connectionId: string, reason: string): Promise<void> {
    await this.store.setStatus(connectionId, 'disconnected', reason, { clearSecrets: true });
    this.options.log?.info({ connectionId, reason }, 'connection disconnected');
  }

  /** The user disconnected or revoked access in Bitbucket: forget the tokens for good. */
  async markRevoked(connectionId: string, reason: string): Promise<void> {
    await this.store.setStatus(connectionId, 'revoked', reason, { clearSecrets: true });
    this.options.log?.info({ connectionId, reason }, 'connection revoked');
  }

  /** Single-flight per connection: replaces `staleToken` unless the store already moved past it. */
  private replace(connectionId: string, staleToken: string): Promise<string> {
    let flight = this.flights.get(connectionId);
    if (!flight) {
      flight = this.rotate(connectionId, staleToken).finally(() => this.flights.delete(connectionId));
      this.flights.set(connectionId, flight);
    }
    return flight;
  }

  private async rotate(connectionId: string, staleToken: string): Promise<string> {
    const { record, secrets } = await this.connected(connectionId);
    // Another worker (or an earlier flight here) rotated since the caller read the token.
    if (secrets.accessToken !== staleToken) return secrets.accessToken;
    if (!secrets.refreshToken) {
      return this.grantIsDead(connectionId, record, 'no refresh token is stored for this grant');
    }
    let tokens: TokenSet;
    try {
      tokens = await this.options.oauth.refresh(secrets.refreshToken);
    } catch (err) {
      // Anything but invalid_grant (consumer rejected, Bitbucket down) is not this grant's fault:
      // the caller sees the typed error and the connection keeps its status.
      if (!(err instanceof OAuthTokenError && err.oauthError === 'invalid_grant')) throw err;
      return this.afterInvalidGrant(connectionId, record, err);
    }
    const sealed = this.seal({
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken ?? secrets.refreshToken,
    });
    if (await this.store.compareAndSwapSecrets(connectionId, record.tokenVersion, sealed, tokens.expiresAt)) {
      this.options.log?.info(
        { connectionId, tokenVersion: record.tokenVersion + 1, expiresAt: tokens.expiresAt },
        'access token refreshed',
      );
      return tokens.accessToken;
    }
    // Another worker stored its rotation first and others may already use it: keep the store's,
    // drop ours (our refresh token is never persisted, so nothing depends on it).
    this.options.log?.debug({ connectionId }, 'another worker refreshed first: using its token');
    return (await this.connected(connectionId)).secrets.accessToken;
  }

  private async afterInvalidGrant(
    connectionId: string,
    record: StoredConnection,
    err: OAuthTokenError,
  ): Promise<string> {
    // With rotation, a worker that used the same refresh token a moment earlier invalidates ours
    // and may not have stored its result yet: wait for that write before calling the grant dead.
    const deadline = Date.now() + this.settleMs;
    for (;;) {
      const current = await this.store.get(connectionId);
      if (current?.tokenVersion !== record.tokenVersion) {
        return (await this.connected(connectionId)).secrets.accessToken;
      }
      if (Date.now() >= deadline) break;
      await sleep(SETTLE_POLL_MS);
    }
    return this.grantIsDead(connectionId, record, err.message, err);
  }

  private async grantIsDead(
    connectionId: string,
    record: StoredConnection,
    reason: string,
    cause?: OAuthTokenError,
  ): Promise<string> {
    const marked = await this.store.setStatus(connectionId, 'reconnect_required', reason, {
      expectedVersion: record.tokenVersion,
    });
    // Not marked: a rotation or a Reconnect landed meanwhile; use what the store holds now.
    if (!marked) return (await this.connected(connectionId)).secrets.accessToken;
    this.options.log?.warn({ connectionId, reason }, 'connection needs a reconnect');
    throw new BitbucketError('AUTH', `connection ${connectionId}: ${reason}`, cause?.details, { cause });
  }

  private async connected(connectionId: string): Promise<{ record: StoredConnection; secrets: Secrets }> {
    const record = await this.store.get(connectionId);
    if (record?.status !== 'connected' || !record.secretsSealed) {
      const status = record?.status ?? 'not_connected';
      const why = record?.statusReason ? ` (${record.statusReason})` : '';
      throw new BitbucketError('AUTH', `connection ${connectionId} is ${status}${why}: connect it again`);
    }
    return { record, secrets: this.unseal(record.secretsSealed) };
  }

  private seal(secrets: Secrets): string {
    return seal(this.options.key, JSON.stringify(secrets));
  }

  private unseal(sealed: string): Secrets {
    return JSON.parse(open(this.options.key, sealed)) as Secrets;
  }
}

function toStatus(record: StoredConnection): ConnectionStatus {
  const status = CONNECTION_STATUSES.find((s) => s === record.status);
  if (!status)
    throw new Error(`connection ${record.id} has an unknown status ${JSON.stringify(record.status)}`);
  return status;
}

function toInfo(id: string, record: StoredConnection | undefined): ConnectionInfo {
  return {
    id,
    status: record ? toStatus(record) : 'not_connected',
    reason: record?.statusReason ?? null,
    changedAt: record?.statusChangedAt ?? null,
    grantType: record?.grantType ?? null,
    scopes: record?.scopes ?? [],
    account: record?.account ?? null,
    workspaces: record?.workspaces ?? [],
    accessExpiresAt: record?.accessExpiresAt ?? null,
  };
}
