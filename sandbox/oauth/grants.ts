// OAuth state of the sandbox: the registered consumer, login sessions, authorization codes,
// grants and their tokens. Refresh tokens rotate: each use returns a new one, and the old one
// stops working after a short grace period. Revoking a grant kills its tokens.
import { randomBytes } from 'node:crypto';
import { DEFAULT_CONSUMER_SCOPES } from '../api/scopes';

export interface Consumer {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  scopes: string[];
}

export interface Grant {
  id: number;
  userIdx: number;
  scopes: string[];
  grantType: 'authorization_code' | 'client_credentials';
  revoked: boolean;
}

interface AccessToken {
  grant: Grant;
  expiresAtMs: number;
}

interface RefreshToken {
  grant: Grant;
  /** Set when the token was used; it keeps working until this time plus the grace period. */
  rotatedAtMs?: number;
}

interface AuthorizationCode {
  grant: Grant;
  redirectUri: string;
  expiresAtMs: number;
}

export interface TokenResponse {
  access_token: string;
  scopes: string;
  expires_in: number;
  refresh_token: string;
  token_type: 'bearer';
  state: string;
}

/** An RFC 6749 error from the token endpoint. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

export type AccessCheck =
  | { ok: true; grant: Grant }
  | { ok: false; reason: 'missing' | 'expired' | 'revoked' };

const token = (bytes = 32) => randomBytes(bytes).toString('base64url');

export class GrantStore {
  tokenLifetimeSeconds = 7200;
  refreshGraceSeconds = 60;
  private nextGrantId = 1;
  private readonly grants: Grant[] = [];
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly codes = new Map<string, AuthorizationCode>();
  /** Every code ever issued (the map above forgets a code once used), for issuedSecrets(). */
  private readonly issuedCodes: string[] = [];
  readonly sessions = new Map<string, number>();

  constructor(
    readonly consumer: Consumer,
    private readonly now: () => number = Date.now,
  ) {}

  static defaultConsumer(redirectUris: string[]): Consumer {
    return {
      clientId: 'sandbox-client-id',
      clientSecret: 'sandbox-client-secret',
      redirectUris,
      scopes: [...DEFAULT_CONSUMER_SCOPES],
    };
  }

  checkClient(clientId: string | undefined, secret: string | undefined): void {
    if (clientId !== this.consumer.clientId || secret !== this.consumer.clientSecret) {
      throw new OAuthError(401, 'invalid_client', 'Invalid OAuth client credentials');
    }
  }

  /** Bitbucket accepts a redirect URI that starts with the consumer's registered callback URL. */
  redirectAllowed(uri: string): boolean {
    return this.consumer.redirectUris.some((registered) => uri === registered || uri.startsWith(registered));
  }

  newSession(userIdx: number): string {
    const id = token(18);
    this.sessions.set(id, userIdx);
    return id;
  }

  issueCode(userIdx: number, redirectUri: string): string {
    const grant = this.newGrant(userIdx, 'authorization_code');
    const code = token(16);
    this.codes.set(code, { grant, redirectUri, expiresAtMs: this.now() + 10 * 60_000 });
    this.issuedCodes.push(code);
    return code;
  }

  exchangeCode(code: string | undefined, redirectUri: string | undefined): TokenResponse {
    if (!code) throw new OAuthError(400, 'invalid_request', 'Missing code parameter');
    const entry = this.codes.get(code);
    // A code works once: it is deleted on first use, whether or not the exchange succeeds.
    this.codes.delete(code);
    if (!entry || entry.expiresAtMs < this.now()) {
      throw new OAuthError(400, 'invalid_grant', 'The authorization code is invalid or has expired');
    }
    if (redirectUri !== undefined && redirectUri !== entry.redirectUri) {
      throw new OAuthError(400, 'invalid_grant', 'redirect_uri does not match the authorization request');
    }
    return this.issueTokens(entry.grant, 'authorization_code');
  }

  clientCredentials(): TokenResponse {
    // The token acts as the consumer's owner: the sandbox's first user.
    return this.issueTokens(this.newGrant(0, 'client_credentials'), 'client_credentials');
  }

  refresh(refreshToken: string | undefined): TokenResponse {
    if (!refreshToken) throw new OAuthError(400, 'invalid_request', 'Missing refresh_token parameter');
    const entry = this.refreshTokens.get(refreshToken);
    const graceOver =
      entry?.rotatedAtMs !== undefined && entry.rotatedAtMs + this.refreshGraceSeconds * 1000 < this.now();
    if (!entry || entry.grant.revoked || graceOver) {
      throw new OAuthError(400, 'invalid_grant', 'Invalid refresh_token');
    }
    entry.rotatedAtMs ??= this.now();
    return this.issueTokens(entry.grant, 'refresh_token');
  }

  checkAccessToken(accessToken: string | undefined): AccessCheck {
    const entry = accessToken ? this.accessTokens.get(accessToken) : undefined;
    if (!entry) return { ok: false, reason: 'missing' };
    if (entry.grant.revoked) return { ok: false, reason: 'revoked' };
    if (entry.expiresAtMs <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, grant: entry.grant };
  }

  /** Every token and code this store ever handed out, live or not: tests search for them in logs. */
  issuedSecrets(): { accessTokens: string[]; refreshTokens: string[]; codes: string[] } {
    return {
      accessTokens: [...this.accessTokens.keys()],
      refreshTokens: [...this.refreshTokens.keys()],
      codes: [...this.issuedCodes],
    };
  }

  /** Revokes grants (all, or those of one user); returns how many. */
  revoke(filter: { userIdx?: number } = {}): number {
    let count = 0;
    for (const grant of this.grants) {
      if (grant.revoked || (filter.userIdx !== undefined && grant.userIdx !== filter.userIdx)) continue;
      grant.revoked = true;
      count += 1;
    }
    return count;
  }

  private newGrant(userIdx: number, grantType: Grant['grantType']): Grant {
    const grant: Grant = {
      id: this.nextGrantId++,
      userIdx,
      scopes: [...this.consumer.scopes],
      grantType,
      revoked: false,
    };
    this.grants.push(grant);
    return grant;
  }

  private issueTokens(grant: Grant, state: string): TokenResponse {
    const access = token();
    const refresh = token(24);
    this.accessTokens.set(access, { grant, expiresAtMs: this.now() + this.tokenLifetimeSeconds * 1000 });
    this.refreshTokens.set(refresh, { grant });
    return {
      access_token: access,
      scopes: grant.scopes.join(' '),
      expires_in: this.tokenLifetimeSeconds,
      refresh_token: refresh,
      token_type: 'bearer',
      state,
    };
  }
}
