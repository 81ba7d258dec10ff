// The transforms over a realistic warehouse: the sandbox's data at a scale, crawled with the
// stream iterators and loaded with the raw loader (no Temporal: the raw tables are the same, and
// this measures the models, not the extraction). Then a full refresh, then, after the sandbox
// clock moves as far as changes about 1% of the raw records (CLOCK_ADVANCE_HOURS, the premise of
// issue 18's goal) and a second load (only changed records are rewritten), an incremental run.
// Deletions are not reconciled in the second load (the pipeline does that; tests cover it).
// With `runs` above 1 the pair is measured again that many times on the same data: the raw tables
// go back to the first load (the rows the second load replaced are kept aside), a full refresh,
// the second load's rows again, an incremental run. This machine's timings drift by a quarter from
// one run to the next; the medians of several, side by side, are what to compare.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BitbucketClient } from '../bitbucket/client';
import { median } from '../lib/median';
import { startSandbox } from '../sandbox/index';
import type { WarehouseConfig } from '../temporal.config';
import { sandboxTokens } from '../test/support/crawl';
import { crawlAndLoad } from '../test/support/crawlLoad';
import { loadProject } from '../transforms/project';
import { DEFAULT_PROJECT_DIR, runTransformProject, type TransformOutcome } from '../transforms/service';
import { openWarehouse, SCHEMAS, type WarehouseEngine } from '../warehouse/engine';
import { migrate } from '../warehouse/migrate';
import { RAW_STREAMS } from '../warehouse/rawStreams';
import { CLOCK_ADVANCE_HOURS } from './incremental';

export interface TransformBenchResult {
  engine: string;
  scale: string;
  rawRecords: number;
  models: number;
  dataTests: number;
  fullRefreshSeconds: number;
  /** Sandbox hours between the two loads. */
  clockAdvanceHours: number;
  /** Raw records the second load rewrote (new or changed in those hours), and their share of all. */
  changedRecords: number;
  changedShare: string;
  incrementalSeconds: number;
  /** The incremental run's time as a share of the full refresh's. */
  incrementalShare: string;
  /** The slowest models of the full refresh, with their seconds. */
  slowestModels: string;
  /** The slowest models of the incremental run, with their seconds. */
  incrementalSlowestModels: string;
  /** The incremental run: models left as they were (current), and incremental models built in full, with why. */
  incrementalCurrent: string;
  incrementalBuiltInFull: string;
  /** The slowest data tests of the incremental run, with their seconds. */
  incrementalSlowestTests: string;
  /** Where each run's time went: building each layer's models, and the data tests (while any ran). */
  fullRefreshByPart: Record<string, number>;
  incrementalByPart: Record<string, number>;
  /** With several runs: each run's full refresh and incremental seconds, and their medians. */
  runs?: {
    fullRefreshSeconds: number[];
    incrementalSeconds: number[];
    medianFullRefreshSeconds: number;
    medianIncrementalSeconds: number;
    /** The median of the runs' shares. */
    medianIncrementalShare: string;
  };
}

/**
 * Sets aside, in etl_meta, each raw table's rows that the second load is about to replace: all
 * rows now (`before`); after that load, the rows it wrote (`delta`). Then `toFirstLoad()` and
 * `toSecondLoad()` move the raw tables between the two states.
 */
function rawStates(db: WarehouseEngine) {
  const raw = (s: string) => db.table('raw_bitbucket', s);
  const kept = (s: string, state: 'before' | 'delta') => db.table('etl_meta', `bench_${state}_${s}`);
  const keys = (s: string) =>
    `(connection_id, record_key) in (select connection_id, record_key from ${kept(s, 'delta')})`;
  const each = async (sql: (s: string) => string[]) => {
    for (const s of RAW_STREAMS) for (const statement of sql(s)) await db.query(statement);
  };
  const replaceDelta = (from: 'before' | 'delta') =>
    each((s) => [
      `delete from ${raw(s)} where ${keys(s)}`,
      `insert into ${raw(s)} select * from ${kept(s, from)} where ${keys(s)}`,
    ]);
  return {
    keepFirstLoad: () => each((s) => [`create table ${kept(s, 'before')} as select * from ${raw(s)}`]),
    keepSecondLoad: (runId: string) =>
      each((s) => [`create table ${kept(s, 'delta')} as select * from ${raw(s)} where _run_id = '${runId}'`]),
    toFirstLoad: () => replaceDelta('before'),
    toSecondLoad: () => replaceDelta('delta'),
  };
}

