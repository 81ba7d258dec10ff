// The dashboard over HTTP, on real data (a tiny sandbox backfilled through Temporal): every page
// shows the figures the marts hold (each test queries the marts itself and reads the page back),
// filters change them, the idle-seat CSV is the table row for row, bad filters get a 400 that
// says what to fix, and an empty warehouse gets an empty state that says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBitbucketOAuth } from '../../bitbucket/auth/oauthClient';
import { toCsv } from '../../web/dashboard/csv';
import { addDays, weekStart } from '../../web/dashboard/days';
import { DEFAULT_CONNECTION } from '../../web/deps';
import { usePipeline } from '../support/pipeline';
import { temporalAvailable, uniqueTaskQueue } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';
import { addTestUser, HttpSession, startWebApp, type WebUnderTest } from '../support/web';
import {
  HOSTILE_NAME,
  kpiText,
  martRows,
  sameFigure,
  signIn,
  tableOf,
  textOf,
  useDashboardData,
} from './dashboardFixture';

const PAGES = [
  ['/dashboard', 'Seat utilization'],
  ['/dashboard/idle-seats', 'Idle seats to reclaim'],
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
        for (const path of [...PAGES.map(([p]) => p), '/dashboard/idle-seats.csv', '/glossary']) {
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

      it('idle seats: the table is dim_users’ idle seat holders and the CSV is the table, row for row', async () => {
        const html = await page('/dashboard/idle-seats');
        const idle = await martRows(
          db(),
          `select display_name, inactivity_reason, days_inactive from {dim_users}
           where workspace_uuid = $1 and holds_seat and inactivity_reason is not null`,
          [fx.workspaceUuid],
        );
        const [seats] = await martRows(
          db(),
          'select count(*) as n from {dim_users} where workspace_uuid = $1 and holds_seat',
          [fx.workspaceUuid],
        );
        expect(idle.length).toBeGreaterThan(0);
        const table = tableOf(html, 'idle-seats');
        expect(table.rows.map((r) => `${r[0]} | ${r[3]}`).sort()).toEqual(
          idle.map((u) => `${u.display_name} | ${u.inactivity_reason}`).sort(),
        );
        expect(sameFigure(kpiText(html, 'idle_seats'), idle.length)).toBe(true);
        expect(sameFigure(kpiText(html, 'seats'), seats?.n)).toBe(true);
        expect(tableOf(html, 'idle-by-team').rows.length).toBeGreaterThan(0);

        const csvHref = /href="(\/dashboard\/idle-seats\.csv\?[^"]+)"/
          .exec(html)?.[1]
          ?.replace(/&amp;/g, '&');
        expect(csvHref).toBeDefined();
        const res = await member.request(csvHref as string);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toContain('text/csv');
        expect(res.headers.get('content-disposition')).toMatch(
          /^attachment; filename="idle-seats-acme-[\d-]+\.csv"$/,
        );
        const [header, ...rows] = parseCsv(await res.text());
        // The page writes 1,055 and – where the CSV has 1055 and nothing.
        const plain = (cell: string) =>
          cell === '–' ? '' : /^[\d,]+$/.test(cell) ? cell.replace(/,/g, '') : cell;
        expect(header).toEqual(table.header);
        expect(rows).toEqual(table.rows.map((r) => r.map(plain)));

        const [team] = await martRows(
          db(),
          `select t.group_slug, t.team_key from {dim_teams} t
           where exists (select 1 from {bridge_user_teams} b join {dim_users} u
             on u.workspace_uuid = b.workspace_uuid and u.user_uuid = b.user_uuid
             where b.team_key = t.team_key and u.holds_seat and u.inactivity_reason is not null)
           order by t.group_slug limit 1`,
        );
        const teamIdle = await martRows(
          db(),
          `select u.display_name from {dim_users} u join {bridge_user_teams} b
             on u.workspace_uuid = b.workspace_uuid and u.user_uuid = b.user_uuid
           where b.team_key = $1 and u.holds_seat and u.inactivity_reason is not null`,
          [team?.team_key],
        );
        const teamCsv = parseCsv(
          await (await member.request(`/dashboard/idle-seats.csv?team=${team?.group_slug}`)).text(),
        );
        expect(
          teamCsv
            .slice(1)
            .map((r) => r[0])
            .sort(),
        ).toEqual(teamIdle.map((u) => u.display_name).sort());
        expect(teamCsv.length - 1).toBeLessThanOrEqual(rows.length);
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
          ['/dashboard/idle-seats.csv?workspace=nope', 'there is no workspace "nope"'],
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
        for (const [path] of PAGES) {
          const shown = await text(path);
          expect(shown, path).toContain('No data yet: connect Bitbucket first');
        }
        expect(await (await member.request('/dashboard')).text()).toContain('href="/connections"');
        const csv = await member.request('/dashboard/idle-seats.csv');
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
