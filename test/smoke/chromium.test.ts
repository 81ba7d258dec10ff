import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, screenshotDir } from '../support/browser';

describe.skipIf(!chromiumAvailable())('headless Chromium (smoke)', () => {
  let server: Server;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        '<!doctype html><title>bbetl smoke</title><button onclick="this.textContent=\'clicked\'">click me</button>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('loads a localhost page, runs its script and takes a screenshot', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    expect(await page.title()).toBe('bbetl smoke');
    await page.getByRole('button').click();
    expect(await page.getByRole('button').textContent()).toBe('clicked');
    const shot = await page.screenshot({ path: join(screenshotDir, 'smoke.png') });
    expect(shot.length).toBeGreaterThan(1000);
  });
});
