// API efficiency of a full extraction: requests spent per record, against the minimum possible
// (every list read once at its maximum pagelen: Σ over parents of max(1, ⌈records / pagelen⌉)).
import { BitbucketClient } from '../bitbucket/client';
import { STREAMS, type StreamName } from '../bitbucket/streams/catalog';
import { startSandbox } from '../sandbox/index';
import { crawlWorkspace, emptyStore, sandboxTokens } from '../test/support/crawl';

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

/** The parent kind whose members each own one list of the stream. */
const PARENT_OF: Record<StreamName, StreamName | 'root' | 'workspace'> = {
  workspaces: 'root',
  members: 'workspace',
  permissions: 'workspace',
  projects: 'workspace',
  repositories: 'workspace',
  branches: 'repositories',
  commits: 'repositories',
  pullrequests: 'repositories',
  pipelines: 'repositories',
  environments: 'repositories',
  deployments: 'repositories',
  pr_activity: 'pullrequests',
  pr_comments: 'pullrequests',
  pr_commits: 'pullrequests',
  pr_tasks: 'pullrequests',
  project_group_permissions: 'projects',
  project_user_permissions: 'projects',
  group_members: 'workspace',
  pipeline_steps: 'pipelines',
};

export async function benchExtract(
  scale: 'tiny' | 'small' | 'medium' | 'large',
): Promise<ExtractBenchResult> {
  const sb = await startSandbox({ scale, seed: 1, rateLimitPerHour: 100_000_000 });
  try {
    const client = new BitbucketClient({ apiUrl: sb.urls.apiUrl, tokens: sandboxTokens(sb) });
    const store = emptyStore();
    const t0 = performance.now();
    for (const ws of sb.urls.workspaces) await crawlWorkspace(client, store, ws, {});
    const seconds = (performance.now() - t0) / 1000;
    let records = 0;
    let minimum = sb.urls.workspaces.length; // GET /workspaces/{ws}, once each
    for (const name of Object.keys(STREAMS) as StreamName[]) {
      const rows = [...(store.get(name)?.values() ?? [])];
      records += rows.length;
      const perParent = new Map<string | undefined, number>();
      for (const row of rows) perParent.set(row.parentKey, (perParent.get(row.parentKey) ?? 0) + 1);
      const parentKind = PARENT_OF[name];
      const parents =
        parentKind === 'root'
          ? 1
          : parentKind === 'workspace'
            ? sb.urls.workspaces.length
            : (store.get(parentKind)?.size ?? 0);
      // An unpaged API 1.0 resource costs one request per parent, whatever it holds.
      if (STREAMS[name].legacy) {
        minimum += parents;
        continue;
      }
      const pagelen = STREAMS[name].maxPagelen;
      const pages = [...perParent.values()].reduce((sum, n) => sum + Math.ceil(n / pagelen), 0);
      // Parents whose list came back empty still cost one request each.
      minimum += pages + Math.max(0, parents - perParent.size);
    }
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
