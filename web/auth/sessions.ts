// Browser sessions: a random id in an httpOnly, SameSite=Lax cookie (Secure behind HTTPS); the
// warehouse keeps only its hash. Every request learns its user here; routes declare what they
// need with requireUser / requireAdmin, enforced on the server.
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebAccountStore } from '../../warehouse/webAccounts';
import { HttpError } from '../errors';
import { toRole, type WebUser } from './users';

declare module 'fastify' {
  interface FastifyRequest {
    user?: WebUser;
  }
}

export const SESSION_COOKIE = 'bbetl_session';
const SESSION_DAYS = 14;

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

export interface CookiePolicy {
  secure: boolean;
}

export function cookieOptions(policy: CookiePolicy, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: policy.secure,
    maxAge: maxAgeSeconds,
  };
}

export function registerSessions(app: FastifyInstance, accounts: WebAccountStore): void {
  app.decorateRequest('user', undefined);
  app.addHook('onRequest', async (req) => {
    const id = req.cookies[SESSION_COOKIE];
    if (!id || id.length > 100) return;
    const found = await accounts.sessionUser(sha256(id));
    if (found) req.user = { username: found.username, role: toRole(found.role) };
  });
}

export async function startSession(
  reply: FastifyReply,
  accounts: WebAccountStore,
  username: string,
  policy: CookiePolicy,
): Promise<void> {
  const id = randomBytes(32).toString('base64url');
  const maxAge = SESSION_DAYS * 86_400;
  await accounts.createSession(sha256(id), username, new Date(Date.now() + maxAge * 1000));
  reply.setCookie(SESSION_COOKIE, id, cookieOptions(policy, maxAge));
}

export async function endSession(
  req: FastifyRequest,
  reply: FastifyReply,
  accounts: WebAccountStore,
  policy: CookiePolicy,
): Promise<void> {
  const id = req.cookies[SESSION_COOKIE];
  if (id) await accounts.deleteSession(sha256(id));
  reply.clearCookie(SESSION_COOKIE, cookieOptions(policy));
}

/** A local path to return to after sign-in; anything else (another site, //host) becomes "/". */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';
}

export async function requireUser(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.user) return;
  if (req.method === 'GET') {
    await reply.redirect(`/login?next=${encodeURIComponent(req.url)}`);
    return;
  }
  throw new HttpError(401, 'Sign in first: your session has ended.');
}

export async function requireAdmin(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  await requireUser(req, reply);
  if (reply.sent) return;
  if (req.user?.role !== 'admin')
    throw new HttpError(
      403,
      'Only an admin can do this. Ask an admin, or send your Bitbucket admin an invite link.',
    );
}
