// Sign-in that resists guessing: failed sign-ins lock the account (and, past a higher limit, the
// client address) for a while; a locked sign-in answers 429 with Retry-After, even with the right
// password; every attempt is in etl_meta.audit_events; admins see it on the Connections page; the
// lockout ends by itself. Time is the app's injected clock, so no test waits for minutes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../temporal.config';
import { AuditEventStore } from '../../warehouse/auditEvents';
import { migrate } from '../../warehouse/migrate';
import { lockEnd } from '../../web/auth/signInThrottle';
import { usePipeline } from '../support/pipeline';
import { temporalAvailable, uniqueTaskQueue } from '../support/temporal';
import { describeEachWarehouse } from '../support/warehouse';
import { addTestUser, HttpSession, PASSWORD, startWebApp, type WebUnderTest } from '../support/web';

const MINUTE = 60_000;

describe('sign-in throttle policy (no services)', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

  it('locks at the max-th failure within the window, and failures before the lockout ends do not carry over', () => {
    expect(lockEnd([at(0), at(1), at(2)], 3, 15 * MINUTE, 15 * MINUTE)).toEqual(at(17));
    // Spread wider than the window: no lockout.
    expect(lockEnd([at(0), at(10), at(20)], 3, 15 * MINUTE, 15 * MINUTE)).toBeUndefined();
    // After the lockout the count starts again; a straggler recorded during it does not count.
    expect(lockEnd([at(0), at(1), at(2), at(5), at(18), at(19)], 3, 15 * MINUTE, 15 * MINUTE)).toEqual(
      at(17),
    );
    expect(lockEnd([at(0), at(1), at(2), at(18), at(19), at(20)], 3, 15 * MINUTE, 15 * MINUTE)).toEqual(
      at(35),
    );
  });

  it('reads its numbers from the environment, validated', () => {
    expect(loadConfig({}).signIn).toEqual({
      maxFailuresPerAccount: 5,
      maxFailuresPerAddress: 20,
      windowMinutes: 15,
      lockoutMinutes: 15,
    });
    expect(loadConfig({ SIGN_IN_MAX_FAILURES: '3', SIGN_IN_LOCKOUT_MINUTES: '60' }).signIn).toMatchObject({
      maxFailuresPerAccount: 3,
      lockoutMinutes: 60,
    });
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ SIGN_IN_MAX_FAILURES: '0' })).toEqual([
      'SIGN_IN_MAX_FAILURES="0" is invalid; expected a whole number of failed sign-ins, 1 to 1000',
    ]);
    expect(problems({ SIGN_IN_WINDOW_MINUTES: 'soon' })).toEqual([
      'SIGN_IN_WINDOW_MINUTES="soon" is invalid; expected a whole number of minutes, 1 to 1440 (a day)',
    ]);
    expect(() => loadConfig({ SIGN_IN_LOCKOUT_MINUTES: '1441' })).toThrow(ConfigError);
  });
});

