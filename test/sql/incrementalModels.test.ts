// Every incremental model (the staging models and int_source_events) equals its full refresh, on
// every engine: raw tables from a tiny sandbox are built; then a month of changes, tombstones, rows
// of a second connection for keys the first holds (one older, one newer), a late-arriving record
// dated long ago and a changed identity map; an incremental build; then a full refresh: the rows
// are the same both ways. The incremental build read only what changed: a staging row edited by
// hand (and its event), whose raw record did not change, keeps the edit.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BitbucketClient } from '../../bitbucket/client';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { loadProject } from '../../transforms/project';
import { planRun, type RunOptions, runModels } from '../../transforms/run';
import { mapIdentity } from '../../warehouse/identityMap';
import { loadRecords } from '../../warehouse/raw/load';
import { markDeleted } from '../../warehouse/raw/reconcile';
import { sandboxTokens } from '../support/crawl';
import { crawlAndLoad } from '../support/crawlLoad';
import { modelRows } from '../support/modelSnapshots';
import { commitPayload, SQL_DIR } from '../support/rawFixtures';
import { describeEachWarehouse, useMigratedWarehouse } from '../support/warehouse';

// Loads here are minutes apart and never concurrent: no lookback needed.
const VARS = { incremental_lookback_minutes: 0 };

