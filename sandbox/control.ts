// The sandbox-only control API: move the clock, revoke grants, switch faults, change limits,
// rename workspaces and repositories, delete repositories, and read ground truth and request
// statistics. Never part of Bitbucket's surface.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { SandboxStore } from './data/store';
import { type Faults, faultSettingsSchema } from './faults';
import type { GrantStore } from './oauth/grants';
import { LOGIN_USERS } from './oauth/routes';
import type { PendingChanges } from './pendingChanges';
import type { RollingRateLimit } from './rateLimit';
import { isoOffset } from './render/time';
import { groundTruth } from './truth';

export interface SandboxStats {
  requests: number;
  records: number;
  rateLimited: number;
  byStatus: Record<string, number>;
  /** Answers by route pattern (e.g. `/2.0/repositories/:workspace/:repo_slug/commits`): which lists cost what. */
  byRoute: Record<string, number>;
  /** Successful answers to a URL already answered since the last reset (when tracking is on). */
  repeatedRequests: number;
  /** The first few of those URLs, to see what was read twice. */
  repeatedSample: string[];
  /** URLs answered so far; only kept while tracking, since at large scale it grows big. */
  seenUrls?: Set<string>;
}

export function emptyStats(): SandboxStats {
  return {
    requests: 0,
    records: 0,
    rateLimited: 0,
    byStatus: {},
    byRoute: {},
    repeatedRequests: 0,
    repeatedSample: [],
  };
}

export interface ControlContext {
  store: SandboxStore;
  grants: GrantStore;
  faults: Faults;
  rateLimit: RollingRateLimit;
  stats: SandboxStats;
  changes: PendingChanges;
}

const advanceSchema = z
  .object({
    seconds: z.number().min(0).optional(),
    hours: z.number().min(0).optional(),
    days: z.number().min(0).optional(),
  })
  .strict();
const revokeSchema = z
  .object({ user: z.enum(Object.keys(LOGIN_USERS) as [string, ...string[]]).optional() })
  .strict();
const limitsSchema = z
  .object({
    tokenLifetimeSeconds: z.number().int().min(1).optional(),
    refreshGraceSeconds: z.number().int().min(0).optional(),
    rateLimitPerHour: z.number().int().min(1).optional(),
    rateWindowSeconds: z.number().int().min(1).optional(),
    rateLimitHeaders: z.boolean().optional(),
    scopes: z.array(z.string()).optional(),
  })
  .strict();

const slug = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'a slug: lowercase letters, digits, _ . -');
const renameSchema = z
  .object({
    workspace: z.string(),
    /** Omitted: the workspace itself is renamed. */
    repository: z.string().optional(),
    to: slug,
    /** Apply after this many more API requests (0: now). */
    afterRequests: z.number().int().min(0).default(0),
  })
  .strict();

const pushSchema = z
  .object({
    workspace: z.string(),
    repository: z.string(),
    branch: z.string().min(1),
    commits: z.number().int().min(1).max(1000),
    /** When the first commit was made, in hours before now. */
    hoursAgo: z.number().min(0),
    afterRequests: z.number().int().min(0).default(0),
  })
  .strict();

const deleteSchema = z
  .object({
    workspace: z.string(),
    repository: z.string(),
    afterRequests: z.number().int().min(0).default(0),
  })
  .strict();

