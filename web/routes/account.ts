// Sign in and sign out, and the home page (the dashboard once a connection exists).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DUMMY_HASH, verifyPassword } from '../auth/passwords';
import { endSession, requireUser, safeNext, startSession } from '../auth/sessions';
import type { WebContext } from '../context';
import { renderPage } from '../render';

const loginForm = z.object({
  username: z.string().max(64).default(''),
  password: z.string().max(1024).default(''),
  next: z.string().max(2000).optional(),
});

export function registerAccountRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get('/', { preHandler: requireUser }, async (_req, reply) => {
    const status = await ctx.deps.services.vault.status(ctx.connectionId);
    return reply.redirect(status.status === 'not_connected' ? '/connections' : '/dashboard');
  });

  app.get<{ Querystring: { next?: string } }>('/login', async (req, reply) =>
    renderPage(req, reply, 'login.njk', { next: safeNext(req.query.next) }),
  );

  app.post('/login', async (req, reply) => {
    const form = loginForm.safeParse(req.body ?? {});
    const { username, password, next } = form.success ? form.data : { username: '', password: '', next: '/' };
    const user = username ? await ctx.accounts.getUser(username) : undefined;
    const ok = await verifyPassword(user?.passwordHash ?? DUMMY_HASH, password);
    if (!user || !ok) {
      return renderPage(
        req,
        reply,
        'login.njk',
        { next: safeNext(next), username, error: 'Wrong user name or password.' },
        401,
      );
    }
    await startSession(reply, ctx.accounts, user.username, ctx.cookies);
    return reply.redirect(safeNext(next));
  });

  app.post('/logout', async (req, reply) => {
    await endSession(req, reply, ctx.accounts, ctx.cookies);
    return reply.redirect('/login');
  });
}
