// The metrics operators scrape: `bbetl worker --metrics-port` (a real worker process, the Temporal
// SDK's runtime metrics merged in) and the web app's /metrics, both behind METRICS_TOKEN, during and
// after a tiny backfill with a few 429s. What they count must equal what the run ledger, the raw
// tables, the transform ledger and the sandbox's own request counts say.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/net';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import type { Services } from '../../services/services';
import { openWarehouse, type WarehouseEngine } from '../../warehouse/engine';
import { RAW_STREAMS } from '../../warehouse/rawStreams';
import { backfill } from '../../workflows/backfill';
import { type Running, startBbetl } from '../cli/run';
import { acmeBackfill, CONNECTION, connect, pipelineEnv, pipelineServices } from '../support/pipeline';
import { control } from '../support/sandbox';
import { needService } from '../support/services';
import { temporalAddress, temporalAvailable, temporalClient, uniqueTaskQueue } from '../support/temporal';
import { startWebApp, type WebUnderTest } from '../support/web';

const TOKEN = randomBytes(24).toString('hex');
const postgresUrl = process.env.DATABASE_URL;

/** `name{labels} value` lines of a Prometheus text exposition; the labels as one object. */
function samples(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    out.push({ labels, value: Number(match[3]) });
  }
  return out;
}

/** The samples of `name` summed by one label. */
function sumBy(text: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { labels, value } of samples(text, name)) {
    const key = labels[label] as string;
    out[key] = (out[key] ?? 0) + value;
  }
  return out;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const withoutZeros = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

