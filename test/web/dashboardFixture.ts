// Real data for the dashboard tests: a tiny sandbox (one repository with a hostile display name),
// a backfill through a Temporal worker that loads it and builds the marts, and the web app on top
// with an admin and a member; seat prices set as `bbetl workspace price` sets them, with the
// transforms that read them run again. Plus readers of the rendered pages: KPI tiles and tables as text.
import { afterAll, beforeAll, expect } from 'vitest';
import type { SeatPriceInput } from '../../lib/seatPrice';
import { loadProject } from '../../transforms/project';
import { runModels } from '../../transforms/run';
import type { WarehouseEngine } from '../../warehouse/engine';
import { setSeatPrice } from '../../warehouse/seatPrices';
import { backfill } from '../../workflows/backfill';
import {
  CONNECTION,
  type PipelineFixture,
  sandboxNow,
  usePipeline,
  workerOptions,
} from '../support/pipeline';
import { SQL_DIR } from '../support/rawFixtures';
import { uniqueTaskQueue, withWorker } from '../support/temporal';
import type { WarehouseUnderTest } from '../support/warehouse';
import { addTestUser, HttpSession, PASSWORD, startWebApp, type WebUnderTest } from '../support/web';

/** The display name the sandbox gives repository `web`: it must reach every page as plain text. */
export const HOSTILE_NAME = '<script>alert(1)</script>';

export interface DashboardFixture {
  pipeline: PipelineFixture;
  web: WebUnderTest;
  /** The workspace's uuid and the data's as-of date (dim_date's last day). */
  workspaceUuid: string;
  lastDay: string;
}

/** Loads the sandbox's history and starts the web app, once for the describe block. */
export function useDashboardData(engine: () => WarehouseUnderTest): DashboardFixture {
  const pipeline = usePipeline(engine, {
    scale: 'tiny',
    seed: 5,
    // History up to now: the marts' as-of date is the day of the extraction, the wall clock's.
    epoch: new Date().toISOString(),
    rateLimitPerHour: 1_000_000,
    repositoryNames: { web: HOSTILE_NAME },
  });
  const fx = { pipeline } as DashboardFixture;
  beforeAll(async () => {
    const taskQueue = uniqueTaskQueue('dashboard');
    const until = await sandboxNow(pipeline.sb, 1);
    await withWorker(workerOptions(pipeline.services, taskQueue), (client) =>
      client.workflow.execute(backfill, {
        taskQueue,
        workflowId: `backfill:${CONNECTION}:acme:${taskQueue}`,
        args: [
          {
            connectionId: CONNECTION,
            workspace: 'acme',
            since: '2025-01-01T00:00:00Z',
            until,
            // One window: the dashboard needs the data, not the windows (backfillOrder.test.ts).
            windowDays: 3650,
          },
        ],
      }),
    );
    await addTestUser(pipeline.db, 'ada', 'admin');
    await addTestUser(pipeline.db, 'max', 'member');
    fx.web = await startWebApp(pipeline.sb, pipeline.db, { taskQueue });
    const [ws] = await pipeline.db.query<{ workspace_uuid: string }>(
      `select distinct workspace_uuid from ${pipeline.db.table('marts', 'dim_users')}`,
    );
    fx.workspaceUuid = String(ws?.workspace_uuid);
    fx.lastDay = (await martRows(pipeline.db, `select cast(max(date_day) as text) as d from {dim_date}`))[0]
      ?.d as string;
  }, 240_000);
  afterAll(async () => {
    await fx.web?.close();
  });
  return fx;
}

/** Runs SQL over the marts, `{name}` standing for the mart's table (Postgres and PGlite). */
export function martRows(db: WarehouseEngine, sql: string, params: unknown[] = []) {
  return db.query(
    sql.replace(/\{(\w+)\}/g, (_, name: string) => db.table('marts', name)),
    params,
  );
}

/** Stores seat prices and rebuilds what reads them (the spend marts, fct_reclaimable_seats). */
export async function setSeatPrices(db: WarehouseEngine, prices: SeatPriceInput[]): Promise<void> {
  for (const price of prices) await setSeatPrice(db, price);
  const results = await runModels(db, loadProject(SQL_DIR), { select: ['int_seat_price_days+'] });
  expect(results.filter((r) => r.status === 'error' || r.status === 'skipped')).toEqual([]);
  expect(results.map((r) => r.name)).toEqual(
    expect.arrayContaining([
      'fct_seat_spend_monthly',
      'fct_team_seat_spend_monthly',
      'fct_reclaimable_seats',
    ]),
  );
}

/** A signed-in HTTP client. */
export async function signIn(web: WebUnderTest, username: string): Promise<HttpSession> {
  const client = new HttpSession(web.url);
  const token = await client.csrfFrom('/login');
  await client.post('/login', { _csrf: token, username, password: PASSWORD });
  return client;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
/** The text of an HTML fragment: tags dropped, entities decoded, white space folded. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ENTITIES[e] as string)
    .replace(/\s+/g, ' ')
    .trim();
}

/** The value shown in a KPI tile (data-metric), as text. */
export function kpiText(html: string, metric: string): string {
  const m = new RegExp(`data-metric="${metric}">\\s*<div class="value">([\\s\\S]*?)</div>`).exec(html);
  if (!m) throw new Error(`no KPI tile ${metric}`);
  return textOf(m[1] as string);
}

/** A table's header and body cells, as text. */
export function tableOf(html: string, id: string): { header: string[]; rows: string[][] } {
  // a sortable header's sort link (▲▼⇅) is not part of its label
  const m = new RegExp(`<table id="${id}"[^>]*>([\\s\\S]*?)</table>`).exec(
    html.replace(/ <a class="sort"[^>]*>[^<]*<\/a>/g, ''),
  );
  if (!m) throw new Error(`no table ${id}`);
  const cells = (row: string, tag: string) =>
    [...row.matchAll(new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`, 'g'))].map((c) =>
      textOf(c[1] as string),
    );
  const [head = '', body = ''] = [/<thead>([\s\S]*?)<\/thead>/, /<tbody>([\s\S]*?)<\/tbody>/].map(
    (re) => re.exec(m[1] as string)?.[1] ?? '',
  );
  return {
    header: cells(head, 'th'),
    rows: [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => cells(r[1] as string, 'td')),
  };
}

/** A figure as the page writes it, read back: "1,234.5" → 1234.5, "48%" → 0.48, "–" → null. */
export function shownNumber(text: string): number | null {
  if (text === '–') return null;
  const n = Number(text.replace(/[,%]/g, ''));
  return text.endsWith('%') ? n / 100 : n;
}

/** True when a shown figure is the mart's value to the page's precision (one decimal; % to 0.1). */
export function sameFigure(text: string, value: unknown): boolean {
  const shown = shownNumber(text);
  if (value === null || value === undefined) return shown === null;
  const precision = text.endsWith('%') ? 0.0005 : 0.05;
  return shown !== null && Math.abs(shown - Number(value)) <= precision + 1e-9;
}

/** True when a shown amount of money ("1,234.50") is the mart's value to the cent. */
export function sameMoney(text: string, value: unknown): boolean {
  const shown = shownNumber(text);
  if (value === null || value === undefined) return text === 'not set';
  return shown !== null && Math.abs(shown - Number(value)) < 0.005;
}
