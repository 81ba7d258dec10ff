// The transforms over a realistic warehouse: the sandbox's data at a scale, crawled with the
// stream iterators and loaded with the raw loader (no Temporal: the raw tables are the same, and
// this measures the models, not the extraction). Then a full refresh, then, after the sandbox
// clock moves as far as changes about 1% of the raw records (CLOCK_ADVANCE_HOURS, the premise of
// issue 18's goal) and a second load (only changed records are rewritten), an incremental run.
// Deletions are not reconciled in the second load (the pipeline does that; tests cover it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BitbucketClient } from '../bitbucket/client';
import { startSandbox } from '../sandbox/index';
import type { WarehouseConfig } from '../temporal.config';
import { sandboxTokens } from '../test/support/crawl';
import { crawlAndLoad } from '../test/support/crawlLoad';
import { loadProject } from '../transforms/project';
import { DEFAULT_PROJECT_DIR, runTransformProject, type TransformOutcome } from '../transforms/service';
import { openWarehouse, SCHEMAS } from '../warehouse/engine';
import { migrate } from '../warehouse/migrate';
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
    const [fullRefreshSeconds, full] = await timed(() =>
      runTransformProject(db, { trigger: 'bench', fullRefresh: true }),
    );
    const clockAdvanceHours = CLOCK_ADVANCE_HOURS[scale];
    sb.store.advance(clockAdvanceHours * 3_600_000);
    const changedRecords = await crawlAndLoad(db, client, sb.urls.workspaces, {
      runId: 'bench-2',
      connectionId: 'bench',
    });
    const [incrementalSeconds, incremental] = await timed(() =>
      runTransformProject(db, { trigger: 'bench', vars: { incremental_lookback_minutes: 0 } }),
    );
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
    };
  } finally {
    await sb.close();
    if (engine === 'postgres')
      for (const schema of SCHEMAS) await db.query(`drop schema if exists ${db.schemaRef(schema)} cascade`);
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