/** Seconds spent building each layer's models and running the data tests. */
function byPart({ results }: TransformOutcome): Record<string, number> {
  const layers = loadProject(DEFAULT_PROJECT_DIR).models;
  const parts: Record<string, number> = {};
  const add = (part: string, ms: number) => {
    parts[part] = (parts[part] ?? 0) + ms;
  };
  for (const m of results.models) add(layers.get(m.name)?.layer ?? 'other', m.ms);
  // Tests run side by side: the time any of them was running, not the sum of their durations.
  let testsUntil = 0;
  for (const t of [...results.tests].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())) {
    const [start, end] = [t.startedAt.getTime(), t.startedAt.getTime() + t.ms];
    add('tests', Math.max(0, end - Math.max(start, testsUntil)));
    testsUntil = Math.max(testsUntil, end);
  }
  return Object.fromEntries(Object.entries(parts).map(([k, ms]) => [k, Number((ms / 1000).toFixed(1))]));
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
  runs = 1,
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
    const rawRecords = await crawlAndLoad(db, client, sb.urls.workspaces, {
      runId: 'bench-1',
      connectionId: 'bench',
    });
    const states = rawStates(db);
    if (runs > 1) await states.keepFirstLoad();
    const fullRefresh = () => timed(() => runTransformProject(db, { trigger: 'bench', fullRefresh: true }));
    const incrementalRun = () =>
      timed(() => runTransformProject(db, { trigger: 'bench', vars: { incremental_lookback_minutes: 0 } }));
    const [fullRefreshSeconds, full] = await fullRefresh();
    const clockAdvanceHours = CLOCK_ADVANCE_HOURS[scale];
    sb.store.advance(clockAdvanceHours * 3_600_000);
    const changedRecords = await crawlAndLoad(db, client, sb.urls.workspaces, {
      runId: 'bench-2',
      connectionId: 'bench',
    });
    const [incrementalSeconds, incremental] = await incrementalRun();
    const times = { full: [fullRefreshSeconds], incremental: [incrementalSeconds] };
    if (runs > 1) await states.keepSecondLoad('bench-2');
    // Each run must do the same work: the same models built (or current), into the same rows.
    const work = ({ results }: TransformOutcome) =>
      results.models.map((m) => `${m.name} ${m.status} ${m.rows}`).join(', ');
    for (let run = 2; run <= runs; run++) {
      await states.toFirstLoad();
      times.full.push((await fullRefresh())[0]);
      await states.toSecondLoad();
      const [seconds, again] = await incrementalRun();
      if (work(again) !== work(incremental))
        throw new Error(`incremental run ${run} did not repeat the first one's work: ${work(again)}`);
      times.incremental.push(seconds);
    }
    const shares = times.full.map((f, i) => (100 * (times.incremental[i] as number)) / f);
    const slowest = (outcome: TransformOutcome, n: number) =>
      [...outcome.results.models]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, n)
        .map((m) => `${m.name} ${(m.ms / 1000).toFixed(1)}`)
        .join(', ');
    return {
      engine,
      scale,
      rawRecords,
      models: full.results.models.length,
      dataTests: full.results.tests.length,
      fullRefreshSeconds,
      clockAdvanceHours,
      changedRecords,
      changedShare: `${((100 * changedRecords) / rawRecords).toFixed(2)}%`,
      incrementalSeconds,
      incrementalShare: `${((100 * incrementalSeconds) / fullRefreshSeconds).toFixed(0)}%`,
      slowestModels: slowest(full, 4),
      incrementalSlowestModels: slowest(incremental, 10),
      incrementalSlowestTests: [...incremental.results.tests]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 10)
        .map((t) => `${t.name} ${(t.ms / 1000).toFixed(2)}`)
        .join(', '),
      incrementalCurrent: incremental.results.models
        .filter((m) => m.status === 'current')
        .map((m) => m.name)
        .join(', '),
      incrementalBuiltInFull: incremental.results.models
        .filter((m) => m.build && !m.build.incremental)
        .map((m) => `${m.name} (${m.build?.fullBecause})`)
        .join(', '),
      fullRefreshByPart: byPart(full),
      incrementalByPart: byPart(incremental),
      ...(runs > 1
        ? {
            runs: {
              fullRefreshSeconds: times.full,
              incrementalSeconds: times.incremental,
              medianFullRefreshSeconds: Number(median(times.full)?.toFixed(2)),
              medianIncrementalSeconds: Number(median(times.incremental)?.toFixed(2)),
              medianIncrementalShare: `${median(shares)?.toFixed(0)}%`,
            },
          }
        : {}),
    };
  } finally {
    await sb.close();
    if (engine === 'postgres')
      for (const schema of SCHEMAS) await db.query(`drop schema if exists ${db.schemaRef(schema)} cascade`);
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
