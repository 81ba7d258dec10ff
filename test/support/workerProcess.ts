// A worker in its own process, for tests that kill it (SIGKILL) mid-run. Configured by the same
// environment as `bbetl worker`, plus the test's schema prefix and task queue, and optionally
// TEST_RATE_WINDOW_MS (below).
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { SharedBudget } from '../../bitbucket/requestBudget';
import { createLogger } from '../../lib/log';
import { createServices } from '../../services/services';
import { loadConfig } from '../../temporal.config';
import { openWarehouse } from '../../warehouse/engine';
import { consumerBucketKey, PostgresTokenBucket } from '../../warehouse/tokenBucket';
import { createWorker } from '../../worker/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
const config = loadConfig();
const url = process.env.DATABASE_URL as string;
const db = await openWarehouse({ engine: 'postgres', url, schemaPrefix: process.env.TEST_SCHEMA_PREFIX });
const log = createLogger({ level: 'warn', pretty: false });
// A sandbox whose rate window is seconds, not Bitbucket's hour (a test that makes the limit bind
// quickly): the budget paces BITBUCKET_RATE_LIMIT_PER_HOUR over that window, in the same shared
// Postgres bucket the product's worker uses. Unset: the product's budget, as createServices builds it.
const windowMs = Number(process.env.TEST_RATE_WINDOW_MS ?? '') || undefined;
const { clientId, rateLimitPerHour } = config.bitbucket;
const budget = windowMs
  ? new SharedBudget(new PostgresTokenBucket(db), consumerBucketKey(clientId), {
      limitPerWindow: (rateLimitPerHour * windowMs) / 3_600_000,
      windowMs,
      log,
    })
  : undefined;
const services = await createServices(config, log, {
  db,
  budget,
  clientOptions: { backoffBaseMs: 5, backoffMaxMs: 100, maxAttempts: 12 },
});
const connection = await NativeConnection.connect({ address: config.temporal.address as string });
const worker = await createWorker({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  deps: services,
  // Bundled once by globalSetup, with the short heartbeat timeouts of tests that kill workers.
  workflowBundlePath: config.temporal.workflowBundle,
});
process.on('SIGTERM', () => worker.shutdown());
// The test process that started this one is gone (a timeout, a crash, even SIGKILL closes the IPC
// channel): a worker left behind would go on taking the task queue's work.
process.on('disconnect', () => process.exit(1));
console.log('worker ready');
await worker.run();
await db.close();
await connection.close();
