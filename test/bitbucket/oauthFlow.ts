// Test helpers: an OAuth client for a sandbox, and the walk through the sandbox's login and consent
// forms for an authorize URL, as a person would.
import { expect } from 'vitest';
import { type BitbucketOAuth, createBitbucketOAuth, type TokenSet } from '../../bitbucket/auth/oauthClient';
import { FormClient } from '../../lib/formClient';
import { walkSandboxConsent } from '../../sandbox/consentWalk';
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

/** Logs in as `user` and grants consent; returns the callback URL the sandbox redirected to. */
export function consentInBrowser(authorizeUrl: string, user: 'demo' | 'admin' | 'member'): Promise<URL> {
  return walkSandboxConsent(new FormClient(), authorizeUrl, user);
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
