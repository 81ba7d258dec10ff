// A real pipeline run that mints many tokens (2-second tokens: the vault refreshes before almost
// every request), meets faults, a missing scope and finally a revoked grant, then searches for
// every token, code and secret ever issued in: every log line (ours at trace level and the
// Temporal SDK's at every level), every workflow history of the run (payloads decoded), the
// failures the workflows ended with, and every etl_meta table (errors, run details, connection
// event reasons). test/bitbucket/noSecretLeaks.test.ts does the same for the OAuth flow alone.
import { inspect } from 'node:util';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { createLogger } from '../../lib/log';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { createServices, type Services } from '../../services/services';
import { loadConfig } from '../../temporal.config';
import type { WarehouseEngine } from '../../warehouse/engine';
import { backfill } from '../../workflows/backfill';
import { connectAs, sandboxOAuth } from '../bitbucket/oauthFlow';
import { CONNECTION, pipelineEnv, sandboxNow, workerOptions } from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';
import { describeEachWarehouse, type WarehouseUnderTest } from '../support/warehouse';
import { issuedSecrets, keySecrets, leakedIn, warehouseDump } from './secrets';

/** A history as text, with every payload's bytes (JSON under the json/plain encoding) decoded. */
const historyText = (history: unknown) =>
  JSON.stringify(history, (_key, value) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
  );

const fullText = (value: unknown) => inspect(value, { depth: Infinity, maxStringLength: null });

/** Every execution on the task queue (parents and their children), once visibility lists the parents. */
async function executionsOn(client: Client, taskQueue: string, parents: string[]) {
  for (let attempt = 0; ; attempt += 1) {
    const found: Array<{ workflowId: string; runId: string }> = [];
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
      found.push({ workflowId: wf.workflowId, runId: wf.runId });
    if (parents.every((id) => found.some((f) => f.workflowId === id)) || attempt === 20) return found;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function failureOf(handle: WorkflowHandle): Promise<unknown> {
  return handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe.skipIf(!temporalAvailable())('security: no secret leaves the vault during a pipeline run', () => {
  describeEachWarehouse(
    'tokens, codes and keys',
    (engine) => {
      let sb: Sandbox;
      let wh: WarehouseUnderTest;
      let db: WarehouseEngine;
      let services: Services;
      const lines: string[] = [];
      let sdkLog: MockInstance<Runtime['logger']['log']>;

      beforeAll(async () => {
        sb = await startSandbox({
          scale: 'tiny',
          seed: 71,
          rateLimitPerHour: 1_000_000,
          tokenLifetimeSeconds: 2,
          // No pipeline scope: the pipeline streams are skipped with an error row each.
          scopes: ['account', 'repository', 'pullrequest', 'project', 'project:admin'],
          faults: { errorRate: 0.05, resetRate: 0.02, truncateRate: 0.02, burst429Rate: 0.01 },
        });
        // Every call, whatever its level: the runtime's own logger drops those below WARN after this.
        sdkLog = vi.spyOn(Runtime.instance().logger, 'log');
        wh = engine();
        db = await wh.open();
        const log = createLogger({
          level: 'trace',
          destination: { write: (line: string) => lines.push(line) },
        });
        services = await createServices(loadConfig(pipelineEnv(sb)), log, {
          db,
          clientOptions: { backoffBaseMs: 5, backoffMaxMs: 100, maxAttempts: 12 },
        });
        // Connected through the consent flow, so an authorization code is among the secrets too.
        await services.vault.saveGrant(CONNECTION, await connectAs(sandboxOAuth(sb), 'admin'), {
          workspaces: ['acme'],
        });
      });
      afterAll(async () => {
        sdkLog?.mockRestore();
        await sb?.close();
        await wh?.cleanup(db);
        await db?.close();
      });

      it('leaves no token, code, client secret or key in logs, histories, failures or the warehouse', async () => {
        const taskQueue = uniqueTaskQueue('leaks');
        const until = await sandboxNow(sb, 1);
        const start = (client: Client, id: string) =>
          client.workflow.start(backfill, {
            taskQueue,
            workflowId: `backfill:${CONNECTION}:acme:${taskQueue}:${id}`,
            args: [{ connectionId: CONNECTION, workspace: 'acme', since: '2026-06-01T00:00:00Z', until }],
          });
        const { histories, failures } = await withWorker(
          workerOptions(services, taskQueue),
          async (client) => {
            const ok = await start(client, 'ok');
            const counters = await ok.result();
            expect(counters.records).toBeGreaterThan(100);
            await control(sb, 'POST', '/grants/revoke', {});
            const revoked = await start(client, 'revoked');
            const failures = [await failureOf(revoked)];
            const executions = await executionsOn(client, taskQueue, [ok.workflowId, revoked.workflowId]);
            expect(executions.length).toBeGreaterThan(2);
            const histories = await Promise.all(
              executions.map(({ workflowId, runId }) =>
                client.workflow.getHandle(workflowId, runId).fetchHistory(),
              ),
            );
            return { histories, failures };
          },
        );

        // The run did mint, fail and record what the scan is meant to cover.
        const secrets = issuedSecrets(sb);
        for (const [label, value] of keySecrets(services.secretKey)) secrets.set(label, value);
        const { accessTokens, refreshTokens, codes } = sb.grants.issuedSecrets();
        expect(accessTokens.length).toBeGreaterThan(10);
        expect(refreshTokens.length).toBeGreaterThan(10);
        expect(codes).toHaveLength(1);
        expect(fullText(failures[0])).toMatch(/AUTH/);
        expect((await control(sb, 'GET', '/stats')).json.faultsInjected.error).toBeGreaterThan(0);
        expect((await services.vault.status(CONNECTION)).status).toBe('reconnect_required');
        const [errors] = await db.query<{ n: number }>(
          `select count(*)::int as n from ${db.table('etl_meta', 'errors')}`,
        );
        expect(errors?.n).toBeGreaterThan(0);
        const [failedRun] = await db.query<{ detail: unknown }>(
          `select detail from ${db.table('etl_meta', 'runs')} where status = 'failed'`,
        );
        expect(fullText(failedRun?.detail)).toMatch(/reconnect|invalid_grant/);
        const [event] = await db.query<{ reason: string }>(
          `select reason from ${db.table('etl_meta', 'connection_events')} where to_status = 'reconnect_required'`,
        );
        expect(event?.reason).toMatch(/invalid_grant/);

        const places = {
          'our log lines': lines.join(''),
          'Temporal SDK log lines': sdkLog.mock.calls.map(fullText).join('\n'),
          'workflow histories': histories.map(historyText).join('\n'),
          'workflow failures': failures.map(fullText).join('\n'),
          'etl_meta tables': (await warehouseDump(db, ['etl_meta'])).text,
        };
        expect(lines.length).toBeGreaterThan(10);
        expect(sdkLog).toHaveBeenCalled();
        const leaks = Object.entries(places).flatMap(([place, text]) =>
          leakedIn(text, secrets).map((label) => `${label} in ${place}`),
        );
        expect(leaks).toEqual([]);
      }, 240_000);
    },
    ['pglite'],
  );
});
