// The Prometheus metrics of one bbetl process (a worker, or the web app with or without its
// worker), on prom-client: Node's process metrics, what the pipeline did (requests, 429s, budget
// left, records, batch writes, transform runs), and what the warehouse's ledger says now
// (freshness per workspace, connection status). The Temporal SDK serves its own runtime metrics on
// a port of its own; the exposition fetches that text and appends it, so one endpoint serves both.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchWritten } from '../activities/pageBatch';
import type { RequestObserver } from '../bitbucket/client';
import { CONNECTION_STATUSES } from '../lib/connectionStores';
import type { Logger } from '../lib/log';
import { connectionStatuses } from '../warehouse/connections';
import type { WarehouseEngine } from '../warehouse/engine';
import { lastSuccessfulSyncs } from '../warehouse/syncStatus';

/** How a transform run ended: built and tested, a model or an error-severity test failed, or it threw. */
export type TransformRunOutcome = 'ok' | 'failed' | 'error';

export interface MetricsAnswer {
  status: 200 | 401 | 500;
  headers: Record<string, string>;
  body: string;
}

export interface ProcessMetricsOptions {
  /** A scrape must send `Authorization: Bearer <token>`; unset: anyone may scrape. */
  bearerToken?: string;
  log: Logger;
}

/** How long one read of the ledger serves scrapes: freshness counts in minutes, and every read on BigQuery is a billed job. */
const LEDGER_READ_SERVES_MS = 30_000;

const CHALLENGE = 'Bearer realm="bbetl metrics"';

/** Constant-time: the token's digest against the header's, so a timing cannot spell the token out. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const sent = /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1];
  if (sent === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(sent), digest(token));
}

/** `read` once per `ttlMs`; callers meanwhile share the read in flight or its result. */
function cachedFor<T>(ttlMs: number, read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= ttlMs) {
      const value = read();
      last = { at: now, value };
      // A failed read is not kept: the next scrape reads again.
      value.catch(() => {
        if (last?.value === value) last = undefined;
      });
    }
    return last.value;
  };
}

