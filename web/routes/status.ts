import type { FastifyInstance } from 'fastify';
import type { WebContext } from '../context';

export function registerStatusRoutes(_app: FastifyInstance, _ctx: WebContext): void {}
