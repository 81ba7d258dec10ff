// A peer, side by side on the same sandbox and the same Postgres: dlt with its generic REST API
// source, configured by us for the streams bbetl extracts (bench/peer/dlt_pipeline.py). dlt is
// installed from PyPI into a virtualenv beside the project's other tools on first use.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import type { PipelineBenchResult } from './pipeline';
import type { SandboxProcess } from './sandboxProcess';

const run = promisify(execFile);

export interface PeerBenchResult {
  tool: string;
  records: number;
  /** API requests the sandbox served to the peer. */
  requests: number;
  recordsPerRequest: number;
  /** dlt's pipeline.run: extract, normalize and load. */
  seconds: number;
  /** The Python process end to end (interpreter start and imports included). */
  processSeconds: number;
  recordsPerSecond: number;
  peakRssMb: number;
  tables: Record<string, number>;
  /** Requests the sandbox answered, by route pattern. */
  byRoute: Record<string, number>;
}

const script = fileURLToPath(new URL('./peer/dlt_pipeline.py', import.meta.url));
const DLT_REQUIREMENT = 'dlt[postgres]>=1.31,<2';

function venvDir(): string {
  const tools =
    process.env.BBETL_TOOLS_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'bbetl-tools');
  return join(tools, 'dlt-venv');
}

/** The venv's python with dlt importable, installing it first if needed; throws the reason if not. */
async function dltPython(): Promise<string> {
  const dir = venvDir();
  const python = join(dir, 'bin', 'python');
  const importable = () =>
    run(python, ['-c', 'import dlt']).then(
      () => true,
      () => false,
    );
  if (existsSync(python) && (await importable())) return python;
  const lastLine = (err: unknown) =>
    String((err as { stderr?: string }).stderr || (err as Error).message)
      .trim()
      .split('\n')
      .pop();
  try {
    await run('python3', ['-m', 'venv', dir]);
    await run(join(dir, 'bin', 'pip'), ['install', '--quiet', DLT_REQUIREMENT], { maxBuffer: 1 << 24 });
  } catch (err) {
    throw new Error(`could not install ${DLT_REQUIREMENT}: ${lastLine(err)}`);
  }
  if (!(await importable())) throw new Error(`${DLT_REQUIREMENT} installed but does not import`);
  return python;
}

/** Runs the peer once against the sandbox (its statistics reset first); throws if it cannot run. */
export async function benchPeer(sandbox: SandboxProcess): Promise<PeerBenchResult> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const python = await dltPython();
  const dataset = `bench_dlt_${process.pid}`;
  const workDir = mkdtempSync(join(tmpdir(), 'bbetl-bench-dlt-'));
  try {
    await sandbox.resetStats();
    const t0 = performance.now();
    const { stdout } = await run(python, [script], {
      env: {
        ...process.env,
        BBETL_PEER_API_URL: sandbox.urls.apiUrl,
        BBETL_PEER_TOKEN: await sandbox.accessToken(),
        BBETL_PEER_DATASET: dataset,
        BBETL_PEER_DIR: workDir,
        DATABASE_URL: url,
      },
      maxBuffer: 1 << 24,
    });
    const processSeconds = (performance.now() - t0) / 1000;
    const served = await sandbox.stats();
    const out = JSON.parse(stdout.trim().split('\n').pop() as string) as {
      dltVersion: string;
      records: number;
      tables: Record<string, number>;
      seconds: number;
      peakRssMb: number;
    };
    return {
      tool: `dlt ${out.dltVersion} (rest_api source)`,
      records: out.records,
      requests: served.requests,
      recordsPerRequest: Number((out.records / served.requests).toFixed(2)),
      seconds: out.seconds,
      processSeconds: Number(processSeconds.toFixed(1)),
      recordsPerSecond: Math.round(out.records / out.seconds),
      peakRssMb: out.peakRssMb,
      tables: out.tables,
      byRoute: served.byRoute,
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema if exists ${dataset} cascade`);
    await client.query(`drop schema if exists ${dataset}_staging cascade`);
    await client.end();
  }
}

/** Both sides of the comparison, bbetl's from the backfill that ran just before on the same sandbox. */
export interface PeerComparison {
  scale: string;
  bbetl: Pick<
    PipelineBenchResult,
    'records' | 'requests' | 'seconds' | 'recordsPerSecond' | 'workerPeakRssMb'
  >;
  dlt: PeerBenchResult;
}

export function comparePeer(ours: PipelineBenchResult, dlt: PeerBenchResult): PeerComparison {
  const { scale, records, requests, seconds, recordsPerSecond, workerPeakRssMb } = ours;
  return { scale, bbetl: { records, requests, seconds, recordsPerSecond, workerPeakRssMb }, dlt };
}

export function peerTable({ scale, bbetl, dlt }: PeerComparison): string {
  const rows: Array<[string, string | number, string | number]> = [
    ['records loaded', bbetl.records, dlt.records],
    ['requests (sandbox served)', bbetl.requests, dlt.requests],
    ['records per request', (bbetl.records / bbetl.requests).toFixed(2), dlt.recordsPerRequest],
    ['wall seconds', bbetl.seconds, `${dlt.seconds} (process ${dlt.processSeconds})`],
    ['records/s', bbetl.recordsPerSecond, dlt.recordsPerSecond],
    ['peak RSS MB', bbetl.workerPeakRssMb, dlt.peakRssMb],
  ];
  return [
    `## Peer, same sandbox (${scale}, seed 1) and same Postgres: bbetl vs ${dlt.tool}`,
    '',
    '| measure | bbetl (Temporal backfill) | dlt |',
    '|---|---|---|',
    ...rows.map(([name, a, b]) => `| ${name} | ${a} | ${b} |`),
    '',
  ].join('\n');
}
