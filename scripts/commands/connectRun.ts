// `bbetl connect --client-credentials`: the OAuth consumer's own grant, with the workspaces it
// reaches, stored in the token vault; prints the connection's status, never a token.
import { grantedWorkspaces, tokenSource } from '../../bitbucket/account';
import { createBitbucketOAuth } from '../../bitbucket/auth/oauthClient';
import { BitbucketClient } from '../../bitbucket/client';
import { createServices } from '../../services/services';
import type { ConnectFlags } from './connect';
import { commandContext } from './context';
import { UsageError } from './options';

export async function connect(flags: ConnectFlags): Promise<void> {
  if (!flags.clientCredentials) {
    throw new UsageError(
      'bbetl connect needs --client-credentials; the consent flow (a Bitbucket user approves access) runs in the web app',
    );
  }
  const { config, log } = commandContext();
  const { clientId, clientSecret, oauthUrl, apiUrl } = config.bitbucket;
  if (!clientId || !clientSecret) {
    throw new UsageError(
      'set BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET to the key and secret of your OAuth consumer ' +
        '(Bitbucket: workspace settings → OAuth consumers)',
    );
  }
  const tokens = await createBitbucketOAuth({ clientId, clientSecret, oauthUrl }).clientCredentials();
  const client = new BitbucketClient({
    apiUrl,
    tokens: tokenSource(tokens.accessToken),
  });
  const workspaces = await grantedWorkspaces(client);
  const services = await createServices(config, log);
  try {
    await services.vault.saveGrant(flags.connection, tokens, { workspaces });
    const status = await services.vault.status(flags.connection);
    console.log(`connection ${status.id}: ${status.status} (${status.grantType})`);
    console.log(`workspaces: ${status.workspaces.join(', ') || '(none)'}`);
    console.log(`scopes: ${status.scopes.join(' ') || '(none)'}`);
    console.log(`access token expires: ${status.accessExpiresAt?.toISOString() ?? 'unknown'}`);
  } finally {
    await services.close();
  }
}
