// Sign-in, sessions, CSRF and security headers of the web app, over plain HTTP (no browser needed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../warehouse/migrate';
import { usePipeline } from '../support/pipeline';
import { temporalAvailable, uniqueTaskQueue } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';
import { addTestUser, HttpSession, PASSWORD, startWebApp, type WebUnderTest } from '../support/web';

describe.skipIf(!temporalAvailable())('web app', () =>
  describeEachWarehouse(
    'accounts',
    (engine) => {
      const fx = usePipeline(engine, { scale: 'tiny' });
      let web: WebUnderTest;
      beforeAll(async () => {
        await migrate(fx.db);
        await addTestUser(fx.db, 'ada', 'admin');
        await addTestUser(fx.db, 'max', 'member');
        web = await startWebApp(fx.sb, fx.db, { taskQueue: uniqueTaskQueue('web') });
      });
      afterAll(async () => {
        await web?.close();
      });

      it('sends a strict Content-Security-Policy and no-sniff headers on every page', async () => {
        const res = await new HttpSession(web.url).request('/login');
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("default-src 'self'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).not.toContain('unsafe-inline');
        expect(csp).toContain(`form-action 'self' ${new URL(fx.sb.urls.oauthUrl).origin}`);
        expect(csp).toContain("frame-ancestors 'none'");
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      });

      it('sends a signed-out visitor to the sign-in page and back where they were going', async () => {
        const client = new HttpSession(web.url);
        const res = await client.request('/dashboard?workspace=acme');
        expect(res.status).toBe(302);
        expect(res.headers.get('location')).toBe('/login?next=%2Fdashboard%3Fworkspace%3Dacme');
        const token = await client.csrfFrom('/login');
        const login = await client.post('/login', {
          _csrf: token,
          username: 'ada',
          password: PASSWORD,
          next: '/dashboard?workspace=acme',
        });
        expect(login.status).toBe(302);
        expect(login.headers.get('location')).toBe('/dashboard?workspace=acme');
        const session = login.headers.getSetCookie().find((c) => c.startsWith('bbetl_session='));
        expect(session).toMatch(/HttpOnly/i);
        expect(session).toMatch(/SameSite=Lax/i);
        expect(session).not.toMatch(/Secure/i);
      });

      it('refuses a wrong password, an unknown user and an off-site next', async () => {
        const client = new HttpSession(web.url);
        const token = await client.csrfFrom('/login');
        const wrong = await client.post('/login', { _csrf: token, username: 'ada', password: 'nope' });
        expect(wrong.status).toBe(401);
        expect(await wrong.text()).toContain('Wrong user name or password.');
        const unknown = await client.post('/login', { _csrf: token, username: 'eve', password: PASSWORD });
        expect(unknown.status).toBe(401);
        expect(client.has('bbetl_session')).toBe(false);
        const offsite = await client.post('/login', {
          _csrf: token,
          username: 'max',
          password: PASSWORD,
          next: '//evil.example/x',
        });
        expect(offsite.headers.get('location')).toBe('/');
      });

      it('refuses a form without a valid CSRF token and keeps the session', async () => {
        const client = new HttpSession(web.url);
        const token = await client.csrfFrom('/login');
        await client.post('/login', { _csrf: token, username: 'ada', password: PASSWORD });
        expect(client.has('bbetl_session')).toBe(true);
        const forged = await client.post('/logout', { _csrf: 'forged' });
        expect(forged.status).toBe(403);
        expect(await forged.text()).toContain('did not come from this site');
        const missing = await client.post('/logout', {});
        expect(missing.status).toBe(403);
        expect(client.has('bbetl_session')).toBe(true);
        const logout = await client.post('/logout', { _csrf: await client.csrfFrom('/connections') });
        expect(logout.status).toBe(302);
        expect(client.has('bbetl_session')).toBe(false);
        expect((await client.request('/connections')).status).toBe(302);
      });

      it('behind HTTPS: Secure cookies, HSTS and upgrade-insecure-requests', async () => {
        const secure = await startWebApp(fx.sb, fx.db, {
          taskQueue: uniqueTaskQueue('web'),
          env: { PUBLIC_URL: 'https://bbetl.example.com' },
        });
        try {
          const client = new HttpSession(secure.url);
          const page = await client.request('/login');
          expect(page.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
          expect(page.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
          expect(page.headers.getSetCookie().every((c) => /; Secure/i.test(c))).toBe(true);
          const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
          const login = await client.post('/login', { _csrf: token, username: 'ada', password: PASSWORD });
          const session = login.headers.getSetCookie().find((c) => c.startsWith('bbetl_session='));
          expect(session).toMatch(/; Secure/i);
          expect(session).toMatch(/HttpOnly/i);
        } finally {
          await secure.close();
        }
      });

      it('answers an unknown page with a 404 page', async () => {
        const res = await new HttpSession(web.url).request('/no/such/page');
        expect(res.status).toBe(404);
        expect(await res.text()).toContain('There is no page at /no/such/page.');
      });
    },
    ['pglite', 'postgres'],
  ),
);
