// The load stage alone against the physical limit, on Postgres: the sandbox's records, crawled
// once and written to an NDJSON file (one record a line), then
//   COPY   the file, as is, into a bare jsonb table (pg + pg-copy-streams): the floor;
//   ours   the same file read line by line into warehouse/raw/load.ts loadRecords, in batches of
//          a page (as the pipeline calls it: one page per call) and in batches of 5,000.
// Both timings cover the file to the committed table; ours includes parsing each line, staging
// (canonical JSON, sha256) and the upsert into the keyed raw table.
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline as pipe } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BitbucketClient } from '../bitbucket/client';
import { STREAMS, type StreamName } from '../bitbucket/streams/catalog';
import { startSandbox } from '../sandbox/index';
import { sandboxTokens } from '../test/support/crawl';
import { crawledStreams } from '../test/support/crawlLoad';
import { openWarehouse, SCHEMAS } from '../warehouse/engine';
import { migrate } from '../warehouse/migrate';
import { loadRecords } from '../warehouse/raw/load';
import type { RawRecord } from '../warehouse/raw/records';
import type { Scale } from './pipeline';

export interface LoadBenchResult {
  scale: string;
  records: number;
  ndjsonMb: number;
  copySeconds: number;
  copyRecordsPerSecond: number;
  loaderPageBatchesSeconds: number;
  loaderPageBatchesRecordsPerSecond: number;
  /** Our loader's time ÷ COPY's. */
  pageBatchesToCopy: number;
  loaderBatches5000Seconds: number;
  batches5000ToCopy: number;
}

interface Line {
  stream: StreamName;
  workspace_uuid: string;
  key: string;
  parent_key?: string;
  updated_on?: string;
  payload: unknown;
}

const seconds = (t0: number) => Number(((performance.now() - t0) / 1000).toFixed(2));

/** Crawls the sandbox into an NDJSON file; returns how many records it wrote. */
async function writeNdjson(scale: Scale, file: string): Promise<number> {
  const sb = await startSandbox({ scale, seed: 1, rateLimitPerHour: 100_000_000 });
  const out = createWriteStream(file);
  let records = 0;
  try {
    const client = new BitbucketClient({ apiUrl: sb.urls.apiUrl, tokens: sandboxTokens(sb) });
    for await (const { stream, workspaceUuid, records: rows } of crawledStreams(client, sb.urls.workspaces)) {
      for (const r of rows) {
        const line: Line = {
          stream,
          workspace_uuid: workspaceUuid,
          key: r.key,
          parent_key: r.parentKey,
          updated_on: r.updatedOn,
          payload: r.payload,
        };
        if (!out.write(`${JSON.stringify(line)}\n`))
          await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      records += rows.length;
    }
  } finally {
    await new Promise<void>((resolve) => out.end(() => resolve()));
    await sb.close();
  }
  return records;
}

async function copyIntoJsonb(url: string, file: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const schema = `bench_copy_${process.pid}`;
  try {
    await client.query(`create schema ${schema}`);
    await client.query(`create table ${schema}.ndjson (doc jsonb)`);
    const t0 = performance.now();
    // CSV with quote and delimiter bytes that JSON text never holds: each line is one field, verbatim.
    await pipe(
      createReadStream(file),
      client.query(
        copyFrom(
          `copy ${schema}.ndjson (doc) from stdin with (format csv, quote e'\\x01', delimiter e'\\x02')`,
        ),
      ),
    );
    return seconds(t0);
  } finally {
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}

/**
 * How records are grouped into loadRecords calls: `pages` cuts at every parent and at the
 * stream's maximum pagelen (one call per page, as the pipeline loads); `big` only at 5,000.
 */
type Batching = 'pages' | 'big';

function batchLimit(batching: Batching, stream: StreamName): number {
  if (batching === 'big') return 5000;
  // An unpaged (API 1.0) stream arrives in one answer: one call for all of it.
  return STREAMS[stream].maxPagelen || Number.POSITIVE_INFINITY;
}

function startsNewBatch(batching: Batching, previous: Line, line: Line): boolean {
  return (
    line.stream !== previous.stream ||
    line.workspace_uuid !== previous.workspace_uuid ||
    (batching === 'pages' && line.parent_key !== previous.parent_key)
  );
}

/** Loads the file with loadRecords; returns the seconds. */
async function loadWithOurLoader(url: string, file: string, batching: Batching): Promise<number> {
  const db = await openWarehouse({
    engine: 'postgres',
    url,
    schemaPrefix: `bench_load_${batching}_${process.pid}_`,
  });
  try {
    await migrate(db);
    const t0 = performance.now();
    let batch: RawRecord[] = [];
    let current: Line | undefined;
    const flush = async () => {
      if (!current || batch.length === 0) return;
      await loadRecords(db, {
        stream: current.stream,
        connectionId: 'bench',
        workspaceUuid: current.workspace_uuid,
        runId: 'bench-load',
        records: batch,
      });
      batch = [];
    };
    for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      const line = JSON.parse(text) as Line;
      if (current && startsNewBatch(batching, current, line)) await flush();
      current = line;
      batch.push({
        key: line.key,
        parentKey: line.parent_key,
        updatedOn: line.updated_on,
        payload: line.payload,
      });
      if (batch.length >= batchLimit(batching, line.stream)) await flush();
    }
    await flush();
    return seconds(t0);
  } finally {
    for (const schema of SCHEMAS) await db.query(`drop schema if exists ${db.schemaRef(schema)} cascade`);
    await db.close();
  }
}

export async function benchLoad(scale: Scale): Promise<LoadBenchResult> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('set DATABASE_URL for the load benchmark');
  const dir = mkdtempSync(join(tmpdir(), 'bbetl-bench-load-'));
  try {
    const file = join(dir, 'records.ndjson');
    const records = await writeNdjson(scale, file);
    const copySeconds = await copyIntoJsonb(url, file);
    const pageSeconds = await loadWithOurLoader(url, file, 'pages');
    const bigSeconds = await loadWithOurLoader(url, file, 'big');
    return {
      scale,
      records,
      ndjsonMb: Number((statSync(file).size / 1e6).toFixed(1)),
      copySeconds,
      copyRecordsPerSecond: Math.round(records / copySeconds),
      loaderPageBatchesSeconds: pageSeconds,
      loaderPageBatchesRecordsPerSecond: Math.round(records / pageSeconds),
      pageBatchesToCopy: Number((pageSeconds / copySeconds).toFixed(1)),
      loaderBatches5000Seconds: bigSeconds,
      batches5000ToCopy: Number((bigSeconds / copySeconds).toFixed(1)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
