// bitbucket.org/site/oauth2/*: the authorization-code flow with login and consent pages, and
// the token endpoint (authorization_code, refresh_token, client_credentials grants).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type GrantStore, OAuthError } from './grants';
import { consentPage, errorPage, loginPage } from './pages';

/** The sandbox's login users: name → index of the person they sign in as. */
export const LOGIN_USERS: Record<string, number> = { demo: 0, admin: 1, member: 2 };
export const LOGIN_PASSWORD = 'sandbox';
const SESSION_COOKIE = 'sandbox_session';

type Query = Record<string, string | undefined>;

function basicAuth(req: FastifyRequest): { id?: string; secret?: string } {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return {};
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? {} : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function redirectWith(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

export function registerOAuthRoutes(
  app: FastifyInstance,
  store: GrantStore,
  userName: (idx: number) => string,
): void {
  // Binds a consent form to the exact authorize request it was shown for.
  const consentKey = createHmac('sha256', store.consumer.clientSecret).update('consent').digest();
  const sign = (value: string) => createHmac('sha256', consentKey).update(value).digest('base64url');

  /** Validates client and redirect URI; failures render an error page and never redirect. */
  function checkAuthorize(query: Query, reply: FastifyReply): string | undefined {
    if (query.client_id !== store.consumer.clientId) {
      reply
        .code(400)
        .type('text/html')
        .send(errorPage('Invalid client_id: no OAuth consumer is registered with it.'));
      return undefined;
    }
    const redirectUri = query.redirect_uri ?? store.consumer.redirectUris[0];
    if (!redirectUri || !store.redirectAllowed(redirectUri)) {
      reply
        .code(400)
        .type('text/html')
        .send(errorPage('The redirect_uri does not match the callback URL of this OAuth consumer.'));
      return undefined;
    }
    return redirectUri;
  }

  app.get('/site/oauth2/authorize', async (req, reply) => {
    const query = req.query as Query;
    const redirectUri = checkAuthorize(query, reply);
    if (!redirectUri) return reply;
    if (query.response_type !== 'code') {
      return reply.redirect(
        redirectWith(redirectUri, { error: 'unsupported_response_type', state: query.state }),
      );
    }
    const userIdx = store.sessions.get(req.cookies[SESSION_COOKIE] ?? '');
    const authorizeQuery = new URLSearchParams(query as Record<string, string>).toString();
    if (userIdx === undefined)
      return reply.type('text/html').send(loginPage(authorizeQuery, Object.keys(LOGIN_USERS)));
    return reply.type('text/html').send(
      consentPage({
        consumerName: 'bbetl',
        userName: userName(userIdx),
        scopes: store.consumer.scopes,
        fields: { request: authorizeQuery, signature: sign(`${authorizeQuery}|${userIdx}`) },
      }),
    );
  });

  app.post('/site/oauth2/login', async (req, reply) => {
    const body = (req.body ?? {}) as Query;
    const authorizeQuery = body.continue ?? '';
    const userIdx = LOGIN_USERS[body.username ?? ''];
    if (userIdx === undefined || body.password !== LOGIN_PASSWORD) {
      return reply
        .code(401)
        .type('text/html')
        .send(loginPage(authorizeQuery, Object.keys(LOGIN_USERS), 'Incorrect username or password.'));
    }
    reply.setCookie(SESSION_COOKIE, store.newSession(userIdx), {
      path: '/site/oauth2',
      httpOnly: true,
      sameSite: 'lax',
    });
    return reply.redirect(`authorize?${authorizeQuery}`);
  });

  app.post('/site/oauth2/consent', async (req, reply) => {
    const body = (req.body ?? {}) as Query;
    const userIdx = store.sessions.get(req.cookies[SESSION_COOKIE] ?? '');
    const authorizeQuery = body.request ?? '';
    const expected = Buffer.from(sign(`${authorizeQuery}|${userIdx}`));
    const given = Buffer.from(body.signature ?? '');
    if (userIdx === undefined || expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return reply
        .code(400)
        .type('text/html')
        .send(errorPage('This consent form has expired. Start again from the app.'));
    }
    const query = Object.fromEntries(new URLSearchParams(authorizeQuery)) as Query;
    const redirectUri = checkAuthorize(query, reply);
    if (!redirectUri) return reply;
    if (body.decision !== 'grant') {
      return reply.redirect(
        redirectWith(redirectUri, {
          error: 'access_denied',
          error_description: 'The user denied access to the app.',
          state: query.state,
        }),
      );
    }
    const code = store.issueCode(userIdx, redirectUri);
    return reply.redirect(redirectWith(redirectUri, { code, state: query.state }));
  });

  app.post('/site/oauth2/access_token', async (req, reply) => {
    const body = (req.body ?? {}) as Query;
    try {
      const client = basicAuth(req);
      // Bitbucket also accepts the client credentials in the form body.
      store.checkClient(client.id ?? body.client_id, client.secret ?? body.client_secret);
      switch (body.grant_type) {
        case 'authorization_code':
          return store.exchangeCode(body.code, body.redirect_uri);
        case 'refresh_token':
          return store.refresh(body.refresh_token);
        case 'client_credentials':
          return store.clientCredentials();
        case undefined:
          throw new OAuthError(400, 'invalid_request', 'Missing grant_type parameter');
        default:
          throw new OAuthError(400, 'unsupported_grant_type', `Unsupported grant type: ${body.grant_type}`);
      }
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      return reply.code(err.status).send({ error_description: err.description, error: err.error });
    }
  });
}
