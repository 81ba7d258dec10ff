import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { apiGet, basicAuth, clientCredentialsToken, control, tokenRequest } from '../support/sandbox';

const redirectUri = 'http://127.0.0.1:9999/oauth/callback';

/** A tiny cookie-keeping browser: follows the login and consent forms like a person would. */
async function authorize(sb: Sandbox, user: string, decision: 'grant' | 'deny', state = 'xyz') {
  const authorizeUrl = `${sb.urls.oauthUrl}/authorize?client_id=${sb.urls.clientId}&response_type=code&state=${state}&redirect_uri=${encodeURIComponent(redirectUri)}`;
  const loginPage = await (await fetch(authorizeUrl)).text();
  expect(loginPage).toContain('Log in to continue');
  const cont = /name="continue" value="([^"]*)"/.exec(loginPage)?.[1]?.replace(/&amp;/g, '&') ?? '';
  const login = await fetch(`${sb.urls.oauthUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ continue: cont, username: user, password: 'sandbox' }).toString(),
  });
  expect(login.status).toBe(302);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const consentPage = await (await fetch(authorizeUrl, { headers: { cookie } })).text();
  expect(consentPage).toContain('is requesting access');
  const field = (name: string) =>
    (new RegExp(`name="${name}" value="([^"]*)"`).exec(consentPage)?.[1] ?? '').replace(/&amp;/g, '&');
  const consent = await fetch(`${sb.urls.oauthUrl}/consent`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      request: field('request'),
      signature: field('signature'),
      decision,
    }).toString(),
  });
  expect(consent.status).toBe(302);
  return { location: new URL(consent.headers.get('location') as string), consentPage };
}

