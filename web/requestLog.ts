// How a request appears in the logs: method and path only. Query strings carry OAuth codes and
// states, and invite paths carry the invite token, so neither is ever written.
import type { FastifyRequest } from 'fastify';

export function requestForLog(req: FastifyRequest) {
  const path = (req.url ?? '').split('?')[0] as string;
  return { method: req.method, path: path.replace(/^\/invite\/[^/]+/, '/invite/[token]') };
}
