// The audit row for what the signed-in user (or an invited admin, with no user) did to the
// connection: connect, reconnect, invite, disconnect.
import type { FastifyRequest } from 'fastify';
import type { AuditAction } from '../../warehouse/auditEvents';
import type { WebContext } from '../context';

export function auditConnection(
  ctx: WebContext,
  req: FastifyRequest,
  action: AuditAction,
  connectionId: string,
  detail?: Record<string, unknown>,
): Promise<void> {
  return ctx.audit.record({
    occurredAt: ctx.now(),
    action,
    actor: req.user?.username ?? null,
    clientAddress: req.ip,
    connectionId,
    detail,
  });
}
