// The Connections card (Connect / Reconnect / invite an admin), the OAuth callback, and the
// invite pages a Bitbucket admin without an account of ours uses to connect.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { OAuthStateError } from '../../bitbucket/auth/oauthState';
import type { ConnectionInfo } from '../../bitbucket/auth/tokenVault';
import { BitbucketError } from '../../bitbucket/errors';
import { startConnectionSyncs } from '../../client/connectionSyncs';
import { listRuns } from '../../warehouse/ledger';
import { requireAdmin, requireUser } from '../auth/sessions';
import { auditConnection as audit } from '../connections/audit';
import {
  type CompletedGrant,
  consumeCallbackState,
  exchangeCode,
  type FlowPurpose,
  redirectToBitbucket,
} from '../connections/authorize';
import { createInvite, inviteToken, usableInvite } from '../connections/invites';
import { checkAccess } from '../connections/liveAccess';
import {
  connectionForGrant,
  listConnections,
  namedConnection,
  newConnectionId,
} from '../connections/registry';
import type { WebContext } from '../context';
import { HttpError } from '../errors';
import { renderPage } from '../render';

/** Outcomes the card reports after a redirect; fixed texts, so a link cannot make the page say anything. */
const NOTICES = {
  connected: {
    level: 'ok',
    text: 'Bitbucket is connected and syncing has started (follow it on Status); the dashboard updates when it ends.',
  },
  connected_no_sync: {
    level: 'warn',
    text: 'Bitbucket is connected, but the backfill could not be started (see the server log). Start it from Status.',
  },
  denied: { level: 'error', text: 'Access was not granted on Bitbucket, so nothing was connected.' },
  disconnected: {
    level: 'ok',
    text: 'Disconnected: syncs stopped and tokens deleted; the data already loaded is kept.',
  },
  disconnected_deleted: {
    level: 'ok',
    text: "Disconnected: syncs stopped, tokens deleted, and the connection's raw data deleted. The marts are being rebuilt without it (follow it on Status).",
  },
} as const;

const cardQuery = z.object({ notice: z.enum(Object.keys(NOTICES) as [keyof typeof NOTICES]).optional() });

