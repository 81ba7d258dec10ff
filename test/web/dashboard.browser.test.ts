// The dashboard in headless Chromium, on real data: every page draws its charts under the strict
// CSP (no console error, no CSP report), and a full-page screenshot of each lands in
// test-results/screenshots/dashboard-<page>.png for a person to look at; with a seat price set,
// the Seats page draws its spend too and the Reclaimable seats page sorts from its headers
// (dashboard-seats-spend.png, dashboard-reclaimable-seats-priced.png). A repository named
// <script>alert(1)</script> shows as text and runs nothing.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../web/dashboard/days';
import { chromiumAvailable, launchChromium, screenshotDir } from '../support/browser';
import { temporalAvailable } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';
import { signedInPage } from '../support/web';
import { HOSTILE_NAME, setSeatPrices, useDashboardData } from './dashboardFixture';

/** Each page, the name of its screenshot and how many charts it draws. */
const PAGES = [
  { path: '/dashboard', name: 'seats', charts: 1 },
  { path: '/dashboard/reclaimable-seats', name: 'reclaimable-seats', charts: 0 },
  { path: '/dashboard/adoption', name: 'adoption', charts: 1 },
  { path: '/dashboard/usage', name: 'usage', charts: 1 },
  { path: '/dashboard/pull-requests', name: 'pull-requests', charts: 1 },
  { path: '/dashboard/pipelines', name: 'pipelines', charts: 2 },
  { path: '/dashboard/dora', name: 'dora', charts: 2 },
  { path: '/glossary', name: 'glossary', charts: 0 },
];

/** Waits until charts.js has drawn every chart of the page; returns how many it drew. */
async function chartsDrawn(page: Page): Promise<number> {
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll<HTMLCanvasElement>('canvas[data-chart]')).every(
      (c) => c.dataset.rendered,
    ),
  );
  return page.locator('canvas[data-chart][data-rendered="true"]').count();
}

describe.skipIf(!temporalAvailable() || !chromiumAvailable())('dashboard in Chromium', () => {
  describeEachWarehouse(
    'dashboard pages',
    (engine) => {
      const fx = useDashboardData(engine);
      let browser: Browser;
      let page: Page;
      /** Console errors and uncaught exceptions; CSP violations are console errors too. */
      const problems: string[] = [];
      const dialogs: string[] = [];
      beforeAll(async () => {
        browser = await launchChromium();
        page = await signedInPage(browser, fx.web, 'max');
        page.on('console', (m) => {
          // Chromium asks for /favicon.ico on its own; the app has none.
          if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) problems.push(m.text());
        });
        page.on('pageerror', (err) => problems.push(err.message));
        page.on('dialog', async (dialog) => {
          dialogs.push(dialog.message());
          await dialog.dismiss();
        });
      });
      afterAll(async () => {
        await browser?.close();
      });

      it('draws every page’s charts under the CSP and takes a screenshot of each', async () => {
        for (const p of PAGES) {
          await page.goto(`${fx.web.url}${p.path}`);
          expect(await chartsDrawn(page), p.path).toBe(p.charts);
          await page.screenshot({ path: join(screenshotDir, `dashboard-${p.name}.png`), fullPage: true });
        }
        expect(problems).toEqual([]);
      });

      it('shows a repository named <script>alert(1)</script> as text and runs nothing', async () => {
        await page.goto(`${fx.web.url}/dashboard/pipelines`);
        await chartsDrawn(page);
        const cell = page.locator('#pipelines-runs td', { hasText: HOSTILE_NAME }).first();
        expect(await cell.isVisible()).toBe(true);
        expect(await cell.textContent()).toBe(HOSTILE_NAME);
        expect(dialogs).toEqual([]);
        expect(problems).toEqual([]);
      });

      it('with a seat price: draws the spend and sorts the reclaimable seats, with screenshots', async () => {
        await setSeatPrices(fx.pipeline.db, [
          { workspace: 'acme', amount: '19.5', currency: 'EUR', effectiveFrom: '2024-01-01' },
        ]);
        await page.goto(`${fx.web.url}/dashboard`);
        expect(await chartsDrawn(page)).toBe(2);
        expect(await page.locator('[data-metric="spend"] .value').textContent()).toMatch(
          /^\s*[\d,]+\.\d\d\s*$/,
        );
        await page.screenshot({ path: join(screenshotDir, 'dashboard-seats-spend.png'), fullPage: true });

        await page.goto(`${fx.web.url}/dashboard/reclaimable-seats`);
        await page.locator('#reclaimable-seats th', { hasText: 'Idle days' }).locator('a.sort').click();
        await page.waitForURL((u) => u.searchParams.get('sort') === 'idle_days');
        const idle = (await page.locator('#reclaimable-seats tbody td:nth-child(4)').allTextContents()).map(
          (t) => Number(t.replace(/,/g, '')),
        );
        expect(idle.length).toBeGreaterThan(0);
        expect(idle).toEqual([...idle].sort((a, b) => a - b));
        await page.screenshot({
          path: join(screenshotDir, 'dashboard-reclaimable-seats-priced.png'),
          fullPage: true,
        });
        expect(problems).toEqual([]);
      });

      it('applies the filters from the form, as a shareable URL', async () => {
        await page.goto(`${fx.web.url}/dashboard/usage`);
        const to = await page.getByLabel('To').inputValue();
        const from = addDays(to, -6);
        await page.getByLabel('From').fill(from);
        await page.getByRole('button', { name: 'Apply' }).click();
        await page.waitForURL((u) => u.searchParams.get('from') === from);
        expect(new URL(page.url()).searchParams.get('workspace')).toBe('acme');
        expect(await page.locator('#usage-users caption').textContent()).toContain(`${from} to ${to}`);
      });
    },
    ['pglite'],
  );
});
