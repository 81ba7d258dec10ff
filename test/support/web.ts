// The web app for tests: built from the same parts as `bbetl web`, on a free port, against a
// sandbox, a warehouse and the test run's Temporal dev server; plus a signed-in browser page.
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import type { WorkflowTarget } from '../../client/launch';
import { FormClient, formField } from '../../lib/formClient';
import { createLogger } from '../../lib/log';
import { freePort } from '../../lib/net';
import type { Sandbox } from '../../sandbox/index';
import { createServices, type Services } from '../../services/services';
import { loadConfig } from '../../temporal.config';
import type { WarehouseEngine } from '../../warehouse/engine';
import { createWebApp } from '../../web/app';
import { addUser, type Role } from '../../web/auth/users';
import { pipelineEnv } from './pipeline';
import { temporalClient } from './temporal';

export const PASSWORD = 'correct horse battery';

export interface WebUnderTest {
  url: string;
  app: FastifyInstance;
  services: Services;
  workflows: WorkflowTarget;
  close(): Promise<void>;
}

/** Starts the web app; its workflows go to `taskQueue` (run a worker there to execute them). */
export async function startWebApp(
  sb: Sandbox,
  db: WarehouseEngine,
  options: { taskQueue: string; env?: Record<string, string>; logLines?: string[]; now?: () => Date },
): Promise<WebUnderTest> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({ ...pipelineEnv(sb), PUBLIC_URL: url, PORT: String(port), ...options.env });
  // With logLines, every log line (debug and up) is kept there, for tests that read the logs.
  const lines = options.logLines;
  const log = lines
    ? createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } })
    : createLogger({ level: 'warn', pretty: false });
  const services = await createServices(config, log, {
    db,
    clientOptions: { backoffBaseMs: 5, backoffMaxMs: 100, maxAttempts: 12 },
  });
  const client = await temporalClient();
  const workflows: WorkflowTarget = { client, namespace: 'default', taskQueue: options.taskQueue };
  const app = await createWebApp({ config, services, workflows, accessCheckTtlMs: 0, now: options.now });
  await app.listen({ port, host: '127.0.0.1' });
  return {
    url,
    app,
    services,
    workflows,
    async close() {
      await app.close();
      await client.connection.close();
      await services.close();
    },
  };
}

export async function addTestUser(db: WarehouseEngine, username: string, role: Role): Promise<void> {
  await addUser(db, username, PASSWORD, role);
}

/** A fresh browser context signed in as `username`. */
export async function signedInPage(browser: Browser, web: WebUnderTest, username: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${web.url}/login`);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

/** FormClient on one base URL, with the app's CSRF token at hand: tests of the app over plain HTTP. */
export class HttpSession extends FormClient {
  constructor(private readonly base: string) {
    super();
  }
  override request(path: string | URL, init: RequestInit = {}): Promise<Response> {
    return super.request(new URL(path, this.base), init);
  }
  async csrfFrom(path: string): Promise<string> {
    return formField(await (await this.request(path)).text(), '_csrf');
  }
}