const callbackQuery = z.object({
  state: z.string().max(200).optional(),
  code: z.string().max(2000).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

/** One card: the connection, its live access check, its last finished and running syncs. */
async function cardOf(ctx: WebContext, listed: ConnectionInfo) {
  let connection = listed;
  let accessProblem: string | undefined;
  if (connection.status === 'connected') {
    const check = await checkAccess(ctx, connection.id);
    if (!check.ok) accessProblem = check.problem;
    connection = await ctx.deps.services.vault.status(connection.id);
  }
  const runs = await listRuns(ctx.deps.services.db, { connectionId: connection.id, limit: 50 });
  return {
    connection,
    accessProblem,
    lastSync: runs.find((r) => r.status === 'completed'),
    running: runs.filter((r) => r.status === 'running').length,
  };
}

async function renderCards(
  ctx: WebContext,
  req: FastifyRequest,
  reply: FastifyReply,
  extra: Record<string, unknown> = {},
) {
  const cards = await Promise.all((await listConnections(ctx)).map((c) => cardOf(ctx, c)));
  return renderPage(req, reply, 'connections.njk', {
    cards,
    canAdd: cards.some((c) => c.connection.status !== 'not_connected'),
    signInTrouble: req.user?.role === 'admin' ? await signInTrouble(ctx) : [],
    ...extra,
  });
}

/** Accounts with failed sign-ins in the last day, for admins: someone may be guessing passwords. */
async function signInTrouble(ctx: WebContext) {
  const rows = await ctx.signIns.trouble(new Date(ctx.now().getTime() - 86_400_000));
  return Promise.all(
    rows.map(async (row) => ({ ...row, known: (await ctx.accounts.getUser(row.actor)) !== undefined })),
  );
}

async function connectionFinished(
  ctx: WebContext,
  req: FastifyRequest,
  grant: CompletedGrant,
  via: FlowPurpose['kind'],
  requested: string | undefined,
): Promise<keyof typeof NOTICES> {
  const { account, workspaces, tokens } = grant;
  const connectionId = await connectionForGrant(ctx, requested, account.uuid);
  const before = await ctx.deps.services.vault.status(connectionId);
  const fresh = before.status === 'not_connected' || before.status === 'disconnected';
  await audit(ctx, req, fresh ? 'connect' : 'reconnect', connectionId, { via, account: account.uuid });
  await ctx.deps.services.vault.saveGrant(connectionId, tokens, {
    account: { uuid: account.uuid, display_name: account.displayName, nickname: account.nickname ?? null },
    workspaces,
  });
  try {
    const { config, workflows } = ctx.deps;
    const started = await startConnectionSyncs(workflows, {
      db: ctx.deps.services.db,
      connectionId,
      workspaces,
      initialBackfillDays: config.sync.initialBackfillDays,
      intervalMinutes: config.sync.intervalMinutes,
      now: ctx.now(),
    });
    req.log.info(
      {
        connectionId,
        workflows: [...started.backfills, ...started.syncs].map((h) => h.workflowId),
        schedule: started.schedule,
      },
      'connected; syncs and schedule started',
    );
    return 'connected';
  } catch (err) {
    req.log.error({ err, connectionId }, 'connected, but starting the backfill failed');
    return 'connected_no_sync';
  }
}

export function registerConnectionRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get('/connections', { preHandler: requireUser }, async (req, reply) => {
    const query = cardQuery.safeParse(req.query);
    return renderCards(ctx, req, reply, {
      notice: query.success && query.data.notice ? NOTICES[query.data.notice] : undefined,
    });
  });

  // With a `connection`: Connect again or Reconnect that one; without: add a connection.
  app.post('/connections/connect', { preHandler: requireAdmin }, async (req, reply) => {
    const connectionId = namedConnection(await listConnections(ctx), req.body)?.id;
    return redirectToBitbucket(ctx, reply, {
      kind: 'admin',
      username: req.user?.username as string,
      connectionId,
    });
  });

  app.post('/connections/invite', { preHandler: requireUser }, async (req, reply) => {
    const connections = await listConnections(ctx);
    const connectionId =
      namedConnection(connections, req.body)?.id ??
      connections.find((c) => c.status === 'not_connected')?.id ??
      newConnectionId();
    const invite = await createInvite(ctx, req.user?.username as string, connectionId);
    await audit(ctx, req, 'invite', connectionId, { expiresAt: invite.expiresAt.toISOString() });
    return renderCards(ctx, req, reply, { invite });
  });

  app.get<{ Params: { token: string } }>('/invite/:token', async (req, reply) => {
    const invite = await usableInvite(ctx, req.params.token);
    return renderPage(req, reply, 'invite.njk', { invite, token: req.params.token });
  });

  app.post<{ Params: { token: string } }>('/invite/:token/connect', async (req, reply) => {
    const invite = await usableInvite(ctx, req.params.token);
    return redirectToBitbucket(ctx, reply, { kind: 'invite', inviteId: invite.inviteId });
  });

  app.get('/oauth/callback', async (req, reply) => {
    const query = callbackQuery.safeParse(req.query);
    if (!query.success || !query.data.state)
      throw new HttpError(
        400,
        'This answer from Bitbucket has no valid state parameter. Start again from Connections.',
      );
    let purpose: FlowPurpose;
    try {
      purpose = await consumeCallbackState(ctx, req, query.data.state);
    } catch (err) {
      if (err instanceof OAuthStateError)
        throw new HttpError(
          400,
          `The connection was not made: ${err.message}. Start again from Connections.`,
        );
      throw err;
    }
    const { code, error, error_description } = query.data;
    // The connection the flow was started for (none: "Add a connection").
    let requested: string | undefined;
    if (purpose.kind === 'admin') {
      requested = purpose.connectionId;
      if (req.user?.username !== purpose.username || req.user.role !== 'admin')
        throw new HttpError(
          403,
          'This connection was started by another user; sign in as them, or start again.',
        );
      if (error === 'access_denied') return reply.redirect('/connections?notice=denied');
    } else {
      const invite = await usableInvite(ctx, inviteToken(ctx, purpose.inviteId));
      requested = invite.connectionId;
      if (error === 'access_denied')
        return renderPage(req, reply, 'invite.njk', {
          invite,
          token: inviteToken(ctx, invite.inviteId),
          denied: true,
        });
    }
    if (error || !code)
      throw new HttpError(
        400,
        `Bitbucket did not grant access: ${error ?? 'no code in its answer'}${error_description ? ` (${error_description})` : ''}.`,
      );
    let grant: CompletedGrant;
    try {
      grant = await exchangeCode(ctx, code);
    } catch (err) {
      if (err instanceof BitbucketError)
        throw new HttpError(502, `Bitbucket refused to complete the connection: ${err.message}.`);
      throw err;
    }
    if (purpose.kind === 'admin')
      return reply.redirect(
        `/connections?notice=${await connectionFinished(ctx, req, grant, 'admin', requested)}`,
      );
    // Used up only now: a denied consent or a failed exchange leaves the invite usable.
    const outcome = await ctx.accounts.consumeInvite(purpose.inviteId, ctx.now());
    if (outcome !== 'ok')
      throw new HttpError(410, 'This invite link has been used already. Ask for a new one if needed.');
    const notice = await connectionFinished(ctx, req, grant, 'invite', requested);
    return renderPage(req, reply, 'invite-done.njk', {
      notice: NOTICES[notice],
      account: grant.account,
      workspaces: grant.workspaces,
    });
  });
}
