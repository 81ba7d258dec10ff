// The project exported as a dbt project builds the same marts with dbt itself: a sandbox's data is
// loaded and built by `bbetl transform`, then dbt builds the exported project from the same raw
// tables (test/support/dbtBuild.ts). Here on Postgres, with every test, on the tiny sandbox;
// bigqueryEndToEnd.test.ts does the same on the BigQuery emulator.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitbucketClient } from '../../bitbucket/client';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { writeDbtProject } from '../../transforms/dbtExport';
import { runTransformProject, type TransformOutcome } from '../../transforms/service';
import { sandboxTokens } from '../support/crawl';
import { crawlAndLoad } from '../support/crawlLoad';
import { buildWithDbtAndCompare, dbtAvailable } from '../support/dbtBuild';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

// The tiny sandbox already gives every model rows (over a thousand in the marts); DBT_TEST_SCALE=small
// compares more of them.
const SCALE = (process.env.DBT_TEST_SCALE ?? 'tiny') as 'tiny' | 'small';

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

describeEachWarehouse(
  'the dbt export built by dbt',
  (engine) => {
    const fx = useMigratedWarehouse(engine);
    let sb: Sandbox;
    let bbetl: TransformOutcome;

    beforeAll(async () => {
      sb = await startSandbox({ scale: SCALE, seed: 7, rateLimitPerHour: 100_000_000 });
      const client = new BitbucketClient({ apiUrl: sb.urls.apiUrl, tokens: sandboxTokens(sb) });
      await crawlAndLoad(fx.db, client, sb.urls.workspaces, { runId: 'r1', connectionId: 'c1' });
      bbetl = await runTransformProject(fx.db, { trigger: 'test', fullRefresh: true });
    }, 600_000);
    afterAll(async () => {
      await sb?.close();
    });

    it('builds every model with the rows bbetl builds, and every test passes', async () => {
      expect(bbetl.ok).toBe(true);
      await buildWithDbtAndCompare(fx.db, fx.wh.config, bbetl.results.tests);
    }, 900_000);
  },
  // (BigQuery: bigqueryEndToEnd.test.ts builds the export on the warehouse its backfill filled.)
  dbtAvailable ? ['postgres'] : [],
);
