// The transforms over a realistic warehouse: the sandbox's data at a scale, crawled with the
// stream iterators and loaded with the raw loader (no Temporal: the raw tables are the same, and
// this measures the models, not the extraction). Then a full refresh, then, after the sandbox
// clock moves 7 days and a second load (only changed records are rewritten), an incremental run.
// Deletions are not reconciled in the second load (the pipeline does that; tests cover it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BitbucketClient } from '../bitbucket/client';
import { startSandbox } from '../sandbox/index';
import type { WarehouseConfig } from '../temporal.config';
import { sandboxTokens } from '../test/support/crawl';
import { runTransformProject, type TransformOutcome } from '../transforms/service';
import { openWarehouse, SCHEMAS, type WarehouseEngine } from '../warehouse/engine';
import { migrate } from '../warehouse/migrate';
import { loadRecords } from '../warehouse/raw/load';
import { crawledStreams } from './crawl';

export interface TransformBenchResult {
  engine: string;
  scale: string;
  rawRecords: number;
  models: number;
  dataTests: number;
  fullRefreshSeconds: number;
  /** Raw records the second load rewrote (new or changed after 7 days). */
  changedRecords: number;
  incrementalSeconds: number;
  /** The slowest models of the full refresh, with their seconds. */
  slowestModels: string;
}

const CHUNK = 2000;

/** Crawls every workspace and loads it; returns how many raw rows the load wrote or rewrote. */
async function crawlAndLoad(
  db: WarehouseEngine,
  client: BitbucketClient,
  workspaces: string[],
  runId: string,
) {
  const extractedAt = new Date().toISOString();
  let written = 0;
  for await (const { stream, workspaceUuid, records } of crawledStreams(client, workspaces)) {
    for (let i = 0; i < records.length; i += CHUNK) {
      const loaded = await loadRecords(db, {
        stream,
        connectionId: 'bench',
        workspaceUuid,
        runId,
        records: records.slice(i, i + CHUNK),
        extractedAt,
      });
      written += loaded.inserted + loaded.updated;
    }
  }
  return written;
}

async function timed(run: () => Promise<TransformOutcome>): Promise<[number, TransformOutcome]> {
  const t0 = performance.now();
  const outcome = await run();
  if (!outcome.ok) throw new Error(`transform run ${outcome.runId} failed; see etl_meta.transform_runs`);
  return [Number(((performance.now() - t0) / 1000).toFixed(1)), outcome];
}

export async function benchTransforms(
  scale: 'tiny' | 'small' | 'medium' | 'large',
  engine: 'pglite' | 'postgres',
): Promise<TransformBenchResult> {
  if (engine === 'postgres' && !process.env.DATABASE_URL)
    throw new Error('set DATABASE_URL for the Postgres run');
  const sb = await startSandbox({ scale, seed: 1, rateLimitPerHour: 100_000_000 });
  const dataDir = mkdtempSync(join(tmpdir(), 'bbetl-bench-transforms-'));
  const warehouse: WarehouseConfig =
    engine === 'pglite'
      ? { engine, dir: join(dataDir, 'pglite') }
      : { engine, url: process.env.DATABASE_URL as string, schemaPrefix: `bench_tf_${process.pid}_` };
  const db = await openWarehouse(warehouse);
  try {
    await migrate(db);
    const client = new BitbucketClient({ apiUrl: sb.urls.apiUrl, tokens: sandboxTokens(sb) });
    const rawRecords = await crawlAndLoad(db, client, sb.urls.workspaces, 'bench-1');
    const [fullRefreshSeconds, full] = await timed(() =>
      runTransformProject(db, { trigger: 'bench', fullRefresh: true }),
    );
    sb.store.advance(7 * 24 * 3_600_000);
    const changedRecords = await crawlAndLoad(db, client, sb.urls.workspaces, 'bench-2');
    const [incrementalSeconds] = await timed(() =>
      runTransformProject(db, { trigger: 'bench', vars: { incremental_lookback_minutes: 0 } }),
    );
    const slowest = [...full.results.models].sort((a, b) => b.ms - a.ms).slice(0, 4);
    return {
      engine,
      scale,
      rawRecords,
      models: full.results.models.length,
      dataTests: full.results.tests.length,
      fullRefreshSeconds,
      changedRecords,
      incrementalSeconds,
      slowestModels: slowest.map((m) => `${m.name} ${(m.ms / 1000).toFixed(1)}`).join(', '),
    };
  } finally {
    await sb.close();
    if (engine === 'postgres')
      for (const schema of SCHEMAS) await db.query(`drop schema if exists ${db.schemaRef(schema)} cascade`);
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
