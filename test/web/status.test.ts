// The sync status page over HTTP, after a real sync through a Temporal worker: what it shows per
// stream (as the ledger and the raw tables count it), Sync now and Start backfill for admins only,
// a bad backfill range, and a running (paused) backfill's progress, with a Chromium screenshot.
import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBitbucketOAuth } from '../../bitbucket/auth/oauthClient';
import { startSyncWorkflow, syncId } from '../../client/launch';
import { runTransformProject } from '../../transforms/service';
import { clearStreamSettings, writeStreamSettings } from '../../warehouse/connectionStreams';
import { listRuns } from '../../warehouse/ledger';
import { migrate } from '../../warehouse/migrate';
import { DEFAULT_CONNECTION } from '../../web/deps';
import { defaultRange, parseBackfillForm, utcDay } from '../../web/status/backfillForm';
import { duration, isStale, relativeTime } from '../../web/status/freshness';
import { chromiumAvailable, launchChromium, screenshotDir } from '../support/browser';
import { usePipeline, workerOptions } from '../support/pipeline';
import { temporalAddress, temporalAvailable, uniqueTaskQueue, withWorker } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';
import {
  addTestUser,
  HttpSession,
  PASSWORD,
  signedInPage,
  startWebApp,
  type WebUnderTest,
} from '../support/web';
import { tempProjects } from '../transforms/support';

const UI_URL = 'http://temporal-ui.test';
const tempProject = tempProjects();
/** A range no other test backfills (workflow ids are global on the shared dev server). */
const BACKFILL_FORM = { workspace: 'acme', since: '2024-08-01', until: '2026-06-29' };
const BACKFILL_ID = `backfill:${DEFAULT_CONNECTION}:acme:2024-08-01T00:00:00Z:2026-06-30T00:00:00Z`;

async function signIn(web: WebUnderTest, username: string): Promise<HttpSession> {
  const session = new HttpSession(web.url);
  await session.post('/login', { _csrf: await session.csrfFrom('/login'), username, password: PASSWORD });
  return session;
}

/** Posts a status form with a fresh CSRF token. */
async function postForm(session: HttpSession, path: string, form: Record<string, string> = {}) {
  return session.post(path, { _csrf: await session.csrfFrom('/status'), ...form });
}

const number = (cell: string) => Number(cell.replace(/,/g, ''));

/** stream → [records, written by the last success], from the page's stream tables. */
function streamCells(html: string): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  const row =
    /<tr data-stream="([^"]+)">[\s\S]*?data-col="records">([^<]+)<[\s\S]*?data-col="last-run-records">([^<]+)</g;
  for (const [, stream, records, lastRun] of html.matchAll(row))
    out[stream as string] = [number(records as string), number(lastRun as string)];
  return out;
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('status page parts (no services)', () => {
  const now = new Date('2025-03-10T12:00:00Z');

  it('says how long ago and how long, and flags a workspace stale after two sync intervals', () => {
    expect(relativeTime(new Date('2025-03-10T11:55:00Z'), now)).toBe('5 minutes ago');
    expect(relativeTime(new Date('2025-03-10T14:00:00Z'), now)).toBe('in 2 hours');
    expect(relativeTime(new Date('2025-03-09T12:00:00Z'), now)).toBe('yesterday');
    expect(relativeTime(new Date('2025-03-10T11:59:30Z'), now)).toBe('just now');
    expect(duration(now, new Date('2025-03-10T12:00:35Z'))).toBe('35 s');
    expect(duration(now, new Date('2025-03-10T14:05:00Z'))).toBe('2 h 5 min');
    expect(duration(now, new Date('2025-03-13T14:00:00Z'))).toBe('3 d 2 h');
    expect(isStale(new Date('2025-03-10T10:01:00Z'), now, 60)).toBe(false);
    expect(isStale(new Date('2025-03-10T09:59:00Z'), now, 60)).toBe(true);
    expect(isStale(null, now, 60)).toBe(true);
  });

  it('reads a backfill range of whole UTC days, both ends included', () => {
    expect(defaultRange(now, 90)).toEqual({ since: '2024-12-10', until: '2025-03-10' });
    expect(
      parseBackfillForm({ workspace: 'acme', since: '2025-02-28', until: '2025-03-10' }, ['acme'], now),
    ).toEqual({ workspace: 'acme', since: '2025-02-28T00:00:00Z', until: '2025-03-11T00:00:00Z' });
    expect(() => parseBackfillForm({}, ['acme'], now)).toThrow(
      /workspace of this connection: acme\. Give the first day .* Give the last day/,
    );
  });
});

