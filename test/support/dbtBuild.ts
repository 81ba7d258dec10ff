// The exported dbt project built by dbt itself (dbt-core 1.10 with dbt-postgres 1.9 and
// dbt-bigquery 1.10, installed by scripts/provision.sh) from the raw tables bbetl already
// transformed, into schemas (BigQuery: datasets) of its own: every model must have the rows bbetl
// built (bookkeeping columns apart) and every dbt test must pass (the warnings are bbetl's).
// Used by dbtExport.test.ts on Postgres and by bigqueryEndToEnd.test.ts on the emulator, which
// builds on the warehouse its backfill filled (no second crawl and bbetl build there).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { WarehouseConfig } from '../../temporal.config';
import { dbtProjectFiles, writeDbtProject } from '../../transforms/dbtExport';
import { loadProject, MODEL_LAYERS } from '../../transforms/project';
import { DEFAULT_PROJECT_DIR } from '../../transforms/service';
import { openWarehouse, type Schema, type WarehouseEngine } from '../../warehouse/engine';
import { modelRows } from './modelSnapshots';
import { needService } from './services';

const DBT = process.env.DBT_PATH ?? '';
/** The generic tests dbt itself defines; the export adds unique_combination. */
const DBT_BUILTIN_TESTS = ['not_null', 'unique', 'accepted_values', 'relationships'];

export const dbtAvailable = needService(
  'dbt',
  existsSync(DBT),
  'set DBT_PATH to a dbt with dbt-postgres and dbt-bigquery (scripts/provision.sh installs dbt-core 1.10 with both)',
);

/** A data test of bbetl's own run, as its results or the transform ledger give it. */
export interface BbetlTest {
  name: string;
  status: string;
}

/** The profile dbt builds with: the same server, schemas (BigQuery: datasets) of its own. */
function dbtProfile(config: WarehouseConfig, schema: string): Record<string, unknown> {
  if (config.engine === 'bigquery')
    // The emulator takes any token; dbt-bigquery then asks for none.
    return {
      type: 'bigquery',
      method: 'oauth-secrets',
      token: 'emulator',
      project: config.project,
      dataset: schema,
      api_endpoint: config.apiEndpoint,
      location: config.location,
      threads: 2,
      job_retries: 0,
    };
  const url = new URL(process.env.DATABASE_URL as string);
  return {
    type: 'postgres',
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    dbname: url.pathname.slice(1),
    schema,
    threads: 2,
  };
}

/**
 * Exports the project, builds it with dbt from `db`'s raw tables, and checks it against what
 * bbetl built in `db` (its data tests: `bbetlTests`). On BigQuery only the project's own tests
 * run (unique_combination and the custom ones): dbt's generic tests are dbt's code, checked on
 * Postgres, and on the emulator each is a job of a second. A fresh build on the emulator: it
 * cannot parse the script dbt-bigquery's insert_overwrite runs on incremental builds.
 */
export async function buildWithDbtAndCompare(
  db: WarehouseEngine,
  config: WarehouseConfig,
  bbetlTests: readonly BbetlTest[],
): Promise<void> {
  const project = loadProject(DEFAULT_PROJECT_DIR);
  // BigQuery datasets are `<prefix>_<schema>`; Postgres schemas `<prefix><schema>`. dbt's: `<ours>dbt_`.
  const ours = config.engine === 'bigquery' ? `${config.datasetPrefix}_` : (config.schemaPrefix ?? '');
  const theirs = `${ours}dbt_`;
  const dir = mkdtempSync(join(tmpdir(), 'bbetl-dbt-'));
  const built = await openWarehouse(
    config.engine === 'bigquery'
      ? { ...config, datasetPrefix: `${config.datasetPrefix}_dbt` }
      : { ...(config as Extract<WarehouseConfig, { engine: 'postgres' }>), schemaPrefix: theirs },
  );
  try {
    writeDbtProject(dir, dbtProjectFiles(project, '0.0.0-test'));
    const profile = dbtProfile(config, `${theirs}default`);
    writeFileSync(
      join(dir, 'profiles.yml'),
      `bbetl:\n  target: test\n  outputs:\n    test: ${JSON.stringify(profile)}\n`,
    );
    const vars = JSON.stringify({ bbetl_source_prefix: ours, bbetl_schema_prefix: theirs });
    const ownTestsOnly = db.dialect === 'bigquery';
    const exclude = ownTestsOnly ? ['--exclude', ...DBT_BUILTIN_TESTS.map((t) => `test_name:${t}`)] : [];
    const expected = bbetlTests.filter(
      (t) => !ownTestsOnly || !DBT_BUILTIN_TESTS.some((kind) => t.name.endsWith(`.${kind}`)),
    );
    const build = spawnSync(
      DBT,
      ['build', '--profiles-dir', dir, '--project-dir', dir, '--vars', vars, ...exclude],
      {
        encoding: 'utf8',
        env: { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' },
        timeout: 600_000,
      },
    );
    expect(build.status, `${build.stdout}\n${build.stderr}`.slice(-4000)).toBe(0);

    // Every dbt test passed; its warnings are the tests bbetl warns on.
    const results = JSON.parse(readFileSync(join(dir, 'target', 'run_results.json'), 'utf8'))
      .results as Array<{
      unique_id: string;
      status: string;
    }>;
    const tests = results.filter((r) => r.unique_id.startsWith('test.'));
    expect(tests.length).toBe(expected.length);
    if (ownTestsOnly) expect(tests.length).toBeGreaterThan(5);
    expect(tests.filter((t) => !['pass', 'warn'].includes(t.status))).toEqual([]);
    expect(tests.filter((t) => t.status === 'warn').length).toBe(
      expected.filter((t) => t.status === 'warn').length,
    );
    const models = results.filter((r) => r.unique_id.startsWith('model.'));
    expect(models.map((m) => m.status)).toEqual(models.map(() => 'success'));
    expect(models.length).toBe(project.models.size);

    // The same rows both ways, model by model (bookkeeping columns apart).
    let martRows = 0;
    for (const model of project.models.values()) {
      const rows = await modelRows(built, model.layer, model.name);
      expect(rows, model.name).toEqual(await modelRows(db, model.layer, model.name));
      if (model.layer === 'marts') martRows += rows.length;
    }
    expect(martRows).toBeGreaterThan(db.dialect === 'bigquery' ? 100 : 1000);
  } finally {
    for (const schema of [...MODEL_LAYERS, 'default'])
      await built.query(`drop schema if exists ${built.schemaRef(schema as Schema)} cascade`).catch(() => {});
    await built.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
