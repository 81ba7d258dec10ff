// The composition root: builds from the configuration what the worker's activities, the web app
// and the CLI share: the warehouse (migrated), the token vault, the request budget shared by this
// process's API clients, and the connection's workspaces; with metrics, it wires them to all of it.

import type { ActivityDeps } from '../activities/deps';
import { type BitbucketOAuth, createBitbucketOAuth } from '../bitbucket/auth/oauthClient';
import { loadSecretKey } from '../bitbucket/auth/secretKey';
import { TokenVault } from '../bitbucket/auth/tokenVault';
import { BitbucketClient } from '../bitbucket/client';
import { PacedBudget, type RequestBudget, SharedBudget } from '../bitbucket/requestBudget';
import { coalescedRuns } from '../lib/coalescedRuns';
import type { Logger } from '../lib/log';
import { type Config, configuredTransformVars } from '../temporal.config';
import { runHolder, runTransformProject, TRANSFORMS_JOB, TransformFailedError } from '../transforms/service';
import { WarehouseConnectionStore } from '../warehouse/connections';
import { openWarehouse, type WarehouseEngine } from '../warehouse/engine';
import { runExclusive } from '../warehouse/exclusiveRuns';
import { migrate } from '../warehouse/migrate';
import { consumerBucketKey, PostgresTokenBucket } from '../warehouse/tokenBucket';
import type { ProcessMetrics, TransformRunOutcome } from './metrics';
import { connectionStreams } from './streams';

export interface Services extends ActivityDeps {
  vault: TokenVault;
  /** The OAuth consumer's client (the web app's connect flow exchanges codes with it). */
  oauth: BitbucketOAuth;
  /** The key sealing tokens at rest; the web app derives its cookie and invite keys from it. */
  secretKey: Buffer;
  /** This process's metrics, when it serves them (ServiceOptions.metrics). */
  metrics?: ProcessMetrics;
  /** Every model rebuilt in full (after raw data was deleted), under the one-build-at-a-time lock. */
  rebuildTransforms(trigger: string): Promise<void>;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** An already open warehouse (tests); otherwise opened from the config. */
  db?: WarehouseEngine;
  budget?: RequestBudget;
  /** Overrides of the API client (tests: fast retries). */
  clientOptions?: { backoffBaseMs?: number; backoffMaxMs?: number; maxAttempts?: number };
  /** Metrics to count requests, records, batch writes and transform runs in, and to read the ledger into. */
  metrics?: ProcessMetrics;
}

export async function createServices(
  config: Config,
  log: Logger,
  options: ServiceOptions = {},
): Promise<Services> {
  const db = options.db ?? (await openWarehouse(config.warehouse));
  await migrate(db);
  const key = loadSecretKey({ secretKey: config.secretKey, dataDir: config.dataDir });
  if (key.created)
    log.info({ path: key.path }, 'generated a new secret key for tokens at rest (keep this file safe)');
  const { clientId, clientSecret, oauthUrl, apiUrl, rateLimitPerHour } = config.bitbucket;
  const { metrics } = options;
  metrics?.watchLedger(db);
  const oauth = createBitbucketOAuth({
    clientId: clientId ?? '',
    clientSecret: clientSecret ?? '',
    oauthUrl,
  });
  const store = new WarehouseConnectionStore(db);
  const vault = new TokenVault({ store, oauth, key: key.key, log });
  const consumer = consumerBucketKey(clientId);
  // On a Postgres warehouse every worker shares one bucket per OAuth consumer, so the budget holds
  // across processes; PGlite is single-process, and BigQuery paces in each process.
  const budget =
    options.budget ??
    (db.name === 'postgres'
      ? new SharedBudget(new PostgresTokenBucket(db), consumer, {
          limitPerWindow: rateLimitPerHour,
          log,
        })
      : new PacedBudget({ limitPerWindow: rateLimitPerHour, log }));

  const clientFor = async (connectionId: string) =>
    new BitbucketClient({
      apiUrl,
      budget,
      ...options.clientOptions,
      onRequest: metrics?.requestObserver(consumer),
      tokens: {
        accessToken: () => vault.getAccessToken(connectionId),
        refreshAfterUnauthorized: (rejected) => vault.refreshAfterUnauthorized(connectionId, rejected),
      },
    });

  // One model build at a time, in this process and across every worker on the warehouse (two
  // builds must not replace the same table at once); requests meanwhile share the next build.
  // A full refresh (data deleted) shares no build: an incremental one would keep the deleted rows.
  const holder = runHolder('worker');
  const build = async (trigger: string, fullRefresh: boolean) => {
    const exclusive = await runExclusive(
      db,
      TRANSFORMS_JOB,
      async () => {
        const startedAt = performance.now();
        const ended = (how: TransformRunOutcome) =>
          metrics?.transformRun(how, (performance.now() - startedAt) / 1000);
        const outcome = await runTransformProject(db, {
          trigger,
          fullRefresh,
          vars: {
            incremental_lookback_minutes: config.transforms.lookbackMinutes,
            ...configuredTransformVars(config.transforms),
          },
        }).catch((err: unknown) => {
          ended('error');
          throw err;
        });
        ended(outcome.ok ? 'ok' : 'failed');
        if (!outcome.ok) throw new TransformFailedError(outcome);
        return outcome;
      },
      { holder, coalesce: !fullRefresh },
    );
    if (exclusive.ran) {
      const { runId, results } = exclusive.value;
      log.info({ transformRunId: runId, models: results.models.length, fullRefresh }, 'transforms done');
    } else log.info('transforms done by a run another worker started after this request');
  };
  const transforms = coalescedRuns(() => build('sync', false));

  return {
    db,
    vault,
    oauth,
    secretKey: key.key,
    metrics,
    log,
    clientFor,
    async onAuthFailure(connectionId, reason) {
      // Only a connected one: an activity still finishing after a disconnect fails for want of
      // tokens, which must not turn "disconnected" into "reconnect required".
      if (await store.setStatus(connectionId, 'reconnect_required', reason, { expectedStatus: 'connected' }))
        log.warn({ connectionId, reason }, 'connection needs a reconnect');
    },
    runTransforms: () => transforms(),
    rebuildTransforms: (trigger) => build(trigger, true),
    onBatchWritten: metrics && ((written) => metrics.batchWritten(written)),
    async workspacesOf(connectionId) {
      const known = (await vault.status(connectionId)).workspaces;
      if (known.length > 0) return known;
      const client = await clientFor(connectionId);
      const page = await client.get<{ values: Array<{ workspace: { slug: string } }> }>('/user/workspaces', {
        pagelen: 100,
      });
      return page.values.map((v) => v.workspace.slug);
    },
    streamsOf: (connectionId) => connectionStreams(db, config, connectionId),
    close: () => (options.db ? Promise.resolve() : db.close()),
  };
}
