// Raw records of a sandbox, crawled with the stream iterators (no Temporal) and, when asked,
// loaded with the raw loader: the warehouse's input for the benchmarks and the SQL tests that need
// realistic raw tables without running (or measuring) the extraction.
import type { BitbucketClient } from '../../bitbucket/client';
import { STREAMS, type StreamName } from '../../bitbucket/streams/catalog';
import { DEFAULT_STREAMS } from '../../bitbucket/streams/plan';
import type { WarehouseEngine } from '../../warehouse/engine';
import { loadRecords } from '../../warehouse/raw/load';
import type { RawRecord } from '../../warehouse/raw/records';
import { crawlWorkspace, emptyStore } from './crawl';

export interface CrawledStream {
  stream: StreamName;
  workspaceUuid: string;
  records: RawRecord[];
}

/** The streams a default run reads, of every workspace, one workspace at a time. */
export async function* crawledStreams(
  client: BitbucketClient,
  workspaces: readonly string[],
): AsyncGenerator<CrawledStream> {
  for (const slug of workspaces) {
    const { uuid } = await client.get<{ uuid: string }>(`/workspaces/${slug}`);
    const store = emptyStore();
    await crawlWorkspace(client, store, slug, {}, DEFAULT_STREAMS);
    for (const [stream, rows] of store) {
      const records = [...rows].map(([key, row]) => ({
        key,
        parentKey: row.parentKey,
        updatedOn: STREAMS[stream].updatedOn?.(row.payload),
        payload: row.payload,
      }));
      yield { stream, workspaceUuid: uuid, records };
    }
  }
}

const CHUNK = 2000;

/** Crawls every workspace and loads it; returns how many raw rows the load wrote or rewrote. */
export async function crawlAndLoad(
  db: WarehouseEngine,
  client: BitbucketClient,
  workspaces: readonly string[],
  load: { runId: string; connectionId: string; extractedAt?: string },
): Promise<number> {
  const extractedAt = load.extractedAt ?? new Date().toISOString();
  let written = 0;
  for await (const { stream, workspaceUuid, records } of crawledStreams(client, workspaces)) {
    for (let i = 0; i < records.length; i += CHUNK) {
      const loaded = await loadRecords(db, {
        stream,
        connectionId: load.connectionId,
        workspaceUuid,
        runId: load.runId,
        records: records.slice(i, i + CHUNK),
        extractedAt,
      });
      written += loaded.inserted + loaded.updated;
    }
  }
  return written;
}
