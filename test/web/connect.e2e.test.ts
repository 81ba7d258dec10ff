// The Connections flow end to end in headless Chromium against the sandbox's OAuth pages: Connect
// as an admin (the backfill then runs on a real worker and the dashboard shows its numbers), deny,
// replayed and tampered state, a member refused and their invite completed by a Bitbucket admin
// with no account here, expired and reused invites, and a grant revoked on Bitbucket's side.
import { join } from 'node:path';
import { ScheduleNotFoundError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSyncWorkflow } from '../../client/launch';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { AuditEventStore } from '../../warehouse/auditEvents';
import type { WarehouseEngine } from '../../warehouse/engine';
import { migrate } from '../../warehouse/migrate';
import { WebAccountStore } from '../../warehouse/webAccounts';
import { deriveKey, signToken } from '../../web/keys';
import { chromiumAvailable, launchChromium, screenshotDir } from '../support/browser';
import { workerOptions } from '../support/pipeline';
import { control } from '../support/sandbox';
import { temporalAddress, temporalAvailable, uniqueTaskQueue } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';
import {
  addTestUser,
  HttpSession,
  PASSWORD,
  signedInPage,
  startWebApp,
  type WebUnderTest,
} from '../support/web';

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });

/**
 * Logs in on the sandbox as `as` (unless this browser is logged in there already) and answers the
 * consent page.
 */
async function consentOnSandbox(
  page: Page,
  decision: 'Grant access' | 'Deny access',
  as: 'admin' | 'member' = 'admin',
): Promise<void> {
  await page.waitForURL((u) => u.pathname.includes('/site/oauth2/'));
  if (await page.getByRole('button', { name: 'Log in' }).isVisible()) {
    await page.getByLabel('Username').fill(as);
    await page.getByLabel('Password').fill('sandbox');
    await page.getByRole('button', { name: 'Log in' }).click();
  }
  await page.getByRole('button', { name: decision }).click();
}

/** The card of one connection: the first one's (its id is 'default') unless another is named. */
const card = (page: Page, id = 'default') => page.locator(`.connection-card[data-connection="${id}"]`);