async function scrape(url: string, token?: string) {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/**
 * A database of the test's own on the Postgres server: the worker is the real `bbetl worker`, and a
 * real command knows no schema prefix, so the test's schemas cannot be told apart from others'.
 */
async function freshDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bbetl_metrics_${process.pid}_${Date.now()}`;
  const admin = await openWarehouse({ engine: 'postgres', url });
  await admin.query(`create database ${name}`);
  const own = new URL(url);
  own.pathname = `/${name}`;
  return {
    url: own.toString(),
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.close();
    },
  };
}

describe.skipIf(!temporalAvailable() || !needService('postgres', Boolean(postgresUrl), 'set DATABASE_URL'))(
  'metrics of the worker and the web app',
  () => {
    const taskQueue = uniqueTaskQueue('metrics');
    let sb: Sandbox;
    let database: Awaited<ReturnType<typeof freshDatabase>>;
    let db: WarehouseEngine;
    let services: Services;
    let worker: Running;
    let workerUrl: string;
    let web: WebUnderTest;
    let duringRun: { worker: number; web: number; webHeader: string | null };
    let workerText: string;
    let webText: string;

    beforeAll(async () => {
      // A few 429s in a row now and then: the 429s counted must be the ones the sandbox sent.
      sb = await startSandbox({
        scale: 'tiny',
        seed: 73,
        rateLimitPerHour: 1_000_000,
        faults: { burst429Rate: 0.01, burst429Length: 2 },
      });
      database = await freshDatabase(postgresUrl as string);
      db = await openWarehouse({ engine: 'postgres', url: database.url });
      services = await pipelineServices(sb, db);
      await connect(sb, services);
      const port = await freePort();
      workerUrl = `http://127.0.0.1:${port}/metrics`;
      const env = {
        ...pipelineEnv(sb),
        WAREHOUSE: 'postgres',
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_TASK_QUEUE: taskQueue,
        METRICS_TOKEN: TOKEN,
      };
      worker = startBbetl(['worker', '--metrics-port', String(port)], { ...process.env, ...env });
      const ready = worker.waitFor('worker polling task queue');
      web = await startWebApp(sb, db, { taskQueue, env: { METRICS_TOKEN: TOKEN } });
      await ready;

      const client = await temporalClient();
      try {
        const handle = await client.workflow.start(
          backfill,
          await acmeBackfill(sb, taskQueue, { windowDays: 3650 }),
        );
        // While it runs: both answer, and neither without the token.
        const [w, v] = await Promise.all([scrape(workerUrl), scrape(`${web.url}/metrics`)]);
        duringRun = { worker: w.status, web: v.status, webHeader: v.headers.get('www-authenticate') };
        await handle.result();
      } finally {
        await client.connection.close();
      }
      workerText = (await scrape(workerUrl, TOKEN)).text;
      webText = (await scrape(`${web.url}/metrics`, TOKEN)).text;
    }, 120_000);

    afterAll(async () => {
      if (worker && worker.child.exitCode === null) {
        worker.child.kill('SIGTERM');
        await worker.finished;
      }
      await web?.close();
      await sb?.close();
      await db?.close();
      await database?.drop();
    }, 60_000);

    it('asks for the bearer token: 401 with a challenge without it or with a wrong one', async () => {
      expect(duringRun).toEqual({ worker: 401, web: 401, webHeader: 'Bearer realm="bbetl metrics"' });
      const wrong = await scrape(`${web.url}/metrics`, 'not-the-token-at-all');
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe(
        'Bearer realm="bbetl metrics", error="invalid_token"',
      );
      expect((await scrape(workerUrl, 'not-the-token-at-all')).status).toBe(401);
      const right = await scrape(`${web.url}/metrics`, TOKEN);
      expect(right.status).toBe(200);
      expect(right.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    });

    it('has no /metrics in a web app without METRICS_TOKEN', async () => {
      const plain = await startWebApp(sb, db, { taskQueue });
      try {
        expect((await scrape(`${plain.url}/metrics`, TOKEN)).status).toBe(404);
      } finally {
        await plain.close();
      }
    });

    it('counts the requests the sandbox answered, by status, and its 429s', async () => {
      const stats = (await control(sb, 'GET', '/stats')).json;
      const byStatus = sumBy(workerText, 'bbetl_bitbucket_requests_total', 'status');
      expect(byStatus).toEqual(
        Object.fromEntries(Object.entries(stats.byStatus).map(([k, v]) => [k, Number(v)])),
      );
      expect(total(byStatus)).toBe(stats.requests);
      expect(stats.rateLimited).toBeGreaterThan(0);
      expect(total(sumBy(workerText, 'bbetl_bitbucket_rate_limited_total', 'stream'))).toBe(
        stats.rateLimited,
      );
      // Every request of the pipeline says which stream it read.
      expect(Object.keys(sumBy(workerText, 'bbetl_bitbucket_requests_total', 'stream'))).not.toContain(
        'none',
      );
    });

    it('counts what the run ledger counts: requests, 429s and records', async () => {
      const [ledger] = await db.query<{ requests: number; rate_limited: number; records: number }>(
        `select sum(requests) as requests, sum(rate_limited) as rate_limited, sum(records) as records
         from ${db.table('etl_meta', 'runs')} where status = 'completed'`,
      );
      expect(total(sumBy(workerText, 'bbetl_bitbucket_requests_total', 'stream'))).toBe(
        Number(ledger?.requests),
      );
      expect(total(sumBy(workerText, 'bbetl_bitbucket_rate_limited_total', 'stream'))).toBe(
        Number(ledger?.rate_limited),
      );
      expect(total(sumBy(workerText, 'bbetl_records_loaded_total', 'stream'))).toBe(Number(ledger?.records));
    });

    it('counts the records loaded per stream as the raw tables hold them for the run', async () => {
      const perStream: Record<string, number> = {};
      for (const stream of RAW_STREAMS) {
        const [row] = await db.query<{ n: number }>(
          `select count(*) as n from ${db.table('raw_bitbucket', stream)} r
           join ${db.table('etl_meta', 'runs')} l on l.run_id = r._run_id`,
        );
        perStream[stream] = Number(row?.n);
      }
      const loaded = sumBy(workerText, 'bbetl_records_loaded_total', 'stream');
      expect(withoutZeros(loaded)).toEqual(withoutZeros(perStream));
      const flushes = sumBy(workerText, 'bbetl_batch_flush_seconds_count', 'stream');
      for (const stream of Object.keys(withoutZeros(loaded)))
        expect(flushes[stream], stream).toBeGreaterThan(0);
    });

    it('counts the transform runs of the transform ledger, and the budget left', async () => {
      const [row] = await db.query<{ runs: number }>(
        `select count(distinct transform_run_id) as runs from ${db.table('etl_meta', 'transform_runs')}`,
      );
      expect(Number(row?.runs)).toBeGreaterThan(0);
      expect(sumBy(workerText, 'bbetl_transform_runs_total', 'outcome')).toEqual({ ok: Number(row?.runs) });
      expect(sumBy(workerText, 'bbetl_transform_run_seconds_count', 'outcome')).toEqual({
        ok: Number(row?.runs),
      });
      const [budget] = samples(workerText, 'bbetl_request_budget_remaining');
      expect(budget?.labels).toEqual({ consumer: sb.urls.clientId });
      expect(budget?.value).toBeGreaterThanOrEqual(0);
    });

    it('serves the Temporal SDK runtime metrics on the same port', () => {
      expect(samples(workerText, 'bbetl_temporal_metrics_up')).toEqual([{ labels: {}, value: 1 }]);
      expect(workerText).toMatch(/^temporal_\w+/m);
    });

    it('shows freshness and connection status from the ledger in both, and process metrics', () => {
      for (const text of [workerText, webText]) {
        const [fresh] = samples(text, 'bbetl_workspace_freshness_seconds');
        expect(fresh?.labels).toEqual({ connection: CONNECTION, workspace: 'acme' });
        expect(fresh?.value).toBeLessThan(300);
        const status = samples(text, 'bbetl_connection_status').filter((s) => s.value === 1);
        expect(status).toEqual([{ labels: { connection: CONNECTION, status: 'connected' }, value: 1 }]);
        expect(text).toMatch(/^process_cpu_seconds_total \d/m);
      }
    });
  },
);
