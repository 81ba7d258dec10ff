// Every incremental model (the staging models, int_source_events, and the daily models built by
// days) equals its full refresh, on every engine: raw tables from a tiny sandbox are built; then a
// month of changes, tombstones, rows of a second connection for keys the first holds (one older,
// one newer) and a late-arriving record dated long ago; an incremental build; then a full refresh:
// the rows are the same both ways (bookkeeping columns apart). Then the same after a record from
// before the first day, after a change to the identity map, and after a completed backfill starts a
// workspace's coverage. The incremental build read only what changed: a staging row edited by
// hand (and its event), whose raw record did not change, keeps the edit.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BitbucketClient } from '../../bitbucket/client';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { loadProject } from '../../transforms/project';
import { planRun, type RunOptions, runModels } from '../../transforms/run';
import { mapIdentity } from '../../warehouse/identityMap';
import { finishRun, startRun } from '../../warehouse/ledger';
import { loadRecords } from '../../warehouse/raw/load';
import { markDeleted } from '../../warehouse/raw/reconcile';
import { setSeatPrice } from '../../warehouse/seatPrices';
import { sandboxTokens } from '../support/crawl';
import { crawlAndLoad } from '../support/crawlLoad';
import { modelRows } from '../support/modelSnapshots';
import { type Account, account, commitPayload, SQL_DIR } from '../support/rawFixtures';
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
    // The models built by days (replace_where on `<date column> >= …`; the others replace the rows
    // of changed keys: int_user_activity per user, below, and fct_pull_requests per pull request).
    const windowed = [...planRun(fx.db, project).compiled.values()]
      .filter((m) => m.config.incrementalPredicates?.some((p) => / >= /.test(p)))
      .map((m) => m.name);
    expect(windowed).toEqual(expect.arrayContaining(['fct_seat_utilization_daily', 'fct_feature_adoption']));
    // On the BigQuery emulator (seconds per model) the event model, the staging models it reads,
    // one model built by days and the two built by key: the others are the same macros over
    // other sources.
    const tested =
      fx.db.dialect === 'bigquery'
        ? ['int_source_events', 'int_active_user_days', 'int_user_activity', 'fct_pull_requests']
        : incremental;
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
      return results;
    };
    // Model by model, so that a failure names the model and shows its differing rows.
    const expectSameRows = (actual: Record<string, string[]>, expected: Record<string, string[]>) => {
      expect(Object.keys(actual)).toEqual(Object.keys(expected));
      for (const name of Object.keys(expected)) expect(actual[name], name).toEqual(expected[name]);
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
    // A price for every seat, so that the seat-spend months sum every day they hold.
    await setSeatPrice(fx.db, {
      workspace: '*',
      amount: '10.00',
      currency: 'USD',
      effectiveFrom: '2000-01-01',
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
    // Tombstones, as a sync that no longer lists them: `record`, or the first (by key) of the
    // records of one parent with several: one repository's commits and one pull request's comments
    // (a change to a child record alone) here, the oldest pipeline run below.
    const tombstoneFirst = async (
      stream: string,
      record?: { record_key: string },
      at = '2026-12-01T01:00:00Z',
    ) => {
      const [parent] = await fx.db.query<{ parent_key: string }>(
        record
          ? `select parent_key from ${raw(stream)} where record_key = $1`
          : `select parent_key from ${raw(stream)} group by parent_key having count(*) > 1 order by parent_key limit 1`,
        record ? [record.record_key] : [],
      );
      const listed = await fx.db.query<{ record_key: string; workspace_uuid: string }>(
        `select record_key, workspace_uuid from ${raw(stream)} where parent_key = $1 order by record_key`,
        [parent?.parent_key],
      );
      const gone = record?.record_key ?? listed[0]?.record_key;
      const keep = listed.map((r) => r.record_key).filter((k) => k !== gone);
      const parentKey = parent?.parent_key;
      await markDeleted(fx.db, {
        stream,
        connectionId: 'c1',
        parentKey,
        keep,
        runId: 'r3',
        at,
      });
      return { parentKey, workspaceUuid: listed[0]?.workspace_uuid };
    };
    const repo = await tombstoneFirst('commits');
    await tombstoneFirst('pr_comments');
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
    // A record extracted now that happened long ago (weeks after the first build's first day), by
    // an author known only by e-mail.
    const [first] = await fx.db.query<{ at: unknown }>(
      `select min(occurred_at) as at from ${fx.db.table('intermediate', 'int_source_events')}`,
    );
    const firstDay = new Date(String((first?.at as { value?: unknown })?.value ?? first?.at));
    const lateCommit = async (
      sha: string,
      at: Date,
      runId: string,
      extractedAt: string,
      author: { raw: string; user?: Account } = { raw: 'Late Author <late@example.com>' },
    ) =>
      loadRecords(fx.db, {
        stream: 'commits',
        connectionId: 'c1',
        workspaceUuid: repo.workspaceUuid ?? null,
        runId,
        extractedAt,
        records: [
          {
            key: `${repo.parentKey}:${sha}`,
            parentKey: repo.parentKey,
            payload: commitPayload(sha, at.toISOString(), author.raw, author.user),
          },
        ],
      });
    await lateCommit(
      'late0001',
      new Date(firstDay.getTime() + 40 * 86_400_000),
      'r5',
      '2026-12-01T03:00:00Z',
    );

    // A staging row and an event edited by hand whose raw record did not change since the last
    // build: an incremental build does not read them again.
    const stgPrs = fx.db.table('staging', 'stg_pullrequests');
    const events = fx.db.table('intermediate', 'int_source_events');
    // (The event's author_raw, which no daily model reads: those rebuild the days of changes by
    // reading int_source_events again, hand edits included.)
    const [untouched] = await fx.db.query<{ record_key: string; title: string; author_raw: string | null }>(
      `select s.record_key, s.title, e.author_raw from ${stgPrs} s
       join ${raw('pullrequests')} r on r.record_key = s.record_key
       join ${events} e on e.event_key = 'pr_opened:' || s.record_key
       where r._run_id = 'r1' and s.record_key not in ($1, $2) order by s.record_key limit 1`,
      [older, newer],
    );
    expect(untouched).toBeDefined();
    const edit = async (title: string, authorRaw: string | null) => {
      await fx.db.query(`update ${stgPrs} set title = $1 where record_key = $2`, [
        title,
        untouched?.record_key,
      ]);
      // (BigQuery takes no untyped null parameter)
      await fx.db.query(
        `update ${events} set author_raw = ${authorRaw === null ? 'null' : '$2'} where event_key = $1`,
        authorRaw === null
          ? [`pr_opened:${untouched?.record_key}`]
          : [`pr_opened:${untouched?.record_key}`, authorRaw],
      );
    };
    await edit('edited by hand', 'edited by hand');

    const built = await build();
    const [kept] = await fx.db.query<{ title: string; author_raw: string }>(
      `select s.title, e.author_raw from ${stgPrs} s join ${events} e on e.event_key = 'pr_opened:' || s.record_key
       where s.record_key = $1`,
      [untouched?.record_key],
    );
    expect(kept).toEqual({ title: 'edited by hand', author_raw: 'edited by hand' });
    await edit(untouched?.title as string, untouched?.author_raw ?? null);
    const titles = await fx.db.query<{ record_key: string; title: string }>(
      `select record_key, title from ${stgPrs} where record_key in ($1, $2) order by record_key`,
      [older, newer],
    );
    expect(titles.find((t) => t.record_key === newer)?.title).toBe('seen by c2, newer');
    expect(titles.find((t) => t.record_key === older)?.title).not.toBe('seen by c2, older');

    // The daily models built incrementally rebuilt only the days the changes reach: rows of earlier
    // days keep the stamp of the first build. (Those whose seats, teams or access changed in the
    // month were built in full, and say why.)
    const byDays = built.filter((r) => windowed.includes(r.name) && r.build?.incremental).map((r) => r.name);
    // (On BigQuery a rebuilt table counts as changed, so int_identity_map, rebuilt from the new
    // commits, sends the daily models to a full build: test/transforms/freshness.test.ts shows
    // replace_where there.)
    if (fx.db.dialect !== 'bigquery')
      expect(byDays).toEqual(expect.arrayContaining(['int_active_user_days', 'fct_seat_utilization_daily']));
    for (const r of built.filter((r) => windowed.includes(r.name) && !r.build?.incremental))
      expect(r.build?.fullBecause, r.name).toMatch(/ changed$/);
    // (The seat-spend months are left out: this month of changes reaches back to the data's first
    // month, so every month is rebuilt.)
    for (const name of byDays.filter((n) => !n.endsWith('_monthly'))) {
      // (fct_pipeline_usage_daily, built from stg_pipelines' changes, keeps their stamp instead)
      const stamp = name === 'fct_pipeline_usage_daily' ? '_changed_at' : '_transformed_at';
      const [stamps] = await fx.db.query<{ n: unknown }>(
        `select count(distinct ${stamp}) as n from ${fx.db.table(layerOf(name), name)}`,
      );
      expect(Number(stamps?.n), name).toBe(2);
    }
    const afterIncremental = await snapshot();
    await build({ fullRefresh: true });
    expectSameRows(await snapshot(), afterIncremental);

    // A record from before the first day: the date spine starts earlier. With it, two commits of
    // one user (linked to the account, one from an address already linked to it, one without an
    // address, so the identity map stays as it is): the model built per user recomputes that user
    // alone. (Not on BigQuery, where the daily models are built in full after any rebuilt table:
    // nothing new to see there.)
    if (fx.db.dialect !== 'bigquery') {
      const activity = fx.db.table('intermediate', 'int_user_activity');
      const [someone] = await fx.db.query<{ user_uuid: string; author_email: string }>(
        `select m.user_uuid, m.author_email from ${fx.db.table('intermediate', 'int_identity_map')} m
         join ${activity} a on a.user_uuid = m.user_uuid and a.workspace_uuid = $1
         where m.resolution = 'email_match' order by m.author_email limit 1`,
        [repo.workspaceUuid],
      );
      const at = new Date(firstDay.getTime() + 45 * 86_400_000);
      const linked = (runId: string, extractedAt: string, uuid: string | undefined) =>
        lateCommit('late0004', at, runId, extractedAt, {
          raw: 'No Address',
          user: account(uuid as string, 'Any'),
        });
      await lateCommit('late0002', new Date('2019-05-01T09:00:00Z'), 'r6', '2026-12-02T00:00:00Z');
      await lateCommit('late0003', at, 'r6', '2026-12-02T00:00:00Z', {
        raw: `Someone <${someone?.author_email}>`,
        user: account(someone?.user_uuid as string, 'Someone'),
      });
      await linked('r6', '2026-12-02T00:00:00Z', someone?.user_uuid);
      // A pipeline run answered again without its creation time: the day it counted on is unknown,
      // so every day of fct_pipeline_usage_daily is rebuilt (and the run counts under a null day).
      const [run] = await fx.db.query<{ record_key: string; parent_key: string; payload: unknown }>(
        `select record_key, parent_key, payload from ${raw('pipelines')} where _deleted_at is null order by record_key limit 1`,
      );
      const { created_on: _dropped, ...undated } = asText(run?.payload);
      await loadRecords(fx.db, {
        stream: 'pipelines',
        connectionId: 'c1',
        workspaceUuid: repo.workspaceUuid ?? null,
        runId: 'r6',
        extractedAt: '2026-12-02T00:00:00Z',
        records: [{ key: run?.record_key as string, parentKey: run?.parent_key, payload: undated }],
      });
      const perUser = await build();
      expect(perUser.find((r) => r.name === 'fct_pipeline_usage_daily')?.build).toEqual({
        incremental: true,
      });
      expect(perUser.find((r) => r.name === 'int_user_activity')?.build).toEqual({ incremental: true });
      const rewritten = await fx.db.query<{ user_uuid: string }>(
        `select user_uuid from ${activity} where _transformed_at = (select max(_transformed_at) from ${activity})`,
      );
      expect(rewritten).toEqual([{ user_uuid: someone?.user_uuid }]);
      // The address-less commit then linked to another account: the account it left is recomputed
      // too, from the event's previous actor.
      const [other] = await fx.db.query<{ user_uuid: string }>(
        `select user_uuid from ${activity} where workspace_uuid = $1 and user_uuid <> $2 order by user_uuid limit 1`,
        [repo.workspaceUuid, someone?.user_uuid],
      );
      await linked('r6b', '2026-12-02T01:00:00Z', other?.user_uuid);
      const moved = await build();
      expect(moved.find((r) => r.name === 'int_user_activity')?.build).toEqual({ incremental: true });
      const afterEarlier = await snapshot();
      await build({ fullRefresh: true });
      expectSameRows(await snapshot(), afterEarlier);
    }

    // The identity map now names an author: the days of their every commit change (every day is
    // rebuilt, as the models' incremental_inputs say).
    await mapIdentity(fx.db, 'late@example.com', '{u-late}');
    // With it, the oldest pipeline run tombstoned: its day is before every other change's.
    const [oldestRun] = await fx.db.query<{ record_key: string }>(
      `select record_key from ${fx.db.table('staging', 'stg_pipelines')} where created_on is not null order by created_on, record_key limit 1`,
    );
    await tombstoneFirst('pipelines', oldestRun, '2026-12-03T00:00:00Z');
    await build();
    const afterIdentity = await snapshot();
    await build({ fullRefresh: true });
    expectSameRows(await snapshot(), afterIdentity);

    // A completed backfill recorded for a workspace: its coverage starts (int_workspace_coverage),
    // and the daily models that null activity before it are built in full. (Not on BigQuery, where
    // no model built here reads the coverage.)
    if (fx.db.dialect !== 'bigquery') {
      const [listed] = await fx.db.query<{ slug: string }>(
        `select slug from ${fx.db.table('staging', 'stg_workspaces')} where slug is not null order by slug limit 1`,
      );
      const since = new Date(firstDay.getTime() + 20 * 86_400_000).toISOString();
      await startRun(fx.db, {
        runId: 'r7',
        connectionId: 'c1',
        kind: 'backfill',
        workspace: listed?.slug,
        windowSince: since,
      });
      await finishRun(fx.db, { runId: 'r7', status: 'completed' });
      const covered = await build();
      expect(covered.find((r) => r.name === 'fct_seat_utilization_daily')?.build).toMatchObject({
        incremental: false,
        fullBecause: 'int_workspace_coverage changed',
      });
      const afterCoverage = await snapshot();
      await build({ fullRefresh: true });
      expectSameRows(await snapshot(), afterCoverage);
    }
  }, 300_000);
});
