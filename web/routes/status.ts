// The sync status page: anyone signed in sees it; only admins start a sync or a backfill (checked
// here on the server, whatever the page showed). Starting answers with a redirect back to the
// page, naming the workflow in the query.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ConnectionInfo } from '../../bitbucket/auth/tokenVault';
import { startBackfillWorkflow, startSyncWorkflow, workflowUrl } from '../../client/launch';
import { requireAdmin, requireUser } from '../auth/sessions';
import { listConnections, namedConnection } from '../connections/registry';
import type { WebContext } from '../context';
import { HttpError } from '../errors';
import { renderPage } from '../render';
import { parseBackfillForm } from '../status/backfillForm';
import { loadStatusReport } from '../status/report';

const notice = z.object({
  started: z.string().max(300).optional().catch(undefined),
  attached: z.literal('1').optional().catch(undefined),
});

/** The connection a query or form names, or the first one. */
async function chosenConnection(ctx: WebContext, input: unknown) {
  const connections = await listConnections(ctx);
  return {
    connections,
    connection: namedConnection(connections, input) ?? (connections[0] as ConnectionInfo),
  };
}

/** The connection's workspaces; workflows for a connection that is not connected would only fail. */
async function connectedWorkspaces(connection: ConnectionInfo): Promise<string[]> {
  if (connection.status !== 'connected')
    throw new HttpError(
      409,
      `Bitbucket is not connected (status: ${connection.status.replaceAll('_', ' ')}). Connect it on the Connections page first.`,
    );
  return connection.workspaces;
}

function backToStatus(
  reply: FastifyReply,
  connectionId: string,
  started: { handle: { workflowId: string }; attached: boolean },
) {
  const query = new URLSearchParams({ connection: connectionId, started: started.handle.workflowId });
  if (started.attached) query.set('attached', '1');
  return reply.redirect(`/status?${query}`);
}

export function registerStatusRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get('/status', { preHandler: requireUser }, async (req, reply) => {
    const { started, attached } = notice.parse(req.query ?? {});
    const { connections, connection } = await chosenConnection(ctx, req.query);
    return renderPage(req, reply, 'status.njk', {
      ...(await loadStatusReport(ctx, connection.id)),
      connections,
      started,
      startedUrl: started && workflowUrl(ctx.deps.workflows, started),
      attached: attached === '1',
      isAdmin: req.user?.role === 'admin',
    });
  });

  app.post('/status/sync', { preHandler: requireAdmin }, async (req, reply) => {
    const { connection } = await chosenConnection(ctx, req.body);
    await connectedWorkspaces(connection);
    return backToStatus(reply, connection.id, await startSyncWorkflow(ctx.deps.workflows, connection.id));
  });

  app.post('/status/backfill', { preHandler: requireAdmin }, async (req, reply) => {
    const { connection } = await chosenConnection(ctx, req.body);
    const range = parseBackfillForm(req.body, await connectedWorkspaces(connection), ctx.now());
    return backToStatus(
      reply,
      connection.id,
      await startBackfillWorkflow(ctx.deps.workflows, { connectionId: connection.id, ...range }),
    );
  });
}
