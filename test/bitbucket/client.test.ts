import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitbucketClient, type RequestOutcome, type TokenProvider } from '../../bitbucket/client';
import type { BitbucketError } from '../../bitbucket/errors';
import { PacedBudget } from '../../bitbucket/requestBudget';
import { iterateStream } from '../../bitbucket/streams/iterate';
import { createLogger } from '../../lib/log';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { sandboxTokens } from '../support/crawl';
import { control } from '../support/sandbox';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A scripted API: each request takes the next handler. */
function scriptedServer() {
  const script: Handler[] = [];
  const seen: Array<{ url: string; authorization?: string }> = [];
  const server: Server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const handler = script.shift();
    if (!handler) {
      res.writeHead(599).end('no script');
      return;
    }
    handler(req, res);
  });
  return { server, script, seen };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

function tokens(): TokenProvider & { refreshes: number } {
  let current = 'token-1';
  const provider = {
    refreshes: 0,
    accessToken: async () => current,
    refreshAfterUnauthorized: async () => {
      provider.refreshes += 1;
      current = `token-${provider.refreshes + 1}`;
      return current;
    },
  };
  return provider;
}

describe('BitbucketClient', () => {
  const api = scriptedServer();
  let base: string;
  const waits: number[] = [];
  const make = (t = tokens(), budget?: PacedBudget) =>
    new BitbucketClient({
      apiUrl: `${base}/2.0`,
      tokens: t,
      budget,
      maxAttempts: 4,
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0.5,
    });

  beforeAll(async () => {
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => api.server.close(resolve)));

  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (err: unknown) => err as BitbucketError,
    );

  it('sends the bearer token and returns parsed JSON', async () => {
    api.script.push(json(200, { ok: true }));
    expect(await make().get('/user')).toEqual({ ok: true });
    expect(api.seen.at(-1)?.authorization).toBe('Bearer token-1');
  });

  it('refreshes the token once on a 401, then retries with the new one', async () => {
    const t = tokens();
    api.script.push(
      json(401, { type: 'error', error: { message: 'Access token expired.' } }),
      json(200, { ok: 1 }),
    );
    expect(await make(t).get('/user')).toEqual({ ok: 1 });
    expect(t.refreshes).toBe(1);
    expect(api.seen.at(-1)?.authorization).toBe('Bearer token-2');
  });

  it('a second 401 after the refresh is AUTH, not retried', async () => {
    const t = tokens();
    api.script.push(
      json(401, { type: 'error', error: { message: 'expired' } }),
      json(401, { type: 'error', error: { message: 'revoked' } }),
    );
    const err = await failure(make(t).get('/user'));
    expect(err?.kind).toBe('AUTH');
    expect(err?.retryable).toBe(false);
    expect(t.refreshes).toBe(1);
  });

  it('retries 5xx, resets and truncated JSON with exponential backoff and jitter', async () => {
    waits.length = 0;
    api.script.push(
      json(503, {}),
      (req) => req.socket.destroy(),
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"values": [1, 2');
      },
      json(200, { values: [1, 2, 3] }),
    );
    const client = make();
    expect(await client.get('/repositories/ws')).toEqual({ values: [1, 2, 3] });
    expect(client.stats.retries).toBe(3);
    // random() = 0.5 of a ceiling that doubles: 500, 1000, 2000 → 250, 500, 1000.
    expect(waits).toEqual([250, 500, 1000]);
  });

  it('gives up after maxAttempts with the last TRANSIENT error', async () => {
    api.script.push(
      json(500, {}),
      json(502, {}),
      json(503, {}),
      json(500, { type: 'error', error: { message: 'boom' } }),
    );
    const err = await failure(make().get('/x'));
    expect(err?.kind).toBe('TRANSIENT');
    expect(err?.message).toContain('500 boom');
  });

  it('retries 429 (text/plain, no Retry-After) and tells the budget to slow down; honours Retry-After', async () => {
    waits.length = 0;
    let now = 0;
    const budget = new PacedBudget({
      limitPerWindow: 1000,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    const before = budget.currentRatePerHour;
    api.script.push(
      (_req, res) => {
        res
          .writeHead(429, { 'content-type': 'text/plain' })
          .end('Rate limit for this resource has been exceeded');
      },
      json(429, {}, { 'retry-after': '7' }),
      json(200, { ok: true }),
    );
    const client = make(tokens(), budget);
    expect(await client.get('/repositories/ws')).toEqual({ ok: true });
    expect(client.stats.rateLimited).toBe(2);
    expect(budget.rateLimitedCount).toBe(2);
    expect(budget.currentRatePerHour).toBeLessThan(before);
    expect(waits).toEqual([250, 7000]);
  });

  it('classifies 403 (naming the missing scope), 404, 410 and 400 without retrying', async () => {
    api.script.push(
      json(
        403,
        { type: 'error', error: { message: 'lacks scopes' } },
        { 'x-accepted-oauth-scopes': 'pipeline' },
      ),
    );
    const forbidden = await failure(make().get('/repositories/ws/r/pipelines'));
    expect(forbidden?.kind).toBe('FORBIDDEN');
    expect(forbidden?.message).toContain('needs the OAuth scope "pipeline"');
    api.script.push(json(404, { type: 'error', error: { message: "No workspace with identifier 'nope'." } }));
    const missing = await failure(make().get('/repositories/nope'));
    expect(missing?.kind).toBe('NOT_FOUND');
    expect(missing?.message).toContain("'nope'");
    api.script.push(
      json(410, { type: 'error', error: { message: 'CHANGE-2770 - Functionality has been deprecated' } }),
    );
    expect((await failure(make().get('/workspaces')))?.kind).toBe('GONE');
    api.script.push(json(400, { type: 'error', error: { message: 'Invalid pagelen' } }));
    const bad = await failure(make().get('/repositories/ws/r/pullrequests', { pagelen: 100 }));
    expect(bad?.kind).toBe('BAD_REQUEST');
    expect(bad?.message).toContain('Invalid pagelen');
  });

  it('never sends the token to another host, even when a next link points there', async () => {
    const err = await failure(make().get('https://evil.example/2.0/steal'));
    expect(err?.kind).toBe('BAD_PAYLOAD');
    expect(err?.message).not.toContain('token-');
  });

  it('parks a record it cannot key, with its raw text, and keeps the others', async () => {
    api.script.push(json(200, { values: [{ uuid: '{a}', name: 'ok' }, { name: 'no uuid' }] }));
    const pages = [];
    for await (const page of iterateStream(make(), 'environments', {
      workspace: 'ws',
      repository: 'r',
      repositoryUuid: '{r}',
    })) {
      pages.push(page);
    }
    expect(pages[0]?.records.map((r) => r.key)).toEqual(['{a}']);
    expect(pages[0]?.rejects).toEqual([
      { raw: '{"name":"no uuid"}', reason: 'environments: record has no usable key' },
    ]);
  });

  it('rejects a page without a values array as BAD_PAYLOAD', async () => {
    api.script.push(json(200, { value: [] }));
    const pages = iterateStream(make(), 'environments', {
      workspace: 'ws',
      repository: 'r',
      repositoryUuid: '{r}',
    });
    const err = await failure(pages.next());
    expect(err?.kind).toBe('BAD_PAYLOAD');
  });

  it('tells its observer each answer: the stream named, the status (none: no answer), 429s, the budget left', async () => {
    const outcomes: RequestOutcome[] = [];
    let clock = 0;
    const budget = new PacedBudget({
      limitPerWindow: 100,
      windowMs: 1_000,
      burst: 10,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    const client = new BitbucketClient({
      apiUrl: `${base}/2.0`,
      tokens: tokens(),
      budget,
      maxAttempts: 4,
      sleep: async () => {},
      onRequest: (outcome) => outcomes.push(outcome),
    });
    api.script.push(
      (_req, res) => res.writeHead(429, { 'content-type': 'text/plain' }).end('Rate limit exceeded'),
      (req) => req.socket.destroy(),
      json(200, { ok: true }),
      json(200, { ok: true }),
    );
    await client.get('/repositories/ws', {}, { stream: 'repositories' });
    await client.get('/user');
    expect(outcomes.map(({ stream, status, rateLimited }) => [stream, status, rateLimited])).toEqual([
      ['repositories', 429, true],
      ['repositories', undefined, false],
      ['repositories', 200, false],
      [undefined, 200, false],
    ]);
    // The bucket's tokens after each grant: a burst of 10, less one per request, less the 429's emptying.
    expect(outcomes.map((o) => o.budgetLeft)).toEqual([9, 0, 0, 0]);
  });
});

describe('PacedBudget', () => {
  function fakeClock() {
    let now = 0;
    return {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
  }

  it('never lets a rolling hour see more than the limit, and spaces requests evenly after the burst', async () => {
    const clock = fakeClock();
    const budget = new PacedBudget({ limitPerWindow: 100, burst: 10, now: clock.now, sleep: clock.sleep });
    const times: number[] = [];
    for (let i = 0; i < 400; i += 1) {
      await budget.acquire();
      times.push(clock.now());
    }
    for (let i = 0; i < times.length; i += 1) {
      const inWindow = times.filter(
        (t) => t >= (times[i] as number) && t < (times[i] as number) + 3_600_000,
      ).length;
      expect(inWindow).toBeLessThanOrEqual(100);
    }
    const gaps = times.slice(20).map((t, i) => t - (times[i + 19] as number));
    // (100 - 10) requests per hour: 40 s apart.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(39_999);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(40_001);
    expect(times.slice(0, 10).every((t) => t === 0)).toBe(true);
  });

  it('halves its rate on a 429 and wins it back gradually', async () => {
    const clock = fakeClock();
    const budget = new PacedBudget({ limitPerWindow: 1000, now: clock.now, sleep: clock.sleep });
    const full = budget.currentRatePerHour;
    budget.onRateLimited();
    expect(budget.currentRatePerHour).toBeCloseTo(full / 2);
    for (let i = 0; i < 200; i += 1) await budget.acquire();
    expect(budget.currentRatePerHour).toBeCloseTo(full);
  });

  /** A logger whose lines the test reads. */
  function capturedLog() {
    const lines: Array<{ level: number; msg: string; toPerHour?: number }> = [];
    const log = createLogger({ destination: { write: (line: string) => lines.push(JSON.parse(line)) } });
    return {
      log,
      infos: () => lines.filter((l) => l.level === 30),
      warnings: () => lines.filter((l) => l.level === 40),
    };
  }

  /** The mean gap between requests once the burst is spent. */
  async function steadyGap(budget: PacedBudget, clock: ReturnType<typeof fakeClock>): Promise<number> {
    for (let i = 0; i < 600; i += 1) await budget.acquire();
    const before = clock.now();
    for (let i = 0; i < 100; i += 1) await budget.acquire();
    return (clock.now() - before) / 100;
  }

  it('sizes itself from X-RateLimit-Limit, above and below the configured limit, logging each change once', async () => {
    const clock = fakeClock();
    const { log, infos } = capturedLog();
    const budget = new PacedBudget({ limitPerWindow: 1000, now: clock.now, sleep: clock.sleep, log });
    // A large workspace's scaled limit: 10,000 an hour, burst 500, the rest evenly.
    budget.onServerLimit('10000');
    budget.onServerLimit('10000');
    expect(budget.limitPerHour).toBe(10_000);
    expect(await steadyGap(budget, clock)).toBeCloseTo(3_600_000 / 9_500, 0);
    budget.onServerLimit('500');
    expect(budget.limitPerHour).toBe(500);
    expect(await steadyGap(budget, clock)).toBeCloseTo(3_600_000 / 475, 0);
    expect(infos().map((l) => l.toPerHour)).toEqual([10_000, 500]);
  });

  it('keeps a 429 slowdown when the limit changes', () => {
    const clock = fakeClock();
    const budget = new PacedBudget({ limitPerWindow: 1000, now: clock.now, sleep: clock.sleep });
    budget.onRateLimited();
    budget.onServerLimit('2000');
    // Half of the new full rate (2,000 - burst 100).
    expect(budget.currentRatePerHour).toBeCloseTo(1_900 / 2);
  });

  it('ignores an X-RateLimit-Limit that is no limit, with one warning', () => {
    const clock = fakeClock();
    const { log, warnings, infos } = capturedLog();
    const budget = new PacedBudget({ limitPerWindow: 1000, now: clock.now, sleep: clock.sleep, log });
    const rate = budget.currentRatePerHour;
    for (const header of ['lots', '', '0', '-5', '12.5', '1e4', '10000000', '99999999999999999999'])
      budget.onServerLimit(header);
    expect(budget.limitPerHour).toBe(1000);
    expect(budget.currentRatePerHour).toBe(rate);
    expect(warnings()).toHaveLength(1);
    expect(infos()).toHaveLength(0);
  });
});

describe('the budget against a sandbox that sends X-RateLimit-Limit (access-token traffic)', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', seed: 3, rateLimitPerHour: 5_000, rateLimitHeaders: true });
  });
  afterAll(() => sb?.close());

  const readWith = async (budget: PacedBudget) => {
    const client = new BitbucketClient({ apiUrl: sb.urls.apiUrl, tokens: sandboxTokens(sb), budget });
    await client.get('/user');
    await client.get('/repositories/acme');
  };

  it('follows the limit the answers state, above or below the configured one', async () => {
    const budget = new PacedBudget({ limitPerWindow: 1_000 });
    await readWith(budget);
    expect(budget.limitPerHour).toBe(5_000);
    await control(sb, 'PUT', '/limits', { rateLimitPerHour: 200 });
    await readWith(budget);
    expect(budget.limitPerHour).toBe(200);
  });

  it('keeps the configured limit when the answers carry none (OAuth traffic)', async () => {
    await control(sb, 'PUT', '/limits', { rateLimitHeaders: false });
    const budget = new PacedBudget({ limitPerWindow: 1_000 });
    await readWith(budget);
    expect(budget.limitPerHour).toBe(1_000);
  });
});
