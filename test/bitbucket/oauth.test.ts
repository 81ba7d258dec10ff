import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBitbucketOAuth, OAuthTokenError } from '../../bitbucket/auth/oauthClient';
import { BitbucketError } from '../../bitbucket/errors';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { control } from '../support/sandbox';
import { connectAs, consentInBrowser, REDIRECT_URI, sandboxOAuth, userStatus } from './oauthFlow';

async function failure(promise: Promise<unknown>): Promise<OAuthTokenError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(OAuthTokenError);
    return err as OAuthTokenError;
  }
  throw new Error('expected a failure');
}

describe('Bitbucket OAuth client (sandbox)', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', seed: 7 });
  });
  afterAll(() => sb?.close());

  it('builds the authorize URL Bitbucket expects', () => {
    const url = new URL(sandboxOAuth(sb).authorizeUrl({ state: 's t', redirectUri: REDIRECT_URI }));
    expect(url.origin + url.pathname).toBe(`${sb.urls.oauthUrl}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: sb.urls.clientId,
      state: 's t',
      redirect_uri: REDIRECT_URI,
    });
  });

  it('runs the authorization-code flow and normalizes the token response', async () => {
    const oauth = sandboxOAuth(sb);
    const before = Date.now();
    const tokens = await connectAs(oauth, 'admin', 'state-1');
    expect(tokens).toMatchObject({ grantType: 'authorization_code' });
    expect(tokens.scopes).toEqual([
      'account',
      'repository',
      'pullrequest',
      'project',
      'project:admin',
      'pipeline',
    ]);
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(tokens.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 7_200_000);
    expect(tokens.expiresAt.getTime()).toBeLessThan(Date.now() + 7_200_000 + 1000);
    expect(await userStatus(sb, tokens.accessToken)).toBe(200);
  });

  it('reports a used authorization code as AUTH, without the code in the error', async () => {
    const oauth = sandboxOAuth(sb);
    const callback = await consentInBrowser(
      oauth.authorizeUrl({ state: 'state-2', redirectUri: REDIRECT_URI }),
      'member',
    );
    const code = callback.searchParams.get('code') as string;
    await oauth.exchangeCode({ code, redirectUri: REDIRECT_URI });
    const err = await failure(oauth.exchangeCode({ code, redirectUri: REDIRECT_URI }));
    expect(err.kind).toBe('AUTH');
    expect(err.oauthError).toBe('invalid_grant');
    expect(err.message).toMatch(/authorization code is invalid, expired or already used/);
    expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain(code);
  });

  it('gets client-credentials tokens', async () => {
    const tokens = await sandboxOAuth(sb).clientCredentials();
    expect(tokens.grantType).toBe('client_credentials');
    expect(tokens.scopes).toContain('repository');
    expect(await userStatus(sb, tokens.accessToken)).toBe(200);
  });

  it('refresh rotates: a new access and refresh token, both working', async () => {
    const oauth = sandboxOAuth(sb);
    const first = await connectAs(oauth, 'admin', 'state-3');
    const second = await oauth.refresh(first.refreshToken as string);
    expect(second.grantType).toBe('refresh_token');
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(await userStatus(sb, second.accessToken)).toBe(200);
    const third = await oauth.refresh(second.refreshToken as string);
    expect(await userStatus(sb, third.accessToken)).toBe(200);
  });

  it('a revoked grant fails to refresh with AUTH (invalid_grant)', async () => {
    const oauth = sandboxOAuth(sb);
    const tokens = await connectAs(oauth, 'demo', 'state-4');
    expect((await control(sb, 'POST', '/grants/revoke', { user: 'demo' })).json.revoked).toBeGreaterThan(0);
    const err = await failure(oauth.refresh(tokens.refreshToken as string));
    expect(err).toMatchObject({ kind: 'AUTH', oauthError: 'invalid_grant', retryable: false });
    expect(err.message).toBe('the refresh token is no longer valid (invalid_grant): reconnect required');
    expect(err.cause).toBeUndefined();
  });

  it('a wrong client secret is AUTH about the consumer key/secret, never showing the secret', async () => {
    const wrongSecret = 'wrong-secret-5f3a9c';
    const err = await failure(sandboxOAuth(sb, { clientSecret: wrongSecret }).clientCredentials());
    expect(err).toMatchObject({ kind: 'AUTH', oauthError: 'invalid_client' });
    expect(err.message).toMatch(/OAuth consumer key\/secret .*BITBUCKET_CLIENT_SECRET/);
    const everything = JSON.stringify({ ...err, message: err.message, stack: err.stack });
    expect(everything).not.toContain(wrongSecret);
    expect(everything).not.toContain(Buffer.from(`${sb.urls.clientId}:${wrongSecret}`).toString('base64'));
  });

  it('other token-endpoint errors are BAD_REQUEST with the RFC 6749 code and description', async () => {
    const err = await failure(sandboxOAuth(sb).refresh(''));
    expect(err).toMatchObject({ kind: 'BAD_REQUEST', oauthError: 'invalid_request' });
    expect(err.message).toBe(
      'Bitbucket token endpoint rejected the refresh_token request (HTTP 400): invalid_request: Missing refresh_token parameter',
    );
  });

  it('refuses settings simple-oauth2 would reject, without quoting the secret', () => {
    expect(() =>
      createBitbucketOAuth({ clientId: 'id', clientSecret: 'bad\nsecret-77', oauthUrl: sb.urls.oauthUrl }),
    ).toThrow(/^invalid OAuth consumer settings: BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET/);
  });
});

describe('Bitbucket OAuth client: unreachable or failing token endpoint', () => {
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    // /fail answers 503 with an HTML page (as a load balancer would); /hang never answers.
    server = createServer((req, res) => {
      if (req.url?.startsWith('/fail')) {
        res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>Service unavailable</h1>');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const client = (path: string, timeoutMs = 5_000) =>
    createBitbucketOAuth({
      clientId: 'id',
      clientSecret: 'secret-123',
      oauthUrl: `${baseUrl}${path}`,
      timeoutMs,
    });

  it('maps 5xx to TRANSIENT (retryable)', async () => {
    const err = await failure(client('/fail/site/oauth2').refresh('rt-1'));
    expect(err).toMatchObject({ kind: 'TRANSIENT', retryable: true, details: { status: 503 } });
    expect(err.message).toBe('Bitbucket token endpoint answered HTTP 503');
  });

  it('maps a timeout to TRANSIENT', async () => {
    const started = Date.now();
    const err = await failure(client('/hang', 300).clientCredentials());
    expect(err.kind).toBe('TRANSIENT');
    expect(err.message).toBe('Bitbucket token endpoint unreachable: Client request timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('maps a refused connection to TRANSIENT', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const oauth = createBitbucketOAuth({
      clientId: 'id',
      clientSecret: 'secret-123',
      oauthUrl: `http://127.0.0.1:${port}/site/oauth2`,
    });
    const err = await failure(oauth.refresh('rt-2'));
    expect(err).toBeInstanceOf(BitbucketError);
    expect(err.kind).toBe('TRANSIENT');
    expect(err.message).toMatch(/^Bitbucket token endpoint unreachable: .*ECONNREFUSED/);
  });
});