describeEachWarehouse('incremental models equal their full refresh', (engine) => {
  const fx = useMigratedWarehouse(engine);
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', seed: 19, rateLimitPerHour: 100_000_000 });
  });
  afterAll(async () => {
    await sb?.close();
  });

  it('after changes, tombstones, a second connection, late rows and a new identity: same rows both ways', async () => {
    const project = loadProject(SQL_DIR);
    const incremental = [...planRun(fx.db, project).compiled.values()]
      .filter((m) => m.config.materialized === 'incremental')
      .map((m) => m.name);
    expect(incremental).toEqual(
      expect.arrayContaining(['stg_pullrequests', 'stg_commits', 'int_source_events']),
    );
    // On the BigQuery emulator (seconds per model) the event model and the staging models it reads:
    // the other staging models are the same macro over other sources.
    const tested = fx.db.dialect === 'bigquery' ? ['int_source_events'] : incremental;
    const selection = tested.map((m) => `+${m}`);
    const snapshotted = planRun(fx.db, project, { select: selection }).order.filter((m) =>
      incremental.includes(m),
    );
    const layerOf = (name: string) => project.models.get(name)?.layer ?? 'staging';
    const build = async (options: RunOptions = {}) => {
      const results = await runModels(fx.db, project, {
        select: selection,
        vars: VARS,
        ...options,
      });
      expect(results.filter((r) => r.status !== 'success')).toEqual([]);
    };
    const snapshot = async () => {
      const out: Record<string, string[]> = {};
      for (const name of snapshotted) out[name] = await modelRows(fx.db, layerOf(name), name);
      return out;
    };
    const client = new BitbucketClient({ apiUrl: sb.urls.apiUrl, tokens: sandboxTokens(sb) });

    await crawlAndLoad(fx.db, client, sb.urls.workspaces, {
      runId: 'r1',
      connectionId: 'c1',
      extractedAt: '2026-11-01T00:00:00Z',
    });
    await build();

    // A month of work, loaded as the pipeline does (only changed records rewritten).
    sb.store.advance(30 * 86_400_000);
    await crawlAndLoad(fx.db, client, sb.urls.workspaces, {
      runId: 'r2',
      connectionId: 'c1',
      extractedAt: '2026-12-01T00:00:00Z',
    });
    const raw = (stream: string) => fx.db.table('raw_bitbucket', stream);
    // Tombstones: one repository's commits but one.
    const [repo] = await fx.db.query<{ parent_key: string }>(
      `select parent_key from ${raw('commits')} group by parent_key having count(*) > 1 order by parent_key limit 1`,
    );
    const commits = await fx.db.query<{ record_key: string; workspace_uuid: string; payload: unknown }>(
      `select record_key, workspace_uuid, payload from ${raw('commits')} where parent_key = $1 order by record_key`,
      [repo?.parent_key],
    );
    await markDeleted(fx.db, {
      stream: 'commits',
      connectionId: 'c1',
      parentKey: repo?.parent_key,
      keep: commits.slice(1).map((c) => c.record_key),
      runId: 'r3',
      at: '2026-12-01T01:00:00Z',
    });
    // A second connection sees two pull requests: one as it was before (it loses), one newer (it wins).
    const prs = await fx.db.query<{ record_key: string; parent_key: string; workspace_uuid: string }>(
      `select record_key, parent_key, workspace_uuid from ${raw('pullrequests')} order by record_key limit 2`,
    );
    const [older, newer] = prs.map((pr) => pr.record_key);
    const pr = async (key: string | undefined) =>
      (
        await fx.db.query<{ payload: unknown }>(
          `select payload from ${raw('pullrequests')} where record_key = $1`,
          [key],
        )
      )[0]?.payload as Record<string, unknown>;
    const asText = (p: unknown) => (typeof p === 'string' ? JSON.parse(p) : p) as Record<string, unknown>;
    await loadRecords(fx.db, {
      stream: 'pullrequests',
      connectionId: 'c2',
      workspaceUuid: prs[0]?.workspace_uuid ?? null,
      runId: 'r4',
      extractedAt: '2026-12-01T02:00:00Z',
      records: [
        {
          key: older as string,
          parentKey: prs[0]?.parent_key,
          updatedOn: '2020-01-01T00:00:00Z',
          payload: {
            ...asText(await pr(older)),
            title: 'seen by c2, older',
            updated_on: '2020-01-01T00:00:00Z',
          },
        },
        {
          key: newer as string,
          parentKey: prs[1]?.parent_key,
          updatedOn: '2027-01-01T00:00:00Z',
          payload: {
            ...asText(await pr(newer)),
            title: 'seen by c2, newer',
            updated_on: '2027-01-01T00:00:00Z',
          },
        },
      ],
    });
    // A record extracted now that happened long ago, by an author known only by e-mail, whom the
    // identity map now names.
    await loadRecords(fx.db, {
      stream: 'commits',
      connectionId: 'c1',
      workspaceUuid: commits[0]?.workspace_uuid ?? null,
      runId: 'r5',
      extractedAt: '2026-12-01T03:00:00Z',
      records: [
        {
          key: `${repo?.parent_key}:late0001`,
          parentKey: repo?.parent_key,
          payload: commitPayload('late0001', '2019-05-01T09:00:00Z', 'Late Author <late@example.com>'),
        },
      ],
    });
    await mapIdentity(fx.db, 'late@example.com', '{u-late}');

    // A staging row and an event edited by hand whose raw record did not change since the last
    // build: an incremental build does not read them again.
    const stgPrs = fx.db.table('staging', 'stg_pullrequests');
    const events = fx.db.table('intermediate', 'int_source_events');
    const [untouched] = await fx.db.query<{ record_key: string; title: string; actor_uuid: string }>(
      `select s.record_key, s.title, e.actor_uuid from ${stgPrs} s
       join ${raw('pullrequests')} r on r.record_key = s.record_key
       join ${events} e on e.event_key = 'pr_opened:' || s.record_key
       where r._run_id = 'r1' and s.record_key not in ($1, $2) order by s.record_key limit 1`,
      [older, newer],
    );
    expect(untouched).toBeDefined();
    const edit = async (title: string, actor: string) => {
      await fx.db.query(`update ${stgPrs} set title = $1 where record_key = $2`, [
        title,
        untouched?.record_key,
      ]);
      await fx.db.query(`update ${events} set actor_uuid = $1 where event_key = $2`, [
        actor,
        `pr_opened:${untouched?.record_key}`,
      ]);
    };
    await edit('edited by hand', '{edited-by-hand}');

    await build();
    const [kept] = await fx.db.query<{ title: string; actor_uuid: string }>(
      `select s.title, e.actor_uuid from ${stgPrs} s join ${events} e on e.event_key = 'pr_opened:' || s.record_key
       where s.record_key = $1`,
      [untouched?.record_key],
    );
    expect(kept).toEqual({ title: 'edited by hand', actor_uuid: '{edited-by-hand}' });
    await edit(untouched?.title as string, untouched?.actor_uuid as string);
    const titles = await fx.db.query<{ record_key: string; title: string }>(
      `select record_key, title from ${stgPrs} where record_key in ($1, $2) order by record_key`,
      [older, newer],
    );
    expect(titles.find((t) => t.record_key === newer)?.title).toBe('seen by c2, newer');
    expect(titles.find((t) => t.record_key === older)?.title).not.toBe('seen by c2, older');

    const afterIncremental = await snapshot();
    await build({ fullRefresh: true });
    expect(await snapshot()).toEqual(afterIncremental);
  }, 300_000);
});
