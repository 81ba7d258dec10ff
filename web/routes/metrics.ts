// GET /metrics for Prometheus, only when METRICS_TOKEN is set, and only with that bearer token.
// Without a token there is no route: /metrics answers 404 like any unknown path. Open, it would tell
// whoever reaches the app the names of the connections and workspaces; a 401 would advertise an
// endpoint no one is meant to use.
import type { FastifyInstance } from 'fastify';
import { ProcessMetrics } from '../../services/metrics';
import type { WebContext } from '../context';

export function registerMetricsRoute(app: FastifyInstance, ctx: WebContext): void {
  const { config, services } = ctx.deps;
  const { bearerToken } = config.metrics;
  if (!bearerToken) return;
  // The process's metrics (its worker's too) when the services count them; else the app's own:
  // Node's process metrics and what the ledger says.
  const metrics = services.metrics ?? new ProcessMetrics({ bearerToken, log: services.log });
  if (!services.metrics) metrics.watchLedger(services.db);
  app.get('/metrics', async (req, reply) => {
    const answer = await metrics.answer(req.headers.authorization);
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
}
