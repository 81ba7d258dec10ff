// The web app: Connections card, OAuth callback, invites, sync status and the dashboard, on
// fastify. Security is set up here once for every route: sessions, CSRF tokens on every
// state-changing request, a strict Content-Security-Policy and escaped output.
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { AuditEventStore } from '../warehouse/auditEvents';
import { WebAccountStore } from '../warehouse/webAccounts';
import { registerAssets } from './assets';
import { cookieOptions, registerSessions } from './auth/sessions';
import { SignInThrottle } from './auth/signInThrottle';
import type { WebContext } from './context';
import { DEFAULT_CONNECTION, type WebDeps } from './deps';
import { HttpError } from './errors';
import { deriveKey } from './keys';
import { renderPage } from './render';
import { requestForLog } from './requestLog';
import { registerAccountRoutes } from './routes/account';
import { registerConnectionRoutes } from './routes/connections';
import { registerDashboardRoutes } from './routes/dashboard';
import { registerDisconnectRoutes } from './routes/disconnect';
import { registerMetricsRoute } from './routes/metrics';
import { registerStatusRoutes } from './routes/status';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function createWebApp(deps: WebDeps): Promise<FastifyInstance> {
  const { config, services } = deps;
  const https = config.publicUrl.startsWith('https:');
  const now = deps.now ?? (() => new Date());
  const audit = new AuditEventStore(services.db);
  const ctx: WebContext = {
    deps,
    accounts: new WebAccountStore(services.db),
    audit,
    signIns: new SignInThrottle(audit, config.signIn, now),
    cookies: { secure: https },
    connectionId: deps.connectionId ?? DEFAULT_CONNECTION,
    inviteKey: deriveKey(services.secretKey, 'invites'),
    now,
  };

  // Behind HTTPS the app usually sits behind a proxy that terminates TLS.
  const app = Fastify({
    loggerInstance: services.log.child(
      { component: 'web' },
      { serializers: { req: requestForLog } },
    ) as FastifyBaseLogger,
    trustProxy: https,
  });
  await app.register(fastifyCookie, { secret: deriveKey(services.secretKey, 'cookies') });
  await app.register(fastifyFormbody);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        // The Connect form answers with a redirect to Bitbucket's authorize page, and Chromium
        // applies form-action to that redirect too.
        formAction: ["'self'", new URL(config.bitbucket.oauthUrl).origin],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: https ? { maxAge: 15_552_000 } : false,
    // The OAuth redirect back from Bitbucket must keep its referrer policy strict, not absent.
    referrerPolicy: { policy: 'same-origin' },
  });
  await app.register(fastifyCsrf, { cookieOpts: { ...cookieOptions(ctx.cookies), signed: true } });
  app.addHook('preValidation', (req, reply, done) => {
    if (SAFE_METHODS.has(req.method)) return done();
    app.csrfProtection(req, reply, done);
  });
  // Only routes that ask for it (POST /login): see web/auth/signInThrottle.ts for why.
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) =>
      Object.assign(
        new Error(`Too many sign-in requests from your network address; try again in ${context.after}.`),
        { statusCode: context.statusCode },
      ),
  });
  registerSessions(app, ctx.accounts);
  registerAssets(app);

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err instanceof HttpError ? err.status : (err.statusCode ?? 500);
    // CSRF failures come from the plugin as 403 with a code; say what to do about them.
    const code = err.code ?? '';
    const message = code.startsWith('FST_CSRF')
      ? 'This form has expired or did not come from this site. Go back, reload the page and try again.'
      : status >= 500
        ? 'Something went wrong on our side; the details are in the server log.'
        : err.message;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return renderPage(req, reply, 'error.njk', { status, message }, status);
  });
  app.setNotFoundHandler((req, reply) =>
    renderPage(
      req,
      reply,
      'error.njk',
      { status: 404, message: `There is no page at ${req.url.split('?')[0]}.` },
      404,
    ),
  );

  app.get('/healthz', async () => ({ ok: true }));
  registerAccountRoutes(app, ctx);
  registerConnectionRoutes(app, ctx);
  registerDisconnectRoutes(app, ctx);
  registerStatusRoutes(app, ctx);
  registerDashboardRoutes(app, ctx);
  registerMetricsRoute(app, ctx);
  return app;
}
