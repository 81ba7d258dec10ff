// The project exported as a dbt project builds the same marts with dbt itself: a sandbox's data is
// loaded and built by `bbetl transform`; `dbt build` (dbt-core 1.10 with dbt-postgres 1.9 and
// dbt-bigquery 1.10, installed by scripts/provision.sh) builds the exported project from the same
// raw tables into schemas (datasets) of its own; every model has the same rows both ways
// (bookkeeping columns apart), and every dbt test passes (the warnings are bbetl's). On Postgres
// (every test) and on the BigQuery emulator (the project's own tests; a fresh build: the emulator
// cannot parse the script dbt-bigquery's insert_overwrite runs on incremental builds). Both on the
// tiny sandbox.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitbucketClient } from '../../bitbucket/client';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import type { WarehouseConfig } from '../../temporal.config';
import { dbtProjectFiles, writeDbtProject } from '../../transforms/dbtExport';
import { loadProject, MODEL_LAYERS } from '../../transforms/project';
import { DEFAULT_PROJECT_DIR, runTransformProject, type TransformOutcome } from '../../transforms/service';
import { openWarehouse, type Schema, type WarehouseEngine } from '../../warehouse/engine';
import { sandboxTokens } from '../support/crawl';
import { crawlAndLoad } from '../support/crawlLoad';
import { modelRows } from '../support/modelSnapshots';
import { needService } from '../support/services';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

const DBT = process.env.DBT_PATH ?? '';
// The tiny sandbox already gives every model rows (over a thousand in the marts); DBT_TEST_SCALE=small
// compares more of them on Postgres.
const SCALE = (process.env.DBT_TEST_SCALE ?? 'tiny') as 'tiny' | 'small';
/** The generic tests dbt itself defines; the export adds unique_combination. */
const DBT_BUILTIN_TESTS = ['not_null', 'unique', 'accepted_values', 'relationships'];

describe('the dbt export', () => {
  it('refuses to write into a directory that is not an earlier export', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bbetl-dbt-'));
    try {
      writeFileSync(join(dir, 'dbt_project.yml'), 'name: mine\n');
      expect(() => writeDbtProject(dir, { 'models/x.sql': 'select 1' })).toThrow(
        'is not empty and not an earlier export',
      );
      expect(readFileSync(join(dir, 'dbt_project.yml'), 'utf8')).toBe('name: mine\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const dbtAvailable = needService(
  'dbt',
  existsSync(DBT),
  'set DBT_PATH to a dbt with dbt-postgres and dbt-bigquery (scripts/provision.sh installs dbt-core 1.10 with both)',
);

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

describeEachWarehouse(
  'the dbt export built by dbt',
  (engine) => {
    const fx = useMigratedWarehouse(engine);
    let sb: Sandbox;
    let dir: string;
    let bbetl: TransformOutcome;
    /** The warehouse as dbt's schemas (datasets) name it: bbetl's prefix, then `dbt_`. */
    let built: WarehouseEngine;
    const project = loadProject(DEFAULT_PROJECT_DIR);
    const prefixes = () => {
      const config = fx.wh.config;
      // BigQuery datasets are `<prefix>_<schema>`; Postgres schemas `<prefix><schema>`.
      const ours = config.engine === 'bigquery' ? `${config.datasetPrefix}_` : (config.schemaPrefix ?? '');
      return { ours, theirs: `${ours}dbt_` };
    };

    beforeAll(async () => {
      // The emulator takes seconds a model: always a tiny sandbox there.
      const scale = fx.db.dialect === 'bigquery' ? 'tiny' : SCALE;
      sb = await startSandbox({ scale, seed: 7, rateLimitPerHour: 100_000_000 });
      const client = new BitbucketClient({ apiUrl: sb.urls.apiUrl, tokens: sandboxTokens(sb) });
      await crawlAndLoad(fx.db, client, sb.urls.workspaces, { runId: 'r1', connectionId: 'c1' });
      bbetl = await runTransformProject(fx.db, { trigger: 'test', fullRefresh: true });
      dir = mkdtempSync(join(tmpdir(), 'bbetl-dbt-'));
      writeDbtProject(dir, dbtProjectFiles(project, '0.0.0-test'));
      const profile = dbtProfile(fx.wh.config, `${prefixes().theirs}default`);
      writeFileSync(
        join(dir, 'profiles.yml'),
        `bbetl:\n  target: test\n  outputs:\n    test: ${JSON.stringify(profile)}\n`,
      );
      const config = fx.wh.config;
      built = await openWarehouse(
        config.engine === 'bigquery'
          ? { ...config, datasetPrefix: `${config.datasetPrefix}_dbt` }
          : {
              ...(config as Extract<WarehouseConfig, { engine: 'postgres' }>),
              schemaPrefix: prefixes().theirs,
            },
      );
    }, 600_000);
    afterAll(async () => {
      await sb?.close();
      if (built) {
        for (const schema of [...MODEL_LAYERS, 'default'])
          await built
            .query(`drop schema if exists ${built.schemaRef(schema as Schema)} cascade`)
            .catch(() => {});
        await built.close();
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('builds every model with the rows bbetl builds, and every test passes', async () => {
      expect(bbetl.ok).toBe(true);
      const { ours, theirs } = prefixes();
      const vars = JSON.stringify({ bbetl_source_prefix: ours, bbetl_schema_prefix: theirs });
      // dbt's own generic tests are dbt's code, run on Postgres; on the emulator, where each is a
      // job of a second, only the project's own (unique_combination and the custom tests).
      const ownTestsOnly = fx.db.dialect === 'bigquery';
      const exclude = ownTestsOnly ? ['--exclude', ...DBT_BUILTIN_TESTS.map((t) => `test_name:${t}`)] : [];
      const expected = bbetl.results.tests.filter(
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
        .results as Array<{ unique_id: string; status: string }>;
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
        expect(rows, model.name).toEqual(await modelRows(fx.db, model.layer, model.name));
        if (model.layer === 'marts') martRows += rows.length;
      }
      expect(martRows).toBeGreaterThan(fx.db.dialect === 'bigquery' ? 100 : 1000);
    }, 900_000);
  },
  dbtAvailable ? ['postgres', 'bigquery'] : [],
);
