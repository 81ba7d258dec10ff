// Invite links, beyond what test/web/connect.e2e.test.ts covers (a link changed or cut short,
// reused, expired): a link signed with any key but the app's invite key is refused, even for a
// real invite and even with the app's own secret under another purpose. (Concurrent uses of one
// invite: hostileInputs.test.ts.)
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebAccountStore } from '../../warehouse/webAccounts';
import { DEFAULT_CONNECTION } from '../../web/deps';
import { deriveKey, signToken } from '../../web/keys';
import { usePipeline } from '../support/pipeline';
import { temporalAvailable, uniqueTaskQueue } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';
import { HttpSession, startWebApp, type WebUnderTest } from '../support/web';

describe.skipIf(!temporalAvailable())('security: forged invite links', () =>
  describeEachWarehouse(
    'web app',
    (engine) => {
      const fx = usePipeline(engine, { scale: 'tiny' });
      let web: WebUnderTest;
      beforeAll(async () => {
        web = await startWebApp(fx.sb, fx.db, { taskQueue: uniqueTaskQueue('invites') });
      });
      afterAll(async () => {
        await web?.close();
      });

      it('refuses a link for a real invite signed with a foreign key or the cookie key', async () => {
        const accounts = new WebAccountStore(fx.db);
        await accounts.insertInvite({
          inviteId: 'real-invite',
          connectionId: DEFAULT_CONNECTION,
          createdBy: 'max',
          expiresAt: new Date(Date.now() + 86_400_000),
        });
        const link = (key: Buffer) => `/invite/${signToken(key, { id: 'real-invite' })}`;
        const forgeries = [
          link(deriveKey(randomBytes(32), 'invites')),
          link(deriveKey(web.services.secretKey, 'cookies')),
          link(web.services.secretKey),
        ];
        const visitor = new HttpSession(web.url);
        const csrf = await visitor.csrfFrom('/login');
        for (const forged of forgeries) {
          const page = await visitor.request(forged);
          expect(page.status, forged).toBe(400);
          expect(await page.text()).toContain('This invite link is not valid');
          expect((await visitor.post(`${forged}/connect`, { _csrf: csrf })).status, forged).toBe(400);
        }
        expect((await accounts.getInvite('real-invite'))?.usedAt).toBeNull();
        // The same invite, signed with the invite key, is welcome.
        expect((await visitor.request(link(deriveKey(web.services.secretKey, 'invites')))).status).toBe(200);
      });
    },
    ['pglite'],
  ),
);
