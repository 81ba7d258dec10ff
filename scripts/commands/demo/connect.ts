// How the demo connects its sandbox: through the product's own Connections card and OAuth
// callback (the consent flow, walked over HTTP as a person would click it), or headless with the
// consumer's client-credentials grant. Either way the product then starts its syncs.
import { randomBytes } from 'node:crypto';
import { currentAccount, grantedWorkspaces, tokenSource } from '../../../bitbucket/account';
import { BitbucketClient } from '../../../bitbucket/client';
import { startConnectionSyncs } from '../../../client/connectionSyncs';
import type { WorkflowTarget } from '../../../client/launch';
import { FormClient, formField } from '../../../lib/formClient';
import { walkSandboxConsent } from '../../../sandbox/consentWalk';
import type { Services } from '../../../services/services';
import type { Config } from '../../../temporal.config';
import { addUser } from '../../../web/auth/users';
import { DEFAULT_CONNECTION } from '../../../web/deps';

export const DEMO_USER = 'demo';

/** The demo's admin, with a new password every run (printed with the dashboard's URL). */
export async function demoAdmin(services: Services): Promise<string> {
  const password = randomBytes(12).toString('base64url');
  await addUser(services.db, DEMO_USER, password, 'admin');
  return password;
}

export async function connectThroughWebApp(config: Config, password: string): Promise<void> {
  const app = (path: string) => new URL(path, `${config.publicUrl}/`);
  const browser = new FormClient();
  const loginPage = await (await browser.request(app('/login'))).text();
  const login = await browser.post(app('/login'), {
    _csrf: formField(loginPage, '_csrf'),
    username: DEMO_USER,
    password,
  });
  if (login.status !== 302)
    throw new Error(`the demo could not sign in to its own web app (HTTP ${login.status})`);
  const card = await (await browser.request(app('/connections'))).text();
  const connect = await browser.post(app('/connections/connect'), { _csrf: formField(card, '_csrf') });
  const authorize = connect.headers.get('location');
  if (connect.status !== 303 || !authorize) throw new Error(`Connect answered HTTP ${connect.status}`);
  // The sandbox's "demo" login user stands for the person granting access.
  const callback = await walkSandboxConsent(browser, authorize, 'demo');
  const { url } = await browser.follow(callback);
  if (url.searchParams.get('notice') !== 'connected')
    throw new Error(`the connection did not complete: the app answered ${url.pathname}${url.search}`);
}

export async function connectHeadless(
  config: Config,
  services: Services,
  workflows: WorkflowTarget,
): Promise<void> {
  const tokens = await services.oauth.clientCredentials();
  const client = new BitbucketClient({
    apiUrl: config.bitbucket.apiUrl,
    tokens: tokenSource(tokens.accessToken),
  });
  const [account, workspaces] = await Promise.all([currentAccount(client), grantedWorkspaces(client)]);
  await services.vault.saveGrant(DEFAULT_CONNECTION, tokens, {
    account: { uuid: account.uuid, display_name: account.displayName, nickname: account.nickname ?? null },
    workspaces,
  });
  await startConnectionSyncs(workflows, {
    db: services.db,
    connectionId: DEFAULT_CONNECTION,
    workspaces,
    initialBackfillDays: config.sync.initialBackfillDays,
    intervalMinutes: config.sync.intervalMinutes,
    now: new Date(),
  });
}