describe.skipIf(!temporalAvailable() || !chromiumAvailable())('web: Connections in Chromium', () => {
  describeEachWarehouse(
    'connect, deny, invite, revoke',
    (engine) => {
      let sb: Sandbox;
      let db: WarehouseEngine;
      let web: WebUnderTest;
      let browser: Browser;
      let worker: Worker;
      let workerRun: Promise<void>;
      let native: NativeConnection;
      const wh = engine();
      const logLines: string[] = [];
      const pages: string[] = [];

      beforeAll(async () => {
        sb = await startSandbox({ scale: 'tiny', seed: 7, rateLimitPerHour: 1_000_000 });
        db = await wh.open();
        await migrate(db);
        await addTestUser(db, 'ada', 'admin');
        await addTestUser(db, 'max', 'member');
        const taskQueue = uniqueTaskQueue('web-connect');
        web = await startWebApp(sb, db, { taskQueue, env: { INITIAL_BACKFILL_DAYS: '120' }, logLines });
        native = await NativeConnection.connect({ address: temporalAddress() });
        worker = await Worker.create({ ...workerOptions(web.services, taskQueue), connection: native });
        workerRun = worker.run();
        browser = await launchChromium();
      }, 120_000);

      afterAll(async () => {
        await browser?.close();
        worker?.shutdown();
        await workerRun;
        await native?.close();
        await web?.workflows.client.schedule
          .getHandle('incremental:default')
          .delete()
          .catch(() => {});
        await web?.close();
        await sb?.close();
        await wh.cleanup(db);
        await db?.close();
      }, 120_000);

      it('shows a member the card without Connect, and refuses their connect request on the server', async () => {
        const page = await signedInPage(browser, web, 'max');
        await page.goto(`${web.url}/connections`);
        await expect(card(page).getByText('Not connected')).toBeTruthy();
        expect(await card(page).getByRole('button', { name: 'Connect' }).count()).toBe(0);
        expect(await page.getByText('Only an admin of bbetl can connect Bitbucket').isVisible()).toBe(true);
        await shot(page, 'connections-member');
        await page.context().close();

        const member = new HttpSession(web.url);
        await member.post('/login', {
          _csrf: await member.csrfFrom('/login'),
          username: 'max',
          password: PASSWORD,
        });
        const refused = await member.post('/connections/connect', {
          _csrf: await member.csrfFrom('/connections'),
        });
        expect(refused.status).toBe(403);
        expect(await refused.text()).toContain('Only an admin can do this');
      });

      it('comes back to the card with "access was not granted" when the consent is denied, storing nothing', async () => {
        const page = await signedInPage(browser, web, 'ada');
        await page.goto(`${web.url}/connections`);
        expect(await card(page).getAttribute('data-status')).toBe('not_connected');
        await shot(page, 'connections-not-connected');
        await card(page).getByRole('button', { name: 'Connect' }).click();
        await consentOnSandbox(page, 'Deny access');
        await page.waitForURL(`${web.url}/connections?notice=denied`);
        expect(await page.getByText('Access was not granted on Bitbucket').isVisible()).toBe(true);
        expect((await web.services.vault.status('default')).status).toBe('not_connected');
        await page.context().close();
      });

      let callback: string;
      let inviteLink: string;
      /** The second connection's id (added as another Bitbucket account). */
      let second: string;
      it('connects as admin: consent, back on the card which says Reconnect, backfill runs, dashboard has numbers', async () => {
        const page = await signedInPage(browser, web, 'ada');
        page.on('request', (r) => {
          if (r.url().includes('/oauth/callback')) callback = r.url();
        });
        await page.goto(`${web.url}/connections`);
        await card(page).getByRole('button', { name: 'Connect' }).click();
        await consentOnSandbox(page, 'Grant access');
        await page.waitForURL(`${web.url}/connections?notice=connected`);
        expect(await card(page).getAttribute('data-status')).toBe('connected');
        expect(await card(page).getByRole('button', { name: 'Reconnect' }).isVisible()).toBe(true);
        expect(await card(page).locator('.workspaces').textContent()).toBe('acme');
        expect(await card(page).locator('.scopes').textContent()).toContain('repository');
        await shot(page, 'connections-connected');
        pages.push(await page.content());

        const status = await web.services.vault.status('default');
        expect(status).toMatchObject({
          status: 'connected',
          grantType: 'authorization_code',
          workspaces: ['acme'],
        });
        const backfills = [];
        for await (const wf of web.workflows.client.workflow.list({ query: `WorkflowType = 'backfill'` }))
          if (wf.workflowId.startsWith('backfill:default:acme:') && wf.taskQueue === web.workflows.taskQueue)
            backfills.push(wf.workflowId);
        expect(backfills).toHaveLength(1);
        expect(backfills[0]).toMatch(
          /^backfill:default:acme:\d{4}-\d\d-\d\dT\d\d:\d\d:00Z:\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/,
        );
        const counters = await web.workflows.client.workflow.getHandle(backfills[0] as string).result();
        expect(counters.records).toBeGreaterThan(100);
        const schedule = await web.workflows.client.schedule.getHandle('incremental:default').describe();
        expect(schedule.spec.intervals?.[0]?.every).toBe(3_600_000);

        // The backfill ran the transforms: the dashboard reads the marts it built.
        const [latest] = await db.query<{ seats: number }>(
          `select seats from ${db.table('marts', 'fct_seat_utilization_daily')} order by date_day desc limit 1`,
        );
        expect(Number(latest?.seats)).toBeGreaterThan(0);
        await page.goto(`${web.url}/dashboard`);
        await page.locator('canvas').first().waitFor();
        expect(await page.locator('main').textContent()).toContain(String(latest?.seats));
        await shot(page, 'dashboard-after-connect');

        await page.goto(`${web.url}/connections`);
        expect(await card(page).locator('.last-sync').textContent()).toMatch(/backfill, [\d,]+ records/);

        // The same browser replaying its callback: the state is used up.
        const replay = await page.goto(callback);
        expect(replay?.status()).toBe(400);
        expect(await page.getByRole('alert').textContent()).toContain('already used (replayed callback)');
        await page.context().close();
      }, 300_000);

      it("refuses another browser's callback and a tampered state; the connection stays as it was", async () => {
        const page = await signedInPage(browser, web, 'ada');
        const stolen = await page.goto(callback);
        expect(stolen?.status()).toBe(400);
        expect(await page.getByRole('alert').textContent()).toContain('issued to another browser session');
        const tampered = new URL(callback);
        tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
        const forged = await page.goto(tampered.toString());
        expect(forged?.status()).toBe(400);
        expect(await page.getByRole('alert').textContent()).toContain(
          'unknown (never issued here, or tampered with)',
        );
        const missing = await page.goto(`${web.url}/oauth/callback?code=abc`);
        expect(missing?.status()).toBe(400);
        expect((await web.services.vault.status('default')).status).toBe('connected');
        await page.context().close();
      });

      it('turns the card to "Reconnect required" when the grant is revoked, and Reconnect restores it', async () => {
        expect((await control(sb, 'POST', '/grants/revoke', {})).json.revoked).toBeGreaterThan(0);
        const page = await signedInPage(browser, web, 'ada');
        await page.goto(`${web.url}/connections`);
        expect(await card(page).getAttribute('data-status')).toBe('reconnect_required');
        expect(await card(page).locator('.badge').textContent()).toBe('Reconnect required');
        expect(await card(page).getByRole('alert').textContent()).toContain('invalid_grant');
        await shot(page, 'connections-reconnect-required');
        pages.push(await page.content());
        await card(page).getByRole('button', { name: 'Reconnect' }).click();
        await consentOnSandbox(page, 'Grant access');
        await page.waitForURL(`${web.url}/connections?notice=connected`);
        expect(await card(page).getAttribute('data-status')).toBe('connected');
        // Synced before: the Reconnect resumes from the watermark instead of re-reading history.
        const sync = web.workflows.client.workflow.getHandle('sync:default:acme');
        expect((await sync.describe()).taskQueue).toBe(web.workflows.taskQueue);
        expect((await sync.result()).errors).toBe(0);
        await page.context().close();
      }, 120_000);

      it('lets a member invite their Bitbucket admin, who connects without an account; the link then works no more', async () => {
        const memberPage = await signedInPage(browser, web, 'max');
        await memberPage.goto(`${web.url}/connections`);
        await memberPage.getByRole('button', { name: 'Invite a Bitbucket admin' }).click();
        const link = (await memberPage.locator('.invite-url').inputValue()) as string;
        expect(link.startsWith(`${web.url}/invite/`)).toBe(true);
        inviteLink = link;
        await shot(memberPage, 'connections-invite-link');
        await memberPage.context().close();

        const before = await web.services.vault.status('default');
        const stranger = await (await browser.newContext()).newPage();
        await stranger.goto(link);
        expect(await stranger.getByText('max', { exact: true }).isVisible()).toBe(true);
        await shot(stranger, 'invite-landing');
        await stranger.getByRole('button', { name: 'Connect Bitbucket' }).click();
        await consentOnSandbox(stranger, 'Grant access');
        await stranger.waitForURL((u) => u.pathname === '/oauth/callback');
        expect(await stranger.getByRole('heading').textContent()).toBe('Done: Bitbucket is connected');
        await shot(stranger, 'invite-done');
        pages.push(await stranger.content());
        const after = await web.services.vault.status('default');
        expect(after.status).toBe('connected');
        expect(after.changedAt?.getTime()).toBeGreaterThan(before.changedAt?.getTime() ?? 0);

        const reused = await stranger.goto(link);
        expect(reused?.status()).toBe(410);
        expect(await stranger.getByRole('alert').textContent()).toContain('has been used already');
        const cut = await stranger.goto(link.slice(0, -3));
        expect(cut?.status()).toBe(400);
        expect(await stranger.getByRole('alert').textContent()).toContain('not valid');
        await stranger.context().close();

        // Who connected, reconnected and invited is on record (newest first; the invited admin has no account).
        const audit = await new AuditEventStore(db).recent(new Date(0), {
          actions: ['invite', 'connect', 'reconnect'],
        });
        expect(audit.map((e) => [e.action, e.actor, e.detail?.via])).toEqual([
          ['reconnect', null, 'invite'],
          ['invite', 'max', undefined],
          ['reconnect', 'ada', 'admin'],
          ['connect', 'ada', 'admin'],
        ]);
      }, 120_000);

      it('refuses an expired invite', async () => {
        await new WebAccountStore(db).insertInvite({
          inviteId: 'expired-invite',
          connectionId: 'default',
          createdBy: 'max',
          expiresAt: new Date(Date.now() - 60_000),
        });
        const token = signToken(deriveKey(web.services.secretKey, 'invites'), { id: 'expired-invite' });
        const page = await (await browser.newContext()).newPage();
        const res = await page.goto(`${web.url}/invite/${token}`);
        expect(res?.status()).toBe(410);
        expect(await page.getByRole('alert').textContent()).toMatch(/expired on \d{4}-\d\d-\d\d/);
        const visitor = new HttpSession(web.url);
        const post = await visitor.post(`/invite/${token}/connect`, {
          _csrf: await visitor.csrfFrom('/login'),
        });
        expect(post.status).toBe(410);
        await page.context().close();
      });

      it('never rendered or logged a token, code or secret', async () => {
        const secrets = [
          await web.services.vault.getAccessToken('default'),
          sb.urls.clientSecret,
          new URL(callback).searchParams.get('code') as string,
          new URL(inviteLink).pathname.split('/')[2] as string,
        ];
        expect(logLines.length).toBeGreaterThan(10);
        const logs = logLines.join('');
        for (const secret of secrets) {
          expect(secret.length).toBeGreaterThan(8);
          expect(logs).not.toContain(secret);
          for (const html of pages) expect(html).not.toContain(secret);
        }
      });

      it('adds a second connection as another Bitbucket account: two cards, each with its own status and sync', async () => {
        const page = await signedInPage(browser, web, 'ada');
        await page.goto(`${web.url}/connections`);
        await page.getByRole('button', { name: 'Add a connection' }).click();
        await consentOnSandbox(page, 'Grant access', 'member');
        await page.waitForURL(`${web.url}/connections?notice=connected`);
        const listed = await web.services.vault.list();
        expect(listed.map((c) => c.id)).toEqual(['default', expect.stringMatching(/^conn-[0-9a-f]{8}$/)]);
        second = listed[1]?.id as string;
        expect(listed[1]?.account?.uuid).not.toBe(listed[0]?.account?.uuid);
        expect(await page.locator('.connection-card').count()).toBe(2);
        const other = card(page, second);
        expect(await other.getAttribute('data-status')).toBe('connected');
        expect(await other.locator('.account').textContent()).toContain(
          String(listed[1]?.account?.display_name),
        );
        expect(await other.locator('.workspaces').textContent()).toBe(listed[1]?.workspaces.join(', '));
        expect(await card(page).getAttribute('data-status')).toBe('connected');

        // Its own backfill and schedule, under its own id.
        let backfill: string | undefined;
        for await (const wf of web.workflows.client.workflow.list({ query: `WorkflowType = 'backfill'` }))
          if (wf.workflowId.startsWith(`backfill:${second}:`) && wf.taskQueue === web.workflows.taskQueue)
            backfill = wf.workflowId;
        expect(backfill).toBeDefined();
        expect(
          (await web.workflows.client.workflow.getHandle(backfill as string).result()).records,
        ).toBeGreaterThan(0);
        await web.workflows.client.schedule.getHandle(`incremental:${second}`).describe();
        const [audit] = await db.query<{ action: string; connection_id: string }>(
          `select action, connection_id from ${db.table('etl_meta', 'audit_events')} where connection_id = $1`,
          [second],
        );
        expect(audit).toEqual({ action: 'connect', connection_id: second });

        await page.goto(`${web.url}/connections`);
        expect(await card(page, second).locator('.last-sync').textContent()).toMatch(
          /backfill, [\d,]+ records/,
        );
        await shot(page, 'connections-two-connected');
        // The status page shows either connection, with a choice between them.
        await page.goto(`${web.url}/status?connection=${second}`);
        expect(await page.locator('#connection-title').textContent()).toContain(second);
        expect(await page.locator('.connection-choice a').count()).toBe(2);
        const unknown = await page.goto(`${web.url}/status?connection=nope`);
        expect(unknown?.status()).toBe(404);
        await page.context().close();
      }, 120_000);

      it('disconnects after a confirmation: schedule deleted, a running sync cancelled, tokens gone, data kept', async () => {
        const rawRows = async () => {
          const [r] = await db.query<{ n: string }>(
            `select count(*) as n from ${db.table('raw_bitbucket', 'pullrequests')} where connection_id = 'default'`,
          );
          return Number(r?.n);
        };
        const rowsBefore = await rawRows();
        expect(rowsBefore).toBeGreaterThan(0);
        // A sync slowed down by the sandbox, so it is still running when the admin disconnects.
        await control(sb, 'PUT', '/faults', { latencyMs: 1500 });
        const { handle: sync } = await startSyncWorkflow(web.workflows, 'default', ['acme']);
        // Running, and listed as such (the disconnect finds running workflows by listing them).
        const listed = async () => {
          for await (const wf of web.workflows.client.workflow.list({
            query: `WorkflowId = '${sync.workflowId}' AND ExecutionStatus = 'Running'`,
          }))
            return wf.workflowId;
          return undefined;
        };
        await expect.poll(listed, { timeout: 15_000 }).toBe('sync:default:acme');

        const page = await signedInPage(browser, web, 'ada');
        await page.goto(`${web.url}/connections`);
        await card(page).getByRole('link', { name: 'Disconnect' }).click();
        await page.waitForURL(`${web.url}/connections/default/disconnect`);
        expect(await page.locator('main').textContent()).toContain('Personal settings → App authorizations');
        await shot(page, 'connections-disconnect-confirm');
        await page.getByRole('button', { name: 'Disconnect' }).click();
        await page.waitForURL(`${web.url}/connections?notice=disconnected`);
        await control(sb, 'PUT', '/faults', { latencyMs: 0 });
        expect(await card(page).getAttribute('data-status')).toBe('disconnected');
        expect(await card(page).locator('.badge').textContent()).toBe('Disconnected');
        expect(await card(page).getByRole('button', { name: 'Connect' }).isVisible()).toBe(true);
        expect(await card(page).getByRole('link', { name: 'Disconnect' }).count()).toBe(0);
        // The other connection is untouched.
        expect(await card(page, second).getAttribute('data-status')).toBe('connected');
        await web.workflows.client.schedule.getHandle(`incremental:${second}`).describe();
        await shot(page, 'connections-disconnected-data-kept');
        pages.push(await page.content());

        await expect(web.services.vault.getAccessToken('default')).rejects.toThrow();
        await expect(
          web.workflows.client.schedule.getHandle('incremental:default').describe(),
        ).rejects.toThrow(ScheduleNotFoundError);
        // The disconnect waited for the sync to close, which recorded its run as cancelled.
        expect((await sync.describe()).status.name).toBe('CANCELLED');
        const [run] = await db.query<{ status: string }>(
          `select status from ${db.table('etl_meta', 'runs')} where workflow_id = $1 order by started_at desc limit 1`,
          [sync.workflowId],
        );
        expect(run?.status).toBe('cancelled');
        expect(await rawRows()).toBe(rowsBefore);
        const [audit] = await db.query<{ actor: string; detail: string }>(
          `select actor, detail from ${db.table('etl_meta', 'audit_events')} where action = 'disconnect'`,
        );
        expect(audit?.actor).toBe('ada');
        expect(JSON.parse(audit?.detail ?? '{}')).toMatchObject({
          schedule: 'deleted',
          cancelled: ['sync:default:acme'],
          terminated: [],
          dataDeleted: false,
        });
        // A member sees no Disconnect and cannot post one.
        const member = new HttpSession(web.url);
        await member.post('/login', {
          username: 'max',
          password: PASSWORD,
          _csrf: await member.csrfFrom('/login'),
        });
        const refused = await member.post('/connections/default/disconnect', {
          _csrf: await member.csrfFrom('/connections'),
        });
        expect(refused.status).toBe(403);
        // Whatever the cancelled sync's last activity met after the tokens went, the card stays
        // "Disconnected" (an AUTH failure marks only a connected connection).
        expect((await web.services.vault.status('default')).status).toBe('disconnected');
        await page.context().close();
      }, 120_000);

      it('disconnects each connection with "also delete data": its raw rows go, the other\'s stay; with none left the marts are empty', async () => {
        const rawRows = async (connectionId: string) => {
          const [r] = await db.query<{ n: string }>(
            `select count(*) as n from ${db.table('raw_bitbucket', 'pullrequests')} where connection_id = $1`,
            [connectionId],
          );
          return Number(r?.n);
        };
        const rebuilds = async () =>
          (
            await db.query(
              `select 1 from ${db.table('etl_meta', 'transform_runs')} where triggered_by = 'disconnect' and kind = 'model' and node = 'fct_seat_utilization_daily'`,
            )
          ).length;
        const page = await signedInPage(browser, web, 'ada');
        const keptRows = await rawRows('default');
        expect(await rawRows(second)).toBeGreaterThan(0);

        // The second connection, its data deleted: the first one's rows stay.
        await page.goto(`${web.url}/connections/${second}/disconnect`);
        await page.getByLabel("Also delete this connection's data").check();
        await page.getByRole('button', { name: 'Disconnect' }).click();
        await page.waitForURL(`${web.url}/connections?notice=disconnected_deleted`);
        expect(await card(page, second).getAttribute('data-status')).toBe('disconnected');
        await shot(page, 'connections-second-disconnected-data-deleted');
        expect(await rawRows(second)).toBe(0);
        expect(await rawRows('default')).toBe(keptRows);
        await expect.poll(rebuilds, { timeout: 60_000 }).toBe(1);
        // Both accounts read the same workspace, so the marts keep it from the first one's rows.
        const [kept] = await db.query<{ n: string }>(
          `select count(*) as n from ${db.table('marts', 'fct_pull_requests')}`,
        );
        expect(Number(kept?.n)).toBeGreaterThan(0);

        // The first one connected again (its data was kept: a sync resumes, no backfill), then
        // disconnected with its data deleted.
        await page.goto(`${web.url}/connections`);
        await card(page).getByRole('button', { name: 'Connect' }).click();
        await consentOnSandbox(page, 'Grant access');
        await page.waitForURL(`${web.url}/connections?notice=connected`);
        expect((await web.workflows.client.workflow.getHandle('sync:default:acme').result()).errors).toBe(0);

        await page.goto(`${web.url}/connections/default/disconnect`);
        await page.getByLabel("Also delete this connection's data").check();
        await page.getByRole('button', { name: 'Disconnect' }).click();
        await page.waitForURL(`${web.url}/connections?notice=disconnected_deleted`);
        expect(await page.getByRole('status').first().textContent()).toContain('The marts are being rebuilt');
        await shot(page, 'connections-disconnected-data-deleted');
        pages.push(await page.content());

        for (const stream of ['pullrequests', 'members', 'commits']) {
          const [r] = await db.query<{ n: string }>(
            `select count(*) as n from ${db.table('raw_bitbucket', stream)} where connection_id = 'default'`,
          );
          expect(Number(r?.n), stream).toBe(0);
        }
        const [runs] = await db.query<{ n: string }>(
          `select count(*) as n from ${db.table('etl_meta', 'runs')} where connection_id = 'default'`,
        );
        expect(Number(runs?.n)).toBe(0);
        // The rebuild runs in the background: the next transform run shows the marts empty.
        await expect.poll(rebuilds, { timeout: 60_000 }).toBe(2);
        for (const mart of ['fct_seat_utilization_daily', 'fct_pull_requests', 'dim_workspaces']) {
          const [r] = await db.query<{ n: string }>(`select count(*) as n from ${db.table('marts', mart)}`);
          expect(Number(r?.n), mart).toBe(0);
        }
        await page.context().close();
      }, 180_000);
    },
    ['pglite'],
  );
});
