// Sign in and sign out, and the home page (the dashboard once a connection exists).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DUMMY_HASH, verifyPassword } from '../auth/passwords';
import { endSession, requireUser, safeNext, startSession } from '../auth/sessions';
import { lockMessage, retryAfterSeconds, type SignInLock } from '../auth/signInThrottle';
import { anyConnectionMade } from '../connections/registry';
import type { WebContext } from '../context';
import { renderPage } from '../render';

const loginForm = z.object({
  username: z.string().max(64).default(''),
  password: z.string().max(1024).default(''),
  next: z.string().max(2000).optional(),
});

/**
 * Sign-in requests (not failures) one address may send per minute to one instance: a cap on the
 * work and audit rows a flood costs, far above what people typing passwords send.
 */
const LOGIN_REQUEST_LIMIT = { max: 100, timeWindow: 60_000 };

export function registerAccountRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get('/', { preHandler: requireUser }, async (_req, reply) => {
    return reply.redirect((await anyConnectionMade(ctx)) ? '/dashboard' : '/connections');
  });

  app.get<{ Querystring: { next?: string } }>('/login', async (req, reply) =>
    renderPage(req, reply, 'login.njk', { next: safeNext(req.query.next) }),
  );

  // Past the throttle's limits (signInThrottle.ts) a sign-in answers 429, a correct password too.
  app.post('/login', { config: { rateLimit: LOGIN_REQUEST_LIMIT } }, async (req, reply) => {
    const form = loginForm.safeParse(req.body ?? {});
    const { username, password, next } = form.success ? form.data : { username: '', password: '', next: '/' };
    const attempt = await ctx.signIns.attempt(username, req.ip);
    const refuse = (status: number, error: string) =>
      renderPage(req, reply, 'login.njk', { next: safeNext(next), username, error }, status);
    const throttled = (lock: SignInLock) => {
      reply.header('retry-after', retryAfterSeconds(lock, ctx.now()));
      return refuse(429, lockMessage(lock, ctx.now()));
    };
    const lock = attempt.lock();
    if (lock) {
      await attempt.throttled(lock);
      return throttled(lock);
    }
    const user = username ? await ctx.accounts.getUser(username) : undefined;
    const ok = await verifyPassword(user?.passwordHash ?? DUMMY_HASH, password);
    if (!user || !ok) {
      const locked = await attempt.failed();
      return locked ? throttled(locked) : refuse(401, 'Wrong user name or password.');
    }
    await attempt.succeeded();
    await startSession(reply, ctx.accounts, user.username, ctx.cookies);
    return reply.redirect(safeNext(next));
  });

  app.post('/logout', async (req, reply) => {
    await endSession(req, reply, ctx.accounts, ctx.cookies);
    return reply.redirect('/login');
  });
}