describe.skipIf(!temporalAvailable())('web app', () =>
  describeEachWarehouse(
    'status page',
    (engine) => {
      const fx = usePipeline(engine, { scale: 'tiny', seed: 11, rateLimitPerHour: 1_000_000 });
      const taskQueue = uniqueTaskQueue('web-status');
      let web: WebUnderTest;
      let admin: HttpSession;
      let member: HttpSession;

      beforeAll(async () => {
        await migrate(fx.db);
        await addTestUser(fx.db, 'ada', 'admin');
        await addTestUser(fx.db, 'max', 'member');
        // The web app shows the default connection; the fixture connected another one.
        const oauth = createBitbucketOAuth({ ...fx.sb.urls });
        await fx.services.vault.saveGrant(DEFAULT_CONNECTION, await oauth.clientCredentials(), {
          workspaces: ['acme'],
        });
        web = await startWebApp(fx.sb, fx.db, { taskQueue, env: { INITIAL_BACKFILL_DAYS: '30' } });
        // The app holds this very object: from now on it links workflows to a Temporal UI.
        web.workflows.uiUrl = UI_URL;
        await withWorker(workerOptions(fx.services, taskQueue), async () => {
          const { handle } = await startSyncWorkflow(web.workflows, DEFAULT_CONNECTION);
          await handle.result();
        });
        admin = await signIn(web, 'ada');
        member = await signIn(web, 'max');
      }, 300_000);

      afterAll(async () => {
        for (const id of [syncId(DEFAULT_CONNECTION, []), BACKFILL_ID])
          await web?.workflows.client.workflow
            .getHandle(id)
            .terminate('status test cleanup')
            .catch(() => {});
        await web?.close();
      });

      it('shows per stream the records and the last sync as the ledger and raw tables count them', async () => {
        const [run] = await listRuns(fx.db, { connectionId: DEFAULT_CONNECTION, limit: 5 });
        expect(run).toMatchObject({ status: 'completed', workspace: 'acme', kind: 'incremental' });
        const res = await member.request('/status');
        expect(res.status).toBe(200);
        const html = await res.text();
        const cells = streamCells(html);
        expect(Object.keys(cells).length).toBeGreaterThan(5);
        // The one sync wrote every record it read, so what it wrote adds up to the ledger's count.
        const written = Object.values(cells).reduce((sum, [, lastRun]) => sum + lastRun, 0);
        expect(written).toBe(run?.records);
        for (const [stream, [records]] of Object.entries(cells)) {
          const [row] = await fx.db.query(
            `select count(*) as n from ${fx.db.table('raw_bitbucket', stream)}
             where connection_id = $1 and _deleted_at is null`,
            [DEFAULT_CONNECTION],
          );
          expect(records, stream).toBe(Number(row?.n));
        }
        const finished = `${run?.finishedAt?.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
        expect(html).toContain(`${finished} (`);
        expect(html).toContain('<span class="badge ok">fresh</span>');
        // The run links to its workflow in the Temporal UI.
        expect(html).toContain(
          `${UI_URL}/namespaces/default/workflows/${encodeURIComponent(run?.workflowId ?? '')}`,
        );
        // The sync ran the transforms afterwards. The sandbox sends what real Bitbucket does (runs
        // without a trigger, HALTED stages, environments without a uuid …): warnings, each with its
        // rows, and never a failure.
        const transform = html.slice(html.indexOf('id="transform-title"'), html.indexOf('id="errors-title"'));
        expect(transform).toMatch(/started by sync<\/dd>[\s\S]*?<span class="badge ok">succeeded<\/span>/);
        expect(transform).not.toContain('not passed');
        const warnings = transform.split('<tr data-node="').slice(1);
        expect(warnings.length).toBeGreaterThan(0);
        for (const warning of warnings) {
          expect(warning).toMatch(/^[^"]+"><td>[^<]+<\/td><td>test<\/td>/);
          expect(warning).toMatch(/\d+ offending rows?[^<]*:<\/p>\s*<table class="offending-rows">/);
        }
        expect(html).not.toContain('action="/status/sync"');
        expect(html).toContain('Only an admin can start a sync or a backfill.');
      });

      it('shows which streams the connection reads, and why the others are off', async () => {
        /** The streams the page lists as read or off, each with its reason when it shows one. */
        const shown = async (which: 'on' | 'off') => {
          const html = await (await member.request('/status')).text();
          const dd = new RegExp(`<dd data-streams="${which}">([\\s\\S]*?)</dd>`).exec(html)?.[1] ?? '';
          const items = dd.matchAll(
            /data-stream-choice="([^"]+)">[^<]*(?:<span class="hint">\(([^)]*)\)<\/span>)?/g,
          );
          return Object.fromEntries([...items].map((m) => [m[1], m[2] ?? '']));
        };
        expect(await shown('off')).toEqual({
          branches: 'default: no mart reads it',
          pipeline_steps: 'default: no mart reads it',
        });
        expect(Object.keys(await shown('on'))).toHaveLength(17);
        expect((await shown('on')).pullrequests).toBe('');

        await writeStreamSettings(fx.db, DEFAULT_CONNECTION, [{ stream: 'pipeline_steps', on: true }]);
        try {
          expect((await shown('on')).pipeline_steps).toBe('set for this connection');
          expect(Object.keys(await shown('off'))).toEqual(['branches']);
        } finally {
          await clearStreamSettings(fx.db, DEFAULT_CONNECTION, ['pipeline_steps']);
        }
      });

      it('shows a transform run with warnings as succeeded, each warning with its offending rows and their count', async () => {
        const { dir } = tempProject({
          'staging/runs.sql':
            "select 'SUCCESSFUL' as result union all select 'FROZEN' union all select '<b>HALTED</b>'",
          'staging/runs.yml':
            'columns:\n  result: { tests: [{ accepted_values: [SUCCESSFUL], severity: warn }] }',
        });
        const outcome = await runTransformProject(fx.db, { projectDir: dir, trigger: 'cli' });
        expect(outcome.ok).toBe(true);
        const html = await (await member.request('/status')).text();
        const card = html.slice(html.indexOf('id="transform-title"'), html.indexOf('id="errors-title"'));
        expect(card).toContain(`<code>${outcome.runId}</code>, started by cli`);
        expect(card).toMatch(
          /<span class="badge ok">succeeded<\/span>\s*<span class="badge warn">1 warning<\/span>/,
        );
        expect(card).not.toContain('failed');
        const row = /<tr data-node="runs\.result\.accepted_values">([\s\S]*?)<\/tbody>/.exec(card)?.[1] ?? '';
        expect(row).toContain('2 offending rows:');
        expect(row).toContain('<th>result</th><th>n_records</th>');
        // the rows as sent, as text (never markup)
        const cells = [...row.matchAll(/<tr><td>([^<]*)<\/td><td>1<\/td><\/tr>/g)].map((m) => m[1]).sort();
        expect(cells).toEqual(['&lt;b&gt;HALTED&lt;/b&gt;', 'FROZEN']);
      });

      it("starts a sync for an admin (attaching when one runs) and refuses a member's", async () => {
        const page = await (await admin.request('/status')).text();
        expect(page).toContain('action="/status/sync"');
        const since = utcDay(new Date(Date.now() - 30 * 86_400_000));
        expect(page).toContain(`name="since" value="${since}"`);

        const refused = await postForm(member, '/status/sync');
        expect(refused.status).toBe(403);
        expect(await refused.text()).toContain('Only an admin can do this.');

        const started = await postForm(admin, '/status/sync');
        expect(started.status).toBe(302);
        const id = syncId(DEFAULT_CONNECTION, []);
        expect(started.headers.get('location')).toBe(
          `/status?connection=default&started=${encodeURIComponent(id)}`,
        );
        // No worker polls now: the workflow waits, running, on the app's task queue.
        const described = await web.workflows.client.workflow.getHandle(id).describe();
        expect(described.status.name).toBe('RUNNING');
        expect(described.taskQueue).toBe(taskQueue);

        const again = await postForm(admin, '/status/sync');
        expect(again.headers.get('location')).toBe(
          `/status?connection=default&started=${encodeURIComponent(id)}&attached=1`,
        );
        const shown = await (await admin.request(again.headers.get('location') as string)).text();
        expect(shown).toContain('Already running, so nothing new was started');
        await web.workflows.client.workflow.getHandle(id).terminate('status test');
      });

      it('shows the started id as text, never as markup', async () => {
        const html = await (await admin.request('/status?started=%3Cscript%3Ex%3C%2Fscript%3E')).text();
        expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
        expect(html).not.toContain('<script>x');
      });

      it('refuses a bad backfill range with a 400 saying what to fix', async () => {
        const reversed = await postForm(admin, '/status/backfill', {
          ...BACKFILL_FORM,
          since: '2025-03-01',
          until: '2025-02-01',
        });
        expect(reversed.status).toBe(400);
        expect(await reversed.text()).toContain(
          'The first day (2025-03-01) is after the last day (2025-02-01): swap them.',
        );
        const garbled = await postForm(admin, '/status/backfill', { ...BACKFILL_FORM, since: '2025-02-30' });
        expect(garbled.status).toBe(400);
        expect(await garbled.text()).toContain('Give the first day as a date like 2025-01-31.');
        const future = await postForm(admin, '/status/backfill', { ...BACKFILL_FORM, until: '2999-01-01' });
        expect(future.status).toBe(400);
        expect(await future.text()).toContain('is in the future');
        const elsewhere = await postForm(admin, '/status/backfill', { ...BACKFILL_FORM, workspace: 'nope' });
        expect(elsewhere.status).toBe(400);
        expect(await elsewhere.text()).toContain('Choose a workspace of this connection: acme.');
        const memberTry = await postForm(member, '/status/backfill', BACKFILL_FORM);
        expect(memberTry.status).toBe(403);
      });

      describe('while a backfill runs, paused', () => {
        let native: NativeConnection;
        let worker: Worker;
        let workerRun: Promise<void>;

        beforeAll(async () => {
          const started = await postForm(admin, '/status/backfill', BACKFILL_FORM);
          expect(started.headers.get('location')).toBe(
            `/status?connection=default&started=${encodeURIComponent(BACKFILL_ID)}`,
          );
          // Paused before any worker sees it: it lists the repositories, then waits.
          await web.workflows.client.workflow.getHandle(BACKFILL_ID).signal('pause');
        });

        afterAll(async () => {
          worker?.shutdown();
          await workerRun;
          await native?.close();
        });

        it('leaves out a backfill of another task queue (another install in the namespace)', async () => {
          const elsewhere = `backfill:${DEFAULT_CONNECTION}:elsewhere:2024-01-01T00:00:00Z:2024-02-01T00:00:00Z`;
          // No worker polls that queue: were it listed, its progress query would stall the page.
          const handle = await web.workflows.client.workflow.start('backfill', {
            taskQueue: uniqueTaskQueue('other-install'),
            workflowId: elsewhere,
            args: [{}],
          });
          try {
            const html = await (await member.request('/status')).text();
            expect(html).toContain(`data-workflow-id="${BACKFILL_ID}"`);
            expect(html).not.toContain('elsewhere');
          } finally {
            await handle.terminate('status test cleanup');
          }
        });

        it('shows it queued, then with its progress once a worker has it', async () => {
          const row = (html: string) =>
            new RegExp(`<tr data-workflow-id="${BACKFILL_ID}">([\\s\\S]*?)</tr>`).exec(html)?.[1];
          const queued = await eventually('the queued backfill', async () =>
            row(await (await member.request('/status')).text()),
          );
          expect(queued).toContain('waiting for a worker to pick it up');
          expect(queued).toContain(
            `${UI_URL}/namespaces/default/workflows/${encodeURIComponent(BACKFILL_ID)}`,
          );

          native = await NativeConnection.connect({ address: temporalAddress() });
          worker = await Worker.create({ ...workerOptions(fx.services, taskQueue), connection: native });
          workerRun = worker.run();
          const progress = await eventually('its progress', async () => {
            const cells = row(await (await member.request('/status')).text());
            return cells?.includes('paused') && cells.includes('skipped') ? cells : undefined;
          });
          // 2024-08-01 .. 2026-06-30 in 90-day windows: 8 of them, none done while paused. The
          // oldest repository was created on 2026-01-18: the 5 windows that end before are skipped.
          expect(progress).toContain('<progress value="0" max="3">');
          expect(progress).toContain('0/3');
          expect(progress).toContain('(5 skipped)');
          // No repository read yet: nothing to estimate from.
          expect(progress).toContain('ETA: no estimate yet');
        }, 60_000);

        it.skipIf(!chromiumAvailable())(
          'looks right in Chromium',
          async () => {
            const browser = await launchChromium();
            try {
              const page = await signedInPage(browser, web, 'ada');
              const violations: string[] = [];
              page.on('console', (m) => {
                if (m.type() === 'error') violations.push(m.text());
              });
              await page.goto(`${web.url}/status?started=${encodeURIComponent(BACKFILL_ID)}`);
              await expect(page.getByRole('heading', { name: 'Sync status' }).isVisible()).resolves.toBe(
                true,
              );
              await page.getByRole('cell', { name: 'paused' }).waitFor();
              await page.screenshot({ path: join(screenshotDir, 'status.png'), fullPage: true });
              expect(violations).toEqual([]);
            } finally {
              await browser.close();
            }
          },
          60_000,
        );
      });
    },
    ['pglite', 'postgres'],
  ),
);
