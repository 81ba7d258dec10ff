// Bitbucket's OAuth 2.0 endpoints through simple-oauth2: the authorize URL, and the token
// endpoint's three grants (authorization_code, client_credentials, refresh_token). Responses are
// normalized to TokenSet; failures become BitbucketErrors built from scratch, because the HTTP
// library's errors reference the request (Basic header = client secret; form = code or token).
import { type AccessToken, AuthorizationCode, ClientCredentials, type ModuleOptions } from 'simple-oauth2';
import { BitbucketError, type BitbucketErrorKind, kindForStatus } from '../errors';

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  expiresAt: Date;
  scopes: string[];
  /** The grant that produced these tokens: authorization_code, client_credentials or refresh_token. */
  grantType: string;
}

export interface BitbucketOAuth {
  authorizeUrl(params: { state: string; redirectUri: string }): string;
  exchangeCode(params: { code: string; redirectUri: string }): Promise<TokenSet>;
  clientCredentials(): Promise<TokenSet>;
  refresh(refreshToken: string): Promise<TokenSet>;
}

export interface BitbucketOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** e.g. https://bitbucket.org/site/oauth2 */
  oauthUrl: string;
  timeoutMs?: number;
}

/** A token-endpoint failure; `oauthError` is the RFC 6749 error code when the server sent one. */
export class OAuthTokenError extends BitbucketError {
  constructor(
    kind: BitbucketErrorKind,
    message: string,
    readonly oauthError: string | undefined,
    status: number | undefined,
  ) {
    super(kind, message, { status, path: '/access_token' });
  }
}

type Grant = 'authorization_code' | 'client_credentials' | 'refresh_token';

const INVALID_GRANT: Record<Grant, string> = {
  authorization_code:
    'the authorization code is invalid, expired or already used (invalid_grant): start the connection again',
  client_credentials: 'the OAuth consumer may not use the client_credentials grant (invalid_grant)',
  refresh_token: 'the refresh token is no longer valid (invalid_grant): reconnect required',
};

const CONSUMER_REJECTED =
  'Bitbucket rejected the OAuth consumer key/secret (%s): check BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET';

/** The parts of a Boom error (from @hapi/wreck) worth reading; the rest holds the request. */
interface HttpFailure {
  message?: string;
  data?: { payload?: unknown; res?: { statusCode?: number } };
}

function responseBody(payload: unknown): { error?: string; description?: string } {
  let body = payload;
  if (Buffer.isBuffer(body)) {
    try {
      body = JSON.parse(body.toString('utf8'));
    } catch {
      return {};
    }
  }
  if (typeof body !== 'object' || body === null) return {};
  const { error, error_description } = body as Record<string, unknown>;
  return {
    error: typeof error === 'string' ? error : undefined,
    description: typeof error_description === 'string' ? error_description : undefined,
  };
}

/** Removes the request's secrets from server-provided text, in case a server echoes one back. */
function scrub(text: string, secrets: string[]): string {
  let out = text.slice(0, 300);
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  return out;
}

function toTokenError(err: unknown, grant: Grant, secrets: string[]): OAuthTokenError {
  const failure = (err ?? {}) as HttpFailure;
  const status = failure.data?.res?.statusCode;
  if (status === undefined) {
    // No response: connection refused/reset, DNS, or our timeout.
    const reason = failure.message ?? 'request failed';
    return new OAuthTokenError(
      'TRANSIENT',
      `Bitbucket token endpoint unreachable: ${reason}`,
      undefined,
      status,
    );
  }
  const { error, description } = responseBody(failure.data?.payload);
  if (error === 'invalid_grant') return new OAuthTokenError('AUTH', INVALID_GRANT[grant], error, status);
  if (error === 'invalid_client' || error === 'unauthorized_client' || (!error && status === 401)) {
    return new OAuthTokenError('AUTH', CONSUMER_REJECTED.replace('%s', error ?? 'HTTP 401'), error, status);
  }
  const kind = kindForStatus(status);
  if (kind === 'TRANSIENT' || kind === 'RATE') {
    return new OAuthTokenError(kind, `Bitbucket token endpoint answered HTTP ${status}`, error, status);
  }
  const detail = error ? `${error}${description ? `: ${scrub(description, secrets)}` : ''}` : 'no error code';
  return new OAuthTokenError(
    'BAD_REQUEST',
    `Bitbucket token endpoint rejected the ${grant} request (HTTP ${status}): ${detail}`,
    error,
    status,
  );
}

function toTokenSet(token: AccessToken, grant: Grant): TokenSet {
  const t = token.token;
  if (typeof t.access_token !== 'string' || !(t.expires_at instanceof Date)) {
    throw new BitbucketError('BAD_PAYLOAD', 'Bitbucket token response lacks access_token or expires_in');
  }
  return {
    accessToken: t.access_token,
    refreshToken: typeof t.refresh_token === 'string' ? t.refresh_token : undefined,
    expiresAt: t.expires_at,
    // Bitbucket sends the granted scopes as one space-separated string.
    scopes: typeof t.scopes === 'string' ? t.scopes.split(' ').filter(Boolean) : [],
    grantType: grant,
  };
}

export function createBitbucketOAuth(options: BitbucketOAuthOptions): BitbucketOAuth {
  const base = new URL(options.oauthUrl.replace(/\/+$/, ''));
  const config = {
    client: { id: options.clientId, secret: options.clientSecret },
    auth: { tokenHost: base.origin, tokenPath: `${base.pathname}/access_token` },
    // Bitbucket reads the Basic header as plain id:secret (curl -u), not form-encoded parts.
    options: { authorizationMethod: 'header', bodyFormat: 'form', credentialsEncodingMode: 'loose' },
    http: { timeout: options.timeoutMs ?? 20_000 },
  } satisfies ModuleOptions;
  let codeGrant: AuthorizationCode;
  let consumerGrant: ClientCredentials;
  try {
    codeGrant = new AuthorizationCode({
      ...config,
      auth: { ...config.auth, authorizePath: `${base.pathname}/authorize` },
    });
    consumerGrant = new ClientCredentials(config);
  } catch {
    // simple-oauth2's validation message quotes the offending value, which may be the secret.
    throw new Error(
      'invalid OAuth consumer settings: BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET must be printable ASCII, BITBUCKET_OAUTH_URL an http(s) URL',
    );
  }

  async function request(grant: Grant, call: () => Promise<AccessToken>, secrets: string[]) {
    let token: AccessToken;
    try {
      token = await call();
    } catch (err) {
      throw toTokenError(err, grant, [...secrets, options.clientSecret]);
    }
    return toTokenSet(token, grant);
  }

  return {
    authorizeUrl: ({ state, redirectUri }) => codeGrant.authorizeURL({ state, redirect_uri: redirectUri }),
    exchangeCode: ({ code, redirectUri }) =>
      request('authorization_code', () => codeGrant.getToken({ code, redirect_uri: redirectUri }), [code]),
    clientCredentials: () => request('client_credentials', () => consumerGrant.getToken({}), []),
    refresh: (refreshToken) =>
      request('refresh_token', () => codeGrant.createToken({ refresh_token: refreshToken }).refresh(), [
        refreshToken,
      ]),
  };
}
