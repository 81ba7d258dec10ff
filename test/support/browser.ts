// Headless Debian Chromium driven by playwright-core (never a downloaded browser build).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { needService } from './services';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests write screenshots for a person to look at. */
export const screenshotDir = join(process.cwd(), 'test-results', 'screenshots');

export function chromiumAvailable(): boolean {
  return needService(
    'Chromium',
    existsSync(chromiumPath),
    `install Debian chromium or set CHROMIUM_PATH (${chromiumPath} missing)`,
  );
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // Playwright gives each launch a fresh temporary profile.
    // No background networking: this machine has no internet, and Chromium's own calls home would only be refused.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