export class ProcessMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];
  private readonly requests = new Counter({
    name: 'bbetl_bitbucket_requests_total',
    help: 'Requests to the Bitbucket API, by OAuth consumer, stream read and HTTP status (no_answer: timeout or connection failed); every retry counts',
    labelNames: ['consumer', 'stream', 'status'] as const,
    registers: this.registers,
  });
  private readonly rateLimited = new Counter({
    name: 'bbetl_bitbucket_rate_limited_total',
    help: 'Requests Bitbucket answered 429 (rate limited), by OAuth consumer and stream',
    labelNames: ['consumer', 'stream'] as const,
    registers: this.registers,
  });
  private readonly budgetRemaining = new Gauge({
    name: 'bbetl_request_budget_remaining',
    help: "Requests the OAuth consumer's budget let out at once after its last grant (its token bucket's whole tokens); 0 while requests queue on the budget",
    labelNames: ['consumer'] as const,
    registers: this.registers,
  });
  private readonly recordsLoaded = new Counter({
    name: 'bbetl_records_loaded_total',
    help: 'Records written to raw_bitbucket, by stream (a record read twice counts twice)',
    labelNames: ['stream'] as const,
    registers: this.registers,
  });
  private readonly recordsRejected = new Counter({
    name: 'bbetl_records_rejected_total',
    help: 'Records without a usable key, parked in etl_meta.errors, by stream',
    labelNames: ['stream'] as const,
    registers: this.registers,
  });
  private readonly flushSeconds = new Histogram({
    name: 'bbetl_batch_flush_seconds',
    help: "Time to write one stream's part of a batch of pages (records, checkpoint, rejects) to the warehouse",
    labelNames: ['stream'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: this.registers,
  });
  private readonly transformRuns = new Counter({
    name: 'bbetl_transform_runs_total',
    help: 'Transform runs this process ran, by outcome: ok, failed (a model or an error-severity test), error (the run itself threw)',
    labelNames: ['outcome'] as const,
    registers: this.registers,
  });
  private readonly transformSeconds = new Histogram({
    name: 'bbetl_transform_run_seconds',
    help: 'Time of a transform run (build and tests, not the wait for the lock), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: this.registers,
  });
  private temporal?: { url: string; up: Gauge };

  constructor(private readonly options: ProcessMetricsOptions) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The API client's observer, for the clients spending `consumer`'s budget. */
  requestObserver(consumer: string): RequestObserver {
    return ({ stream = 'none', status, rateLimited, budgetLeft }) => {
      this.requests.inc({ consumer, stream, status: status === undefined ? 'no_answer' : String(status) });
      if (rateLimited) this.rateLimited.inc({ consumer, stream });
      if (budgetLeft !== undefined) this.budgetRemaining.set({ consumer }, budgetLeft);
    };
  }

  batchWritten(written: BatchWritten): void {
    const { stream } = written;
    this.recordsLoaded.inc({ stream }, written.records);
    if (written.rejects > 0) this.recordsRejected.inc({ stream }, written.rejects);
    this.flushSeconds.observe({ stream }, written.seconds);
  }

  transformRun(outcome: TransformRunOutcome, seconds: number): void {
    this.transformRuns.inc({ outcome });
    this.transformSeconds.observe({ outcome }, seconds);
  }

  /** Freshness per workspace and the status of each connection, read from `db` at scrape time. */
  watchLedger(db: WarehouseEngine): void {
    const successes = cachedFor(LEDGER_READ_SERVES_MS, () => lastSuccessfulSyncs(db));
    const statuses = cachedFor(LEDGER_READ_SERVES_MS, () => connectionStatuses(db));
    const { registers } = this;
    new Gauge({
      name: 'bbetl_workspace_freshness_seconds',
      help: "Seconds since the workspace's last successful sync (its newest completed run in etl_meta.runs); +Inf before the first",
      labelNames: ['connection', 'workspace'],
      registers,
      async collect() {
        const rows = await successes();
        this.reset();
        const now = Date.now();
        for (const { connectionId, workspace, lastSuccessAt } of rows) {
          const age = lastSuccessAt ? Math.max(0, (now - lastSuccessAt.getTime()) / 1000) : Infinity;
          this.set({ connection: connectionId, workspace }, age);
        }
      },
    });
    new Gauge({
      name: 'bbetl_connection_status',
      help: 'Status of each Bitbucket connection (etl_meta.connections): 1 for its current status, 0 for the others',
      labelNames: ['connection', 'status'],
      registers,
      async collect() {
        const rows = await statuses();
        this.reset();
        for (const { id, status } of rows) {
          for (const each of new Set<string>([...CONNECTION_STATUSES, status]))
            this.set({ connection: id, status: each }, each === status ? 1 : 0);
        }
      },
    });
  }

  /**
   * The Temporal SDK's runtime serves its metrics at `url` (bound to 127.0.0.1 by the caller);
   * from now on every exposition appends them.
   */
  attachTemporalRuntime(url: string): void {
    const up = new Gauge({
      name: 'bbetl_temporal_metrics_up',
      help: "1 when the Temporal SDK's runtime metrics were read for this scrape, 0 when they could not be (see the log)",
      registers: this.registers,
    });
    this.temporal = { url, up };
  }

  /** What a scrape gets: every metric of this process in Prometheus's text format. */
  async exposition(): Promise<string> {
    const temporal = await this.temporalText();
    const ours = await this.registry.metrics();
    return temporal ? `${ours}${ours.endsWith('\n') ? '' : '\n'}${temporal}` : ours;
  }

  /** The answer to a scrape with this Authorization header (a 401 says how to authenticate). */
  async answer(authorization: string | undefined): Promise<MetricsAnswer> {
    const { bearerToken, log } = this.options;
    if (bearerToken !== undefined && !bearerMatches(authorization, bearerToken)) {
      // RFC 6750: a request without credentials gets the bare challenge, a wrong token its error code.
      const challenge = authorization ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE;
      return {
        status: 401,
        headers: { 'www-authenticate': challenge, 'content-type': 'text/plain; charset=utf-8' },
        body: 'metrics need the bearer token METRICS_TOKEN: send Authorization: Bearer <token>\n',
      };
    }
    try {
      return {
        status: 200,
        headers: { 'content-type': this.registry.contentType },
        body: await this.exposition(),
      };
    } catch (err) {
      log.error({ err }, 'metrics could not be collected');
      return {
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: 'metrics could not be collected; the reason is in the server log\n',
      };
    }
  }

  /** The SDK's text, or '' (with up = 0 and a warning) when its exporter does not answer. */
  private async temporalText(): Promise<string> {
    if (!this.temporal) return '';
    const { url, up } = this.temporal;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const text = await res.text();
      up.set(1);
      return text;
    } catch (err) {
      this.options.log.warn({ err, url }, "the Temporal SDK's runtime metrics could not be read");
      up.set(0);
      return '';
    }
  }
}
