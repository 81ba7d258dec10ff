// The authorization-code flow as the web app runs it. Starting: a single-use `state` bound to a
// random cookie of this browser, then the redirect to Bitbucket's consent page. Finishing: the
// state is checked and used up, the code exchanged, and the grant's account and workspaces read
// with the new token before anything is stored.
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  type BitbucketAccount,
  currentAccount,
  grantedWorkspaces,
  tokenSource,
} from '../../bitbucket/account';
import type { TokenSet } from '../../bitbucket/auth/oauthClient';
import { consumeState, createState } from '../../bitbucket/auth/oauthState';
import { BitbucketClient } from '../../bitbucket/client';
import { WarehouseOAuthStateStore } from '../../warehouse/connections';
import { cookieOptions } from '../auth/sessions';
import type { WebContext } from '../context';
import { HttpError } from '../errors';

const FLOW_COOKIE = 'bbetl_oauth';
const FLOW_SECONDS = 600;

export const callbackUrl = (ctx: WebContext) => `${ctx.deps.config.publicUrl}/oauth/callback`;

/**
 * Who started the flow: an admin of ours (for the connection named, or a new one when none is),
 * or the Bitbucket admin holding an invite (which names its connection).
 */
export type FlowPurpose =
  | { kind: 'admin'; username: string; connectionId?: string }
  | { kind: 'invite'; inviteId: string };

const encodePurpose = (p: FlowPurpose) => JSON.stringify(p);

const purposeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('admin'), username: z.string().min(1), connectionId: z.string().optional() }),
  z.object({ kind: z.literal('invite'), inviteId: z.string().min(1) }),
]);

function decodePurpose(value: string): FlowPurpose | undefined {
  try {
    const parsed = purposeSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Answers with the redirect to Bitbucket's authorize page. */
export async function redirectToBitbucket(
  ctx: WebContext,
  reply: FastifyReply,
  purpose: FlowPurpose,
): Promise<FastifyReply> {
  const binding = randomBytes(32).toString('base64url');
  const state = await createState(new WarehouseOAuthStateStore(ctx.deps.services.db), {
    purpose: encodePurpose(purpose),
    binding,
    ttlSeconds: FLOW_SECONDS,
  });
  reply.setCookie(FLOW_COOKIE, binding, cookieOptions(ctx.cookies, FLOW_SECONDS));
  // 303: the browser follows a POST's answer with a GET.
  return reply.redirect(ctx.deps.services.oauth.authorizeUrl({ state, redirectUri: callbackUrl(ctx) }), 303);
}

/** Uses up the callback's state; throws OAuthStateError when it is unknown, replayed, expired or another browser's. */
export async function consumeCallbackState(
  ctx: WebContext,
  req: FastifyRequest,
  state: string,
): Promise<FlowPurpose> {
  // The cookie stays until it expires: a replay from this browser is then told it replayed.
  const binding = req.cookies[FLOW_COOKIE] ?? '';
  const purpose = decodePurpose(
    await consumeState(new WarehouseOAuthStateStore(ctx.deps.services.db), state, binding),
  );
  // Only this app writes states, so an undecodable purpose means a state from another version.
  if (!purpose)
    throw new HttpError(
      400,
      'This connection was started by another version of bbetl. Start again from Connections.',
    );
  return purpose;
}

export interface CompletedGrant {
  tokens: TokenSet;
  account: BitbucketAccount;
  workspaces: string[];
}

export async function exchangeCode(ctx: WebContext, code: string): Promise<CompletedGrant> {
  const { services, config } = ctx.deps;
  const tokens = await services.oauth.exchangeCode({ code, redirectUri: callbackUrl(ctx) });
  const client = new BitbucketClient({
    apiUrl: config.bitbucket.apiUrl,
    tokens: tokenSource(tokens.accessToken),
  });
  const [account, workspaces] = await Promise.all([currentAccount(client), grantedWorkspaces(client)]);
  return { tokens, account, workspaces };
}
