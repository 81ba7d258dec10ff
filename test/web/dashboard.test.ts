// The dashboard over HTTP, on real data (a tiny sandbox backfilled through Temporal): every page
// shows the figures the marts hold (each test queries the marts itself and reads the page back),
// filters change them, seat spend is not set until a price is and then the spend marts' to the
// cent, the reclaimable-seat CSV is the table row for row, bad filters get a 400 that says what to
// fix, and an empty warehouse gets an empty state that says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBitbucketOAuth } from '../../bitbucket/auth/oauthClient';
import { toCsv } from '../../web/dashboard/csv';
import { addDays, weekStart } from '../../web/dashboard/days';
import { DEFAULT_CONNECTION } from '../../web/deps';
import { CONNECTION, usePipeline } from '../support/pipeline';
import { temporalAvailable, uniqueTaskQueue } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';
import { addTestUser, HttpSession, startWebApp, type WebUnderTest } from '../support/web';
import {
  HOSTILE_NAME,
  kpiText,
  martRows,
  sameFigure,
  sameMoney,
  setSeatPrices,
  signIn,
  tableOf,
  textOf,
  useDashboardData,
} from './dashboardFixture';

const PAGES = [
  ['/dashboard', 'Seat utilization'],
  ['/dashboard/reclaimable-seats', 'Reclaimable seats'],
  ['/dashboard/adoption', 'Feature adoption'],
  ['/dashboard/usage', 'Feature usage by user'],
  ['/dashboard/pull-requests', 'Pull-request flow'],
  ['/dashboard/pipelines', 'Pipeline minutes'],
  ['/dashboard/dora', 'DORA metrics'],
] as const;

