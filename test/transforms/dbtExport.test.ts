// The project exported as a dbt project builds the same marts with dbt itself: a small sandbox's
// data is loaded into Postgres and built by `bbetl transform`; `dbt build` (dbt-core 1.10 with
// dbt-postgres 1.9, installed by scripts/provision.sh) builds the exported project from the same
// raw tables into schemas of its own; every model has the same rows both ways (`except all`, both
// directions, bookkeeping columns apart), and every dbt test passes (the warnings are bbetl's).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitbucketClient } from '../../bitbucket/client';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { dbtProjectFiles, writeDbtProject } from '../../transforms/dbtExport';
import { loadProject, MODEL_LAYERS } from '../../transforms/project';
import { DEFAULT_PROJECT_DIR, runTransformProject, type TransformOutcome } from '../../transforms/service';
import { sandboxTokens } from '../support/crawl';
import { crawlAndLoad } from '../support/crawlLoad';
import { needService } from '../support/services';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

const DBT = process.env.DBT_PATH ?? '';
const SCALE = (process.env.DBT_TEST_SCALE ?? 'small') as 'tiny' | 'small';
/** Columns that say when a row was computed, not what it says (test/support/modelSnapshots.ts). */
const BOOKKEEPING = new Set(['_transformed_at', '_changed_at', 'previous_occurred_at']);

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
  'set DBT_PATH to a dbt with dbt-postgres (scripts/provision.sh installs dbt-core 1.10 and dbt-postgres 1.9)',
);

describeEachWarehouse(
  'the dbt export built by dbt',
  (engine) => {
    const fx = useMigratedWarehouse(engine);
    let sb: Sandbox;
    let dir: string;
    let bbetl: TransformOutcome;
    const prefix = () => (fx.wh.config as { schemaPrefix: string }).schemaPrefix;
    const dbtPrefix = () => `${prefix()}dbt_`;
    const project = loadProject(DEFAULT_PROJECT_DIR);

    beforeAll(async () => {
      sb = await startSandbox({ scale: SCALE, seed: 7, rateLimitPerHour: 100_000_000 });
      const client = new BitbucketClient({ apiUrl: sb.urls.apiUrl, tokens: sandboxTokens(sb) });
      await crawlAndLoad(fx.db, client, sb.urls.workspaces, { runId: 'r1', connectionId: 'c1' });
      bbetl = await runTransformProject(fx.db, { trigger: 'test', fullRefresh: true });
      dir = mkdtempSync(join(tmpdir(), 'bbetl-dbt-'));
      writeDbtProject(dir, dbtProjectFiles(project, '0.0.0-test'));
      const url = new URL(process.env.DATABASE_URL as string);
      const profile = {
        type: 'postgres',
        host: url.hostname,
        port: Number(url.port || 5432),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        dbname: url.pathname.slice(1),
        schema: `${dbtPrefix()}default`,
        threads: 2,
      };
      writeFileSync(
        join(dir, 'profiles.yml'),
        `bbetl:\n  target: test\n  outputs:\n    test: ${JSON.stringify(profile)}\n`,
      );
    }, 300_000);
    afterAll(async () => {
      await sb?.close();
      for (const schema of [...MODEL_LAYERS, 'default'])
        await fx.db?.query(`drop schema if exists "${dbtPrefix()}${schema}" cascade`);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('builds every model with the rows bbetl builds, and every test passes', async () => {
      expect(bbetl.ok).toBe(true);
      const vars = JSON.stringify({ bbetl_source_prefix: prefix(), bbetl_schema_prefix: dbtPrefix() });
      const build = spawnSync(DBT, ['build', '--profiles-dir', dir, '--project-dir', dir, '--vars', vars], {
        encoding: 'utf8',
        env: { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' },
        timeout: 600_000,
      });
      expect(build.status, `${build.stdout}\n${build.stderr}`.slice(-4000)).toBe(0);

      // Every dbt test passed; its warnings are the tests bbetl warns on.
      const results = JSON.parse(readFileSync(join(dir, 'target', 'run_results.json'), 'utf8'))
        .results as Array<{
        unique_id: string;
        status: string;
      }>;
      const tests = results.filter((r) => r.unique_id.startsWith('test.'));
      expect(tests.length).toBe(bbetl.results.tests.length);
      expect(tests.filter((t) => !['pass', 'warn'].includes(t.status))).toEqual([]);
      expect(tests.filter((t) => t.status === 'warn').length).toBe(
        bbetl.results.tests.filter((t) => t.status === 'warn').length,
      );
      const models = results.filter((r) => r.unique_id.startsWith('model.'));
      expect(models.map((m) => m.status)).toEqual(models.map(() => 'success'));
      expect(models.length).toBe(project.models.size);

      // The same rows both ways, model by model.
      const differing: Record<string, number> = {};
      let martRows = 0;
      for (const model of project.models.values()) {
        const ours = fx.db.table(model.layer, model.name);
        const theirs = `"${dbtPrefix()}${model.layer}"."${model.name}"`;
        const columns = (
          await fx.db.query<{ column_name: string }>(
            'select column_name from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position',
            [`${prefix()}${model.layer}`, model.name],
          )
        )
          .map((c) => c.column_name)
          .filter((c) => !BOOKKEEPING.has(c))
          .map((c) => `"${c}"`)
          .join(', ');
        const [diff] = await fx.db.query<{ n: unknown }>(
          `select count(*) as n from (
             (select ${columns} from ${ours} except all select ${columns} from ${theirs})
             union all
             (select ${columns} from ${theirs} except all select ${columns} from ${ours})
           ) d`,
        );
        differing[model.name] = Number(diff?.n);
        if (model.layer === 'marts')
          martRows += Number(
            (await fx.db.query<{ n: unknown }>(`select count(*) as n from ${theirs}`))[0]?.n,
          );
      }
      expect(Object.entries(differing).filter(([, n]) => n !== 0)).toEqual([]);
      expect(martRows).toBeGreaterThan(1000);
    }, 600_000);
  },
  dbtAvailable ? ['postgres'] : [],
);
