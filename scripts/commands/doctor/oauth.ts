// `bbetl doctor`'s OAuth consumer check: Bitbucket's token endpoint is asked for a
// client_credentials token, which tells a valid consumer from a rejected key/secret. The token is
// dropped; neither it nor the secret is ever printed.
import { createBitbucketOAuth, OAuthTokenError } from '../../../bitbucket/auth/oauthClient';
import type { Config } from '../../../temporal.config';
import { ANSWER_TIMEOUT_MS, type CheckResult, errorText, fail, ok, warn } from './check';

const NAME = 'oauth client';

const CONSUMERS = 'Bitbucket: workspace settings → OAuth consumers';

function verdictOnError(err: unknown, clientId: string, tokenUrl: string): CheckResult {
  if (!(err instanceof OAuthTokenError)) {
    return fail(
      NAME,
      errorText(err),
      'check BITBUCKET_CLIENT_ID, BITBUCKET_CLIENT_SECRET and BITBUCKET_OAUTH_URL',
    );
  }
  // The consumer authenticated; it just may not use this grant, which only `bbetl connect
  // --client-credentials` needs (the web app's connect flow uses authorization_code).
  if (err.oauthError === 'unauthorized_client' || err.oauthError === 'invalid_grant') {
    return ok(
      NAME,
      `Bitbucket accepted consumer ${clientId}; it may not use the client_credentials grant (${err.oauthError}), which only \`bbetl connect --client-credentials\` needs`,
    );
  }
  if (err.kind === 'AUTH') {
    const code = err.oauthError ?? `HTTP ${err.details.status}`;
    return fail(
      NAME,
      `Bitbucket rejected consumer ${clientId} at ${tokenUrl} (${code})`,
      `check BITBUCKET_CLIENT_SECRET (and BITBUCKET_CLIENT_ID): Bitbucket rejected the consumer key/secret (${code}); copy both from ${CONSUMERS}`,
    );
  }
  if (err.details.status === undefined) {
    return fail(
      NAME,
      `${err.message} (${tokenUrl})`,
      'check BITBUCKET_OAUTH_URL and that this machine reaches it (network, proxy, firewall)',
    );
  }
  if (err.retryable) {
    return warn(
      NAME,
      `could not verify consumer ${clientId}: ${err.message}`,
      'run `bbetl doctor` again later',
    );
  }
  return fail(NAME, err.message, `check BITBUCKET_OAUTH_URL (the token endpoint is ${tokenUrl})`);
}

export async function checkOAuthClient(config: Config): Promise<CheckResult> {
  const { clientId, clientSecret, oauthUrl } = config.bitbucket;
  if (!clientId || !clientSecret) {
    return fail(
      NAME,
      'BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET are not set',
      `set them to the key and secret of your OAuth consumer (${CONSUMERS})`,
    );
  }
  const tokenUrl = `${oauthUrl}/access_token`;
  try {
    const oauth = createBitbucketOAuth({ clientId, clientSecret, oauthUrl, timeoutMs: ANSWER_TIMEOUT_MS });
    await oauth.clientCredentials();
    return ok(NAME, `Bitbucket accepted consumer ${clientId} (client_credentials grant at ${tokenUrl})`);
  } catch (err) {
    return verdictOnError(err, clientId, tokenUrl);
  }
}
