// `npm run bench -- [--scale tiny|small|medium|large] [--only part,part…] [--repos N]
//   [--memory-repositories N] [--transform-runs N] [--note TEXT]`: prints Markdown tables and writes
// bench/results/<date>-<scale>.json (several runs on one day add to the day's file). Numbers, not
// pass/fail. Parts: sandbox, extract, pipeline-pglite, pipeline-postgres, peer, incremental, load,
// ratelimit, memory, requests, transforms-pglite, transforms-postgres, cli. The Postgres parts need DATABASE_URL
// (scripts/provision.sh writes it to .tools/services.env).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { benchCli } from './cli';
import { benchExtract } from './extract';
import { benchIncremental, CLOCK_ADVANCE_HOURS } from './incremental';
import { benchLoad } from './loadVsCopy';
import { benchPeer, comparePeer, peerTable } from './peer';
import { benchBackfill, closePipeline, type PipelineBenchResult, type Scale } from './pipeline';
import { benchRateLimited } from './rateLimited';
import { benchRequests, requestsTable } from './requests';
import { benchSandbox } from './sandbox';
import { benchTransforms } from './transforms';

const PARTS = [
  'sandbox',
  'extract',
  'pipeline-pglite',
  'pipeline-postgres',
  'peer',
  'incremental',
  'load',
  'ratelimit',
  'memory',
  'requests',
  'transforms-pglite',
  'transforms-postgres',
  'cli',
];
// The memory and requests parts are left out unless asked for: each repeats the backfill (the
// requests part twice, and the peer).
const DEFAULT_PARTS = PARTS.filter((p) => p !== 'memory' && p !== 'requests');

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: 'small' },
    repos: { type: 'string', default: '1000' },
    'memory-repositories': { type: 'string', default: '8' },
    // The transforms parts: how many times to measure the full refresh and the incremental run.
    'transform-runs': { type: 'string', default: '1' },
    only: { type: 'string' },
    note: { type: 'string' },
  },
  strict: true,
});
const scale = values.scale as Scale;
if (!['tiny', 'small', 'medium', 'large'].includes(scale)) {
  console.error(`--scale must be one of tiny, small, medium, large (got ${scale})`);
  process.exit(2);
}
const only = values.only?.split(',') ?? DEFAULT_PARTS;
const unknown = only.filter((p) => !PARTS.includes(p));
if (unknown.length > 0) {
  console.error(`--only: unknown part ${unknown.join(', ')} (parts: ${PARTS.join(', ')})`);
  process.exit(2);
}
const want = (part: string) => only.includes(part);
const wholeNumber = (flag: string, raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${flag} must be a whole number of at least 1 (got ${raw})`);
    process.exit(2);
  }
  return n;
};
const repos = wholeNumber('repos', values.repos as string);
const memoryRepositories = wholeNumber('memory-repositories', values['memory-repositories'] as string);
const transformRuns = wholeNumber('transform-runs', values['transform-runs'] as string);
const hasPostgres = Boolean(process.env.DATABASE_URL);

function table(title: string, result: object): string {
  const rows = Object.entries(result).map(
    ([k, v]) => `| ${k} | ${typeof v === 'object' ? JSON.stringify(v) : v} |`,
  );
  return [`## ${title}`, '', '| measure | value |', '|---|---|', ...rows, ''].join('\n');
}

