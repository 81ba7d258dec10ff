// Sandbox throughput and memory: how fast the emulator serves records to a client that pages
// through every stream at max pagelen, and how much memory it needs at each scale.
// Runs the sandbox as a child process (as in real use) and reads its peak RSS from /proc.
import { startSandboxProcess } from './sandboxProcess';

export interface SandboxBenchResult {
  scale: string;
  repositoriesCrawled: number;
  concurrency: number;
  requests: number;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  truthSeconds: number;
  truthRecords: number;
  peakRssMb: number;
}

export async function benchSandbox(
  scale: string,
  maxRepositories: number,
  concurrency = 4,
): Promise<SandboxBenchResult> {
  const sandbox = await startSandboxProcess(scale);
  const info = sandbox.urls;
  try {
    const access_token = await sandbox.accessToken();
    let requests = 0;
    let records = 0;
    const all = async (url: string): Promise<any[]> => {
      const out: any[] = [];
      for (let next: string | undefined = url; next; ) {
        const res = await fetch(next, { headers: { authorization: `Bearer ${access_token}` } });
        requests += 1;
        if (res.status !== 200) throw new Error(`${next}: ${res.status}`);
        const page = (await res.json()) as { values: any[]; next?: string };
        out.push(...page.values);
        records += page.values.length;
        next = page.next;
      }
      return out;
    };
    const t0 = performance.now();
    const repositories: Array<{ ws: string; slug: string }> = [];
    for (const ws of info.workspaces) {
      await all(`${info.apiUrl}/workspaces/${ws}/members?pagelen=100`);
      const repos = await all(`${info.apiUrl}/repositories/${ws}?pagelen=100`);
      repositories.push(...repos.map((r) => ({ ws, slug: r.slug as string })));
    }
    const queue = repositories.slice(0, maxRepositories);
    const crawled = queue.length;
    // Several repositories at once, as the extractor does: this measures the sandbox's capacity.
    const crawlNext = async (): Promise<void> => {
      for (let repo = queue.shift(); repo; repo = queue.shift()) {
        const base = `${info.apiUrl}/repositories/${repo.ws}/${repo.slug}`;
        await all(`${base}/commits?pagelen=100`);
        const prs = await all(
          `${base}/pullrequests?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50`,
        );
        for (const pr of prs) await all(`${base}/pullrequests/${pr.id}/activity?pagelen=50`);
        const pipelines = await all(`${base}/pipelines?pagelen=100`);
        for (const p of pipelines.slice(0, 200))
          await all(`${base}/pipelines/${encodeURIComponent(p.uuid)}/steps?pagelen=100`);
        await all(`${base}/deployments?pagelen=100`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, crawlNext));
    const seconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    let truthRecords = 0;
    for (const ws of info.workspaces) {
      const truth = (await (await fetch(`${info.controlUrl}/truth?workspace=${ws}`)).json()) as {
        counts: Record<string, number>;
      };
      truthRecords += Object.values(truth.counts).reduce((a, b) => a + b, 0);
    }
    return {
      scale,
      repositoriesCrawled: crawled,
      concurrency,
      requests,
      records,
      seconds: Number(seconds.toFixed(2)),
      recordsPerSecond: Math.round(records / seconds),
      truthSeconds: Number(((performance.now() - t1) / 1000).toFixed(2)),
      truthRecords,
      peakRssMb: sandbox.peakRssMb(),
    };
  } finally {
    sandbox.close();
  }
}