describe('sandbox OAuth 2.0', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', seed: 5, refreshGraceSeconds: 1 });
  });
  afterAll(() => sb?.close());

  it('runs the authorization-code flow: login, consent listing scopes, redirect with code and state', async () => {
    const { location, consentPage } = await authorize(sb, 'admin', 'grant', 'st-1');
    for (const scope of ['account', 'repository', 'pullrequest', 'pipeline'])
      expect(consentPage).toContain(`data-scope="${scope}"`);
    expect(location.origin + location.pathname).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('st-1');
    const code = location.searchParams.get('code') as string;
    const exchanged = await tokenRequest(sb, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
    });
    expect(exchanged.status).toBe(200);
    expect(exchanged.body).toMatchObject({
      token_type: 'bearer',
      expires_in: 7200,
      state: 'authorization_code',
    });
    expect(exchanged.body.scopes).toBe('account repository pullrequest project project:admin pipeline');
    const me = await apiGet(sb, exchanged.body.access_token as string, '/user');
    expect(me.json.nickname).toMatch(/^[a-zß-ÿ]+1$/i);
    // A code works once.
    const replay = await tokenRequest(sb, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
    });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('redirects with error=access_denied when the user denies', async () => {
    const { location } = await authorize(sb, 'member', 'deny', 'st-2');
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('st-2');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('shows an error page, and never redirects, for an unknown client or redirect URI', async () => {
    const unknownClient = await fetch(
      `${sb.urls.oauthUrl}/authorize?client_id=nope&response_type=code&redirect_uri=${encodeURIComponent(redirectUri)}`,
      { redirect: 'manual' },
    );
    expect(unknownClient.status).toBe(400);
    expect(await unknownClient.text()).toContain('Invalid client_id');
    const badRedirect = await fetch(
      `${sb.urls.oauthUrl}/authorize?client_id=${sb.urls.clientId}&response_type=code&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`,
      { redirect: 'manual' },
    );
    expect(badRedirect.status).toBe(400);
    expect(badRedirect.headers.get('location')).toBeNull();
  });

  it('rejects wrong client credentials and unknown grants with RFC 6749 errors', async () => {
    const wrong = await tokenRequest(
      sb,
      { grant_type: 'client_credentials' },
      `Basic ${Buffer.from('x:y').toString('base64')}`,
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const unsupported = await tokenRequest(sb, { grant_type: 'password', username: 'a', password: 'b' });
    expect(unsupported.body).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'Unsupported grant type: password',
    });
  });

  it('rotates refresh tokens: the old one works only during a short grace period', async () => {
    const first = await tokenRequest(sb, { grant_type: 'client_credentials' });
    const oldRefresh = first.body.refresh_token as string;
    const second = await tokenRequest(sb, { grant_type: 'refresh_token', refresh_token: oldRefresh });
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(oldRefresh);
    expect(second.body.state).toBe('refresh_token');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const stale = await tokenRequest(sb, { grant_type: 'refresh_token', refresh_token: oldRefresh });
    expect(stale.status).toBe(400);
    expect(stale.body).toEqual({ error: 'invalid_grant', error_description: 'Invalid refresh_token' });
    const fresh = await tokenRequest(sb, {
      grant_type: 'refresh_token',
      refresh_token: second.body.refresh_token as string,
    });
    expect(fresh.status).toBe(200);
  });

  it('answers an expired access token with 401 and the error envelope', async () => {
    await control(sb, 'PUT', '/limits', { tokenLifetimeSeconds: 1 });
    const token = await clientCredentialsToken(sb);
    expect((await apiGet(sb, token, '/user')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const expired = await apiGet(sb, token, '/user');
    expect(expired.status).toBe(401);
    expect(expired.json.error.message).toContain('expired');
    await control(sb, 'PUT', '/limits', { tokenLifetimeSeconds: 7200 });
  });

  it('answers a missing scope with 403', async () => {
    await control(sb, 'PUT', '/limits', { scopes: ['account', 'repository'] });
    const token = await clientCredentialsToken(sb);
    const denied = await apiGet(sb, token, '/repositories/acme/api/pipelines');
    expect(denied.status).toBe(403);
    expect(denied.headers.get('x-accepted-oauth-scopes')).toBe('pipeline');
    expect((await apiGet(sb, token, '/repositories/acme/api/commits')).status).toBe(200);
    // pullrequest implies repository, not the other way round.
    expect((await apiGet(sb, token, '/repositories/acme/api/pullrequests')).status).toBe(403);
    await control(sb, 'PUT', '/limits', {
      scopes: ['account', 'repository', 'pullrequest', 'project', 'project:admin', 'pipeline'],
    });
  });

  it('revoking a grant kills its access and refresh tokens (invalid_grant)', async () => {
    const { body } = await tokenRequest(sb, { grant_type: 'client_credentials' });
    expect((await control(sb, 'POST', '/grants/revoke', { user: 'demo' })).json.revoked).toBeGreaterThan(0);
    expect((await apiGet(sb, body.access_token as string, '/user')).status).toBe(401);
    const refresh = await tokenRequest(sb, {
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token as string,
    });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('needs a bearer token on /2.0', async () => {
    const res = await fetch(`${sb.urls.apiUrl}/user`);
    expect(res.status).toBe(401);
    expect(basicAuth(sb)).toMatch(/^Basic /);
  });
});

describe('sandbox rate limit', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', seed: 5, rateLimitPerHour: 5 });
  });
  afterAll(() => sb?.close());

  it('answers 429 text/plain without Retry-After once the consumer spent its hourly budget', async () => {
    const token = await clientCredentialsToken(sb);
    for (let i = 0; i < 5; i += 1) expect((await apiGet(sb, token, '/repositories/acme')).status).toBe(200);
    const limited = await apiGet(sb, token, '/repositories/acme');
    expect(limited.status).toBe(429);
    expect(limited.text).toBe('Rate limit for this resource has been exceeded');
    expect(limited.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(limited.headers.get('retry-after')).toBeNull();
    for (const header of ['x-ratelimit-limit', 'x-ratelimit-resource', 'x-ratelimit-nearlimit']) {
      expect(limited.headers.get(header)).toBeNull();
    }
    // Counted per consumer, whichever token: a fresh token does not get a fresh budget.
    const other = await clientCredentialsToken(sb);
    expect((await apiGet(sb, other, '/repositories/acme')).status).toBe(429);
    // Only repository data is budgeted.
    expect((await apiGet(sb, other, '/user')).status).toBe(200);
  });
});

describe('sandbox rate-limit headers, as Bitbucket sends them for access-token traffic', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', seed: 5, rateLimitPerHour: 5, rateLimitHeaders: true });
  });
  afterAll(() => sb?.close());

  const rateHeaders = (headers: Headers) =>
    ['x-ratelimit-limit', 'x-ratelimit-resource', 'x-ratelimit-nearlimit'].map((h) => headers.get(h));

  it('states the hourly limit on repository data, near the limit once under 20% is left; off on request', async () => {
    const token = await clientCredentialsToken(sb);
    const near: Array<string | null> = [];
    for (let i = 0; i < 6; i += 1) {
      const { headers } = await apiGet(sb, token, '/repositories/acme');
      expect(rateHeaders(headers).slice(0, 2)).toEqual(['5', 'api']);
      near.push(headers.get('x-ratelimit-nearlimit'));
    }
    // 4, 3, 2, 1 left: not under 20% of 5; then none left, and the 429.
    expect(near).toEqual(['false', 'false', 'false', 'false', 'true', 'true']);
    expect(rateHeaders((await apiGet(sb, token, '/user')).headers)).toEqual([null, null, null]);

    expect((await control(sb, 'PUT', '/limits', { rateLimitHeaders: false })).status).toBe(200);
    expect((await control(sb, 'GET', '/state')).json.limits.rateLimitHeaders).toBe(false);
    const limited = await apiGet(sb, token, '/repositories/acme');
    expect(limited.status).toBe(429);
    expect(rateHeaders(limited.headers)).toEqual([null, null, null]);
  });
});
