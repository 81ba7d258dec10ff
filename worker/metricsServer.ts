// The worker's metrics port (`bbetl worker --metrics-port`, WORKER_METRICS_PORT): GET /metrics
// answers as the web app's /metrics does, the bearer token included when METRICS_TOKEN is set.
import { createServer, type Server } from 'node:http';
import type { ProcessMetrics } from '../services/metrics';

/** The metrics port cannot be listened on; the message says what to change. */
export class MetricsPortError extends Error {
  override name = 'MetricsPortError';
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

function listenProblem(err: NodeJS.ErrnoException, port: number): string {
  const change = 'choose another with --metrics-port or WORKER_METRICS_PORT';
  if (err.code === 'EADDRINUSE')
    return `metrics port ${port} is in use by another program: ${change}, or stop what listens there`;
  if (err.code === 'EACCES')
    return `metrics port ${port} needs privileges this process lacks (ports below 1024 do): ${change}`;
  return `cannot listen on metrics port ${port} (${err.code ?? err.message}): ${change}`;
}

/** Serves `metrics` on `port` of every interface; rejects with MetricsPortError when it cannot. */
export async function serveMetrics(
  metrics: ProcessMetrics,
  port: number,
  host = '0.0.0.0',
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end('only GET /metrics is served here\n');
      return;
    }
    metrics.answer(req.headers.authorization).then(({ status, headers, body }) => {
      res.writeHead(status, headers).end(req.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new MetricsPortError(listenProblem(err, port), { cause: err })),
    );
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Prometheus keeps its connection open between scrapes: without this, close waits for it.
        server.closeAllConnections();
      }),
  };
}
