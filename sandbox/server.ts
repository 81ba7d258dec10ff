// Assembles the sandbox: Bitbucket's OAuth site and API 2.0 on one HTTP server, plus the
// control API. Each API request passes, in order: scheduled world changes, injected faults
// (latency, reset, 5xx), bearer-token auth, the consumer's rate limit, lists made to answer 404,
// then the route.

import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError, errorBody, RATE_LIMIT_TEXT, sendError } from './api/errors';
import { registerApiRoutes } from './api/routes';
import { emptyStats, registerControlRoutes, type SandboxStats } from './control';
import { SandboxStore } from './data/store';
import { Faults } from './faults';
import { GrantStore } from './oauth/grants';
import { registerOAuthRoutes } from './oauth/routes';
import type { ResolvedSandboxOptions } from './options';
import { PendingChanges } from './pendingChanges';
import { RollingRateLimit } from './rateLimit';
import { Renderer } from './render/objects';

export interface SandboxParts {
  app: FastifyInstance;
  store: SandboxStore;
  grants: GrantStore;
  faults: Faults;
  rateLimit: RollingRateLimit;
  stats: SandboxStats;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Bitbucket's API: 2.0, and the few 1.0 resources still served (groups). */
const isApi = (url: string) => url.startsWith('/2.0') || url.startsWith('/1.0/');
/** `/2.0/…/pipelines/` → `/2.0/…/pipelines`, as the router sees it (faults match the same path). */
const withoutTrailingSlash = (path: string) => (path.length > 1 ? path.replace(/\/$/, '') : path);

export function buildSandbox(options: ResolvedSandboxOptions, baseUrl: string): SandboxParts {
  const apiUrl = `${baseUrl}/2.0`;
  const store = new SandboxStore(
    options.seed,
    options.scale,
    Date.parse(options.epoch),
    options.cachedRepositories,
    options.repositoryNames,
  );
  const grants = new GrantStore(GrantStore.defaultConsumer(options.redirectUris));
  if (options.scopes) grants.consumer.scopes = options.scopes;
  grants.tokenLifetimeSeconds = options.tokenLifetimeSeconds;
  grants.refreshGraceSeconds = options.refreshGraceSeconds;
  const faults = new Faults(options.seed);
  faults.update(options.faults);
  const rateLimit = new RollingRateLimit(
    options.rateLimitPerHour,
    options.rateWindowSeconds * 1000,
    options.rateLimitHeaders,
  );
  const stats: SandboxStats = emptyStats();
  const changes = new PendingChanges();

  // Bitbucket answers `/pipelines/` as `/pipelines`: every path is routed without its trailing slash.
  const app = Fastify({
    logger: false,
    routerOptions: { maxParamLength: 1000, ignoreTrailingSlash: true },
    bodyLimit: 1 << 20,
  });
  app.register(formbody);
  app.register(cookie);
  app.decorateRequest('grant', null);

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!isApi(req.url)) return;
    stats.requests += 1;
    changes.onApiRequest();
    if (faults.settings.latencyMs > 0) await sleep(faults.settings.latencyMs);
    if (faults.reset()) {
      reply.hijack();
      req.raw.socket.destroy();
      return reply;
    }
    const status = faults.serverError();
    if (status)
      return reply
        .code(status)
        .type('text/html')
        .send('<html><body><h1>Service unavailable</h1></body></html>');

    const header = req.headers.authorization ?? '';
    const check = grants.checkAccessToken(header.startsWith('Bearer ') ? header.slice(7) : undefined);
    if (!check.ok) {
      const message =
        check.reason === 'expired'
          ? 'OAuth2 access token expired. Use your refresh token to obtain a new access token.'
          : 'Token is invalid, expired, or not supported for this endpoint.';
      return reply.code(401).send(errorBody(message));
    }
    req.grant = check.grant;
    reply.header('X-OAuth-Scopes', check.grant.scopes.join(', '));
    reply.header('X-Credential-Type', 'oauth2');
    // Only repository data counts against the consumer's hourly budget.
    const budgeted = req.url.startsWith('/2.0/repositories/');
    const limited = faults.burst429() || (budgeted && !rateLimit.take(grants.consumer.clientId));
    if (budgeted && rateLimit.sendsHeaders) reply.headers(rateLimit.headers(grants.consumer.clientId));
    if (limited) {
      stats.rateLimited += 1;
      return reply.code(429).type('text/plain').send(RATE_LIMIT_TEXT);
    }
    if (faults.notFound(withoutTrailingSlash(req.url.split('?')[0] as string))) {
      return sendError(reply, new ApiError(404, 'Resource not found', 'There is no API hosted at this URL.'));
    }
  });

  app.addHook('onSend', async (req, reply, payload) => {
    if (!isApi(req.url)) return payload;
    // The server's clock is the sandbox clock: clients that read time from the Date header
    // (as bbetl does for its window bounds) see the same time as the data.
    reply.header('date', new Date(store.nowMs).toUTCString());
    stats.byStatus[reply.statusCode] = (stats.byStatus[reply.statusCode] ?? 0) + 1;
    const route = req.routeOptions.url ?? '(no route)';
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    if (stats.seenUrls && reply.statusCode === 200) {
      if (stats.seenUrls.has(req.url)) {
        stats.repeatedRequests += 1;
        if (stats.repeatedSample.length < 20) stats.repeatedSample.push(req.url);
      } else stats.seenUrls.add(req.url);
    }
    if (reply.statusCode === 200 && typeof payload === 'string' && faults.truncate()) {
      return payload.slice(0, Math.floor(payload.length * 0.6));
    }
    return payload;
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) return sendError(reply, err);
    const { statusCode, message } = err as { statusCode?: number; message?: string };
    const text = message ?? String(err);
    if (isApi(req.url)) return reply.code(statusCode ?? 500).send(errorBody(text));
    return reply.code(statusCode ?? 500).send({ error: text });
  });

  app.setNotFoundHandler((req, reply) => {
    if (isApi(req.url)) {
      return sendError(reply, new ApiError(404, 'Resource not found', 'There is no API hosted at this URL.'));
    }
    return reply.code(404).send({ error: 'not found' });
  });

  const render = new Renderer(apiUrl, baseUrl, store.world.users);
  registerOAuthRoutes(app, grants, (idx) => store.world.users[idx]?.displayName ?? 'unknown');
  registerApiRoutes(app, {
    store,
    render,
    apiUrl,
    onPage: (page) => {
      if (page >= 2) store.advance(faults.drift());
    },
    onPullRequest: (repo, pullRequest) => faults.zeroChildCounts(repo.uuid, pullRequest),
    countRecords: (n) => {
      stats.records += n;
    },
  });
  registerControlRoutes(app, { store, grants, faults, rateLimit, stats, changes });
  return { app, store, grants, faults, rateLimit, stats };
}
