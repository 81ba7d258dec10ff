// Disconnect: a confirmation page, then the connection's schedule and running syncs stopped, its
// tokens deleted, and (only when the admin ticks it) its data deleted and the marts rebuilt.
// Bitbucket offers no API to revoke an OAuth grant (neither API-NOTES nor the OpenAPI definition
// has one), so the page says where in Bitbucket's settings the admin revokes it.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { stopConnectionSyncs } from '../../client/connectionSyncs';
import { deleteConnectionData } from '../../warehouse/connectionData';
import { requireAdmin } from '../auth/sessions';
import { auditConnection } from '../connections/audit';
import { knownConnection } from '../connections/registry';
import type { WebContext } from '../context';
import { HttpError } from '../errors';
import { renderPage } from '../render';

const disconnectForm = z.object({
  // an HTML checkbox sends its value when ticked and nothing otherwise
  delete_data: z.literal('yes').optional(),
});

export function registerDisconnectRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Params: { id: string } }>(
    '/connections/:id/disconnect',
    { preHandler: requireAdmin },
    async (req, reply) => {
      const connection = await knownConnection(ctx, req.params.id);
      if (connection.status === 'not_connected' || connection.status === 'disconnected')
        return reply.redirect('/connections');
      return renderPage(req, reply, 'disconnect.njk', { connection });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/connections/:id/disconnect',
    { preHandler: requireAdmin },
    async (req, reply) => {
      const form = disconnectForm.safeParse(req.body ?? {});
      if (!form.success)
        throw new HttpError(
          400,
          'The form sent an unexpected value for "also delete data"; reload the page and try again.',
        );
      const deleteData = form.data.delete_data === 'yes';
      const { services, workflows } = ctx.deps;
      const { id: connectionId } = await knownConnection(ctx, req.params.id);
      // Stopped first: with Temporal unreachable nothing changes, and the admin can try again.
      const stopped = await stopConnectionSyncs(workflows, connectionId).catch((err: unknown) => {
        req.log.error({ err, connectionId }, 'disconnect: stopping the syncs failed');
        throw new HttpError(
          503,
          'The syncs could not be stopped (Temporal did not answer), so nothing was disconnected. Check that Temporal is running and try again.',
        );
      });
      const username = req.user?.username as string;
      await services.vault.disconnect(connectionId, `disconnected by ${username}`);
      const deleted = deleteData ? await deleteConnectionData(services.db, connectionId) : undefined;
      await auditConnection(ctx, req, 'disconnect', connectionId, {
        ...stopped,
        dataDeleted: deleteData,
        rawRows: deleted?.rawRows ?? null,
      });
      req.log.info({ connectionId, ...stopped, dataDeleted: deleteData }, 'connection disconnected');
      if (deleted)
        // In the background: a full rebuild takes minutes on a large warehouse; the card says so.
        void services
          .rebuildTransforms('disconnect')
          .catch((err: unknown) => req.log.error({ err }, 'rebuilding the marts after deleting data failed'));
      return reply.redirect(`/connections?notice=${deleteData ? 'disconnected_deleted' : 'disconnected'}`);
    },
  );
}