function notRun(title: string, line: string): void {
  console.log(`## ${title}\n\n${line}\n`);
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

const results: Record<string, unknown> = {};
const loadAtStart = loadavg();

if (want('sandbox')) {
  results.sandbox = await benchSandbox(scale, repos);
  console.log(table('Sandbox (emulator throughput and memory)', results.sandbox as object));
}
if (want('extract')) {
  results.extract = await benchExtract(scale);
  console.log(table('Extraction API efficiency (stream iterators, in memory)', results.extract as object));
}
if (want('pipeline-pglite')) {
  const { result, pipeline } = await benchBackfill(scale, 'pglite');
  await closePipeline(pipeline);
  results['pipeline-pglite'] = result;
  console.log(table('Extract + load through Temporal into PGlite', result));
}

// The Postgres backfill is the headline, and the base of the peer and incremental comparisons
// (which report the backfill's numbers they compare with).
if (['pipeline-postgres', 'peer', 'incremental'].some(want)) {
  if (!hasPostgres) notRun('Extract + load into Postgres, peer, incremental', 'not run: set DATABASE_URL');
  else {
    const { result, pipeline } = await benchBackfill(scale, 'postgres');
    try {
      if (want('pipeline-postgres')) {
        results['pipeline-postgres'] = result;
        console.log(table('Extract + load through Temporal into Postgres', result));
      }
      if (want('peer')) {
        try {
          const comparison = comparePeer(result, await benchPeer(pipeline.sandbox));
          results.peer = comparison;
          console.log(peerTable(comparison));
        } catch (err) {
          results.peer = { notRun: errorText(err) };
          notRun('Peer: dlt', `peer not run: ${errorText(err)}`);
        }
      }
      if (want('incremental')) {
        results.incremental = await benchIncremental(pipeline, result, CLOCK_ADVANCE_HOURS[scale]);
        console.log(
          table(
            'Incremental sync after the clock moves, against the full backfill',
            results.incremental as object,
          ),
        );
      }
    } finally {
      await closePipeline(pipeline);
    }
  }
}
if (want('load')) {
  if (!hasPostgres) notRun('Load stage vs COPY', 'not run: set DATABASE_URL');
  else {
    results.load = await benchLoad(scale);
    console.log(
      table(
        'Load stage alone (Postgres): our loader vs COPY of the same NDJSON into jsonb',
        results.load as object,
      ),
    );
  }
}
if (want('ratelimit')) {
  results.ratelimit = await benchRateLimited(scale, hasPostgres ? 'postgres' : 'pglite');
  console.log(
    table('Rate-limited backfill (sandbox and bbetl on the same small budget)', results.ratelimit as object),
  );
}
if (want('memory')) {
  const engine = hasPostgres ? 'postgres' : 'pglite';
  const { result, pipeline } = await benchBackfill(scale, engine, memoryRepositories);
  await closePipeline(pipeline);
  results.memory = result;
}
if (want('requests')) {
  results.requests = await benchRequests(scale, hasPostgres ? 'postgres' : 'pglite');
  console.log(requestsTable(results.requests as Awaited<ReturnType<typeof benchRequests>>));
}
for (const engine of ['pglite', 'postgres'] as const) {
  if (!want(`transforms-${engine}`)) continue;
  if (engine === 'postgres' && !hasPostgres) {
    notRun('Transforms on postgres', 'not run: set DATABASE_URL');
    continue;
  }
  results[`transforms-${engine}`] = await benchTransforms(scale, engine, transformRuns);
  console.log(
    table(
      `Transforms on ${engine}: full refresh, then incremental`,
      results[`transforms-${engine}`] as object,
    ),
  );
}

if (want('cli')) {
  results.cli = benchCli();
  console.log(
    table('Brief bbetl commands on the embedded warehouse (median wall ms)', results.cli as object),
  );
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const today = new Date().toISOString().slice(0, 10);
const file = new URL(`./results/${today}-${scale}.json`, import.meta.url);
const earlier = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
// Timings depend on what else the machine was doing: the load average says how busy it was.
const conditions = {
  cpus: cpus().length,
  loadAverage1mAtStart: Number(loadAtStart[0]?.toFixed(2)),
  loadAverage1mAtEnd: Number(loadavg()[0]?.toFixed(2)),
  ...(values.note ? { note: values.note } : {}),
};
const parts = Object.fromEntries(
  Object.entries(results).map(([k, v]) => [k, { ...(v as object), conditions }]),
);
writeFileSync(
  file,
  `${JSON.stringify({ ...earlier, date: new Date().toISOString(), scale, ...parts }, null, 2)}\n`,
);
if (want('memory') || want('pipeline-postgres')) console.log(memoryTable(today));
console.log(`\nwritten: ${file.pathname}`);

/** Worker memory by scale, from today's results files (full backfills and stopped ones). */
function memoryTable(day: string): string {
  const dir = new URL('./results/', import.meta.url);
  const rows: string[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.startsWith(day) && f.endsWith('.json'))
    .sort()) {
    const saved = JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as Record<string, PipelineBenchResult>;
    for (const key of ['pipeline-postgres', 'memory']) {
      const r = saved[key];
      if (!r?.workerPeakRssMb) continue;
      const run = r.stoppedAfterRepositories ? `first ${r.repositories} repositories` : 'full backfill';
      rows.push(
        `| ${r.scale} | ${r.engine}, ${run} | ${r.records} | ${Math.round(r.records / Math.max(1, r.repositories))} | ${r.workerPeakRssMb} | ${r.workerStartupPeakRssMb} | ${r.sandboxPeakRssMb} |`,
      );
    }
  }
  return [
    '## Worker memory by scale (this process; the sandbox runs apart)',
    '',
    '| scale | run | records | records / repository | worker peak RSS MB while syncing | worker peak RSS MB at startup | sandbox peak RSS MB |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
