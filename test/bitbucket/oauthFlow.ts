// Test helpers: an OAuth client for a sandbox, and a tiny cookie-keeping browser that walks the
// sandbox's login and consent forms for an authorize URL, as a person would.
import { expect } from 'vitest';
import { type BitbucketOAuth, createBitbucketOAuth, type TokenSet } from '../../bitbucket/auth/oauthClient';
import type { Sandbox } from '../../sandbox/index';

export const REDIRECT_URI = 'http://127.0.0.1:9999/oauth/callback';

export function sandboxOAuth(sb: Sandbox, overrides: { clientSecret?: string } = {}): BitbucketOAuth {
  return createBitbucketOAuth({
    clientId: sb.urls.clientId,
    clientSecret: overrides.clientSecret ?? sb.urls.clientSecret,
    oauthUrl: sb.urls.oauthUrl,
    timeoutMs: 5_000,
  });
}

const field = (html: string, name: string) =>
  (new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '').replace(/&amp;/g, '&');

/** Logs in as `user` and grants consent; returns the callback URL the sandbox redirected to. */
export async function consentInBrowser(
  authorizeUrl: string,
  user: 'demo' | 'admin' | 'member',
): Promise<URL> {
  const loginPage = await (await fetch(authorizeUrl)).text();
  expect(loginPage).toContain('Log in to continue');
  const login = await fetch(new URL('login', authorizeUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      continue: field(loginPage, 'continue'),
      username: user,
      password: 'sandbox',
    }),
  });
  expect(login.status).toBe(302);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const consentPage = await (await fetch(authorizeUrl, { headers: { cookie } })).text();
  expect(consentPage).toContain('is requesting access');
  const consent = await fetch(new URL('consent', authorizeUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      request: field(consentPage, 'request'),
      signature: field(consentPage, 'signature'),
      decision: 'grant',
    }),
  });
  expect(consent.status).toBe(302);
  return new URL(consent.headers.get('location') as string);
}

/** The whole authorization-code flow: authorize URL, consent, code exchange. */
export async function connectAs(
  oauth: BitbucketOAuth,
  user: 'demo' | 'admin' | 'member',
  state = 'test-state',
): Promise<TokenSet> {
  const callback = await consentInBrowser(oauth.authorizeUrl({ state, redirectUri: REDIRECT_URI }), user);
  expect(callback.searchParams.get('state')).toBe(state);
  return oauth.exchangeCode({ code: callback.searchParams.get('code') as string, redirectUri: REDIRECT_URI });
}

/** Answers whether the sandbox accepts the token on /2.0/user. */
export async function userStatus(sb: Sandbox, accessToken: string): Promise<number> {
  const res = await fetch(`${sb.urls.apiUrl}/user`, { headers: { authorization: `Bearer ${accessToken}` } });
  await res.arrayBuffer();
  return res.status;
}
