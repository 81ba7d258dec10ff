// The connections the web app manages: every one stored, and the first (ctx.connectionId, the
// only one before a second was added) shown as "not connected" until it is made. Ids in forms and
// paths are checked against this list, so a request cannot act on a connection that does not exist.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ConnectionInfo } from '../../bitbucket/auth/tokenVault';
import type { WebContext } from '../context';
import { HttpError } from '../errors';

/**
 * Every connection: the web app's first one (shown not connected until it is made), then the
 * others oldest first (made by "Add a connection", or by the CLI).
 */
export async function listConnections(ctx: WebContext): Promise<ConnectionInfo[]> {
  const stored = await ctx.deps.services.vault.list();
  const first =
    stored.find((c) => c.id === ctx.connectionId) ?? (await ctx.deps.services.vault.status(ctx.connectionId));
  return [first, ...stored.filter((c) => c.id !== ctx.connectionId)];
}

/** The connection with this id among `connections`, or a 404 that says where to look. */
export function findConnection(connections: readonly ConnectionInfo[], id: string): ConnectionInfo {
  const connection = connections.find((c) => c.id === id);
  if (!connection)
    throw new HttpError(404, `There is no connection "${id}". The Connections page lists them.`);
  return connection;
}

/** The connection with this id, or a 404. */
export const knownConnection = async (ctx: WebContext, id: string) =>
  findConnection(await listConnections(ctx), id);

const connectionField = z.object({ connection: z.string().min(1).max(100).optional() });

/**
 * The connection a form or query names in its `connection` field (a 404 when it is not listed),
 * or undefined when it names none.
 */
export function namedConnection(
  connections: readonly ConnectionInfo[],
  input: unknown,
): ConnectionInfo | undefined {
  const named = connectionField.safeParse(input ?? {});
  if (!named.success)
    throw new HttpError(400, 'The connection named is not valid; reload the Connections page and try again.');
  return named.data.connection === undefined ? undefined : findConnection(connections, named.data.connection);
}

/**
 * The connection a grant goes to. A Reconnect (or an invite) names one already made: that one.
 * Otherwise ("Add a connection", or an invite to connect): the connection already holding this
 * Bitbucket account (adding it twice would read every list twice), else the one named while it
 * was never connected, else the first while it was never connected, else a new one.
 */
export async function connectionForGrant(
  ctx: WebContext,
  requested: string | undefined,
  accountUuid: string,
): Promise<string> {
  const connections = await listConnections(ctx);
  const made = connections.filter((c) => c.status !== 'not_connected');
  if (requested && made.some((c) => c.id === requested)) return requested;
  const same = made.find((c) => c.account?.uuid === accountUuid);
  if (same) return same.id;
  if (requested) return requested;
  return connections.find((c) => c.status === 'not_connected')?.id ?? newConnectionId();
}

/** A fresh connection id (the first connection's is ctx.connectionId). */
export const newConnectionId = () => `conn-${randomBytes(4).toString('hex')}`;

/** Whether any connection was ever made (its data may be there, even if it is disconnected now). */
export const anyConnectionMade = async (ctx: WebContext) =>
  (await listConnections(ctx)).some((c) => c.status !== 'not_connected');

/** Whether any connection is connected now, so a sync can be loading data. */
export const anyConnectionConnected = async (ctx: WebContext) =>
  (await listConnections(ctx)).some((c) => c.status === 'connected');
