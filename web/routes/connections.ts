import type { FastifyInstance } from 'fastify';
import type { WebContext } from '../context';

export function registerConnectionRoutes(_app: FastifyInstance, _ctx: WebContext): void {}