export function registerControlRoutes(app: FastifyInstance, ctx: ControlContext): void {
  const { store, grants, faults, rateLimit, stats, changes } = ctx;
  const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
    const result = schema.safeParse(body ?? {});
    if (!result.success) {
      throw Object.assign(new Error(z.prettifyError(result.error)), { statusCode: 400 });
    }
    return result.data;
  };

  app.get('/_sandbox/state', async () => ({
    now: isoOffset({ ms: store.nowMs, us: 0 }),
    seed: store.world.seed,
    scale: store.world.scale,
    workspaces: store.world.workspaces.map((w) => w.slug),
    faults: faults.settings,
    limits: {
      tokenLifetimeSeconds: grants.tokenLifetimeSeconds,
      refreshGraceSeconds: grants.refreshGraceSeconds,
      rateLimitPerHour: rateLimit.limit,
      rateWindowSeconds: rateLimit.windowMs / 1000,
      rateLimitHeaders: rateLimit.sendsHeaders,
      scopes: grants.consumer.scopes,
    },
  }));

  app.post('/_sandbox/clock/advance', async (req) => {
    const by = parse(advanceSchema, req.body);
    store.advance(((by.days ?? 0) * 24 + (by.hours ?? 0)) * 3_600_000 + (by.seconds ?? 0) * 1000);
    return { now: isoOffset({ ms: store.nowMs, us: 0 }) };
  });

  app.post('/_sandbox/grants/revoke', async (req) => {
    const { user } = parse(revokeSchema, req.body);
    return { revoked: grants.revoke(user === undefined ? {} : { userIdx: LOGIN_USERS[user] }) };
  });

  /** Schedules a change of the world that `prepare` checks now (RangeError: 404). */
  const scheduleChange = (reply: FastifyReply, afterRequests: number, prepare: () => () => void) => {
    try {
      changes.schedule(afterRequests, prepare());
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      return reply.code(404).send({ error: err.message });
    }
    return { scheduled: afterRequests > 0, pending: changes.pending };
  };

  app.post('/_sandbox/rename', async (req, reply) => {
    const { workspace, repository, to, afterRequests } = parse(renameSchema, req.body);
    return scheduleChange(reply, afterRequests, () => store.renaming({ workspace, repository }, to));
  });

  app.post('/_sandbox/delete', async (req, reply) => {
    const { workspace, repository, afterRequests } = parse(deleteSchema, req.body);
    return scheduleChange(reply, afterRequests, () => store.deleting({ workspace, repository }));
  });

  app.post('/_sandbox/push', async (req, reply) => {
    const { workspace, repository, afterRequests, ...push } = parse(pushSchema, req.body);
    return scheduleChange(reply, afterRequests, () =>
      store.pushingMadeEarlier({ workspace, repository }, push),
    );
  });

  app.put('/_sandbox/faults', async (req) => faults.update(parse(faultSettingsSchema.partial(), req.body)));

  app.put('/_sandbox/limits', async (req) => {
    const limits = parse(limitsSchema, req.body);
    if (limits.tokenLifetimeSeconds !== undefined) grants.tokenLifetimeSeconds = limits.tokenLifetimeSeconds;
    if (limits.refreshGraceSeconds !== undefined) grants.refreshGraceSeconds = limits.refreshGraceSeconds;
    if (limits.rateLimitPerHour !== undefined) rateLimit.limit = limits.rateLimitPerHour;
    if (limits.rateWindowSeconds !== undefined) rateLimit.windowMs = limits.rateWindowSeconds * 1000;
    if (limits.rateLimitHeaders !== undefined) rateLimit.sendsHeaders = limits.rateLimitHeaders;
    if (limits.scopes !== undefined) grants.consumer.scopes = limits.scopes;
    return { ok: true };
  });

  app.get('/_sandbox/truth', async (req, reply) => {
    const { workspace, keys } = req.query as { workspace?: string; keys?: string };
    const ws = workspace ? store.workspace(workspace) : store.world.workspaces[0];
    if (!ws) return reply.code(404).send({ error: `no workspace ${workspace}` });
    const truth = groundTruth(store, ws);
    return keys === '1' ? truth : { ...truth, keys: undefined };
  });

  app.get('/_sandbox/stats', async () => ({
    ...stats,
    seenUrls: undefined,
    faultsInjected: faults.injected,
  }));

  app.post('/_sandbox/stats/reset', async (req) => {
    const { trackRepeats } = parse(z.object({ trackRepeats: z.boolean().optional() }).strict(), req.body);
    Object.assign(stats, emptyStats(), { seenUrls: trackRepeats ? new Set<string>() : undefined });
    for (const k of Object.keys(faults.injected)) faults.injected[k as keyof typeof faults.injected] = 0;
    return { ok: true };
  });
}