/** The fields of an RFC 4180 CSV text (CRLF line ends), line by line. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  for (const [, value = '', end] of text.matchAll(/("(?:[^"]|"")*"|[^,\r\n]*)(,|\r\n|$)/g)) {
    row.push(value.startsWith('"') ? value.slice(1, -1).replace(/""/g, '"') : value);
    if (end === ',') continue;
    if (end === '\r\n' || row.some((cell) => cell !== '')) rows.push(row);
    row = [];
    if (end === '') break;
  }
  return rows;
}

describe('CSV export', () => {
  it('neutralizes text that a spreadsheet would run as a formula, and quotes what needs it', () => {
    const csv = toCsv({
      id: 't',
      caption: '',
      empty: '',
      columns: [
        { key: 'a', label: 'Name', format: 'text' },
        { key: 'b', label: 'Days', format: 'int' },
      ],
      rows: [
        { a: '=HYPERLINK("http://evil.example","x")', b: -3 },
        { a: '+1', b: null },
        { a: '-1', b: 0 },
        { a: '@SUM(A1)', b: 1 },
        { a: 'Lin, "the" tester', b: 2 },
      ],
    });
    expect(parseCsv(csv)).toEqual([
      ['Name', 'Days'],
      ['\'=HYPERLINK("http://evil.example","x")', '-3'],
      ["'+1", ''],
      ["'-1", '0'],
      ["'@SUM(A1)", '1'],
      ['Lin, "the" tester', '2'],
    ]);
  });
});

describe.skipIf(!temporalAvailable())('dashboard', () => {
  describeEachWarehouse(
    'dashboard on real data',
    (engine) => {
      const fx = useDashboardData(engine);
      let member: HttpSession;
      beforeAll(async () => {
        member = await signIn(fx.web, 'max');
      });
      const db = () => fx.pipeline.db;
      const page = async (path: string) => {
        const res = await member.request(path);
        expect(res.status, path).toBe(200);
        return res.text();
      };
      /** The default range: the 90 days ending at the data's last day. */
      const defaultFrom = () => addDays(fx.lastDay, -89);

      it('shows every page to a member and sends a signed-out visitor to sign in', async () => {
        for (const [path, title] of PAGES) {
          const html = await page(path);
          expect(html).toContain(`<h1>${title}</h1>`);
          expect(html).not.toContain('No data yet');
        }
        const visitor = new HttpSession(fx.web.url);
        for (const path of [...PAGES.map(([p]) => p), '/dashboard/reclaimable-seats.csv', '/glossary']) {
          const res = await visitor.request(`${path}?workspace=acme`);
          expect(res.status, path).toBe(302);
          expect(res.headers.get('location')).toBe(
            `/login?next=${encodeURIComponent(`${path}?workspace=acme`)}`,
          );
        }
      });

      it('seat utilization: the tiles and the day-by-day table are the mart’s figures', async () => {
        const html = await page('/dashboard');
        // the workspace by its name (from the members listing), its slug in small print
        const [ws] = await martRows(
          db(),
          'select workspace_name from {dim_workspaces} where workspace_uuid = $1',
          [fx.workspaceUuid],
        );
        expect(ws?.workspace_name).toEqual(expect.any(String));
        expect(html).toContain(`<p class="workspace-label">${ws?.workspace_name} <small>acme</small></p>`);
        expect(html).toContain(`>${ws?.workspace_name} (acme)</option>`);
        const [today] = await martRows(
          db(),
          `select seats, active_seats_30d, idle_seats_30d, seat_utilization_30d, active_users_30d
           from {fct_seat_utilization_daily} where workspace_uuid = $1 and date_day = cast($2 as date)`,
          [fx.workspaceUuid, fx.lastDay],
        );
        expect(today).toBeDefined();
        for (const [metric, value] of Object.entries(today ?? {}))
          expect(
            sameFigure(kpiText(html, metric), value),
            `${metric}: ${kpiText(html, metric)} vs ${value}`,
          ).toBe(true);
        const days = await martRows(
          db(),
          `select cast(date_day as text) as day, seats, active_seats_30d from {fct_seat_utilization_daily}
           where workspace_uuid = $1 and date_day between cast($2 as date) and cast($3 as date) order by date_day`,
          [fx.workspaceUuid, defaultFrom(), fx.lastDay],
        );
        expect(days.length).toBeGreaterThan(20);
        expect(tableOf(html, 'seats-series').rows.map((r) => [r[0], Number(r[1]), Number(r[2])])).toEqual(
          days.map((d) => [d.day, Number(d.seats), Number(d.active_seats_30d)]),
        );
        const teams = await martRows(db(), 'select team_key from {dim_teams} where workspace_uuid = $1', [
          fx.workspaceUuid,
        ]);
        expect(tableOf(html, 'teams').rows).toHaveLength(teams.length);
      });

      it('narrows seat utilization to a range, a team and a project', async () => {
        const [from, to] = [addDays(fx.lastDay, -9), addDays(fx.lastDay, -3)];
        const ranged = await page(`/dashboard?from=${from}&to=${to}`);
        const days = tableOf(ranged, 'seats-series').rows.map((r) => r[0]);
        expect(days).toEqual(Array.from({ length: 7 }, (_, i) => addDays(from, i)));
        const [onTo] = await martRows(
          db(),
          `select active_seats_30d from {fct_seat_utilization_daily}
           where workspace_uuid = $1 and date_day = cast($2 as date)`,
          [fx.workspaceUuid, to],
        );
        expect(sameFigure(kpiText(ranged, 'active_seats_30d'), onTo?.active_seats_30d)).toBe(true);

        const [team] = await martRows(
          db(),
          `select t.group_slug, u.seats, u.active_seats_30d, u.idle_seats_30d
           from {fct_team_utilization_daily} u join {dim_teams} t on t.team_key = u.team_key
           where u.date_day = cast($1 as date) order by u.seats desc, t.group_slug limit 1`,
          [fx.lastDay],
        );
        const teamHtml = await page(`/dashboard?team=${team?.group_slug}`);
        for (const metric of ['seats', 'active_seats_30d', 'idle_seats_30d'])
          expect(sameFigure(kpiText(teamHtml, metric), team?.[metric]), metric).toBe(true);
        expect(teamHtml).toContain(`<option value="${team?.group_slug}" selected>`);

        const [project] = await martRows(
          db(),
          `select project_key, seats_with_access, active_users_30d from {fct_project_utilization_daily}
           where date_day = cast($1 as date) order by active_users_30d desc, project_key limit 1`,
          [fx.lastDay],
        );
        const projectHtml = await page(`/dashboard?project=${project?.project_key}`);
        for (const metric of ['seats_with_access', 'active_users_30d'])
          expect(sameFigure(kpiText(projectHtml, metric), project?.[metric]), metric).toBe(true);
      });

      it('with no seat price, spend shows as not set (never 0) and the pages say how to set one', async () => {
        const months = await martRows(
          db(),
          `select count(*) as months, count(spend) as priced from {fct_seat_spend_monthly}
           where workspace_uuid = $1`,
          [fx.workspaceUuid],
        );
        expect(Number(months[0]?.months)).toBeGreaterThan(0);
        expect(Number(months[0]?.priced)).toBe(0);
        const html = await page('/dashboard');
        const hint = 'bbetl workspace price acme <amount> <currency>';
        for (const metric of ['spend', 'idle_seat_spend', 'could_save'])
          expect(kpiText(html, metric), metric).toBe('not set');
        expect(textOf(html)).toContain(hint);
        const table = tableOf(html, 'spend-months');
        expect(table.rows.length).toBeGreaterThan(0);
        for (const row of table.rows) expect(row.slice(4, 7)).toEqual(['not set', 'not set', 'not set']);
        // nothing to draw without a price
        expect(html).not.toContain('spend-chart');

        const reclaimable = await page('/dashboard/reclaimable-seats');
        const [seats] = await martRows(
          db(),
          'select count(*) as n, count(monthly_saving) as priced from {fct_reclaimable_seats} where workspace_uuid = $1',
          [fx.workspaceUuid],
        );
        expect(Number(seats?.n)).toBeGreaterThan(0);
        expect(Number(seats?.priced)).toBe(0);
        expect(kpiText(reclaimable, 'could_save')).toBe('not set');
        expect(textOf(reclaimable)).toContain(hint);
        expect(new Set(tableOf(reclaimable, 'reclaimable-seats').rows.map((r) => r[5]))).toEqual(
          new Set(['not set']),
        );
      });

      it('sends the old idle-seats addresses to the reclaimable seats, query and all', async () => {
        for (const [from, to] of [
          [
            '/dashboard/idle-seats?team=x&workspace=acme',
            '/dashboard/reclaimable-seats?team=x&workspace=acme',
          ],
          ['/dashboard/idle-seats', '/dashboard/reclaimable-seats'],
          ['/dashboard/idle-seats.csv?workspace=acme', '/dashboard/reclaimable-seats.csv?workspace=acme'],
        ] as const) {
          const res = await member.request(from);
          expect(res.status, from).toBe(301);
          expect(res.headers.get('location')).toBe(to);
        }
      });

      it('feature adoption: the last whole week’s shares are the mart’s', async () => {
        const html = await page('/dashboard/adoption');
        const [week] = await martRows(
          db(),
          `select cast(max(period_start) as text) as start from {fct_feature_adoption}
           where period = 'week' and period_start + 6 <= cast($1 as date)`,
          [fx.lastDay],
        );
        const shares = await martRows(
          db(),
          `select d.display_name, a.active_seats, a.share_of_seats
           from {fct_feature_adoption} a join {dim_features} d on d.feature = a.feature
           where a.period = 'week' and a.period_start = cast($1 as date) and a.workspace_uuid = $2`,
          [week?.start, fx.workspaceUuid],
        );
        expect(shares.some((s) => Number(s.share_of_seats) > 0)).toBe(true);
        const table = tableOf(html, 'adoption-latest');
        expect(table.rows).toHaveLength(shares.length);
        expect(html).toContain(`the week of ${week?.start}`);
        for (const s of shares) {
          const row = table.rows.find((r) => r[0] === s.display_name);
          expect(row, String(s.display_name)).toBeDefined();
          expect(sameFigure(row?.[2] ?? '', s.active_seats)).toBe(true);
          expect(sameFigure(row?.[4] ?? '', s.share_of_seats), `${s.display_name}: ${row?.[4]}`).toBe(true);
        }
        const monthly = await page('/dashboard/adoption?period=month');
        expect(monthly).toContain('by month');
      });

      it('usage by user: actions and users are fct_feature_usage_daily’s, narrowed by range and team', async () => {
        const totals = async (from: string, to: string, teamKey?: string) =>
          (
            await martRows(
              db(),
              `select sum(u.events) as events, count(distinct u.user_uuid) as users
               from {fct_feature_usage_daily} u
               ${teamKey ? 'join {bridge_user_teams} b on b.workspace_uuid = u.workspace_uuid and b.user_uuid = u.user_uuid and b.team_key = $4' : ''}
               where u.workspace_uuid = $1 and u.activity_date between cast($2 as date) and cast($3 as date)`,
              [fx.workspaceUuid, from, to, ...(teamKey ? [teamKey] : [])],
            )
          )[0];
        const all = await totals(defaultFrom(), fx.lastDay);
        const html = await page('/dashboard/usage');
        expect(sameFigure(kpiText(html, 'events'), all?.events)).toBe(true);
        expect(sameFigure(kpiText(html, 'active_users'), all?.users)).toBe(true);
        expect(tableOf(html, 'usage-users').rows).toHaveLength(Number(all?.users));

        // The sandbox's activity can end before the as-of date (the day of the last extraction).
        const [active] = await martRows(
          db(),
          'select cast(max(activity_date) as text) as d from {fct_feature_usage_daily}',
        );
        const [from, to] = [addDays(String(active?.d), -6), String(active?.d)];
        const week = await totals(from, to);
        expect(Number(week?.events)).toBeGreaterThan(0);
        expect(Number(week?.events)).toBeLessThan(Number(all?.events));
        const weekHtml = await page(`/dashboard/usage?from=${from}&to=${to}`);
        expect(sameFigure(kpiText(weekHtml, 'events'), week?.events)).toBe(true);
        expect(sameFigure(kpiText(weekHtml, 'active_users'), week?.users)).toBe(true);

        const [team] = await martRows(
          db(),
          'select team_key, group_slug from {dim_teams} order by members desc limit 1',
        );
        const teamTotals = await totals(defaultFrom(), fx.lastDay, String(team?.team_key));
        const teamHtml = await page(`/dashboard/usage?team=${team?.group_slug}`);
        expect(sameFigure(kpiText(teamHtml, 'events'), teamTotals?.events ?? 0)).toBe(true);
        expect(sameFigure(kpiText(teamHtml, 'active_users'), teamTotals?.users)).toBe(true);
      });

      it('pull-request flow: merged and opened counts and median hours are fct_pull_requests’', async () => {
        const stats = async (projectKey?: string) =>
          (
            await martRows(
              db(),
              `select count(*) filter (where p.state = 'MERGED' and p.merged_at >= $2 and p.merged_at < $3) as merged,
                 count(*) filter (where p.created_at >= $2 and p.created_at < $3) as opened,
                 percentile_cont(0.5) within group (order by p.cycle_hours)
                   filter (where p.state = 'MERGED' and p.merged_at >= $2 and p.merged_at < $3) as cycle,
                 percentile_cont(0.5) within group (order by p.pickup_hours)
                   filter (where p.state = 'MERGED' and p.merged_at >= $2 and p.merged_at < $3) as pickup
               from {fct_pull_requests} p join {dim_repositories} r on r.repository_uuid = p.repository_uuid
               where p.workspace_uuid = $1 ${projectKey ? 'and r.project_key = $4' : ''}`,
              [
                fx.workspaceUuid,
                `${defaultFrom()}T00:00:00Z`,
                `${addDays(fx.lastDay, 1)}T00:00:00Z`,
                ...(projectKey ? [projectKey] : []),
              ],
            )
          )[0];
        const all = await stats();
        expect(Number(all?.merged)).toBeGreaterThan(0);
        const html = await page('/dashboard/pull-requests');
        expect(sameFigure(kpiText(html, 'merged'), all?.merged)).toBe(true);
        expect(sameFigure(kpiText(html, 'opened'), all?.opened)).toBe(true);
        expect(sameFigure(kpiText(html, 'cycle_hours'), all?.cycle)).toBe(true);
        expect(sameFigure(kpiText(html, 'pickup_hours'), all?.pickup)).toBe(true);
        const weeks = tableOf(html, 'flow-weeks').rows;
        expect(weeks[0]?.[0]).toBe(weekStart(defaultFrom()));
        expect(weeks.reduce((n, r) => n + Number(r[1]), 0)).toBe(Number(all?.merged));

        const [project] = await martRows(
          db(),
          `select r.project_key from {fct_pull_requests} p join {dim_repositories} r on r.repository_uuid = p.repository_uuid
           where r.project_key is not null group by r.project_key order by count(*) limit 1`,
        );
        const inProject = await stats(String(project?.project_key));
        const projectHtml = await page(`/dashboard/pull-requests?project=${project?.project_key}`);
        expect(sameFigure(kpiText(projectHtml, 'merged'), inProject?.merged)).toBe(true);
      });

      it('pipeline minutes: totals per repository and trigger are the mart’s; a hostile name is text', async () => {
        const html = await page('/dashboard/pipelines');
        const byRepo = await martRows(
          db(),
          `select r.name, p.trigger_name, sum(p.runs) as runs, sum(p.build_minutes) as minutes
           from {fct_pipeline_usage_daily} p join {dim_repositories} r on r.repository_uuid = p.repository_uuid
           where p.workspace_uuid = $1 and p.run_date between cast($2 as date) and cast($3 as date)
           group by r.name, p.trigger_name`,
          [fx.workspaceUuid, defaultFrom(), fx.lastDay],
        );
        const sum = (key: string) => byRepo.reduce((n, r) => n + Number(r[key] ?? 0), 0);
        expect(sameFigure(kpiText(html, 'build_minutes'), sum('minutes'))).toBe(true);
        expect(sameFigure(kpiText(html, 'runs'), sum('runs'))).toBe(true);
        const table = tableOf(html, 'pipelines-runs');
        expect(table.rows).toHaveLength(byRepo.length);
        for (const r of byRepo) {
          // runs Bitbucket sent without a trigger are labelled as such
          const trigger = r.trigger_name ?? 'no trigger';
          const row = table.rows.find((cells) => cells[0] === r.name && cells[1] === trigger);
          expect(row, `${r.name} ${trigger}`).toBeDefined();
          expect(sameFigure(row?.[5] ?? '', r.minutes)).toBe(true);
        }
        // The hostile name is in the table as text, escaped in the markup, and `<` escaped in the chart data.
        expect(table.rows.some((cells) => cells[0] === HOSTILE_NAME)).toBe(true);
        expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
        expect(html).toContain('\\u003cscript>alert(1)\\u003c/script>');
        expect(html).not.toContain(HOSTILE_NAME);
      });

      it('DORA: the range’s figures come from fct_deployments, the months from fct_dora_monthly', async () => {
        const [range] = await martRows(
          db(),
          `select count(*) as deployments,
             count(*) filter (where is_failure)::float / nullif(count(*) filter (where completed_on is not null), 0) as cfr,
             percentile_cont(0.5) within group (order by lead_time_hours) as lead_time
           from {fct_deployments}
           where workspace_uuid = $1 and environment_type = 'Production'
             and coalesce(completed_on, started_on) >= $2 and coalesce(completed_on, started_on) < $3`,
          [fx.workspaceUuid, `${defaultFrom()}T00:00:00Z`, `${addDays(fx.lastDay, 1)}T00:00:00Z`],
        );
        const months = await martRows(
          db(),
          `select cast(month_start as text) as month, deployments, change_failure_rate from {fct_dora_monthly}
           where workspace_uuid = $1 and environment_type = 'Production'
             and month_start >= date_trunc('month', cast($2 as date))
           order by month_start`,
          [fx.workspaceUuid, defaultFrom()],
        );
        expect(Number(range?.deployments)).toBeGreaterThan(0);
        const html = await page('/dashboard/dora');
        expect(sameFigure(kpiText(html, 'deployments'), range?.deployments)).toBe(true);
        expect(sameFigure(kpiText(html, 'change_failure_rate'), range?.cfr)).toBe(true);
        expect(sameFigure(kpiText(html, 'median_lead_time_hours'), range?.lead_time)).toBe(true);
        const table = tableOf(html, 'dora-months').rows;
        expect(table.map((r) => [r[0], Number(r[1])])).toEqual(
          months.map((m) => [m.month, Number(m.deployments)]),
        );
        months.forEach((m, i) => {
          expect(sameFigure(table[i]?.[6] ?? '', m.change_failure_rate), String(m.month)).toBe(true);
        });
        const staging = await page('/dashboard/dora?environment=Staging');
        expect(staging).toContain('<option value="Staging" selected>');
      });

      it('links every figure to a definition the glossary has', async () => {
        const glossary = await page('/glossary');
        expect(glossary).toContain('id="fct_seat_utilization_daily.idle_seats_30d"');
        const anchors = new Set<string>();
        for (const [path] of PAGES)
          for (const m of (await page(path)).matchAll(/href="\/glossary#([^"]+)"/g))
            anchors.add(m[1] as string);
        expect(anchors.size).toBeGreaterThan(30);
        for (const anchor of anchors) expect(glossary, anchor).toContain(`id="${anchor}"`);
      });

      it('answers a bad filter with a 400 page that says what to fix', async () => {
        const cases: Array<[string, string]> = [
          ['/dashboard?from=2026-13-40', 'from "2026-13-40" is not a date: write it as YYYY-MM-DD'],
          ['/dashboard?to=yesterday', 'to "yesterday" is not a date'],
          ['/dashboard?workspace=nope', 'there is no workspace "nope" in the data; use one of acme'],
          [
            '/dashboard?from=2026-05-02&to=2026-05-01',
            'from (2026-05-02) is after to (2026-05-01); swap them',
          ],
          ['/dashboard?team=nope', 'there is no team "nope" in workspace acme; use one of'],
          ['/dashboard/pipelines?project=NOPE', 'there is no project "NOPE" in workspace acme'],
          ['/dashboard?team=x&project=y', 'choose a team or a project, not both'],
          ['/dashboard/adoption?period=year', 'period: write one of week, month'],
          ['/dashboard/dora?environment=prod', 'environment: write one of Production, Staging, Test'],
          ['/dashboard?from=2026-01-01&from=2026-02-01', 'from: give it once'],
          ['/dashboard/reclaimable-seats.csv?workspace=nope', 'there is no workspace "nope"'],
        ];
        for (const [path, message] of cases) {
          const res = await member.request(path);
          expect(res.status, path).toBe(400);
          expect(textOf(await res.text()), path).toContain(message);
        }
        const hostile = await (await member.request('/dashboard?workspace=<b>x</b>')).text();
        expect(hostile).toContain('&lt;b&gt;x&lt;/b&gt;');
        expect(hostile).not.toContain('<b>x</b>');
      });

      // Last in the block: the prices stay set for whatever runs after.
      describe('with a seat price', () => {
        /** A price change inside the range, so a month is prorated across two prices. */
        const changeDay = () => addDays(fx.lastDay, -40);
        beforeAll(async () => {
          await setSeatPrices(db(), [
            { workspace: 'acme', amount: '19.5', currency: 'EUR', effectiveFrom: '2024-01-01' },
            { workspace: 'acme', amount: '23.25', currency: 'eur', effectiveFrom: changeDay() },
          ]);
        }, 120_000);

        /** The months of a spend mart the page shows for the default range, as the page writes them. */
        const spendMonths = (mart: string, key: string, value: string) =>
          martRows(
            db(),
            `select to_char(month_start, 'YYYY-MM') as month, paid_seats, active_seats, idle_seats, seat_price,
               spend, idle_seat_spend, currency
             from {${mart}}
             where ${key} = $1 and month_start >= date_trunc('month', cast($2 as date)) and month_start <= cast($3 as date)
             order by month_start`,
            [value, defaultFrom(), fx.lastDay],
          );
        const sameMonths = (shown: string[][], months: Record<string, unknown>[]) => {
          expect(shown.map((r) => r[0])).toEqual(months.map((m) => m.month));
          months.forEach((m, i) => {
            const row = shown[i] ?? [];
            // the figures in the query's column order, the page's too: paid seats … idle-seat spend
            const figures = Object.keys(m).filter((k) => k !== 'month' && k !== 'currency');
            expect(figures).toHaveLength(6);
            figures.forEach((column, c) => {
              const cell = row[c + 1] ?? '';
              expect(sameMoney(cell, m[column]), `${m.month} ${column}: ${cell} vs ${m[column]}`).toBe(true);
            });
            expect(row[7]).toBe(m.currency);
          });
        };
        /** The reclaimable seats' monthly amounts, summed by the database. */
        const saving = async (join = '', params: unknown[] = []) =>
          (
            await martRows(
              db(),
              `select sum(s.monthly_saving) as amount, count(*) as seats from {fct_reclaimable_seats} s ${join}
               where s.workspace_uuid = $1`,
              [fx.workspaceUuid, ...params],
            )
          )[0];

        it('seats: spend, idle-seat spend and the months are fct_seat_spend_monthly’s, the saving fct_reclaimable_seats’', async () => {
          const months = await spendMonths('fct_seat_spend_monthly', 'workspace_uuid', fx.workspaceUuid);
          expect(months.length).toBeGreaterThan(1);
          expect(months.every((m) => m.spend !== null && m.currency === 'EUR')).toBe(true);
          // the change day's month is prorated: neither price times the paid seats
          expect(months.map((m) => Number(m.seat_price))).toContain(23.25);
          const html = await page('/dashboard');
          const last = months.at(-1);
          expect(sameMoney(kpiText(html, 'spend'), last?.spend), kpiText(html, 'spend')).toBe(true);
          expect(sameMoney(kpiText(html, 'idle_seat_spend'), last?.idle_seat_spend)).toBe(true);
          sameMonths(tableOf(html, 'spend-months').rows, months);
          const all = await saving();
          expect(Number(all?.seats)).toBeGreaterThan(0);
          expect(sameMoney(kpiText(html, 'could_save'), all?.amount), kpiText(html, 'could_save')).toBe(true);
          expect(textOf(html)).not.toContain('bbetl workspace price');
          expect(html).toContain('id="spend-chart-data"');
        });

        it('seats for a team: its members’ spend is fct_team_seat_spend_monthly’s, its saving its members’', async () => {
          const [team] = await martRows(
            db(),
            `select t.team_key, t.group_slug from {dim_teams} t
             where t.workspace_uuid = $1 and exists (select 1 from {fct_team_seat_spend_monthly} m where m.team_key = t.team_key)
             order by t.members desc, t.group_slug limit 1`,
            [fx.workspaceUuid],
          );
          expect(team).toBeDefined();
          const months = await spendMonths('fct_team_seat_spend_monthly', 'team_key', String(team?.team_key));
          const html = await page(`/dashboard?team=${team?.group_slug}`);
          sameMonths(tableOf(html, 'spend-months').rows, months);
          expect(sameMoney(kpiText(html, 'spend'), months.at(-1)?.spend)).toBe(true);
          const inTeam = await saving(
            'join {bridge_user_teams} b on b.workspace_uuid = s.workspace_uuid and b.user_uuid = s.user_uuid and b.team_key = $2',
            [team?.team_key],
          );
          expect(
            sameMoney(kpiText(html, 'could_save'), inTeam?.amount ?? 0),
            kpiText(html, 'could_save'),
          ).toBe(true);
        });

        it('reclaimable seats: the rows are fct_reclaimable_seats’, sortable, and the CSV is the table', async () => {
          const seats = await martRows(
            db(),
            `select coalesce(display_name, user_uuid) as name, to_char(last_active_at at time zone 'UTC', 'YYYY-MM-DD') as last_day,
               last_feature, idle_days, teams, monthly_saving, currency
             from {fct_reclaimable_seats} where workspace_uuid = $1`,
            [fx.workspaceUuid],
          );
          expect(seats.length).toBeGreaterThan(0);
          const html = await page('/dashboard/reclaimable-seats');
          const table = tableOf(html, 'reclaimable-seats');
          expect(table.header).toEqual([
            'User',
            'Last activity',
            'Last feature',
            'Idle days',
            'Teams',
            'Saves a month',
            'Currency',
          ]);
          const asShown = (s: Record<string, unknown>) =>
            [s.name, s.last_day ?? 'never', s.last_feature ?? '–', String(s.idle_days), s.teams ?? '–'].join(
              ' | ',
            );
          expect(table.rows.map((r) => r.slice(0, 5).join(' | ')).sort()).toEqual(seats.map(asShown).sort());
          for (const row of table.rows) {
            const s = seats.find((x) => asShown(x) === row.slice(0, 5).join(' | '));
            expect(sameMoney(row[5] ?? '', s?.monthly_saving), `${row[0]}: ${row[5]}`).toBe(true);
            expect(row[6]).toBe(s?.currency);
          }
          expect(sameFigure(kpiText(html, 'reclaimable_seats'), seats.length)).toBe(true);
          expect(sameMoney(kpiText(html, 'could_save'), (await saving())?.amount)).toBe(true);
          expect(
            sameFigure(
              kpiText(html, 'longest_idle_days'),
              Math.max(...seats.map((s) => Number(s.idle_days))),
            ),
          ).toBe(true);

          // sorted by a column from the address, either way; anything else is a 400
          const byIdle = seats.map((s) => Number(s.idle_days)).sort((a, b) => a - b);
          const ascending = tableOf(
            await page('/dashboard/reclaimable-seats?sort=idle_days&dir=asc'),
            'reclaimable-seats',
          );
          expect(ascending.rows.map((r) => Number(r[3]))).toEqual(byIdle);
          const descending = tableOf(
            await page('/dashboard/reclaimable-seats?sort=idle_days&dir=desc'),
            'reclaimable-seats',
          );
          expect(descending.rows.map((r) => Number(r[3]))).toEqual([...byIdle].reverse());
          const byName = tableOf(
            await page('/dashboard/reclaimable-seats?sort=display_name'),
            'reclaimable-seats',
          );
          expect(byName.rows.map((r) => r[0])).toEqual(
            seats.map((s) => String(s.name)).sort((a, b) => a.localeCompare(b)),
          );
          const bad = await member.request('/dashboard/reclaimable-seats?sort=user_uuid);drop');
          expect(bad.status).toBe(400);
          expect(textOf(await bad.text())).toContain(
            'sort: there is no column "user_uuid);drop" to sort on; use one of display_name',
          );

          // the CSV link keeps the sort; the CSV is the table row for row
          const sorted = await page('/dashboard/reclaimable-seats?sort=idle_days&dir=asc');
          const csvHref = /href="(\/dashboard\/reclaimable-seats\.csv\?[^"]+)"/
            .exec(sorted)?.[1]
            ?.replace(/&amp;/g, '&');
          expect(csvHref).toContain('sort=idle_days&dir=asc');
          const res = await member.request(csvHref as string);
          expect(res.status).toBe(200);
          expect(res.headers.get('content-disposition')).toMatch(
            /^attachment; filename="reclaimable-seats-acme-[\d-]+\.csv"$/,
          );
          const [header, ...rows] = parseCsv(await res.text());
          // The page writes 1,055, 19.50, "never" and – where the CSV has 1055, 19.5 and nothing.
          const plain = (cell: string, c: number) =>
            cell === '–' || (c === 1 && cell === 'never')
              ? ''
              : /^[\d,]+(\.\d+)?$/.test(cell)
                ? String(Number(cell.replace(/,/g, '')))
                : cell;
          expect(header).toEqual(ascending.header);
          expect(rows).toEqual(ascending.rows.map((r) => r.map(plain)));
        });

        it('reclaimable seats for a team and a project: the seats of its members, as SQL picks them', async () => {
          const [team] = await martRows(
            db(),
            `select t.group_slug, t.team_key from {dim_teams} t
             where exists (select 1 from {bridge_user_teams} b join {fct_reclaimable_seats} s
               on s.workspace_uuid = b.workspace_uuid and s.user_uuid = b.user_uuid where b.team_key = t.team_key)
             order by t.group_slug limit 1`,
          );
          expect(team).toBeDefined();
          const names = async (path: string) =>
            parseCsv(await (await member.request(path)).text())
              .slice(1)
              .map((r) => r[0])
              .sort();
          const teamSeats = await martRows(
            db(),
            `select coalesce(s.display_name, s.user_uuid) as name from {fct_reclaimable_seats} s
             join {bridge_user_teams} b on b.workspace_uuid = s.workspace_uuid and b.user_uuid = s.user_uuid
             where b.team_key = $1`,
            [team?.team_key],
          );
          expect(await names(`/dashboard/reclaimable-seats.csv?team=${team?.group_slug}`)).toEqual(
            teamSeats.map((s) => s.name).sort(),
          );
          const teamHtml = await page(`/dashboard/reclaimable-seats?team=${team?.group_slug}`);
          expect(sameFigure(kpiText(teamHtml, 'reclaimable_seats'), teamSeats.length)).toBe(true);

          const projectSeats = async (key: string) =>
            martRows(
              db(),
              `select distinct coalesce(s.display_name, s.user_uuid) as name from {fct_reclaimable_seats} s
               join {bridge_user_teams} b on b.workspace_uuid = s.workspace_uuid and b.user_uuid = s.user_uuid
               join {dim_teams} t on t.team_key = b.team_key
               where $1 = any(string_to_array(t.project_list, ', '))`,
              [key],
            );
          const projects = await martRows(
            db(),
            'select distinct project_key from {fct_project_utilization_daily} where workspace_uuid = $1 order by 1',
            [fx.workspaceUuid],
          );
          let withSeats = 0;
          for (const p of projects) {
            const expected = (await projectSeats(String(p.project_key))).map((s) => s.name).sort();
            if (expected.length) withSeats++;
            expect(
              await names(`/dashboard/reclaimable-seats.csv?project=${p.project_key}`),
              String(p.project_key),
            ).toEqual(expected);
          }
          expect(withSeats).toBeGreaterThan(0);
        });
      });
    },
    ['pglite', 'postgres'],
  );

  describeEachWarehouse(
    'dashboard before any data',
    (engine) => {
      const fx = usePipeline(engine, { scale: 'tiny' });
      let web: WebUnderTest;
      let member: HttpSession;
      beforeAll(async () => {
        await addTestUser(fx.db, 'max', 'member');
        web = await startWebApp(fx.sb, fx.db, { taskQueue: uniqueTaskQueue('dashboard-empty') });
        member = await signIn(web, 'max');
      });
      afterAll(async () => {
        await web?.close();
      });
      const text = async (path: string) => {
        const res = await member.request(path);
        expect(res.status, path).toBe(200);
        return textOf(await res.text());
      };

      it('says to connect Bitbucket first, then that the first sync is running', async () => {
        // The fixture's own connection (made as the CLI makes one) is disconnected: none is connected.
        await web.services.vault.disconnect(CONNECTION, 'test: no connection connected');
        for (const [path] of PAGES) {
          const shown = await text(path);
          expect(shown, path).toContain('No data yet: connect Bitbucket first');
        }
        expect(await (await member.request('/dashboard')).text()).toContain('href="/connections"');
        const csv = await member.request('/dashboard/reclaimable-seats.csv');
        expect(csv.status).toBe(404);
        expect(textOf(await csv.text())).toContain('No data yet');

        const oauth = createBitbucketOAuth({
          clientId: fx.sb.urls.clientId,
          clientSecret: fx.sb.urls.clientSecret,
          oauthUrl: fx.sb.urls.oauthUrl,
        });
        await web.services.vault.saveGrant(DEFAULT_CONNECTION, await oauth.clientCredentials(), {
          workspaces: ['acme'],
        });
        for (const [path] of PAGES)
          expect(await text(path), path).toContain('No data yet: the first sync is running');
      });

      it('says a page is not built yet when only some marts exist', async () => {
        // The scope's marts with a day of data, and none of the page's own.
        for (const ddl of [
          `create table {dim_date} as select date '2026-10-01' as date_day`,
          `create table {dim_workspaces} as select 'ws-1'::text as workspace_uuid, 'acme'::text as workspace_slug, 'Acme'::text as workspace_name, true as is_synced`,
        ])
          await martRows(fx.db, ddl);
        expect(await text('/dashboard')).toContain('No data yet for this page');
      });
    },
    ['pglite'],
  );
});