describe.skipIf(!temporalAvailable())('web app', () =>
  describeEachWarehouse(
    'sign-in throttle',
    (engine) => {
      const fx = usePipeline(engine, { scale: 'tiny' });
      let web: WebUnderTest;
      let clock = Date.now();
      const advance = (ms: number) => {
        clock += ms;
      };
      beforeAll(async () => {
        await migrate(fx.db);
        await addTestUser(fx.db, 'ada', 'admin');
        await addTestUser(fx.db, 'grace', 'admin');
        await addTestUser(fx.db, 'max', 'member');
        web = await startWebApp(fx.sb, fx.db, {
          taskQueue: uniqueTaskQueue('web'),
          now: () => new Date(clock),
        });
      });
      afterAll(async () => {
        await web?.close();
      });

      /** A new visitor with a CSRF token; `signIn` posts the sign-in form. */
      async function visitor() {
        const client = new HttpSession(web.url);
        const csrf = await client.csrfFrom('/login');
        const signIn = (username: string, password: string) =>
          client.post('/login', { _csrf: csrf, username, password });
        return { client, signIn };
      }

      const sessionCookie = (res: Response) =>
        res.headers.getSetCookie().find((c) => c.startsWith('bbetl_session='));

      it('locks an account after 5 failures: 429 with Retry-After, even for the right password, until the lockout ends', async () => {
        const started = new Date(clock - 1);
        const { client, signIn } = await visitor();
        const answers: Response[] = [];
        for (let i = 0; i < 30; i += 1) answers.push(await signIn('ada', `guess-${i}`));
        expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 401, ...Array(26).fill(429)]);
        expect(await answers[0]?.text()).toContain('Wrong user name or password.');
        for (const locked of answers.slice(4)) {
          const retryAfter = Number(locked.headers.get('retry-after'));
          expect(retryAfter).toBeGreaterThan(14 * 60);
          expect(retryAfter).toBeLessThanOrEqual(15 * 60);
        }
        expect(await answers[29]?.text()).toContain(
          'Too many failed sign-ins for this account; try again in 15 minutes.',
        );

        // The right password during the lockout: still 429, and no session.
        advance(10 * MINUTE);
        const right = await signIn('ada', PASSWORD);
        expect(right.status).toBe(429);
        expect(Number(right.headers.get('retry-after'))).toBeLessThanOrEqual(5 * 60);
        expect(await right.text()).toContain('try again in 5 minutes');
        expect(sessionCookie(right)).toBeUndefined();
        expect(client.has('bbetl_session')).toBe(false);

        const events = (await new AuditEventStore(fx.db).recent(started)).filter((e) => e.actor === 'ada');
        expect(events.filter((e) => e.action === 'sign_in_failed')).toHaveLength(5);
        const throttled = events.filter((e) => e.action === 'sign_in_throttled');
        expect(throttled).toHaveLength(26);
        expect(throttled[0]?.clientAddress).toBe('127.0.0.1');
        expect(throttled[0]?.detail).toMatchObject({ scope: 'account' });
        expect(events.some((e) => e.action === 'sign_in')).toBe(false);

        // Another admin sees it on the Connections page; a member does not.
        const grace = await visitor();
        expect((await grace.signIn('grace', PASSWORD)).status).toBe(302);
        const page = await (await grace.client.request('/connections')).text();
        expect(page).toContain('Failed sign-ins in the last 24 hours');
        const row = /<tr data-account="ada">([\s\S]*?)<\/tr>/.exec(page)?.[1] ?? '';
        expect(row).toMatch(/data-col="failed">5</);
        expect(row).toMatch(/data-col="throttled">26</);
        expect(row).toContain('Locked</span> until');
        const max = await visitor();
        expect((await max.signIn('max', PASSWORD)).status).toBe(302);
        expect(await (await max.client.request('/connections')).text()).not.toContain('data-account="ada"');

        // The lockout ends by itself; then the right password signs in and the count starts again.
        advance(5 * MINUTE + 1000);
        const after = await signIn('ada', PASSWORD);
        expect(after.status).toBe(302);
        expect(sessionCookie(after)).toBeDefined();
        expect((await signIn('ada', 'one-more-guess')).status).toBe(401);
        const signedIn = await new AuditEventStore(fx.db).recent(started, { actions: ['sign_in'] });
        expect(signedIn.map((e) => e.actor)).toContain('ada');
        const notice = await (await grace.client.request('/connections')).text();
        expect(/<tr data-account="ada">([\s\S]*?)<\/tr>/.exec(notice)?.[1]).toMatch(/data-col="locked">no</);
      });

      it('locks out a client address after 20 failures across user names, whatever the account', async () => {
        advance(120 * MINUTE); // the previous test's failures no longer count
        const started = new Date(clock - 1);
        const { signIn } = await visitor();
        const statuses: number[] = [];
        for (let i = 0; i < 20; i += 1) statuses.push((await signIn(`nobody-${i}`, 'guess')).status);
        expect(statuses).toEqual([...Array(19).fill(401), 429]);

        // max has no failures of its own, but this address is locked out.
        const right = await signIn('max', PASSWORD);
        expect(right.status).toBe(429);
        expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await right.text()).toContain(
          'Too many failed sign-ins from your network address; try again in 15 minutes.',
        );
        expect(sessionCookie(right)).toBeUndefined();
        const [throttled] = await new AuditEventStore(fx.db).recent(started, {
          actions: ['sign_in_throttled'],
        });
        expect(throttled).toMatchObject({
          actor: 'max',
          clientAddress: '127.0.0.1',
          detail: { scope: 'address' },
        });

        advance(15 * MINUTE + 1000);
        expect((await signIn('max', PASSWORD)).status).toBe(302);
      });

      it('caps the rate of sign-in requests from one address (in memory) before counting anything', async () => {
        const { signIn } = await visitor();
        let capped: Response | undefined;
        // Soon throttled by the failures too; the cap answers within 100 requests a minute all the same.
        for (let i = 0; i <= 100 && !capped; i += 1) {
          const res = await signIn('flood', 'guess');
          if ((await res.text()).includes('Too many sign-in requests from your network address'))
            capped = res;
        }
        expect(capped?.status).toBe(429);
        expect(capped?.headers.get('retry-after')).toMatch(/^\d+$/);
      });
    },
    ['pglite', 'postgres'],
  ),
);
