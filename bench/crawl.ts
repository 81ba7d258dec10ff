// Raw records of a sandbox, crawled with the stream iterators (no Temporal), for the benchmarks
// that need a warehouse's input without measuring the extraction.
import type { BitbucketClient } from '../bitbucket/client';
import { STREAMS, type StreamName } from '../bitbucket/streams/catalog';
import { DEFAULT_STREAMS } from '../bitbucket/streams/plan';
import { crawlWorkspace, emptyStore } from '../test/support/crawl';
import type { RawRecord } from '../warehouse/raw/records';

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
