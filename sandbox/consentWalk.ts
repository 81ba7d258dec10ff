// Answers the sandbox's login and consent pages as a person at a browser would: the demo uses it
// to connect through the real authorization-code flow, and tests to drive that flow over HTTP.
// Hidden form fields are read from the pages, so the walk breaks if the pages do.
import { type FormClient, formField } from '../lib/formClient';

export const SANDBOX_PASSWORD = 'sandbox';

/**
 * From the sandbox's authorize URL to the redirect back to the app: logs in as `user` if the
 * sandbox asks, then grants (or denies) consent. Returns the app's callback URL, not yet fetched.
 */
export async function walkSandboxConsent(
  client: FormClient,
  authorizeUrl: string | URL,
  user: string,
  decision: 'grant' | 'deny' = 'grant',
): Promise<URL> {
  let { res, url } = await client.follow(authorizeUrl);
  let page = await res.text();
  if (page.includes('Log in to continue')) {
    const login = await client.post(new URL('login', url), {
      continue: formField(page, 'continue'),
      username: user,
      password: SANDBOX_PASSWORD,
    });
    if (login.status !== 302)
      throw new Error(`the sandbox refused the login of ${user} (HTTP ${login.status})`);
    ({ res, url } = await client.follow(new URL(login.headers.get('location') ?? '', url)));
    page = await res.text();
  }
  if (!page.includes('is requesting access'))
    throw new Error(`expected the sandbox's consent page at ${url}`);
  const consent = await client.post(new URL('consent', url), {
    request: formField(page, 'request'),
    signature: formField(page, 'signature'),
    decision,
  });
  const location = consent.headers.get('location');
  if (consent.status !== 302 || !location)
    throw new Error(`the sandbox's consent answered HTTP ${consent.status}`);
  return new URL(location, url);
}
