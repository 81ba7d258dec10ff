// API efficiency of a full extraction with the stream iterators alone (no loading): requests
// spent per record, against the minimum possible (see minimumRequests.ts).
import { BitbucketClient } from '../bitbucket/client';
import { DEFAULT_STREAMS } from '../bitbucket/streams/plan';
import { startSandbox } from '../sandbox/index';
import { crawlWorkspace, emptyStore, sandboxTokens } from '../test/support/crawl';
import { type ListSizes, minimumRequests } from './minimumRequests';

export interface ExtractBenchResult {
  scale: string;
  records: number;
  requests: number;
  minimumRequests: number;
  requestsPerRecord: number;
  ratioToMinimum: number;
  seconds: number;
  recordsPerSecond: number;
}

export async function benchExtract(
  scale: 'tiny' | 'small' | 'medium' | 'large',
): Promise<ExtractBenchResult> {
  const sb = await startSandbox({ scale, seed: 1, rateLimitPerHour: 100_000_000 });
  try {
    const client = new BitbucketClient({ apiUrl: sb.urls.apiUrl, tokens: sandboxTokens(sb) });
    const store = emptyStore();
    const t0 = performance.now();
    for (const ws of sb.urls.workspaces) await crawlWorkspace(client, store, ws, {}, DEFAULT_STREAMS);
    const seconds = (performance.now() - t0) / 1000;
    const lists: ListSizes = new Map();
    for (const [name, rows] of store) {
      const perParent = new Map<string | null, number>();
      for (const row of rows.values()) {
        const parent = row.parentKey ?? null;
        perParent.set(parent, (perParent.get(parent) ?? 0) + 1);
      }
      lists.set(name, perParent);
    }
    const records = [...store.values()].reduce((sum, rows) => sum + rows.size, 0);
    const minimum = minimumRequests(sb.urls.workspaces.length, lists, DEFAULT_STREAMS);
    return {
      scale,
      records,
      requests: client.stats.requests,
      minimumRequests: minimum,
      requestsPerRecord: Number((client.stats.requests / records).toFixed(4)),
      ratioToMinimum: Number((client.stats.requests / minimum).toFixed(3)),
      seconds: Number(seconds.toFixed(2)),
      recordsPerSecond: Math.round(records / seconds),
    };
  } finally {
    await sb.close();
  }
}
