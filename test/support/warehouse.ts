// Yields every warehouse engine this machine has, so one test body runs on each of them:
// PGlite always; Postgres when DATABASE_URL is set; BigQuery when the emulator is configured.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import type { WarehouseConfig } from '../../temporal.config';
import { type EngineName, openWarehouse, SCHEMAS, type WarehouseEngine } from '../../warehouse/engine';
import { migrate } from '../../warehouse/migrate';
import { needService } from './services';

declare module 'vitest' {
  export interface ProvidedContext {
    /** An initialised, empty PGlite data directory (globalSetup.ts): copy it, never open it. */
    pgliteTemplateDir: string;
  }
}

/** `dir` becomes an initialised PGlite data directory: a copy of the run's template, not a second initdb. */
export function copyPgliteTemplate(dir: string): string {
  cpSync(inject('pgliteTemplateDir'), dir, { recursive: true });
  return dir;
}

let prefixCounter = 0;
/** Each test gets its own schemas (BigQuery: datasets) on the shared servers. */
function uniquePrefix(): string {
  prefixCounter += 1;
  return `t${process.pid}_${prefixCounter}_`;
}

interface EngineCase {
  name: EngineName;
  available: boolean;
  howToFix: string;
  config: () => WarehouseConfig;
}

const ENGINE_CASES: EngineCase[] = [
  {
    name: 'pglite',
    available: true,
    howToFix: '',
    config: () => ({
      engine: 'pglite',
      dir: copyPgliteTemplate(mkdtempSync(join(tmpdir(), 'bbetl-pglite-'))),
    }),
  },
  {
    name: 'postgres',
    available: Boolean(process.env.DATABASE_URL),
    howToFix: 'set DATABASE_URL, e.g. by sourcing .tools/services.env after scripts/provision.sh',
    config: () => ({
      engine: 'postgres',
      url: process.env.DATABASE_URL as string,
      schemaPrefix: uniquePrefix(),
    }),
  },
  {
    name: 'bigquery',
    available: Boolean(process.env.BIGQUERY_API_ENDPOINT && process.env.BIGQUERY_PROJECT),
    howToFix:
      'set BIGQUERY_API_ENDPOINT and BIGQUERY_PROJECT to the emulator (scripts/provision.sh starts one)',
    config: () => ({
      engine: 'bigquery',
      project: process.env.BIGQUERY_PROJECT as string,
      datasetPrefix: uniquePrefix().replace(/_$/, ''),
      location: 'US',
      apiEndpoint: process.env.BIGQUERY_API_ENDPOINT,
    }),
  },
];

export interface WarehouseUnderTest {
  name: EngineName;
  config: WarehouseConfig;
  open: () => Promise<WarehouseEngine>;
  /** Removes what the test left behind: PGlite's directory, the test's schemas or datasets. */
  cleanup: (db?: WarehouseEngine) => Promise<void>;
}

/** `describe` once per available engine; absent engines print SKIPPED (or fail under REQUIRE_SERVICES=1). */
export function describeEachWarehouse(
  title: string,
  body: (engine: () => WarehouseUnderTest) => void,
  engines: EngineName[] = ['pglite', 'postgres', 'bigquery'],
): void {
  for (const c of ENGINE_CASES.filter((e) => engines.includes(e.name))) {
    const available = needService(
      c.name === 'bigquery' ? 'BigQuery emulator' : c.name,
      c.available,
      c.howToFix,
    );
    describe.skipIf(!available)(`${title} [${c.name}]`, () => {
      body(() => {
        const config = c.config();
        return {
          name: c.name,
          config,
          open: () => openWarehouse(config),
          cleanup: async (db) => {
            if (config.engine === 'pglite') rmSync(config.dir, { recursive: true, force: true });
            if (db && config.engine !== 'pglite') {
              for (const schema of SCHEMAS)
                await db.query(`drop schema if exists ${db.schemaRef(schema)} cascade`);
            }
          },
        };
      });
    });
  }
}

/**
 * `describe` once per SQL dialect, for a test of what the models compute. PGlite and Postgres run
 * the same compiled SQL (models branch on the dialect, never on the engine), so running both
 * repeats one check; the engines themselves (loads, state writes, locks) keep tests of their own
 * on all three. The Postgres dialect runs on Postgres when configured (the older version, 15
 * against PGlite's 17, and native: about half PGlite's CPU), otherwise on PGlite, so these tests
 * run on any machine.
 */
export function describeEachDialect(title: string, body: (engine: () => WarehouseUnderTest) => void): void {
  const postgres = ENGINE_CASES.some((e) => e.name === 'postgres' && e.available);
  describeEachWarehouse(title, body, [postgres ? 'postgres' : 'pglite', 'bigquery']);
}

/** A migrated warehouse for one describe block: filled in its beforeAll, read in tests and hooks. */
export interface MigratedWarehouse {
  wh: WarehouseUnderTest;
  db: WarehouseEngine;
}

/**
 * Opens the engine's warehouse and migrates it in a beforeAll; cleans it up and closes it in an
 * afterAll. Call it first in the describe body: hooks registered after it run after the migration,
 * and their afterAll before the cleanup.
 */
export function useMigratedWarehouse(
  engine: () => WarehouseUnderTest,
  timeouts: { setup?: number; cleanup?: number } = {},
): MigratedWarehouse {
  const fx = {} as MigratedWarehouse;
  beforeAll(async () => {
    fx.wh = engine();
    fx.db = await fx.wh.open();
    await migrate(fx.db);
  }, timeouts.setup);
  afterAll(async () => {
    await fx.wh?.cleanup(fx.db);
    await fx.db?.close();
  }, timeouts.cleanup);
  return fx;
}
