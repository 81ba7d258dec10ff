import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitbucketClient } from '../../bitbucket/client';
import type { BitbucketError } from '../../bitbucket/errors';
import { iterateStream } from '../../bitbucket/streams/iterate';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { crawlWorkspace, emptyStore, keysOf, sandboxTokens } from '../support/crawl';
import { control } from '../support/sandbox';

const FAULTS = {
  errorRate: 0.05,
  burst429Rate: 0.01,
  burst429Length: 3,
  resetRate: 0.02,
  truncateRate: 0.03,
  // Few lists here span more than one page (drift only happens from page 2 on), so a rate
  // this high makes some drift certain rather than likely.
  pageDriftRate: 0.5,
  pageDriftSeconds: 1800,
};
const NO_FAULTS = { errorRate: 0, burst429Rate: 0, resetRate: 0, truncateRate: 0, pageDriftRate: 0 };

async function truthKeys(sb: Sandbox, workspace: string) {
  const truth = (await control(sb, 'GET', `/truth?workspace=${workspace}&keys=1`)).json;
  return Object.fromEntries(
    Object.entries(truth.keys as Record<string, string[]>).map(([k, v]) => [k, [...v].sort()]),
  );
}

async function sandboxNow(sb: Sandbox, offsetMs = 0): Promise<string> {
  return new Date(Date.parse((await control(sb, 'GET', '/state')).json.now) + offsetMs).toISOString();
}

function clientFor(sb: Sandbox) {
  // Fast retries: the faults are dense, and the test measures correctness, not patience.
  return new BitbucketClient({
    apiUrl: sb.urls.apiUrl,
    tokens: sandboxTokens(sb),
    backoffBaseMs: 5,
    backoffMaxMs: 50,
    maxAttempts: 12,
  });
}

async function expectTruth(sb: Sandbox, got: Record<string, string[]>) {
  const want = await truthKeys(sb, 'acme');
  // The workspaces stream lists every workspace the user is in, not only this one.
  const all: string[] = [];
  for (const ws of (await control(sb, 'GET', '/state')).json.workspaces)
    all.push(...((await truthKeys(sb, ws)).workspaces ?? []));
  want.workspaces = all.sort();
  for (const stream of Object.keys(want)) expect(got[stream] ?? [], stream).toEqual(want[stream]);
}

describe('stream iterators against the sandbox ground truth, every fault on', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    // Small scale: lists span several pages, so page drift has pages to drift between.
    sb = await startSandbox({
      scale: 'small',
      seed: 23,
      rateLimitPerHour: 1_000_000,
      tokenLifetimeSeconds: 3,
    });
  });
  afterAll(() => sb?.close());

  it('a full sync then an incremental one equal the truth exactly', async () => {
    const store = emptyStore();
    const client = clientFor(sb);
    await control(sb, 'PUT', '/faults', FAULTS);
    const startedAt = await sandboxNow(sb);
    await crawlWorkspace(client, store, 'acme', {});
    // Records created while the full pass ran (page drift moved the clock) belong to the next window.
    await control(sb, 'PUT', '/faults', NO_FAULTS);
    const since = new Date(Date.parse(startedAt) - 3_600_000).toISOString();
    await crawlWorkspace(client, store, 'acme', { since, until: await sandboxNow(sb, 1) });
    const stats = (await control(sb, 'GET', '/stats')).json;
    expect(
      stats.faultsInjected.error + stats.faultsInjected.reset + stats.faultsInjected.truncate,
    ).toBeGreaterThan(5);
    expect(stats.faultsInjected.drift).toBeGreaterThan(0);
    expect(client.stats.retries).toBeGreaterThan(5);
    await expectTruth(sb, keysOf(store));
  });
});

describe('incremental sync after the clock moves', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', seed: 21, rateLimitPerHour: 100_000 });
  });
  afterAll(() => sb?.close());

  it('picks up exactly the changes, deletes included', async () => {
    const store = emptyStore();
    const client = clientFor(sb);
    const t0 = await sandboxNow(sb);
    await crawlWorkspace(client, store, 'acme', { until: await sandboxNow(sb, 1) });
    const fullRequests = client.stats.requests;
    await control(sb, 'POST', '/clock/advance', { days: 120 });
    await crawlWorkspace(client, store, 'acme', {
      since: new Date(Date.parse(t0) - 3_600_000).toISOString(),
      until: await sandboxNow(sb, 1),
    });
    await expectTruth(sb, keysOf(store));
    expect(client.stats.requests - fullRequests).toBeGreaterThan(0);
  });
});

describe('bad input on the Bitbucket side', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', seed: 2, scopes: ['account', 'repository', 'pullrequest'] });
  });
  afterAll(() => sb?.close());

  const drainAll = async (pages: AsyncGenerator<unknown>) => {
    for await (const _ of pages);
  };
  it('a stream whose scope was not granted fails FORBIDDEN naming the scope; the others still read', async () => {
    const client = clientFor(sb);
    // Lists are addressed by uuid, as the extractor does.
    const repo = await client.get<{ uuid: string; workspace: { uuid: string } }>('/repositories/acme/api');
    const ref = {
      workspace: 'acme',
      workspaceUuid: repo.workspace.uuid,
      repository: 'api',
      repositoryUuid: repo.uuid,
    };
    const err = await drainAll(iterateStream(client, 'pipelines', ref)).then(
      () => undefined,
      (e: BitbucketError) => e,
    );
    expect(err?.kind).toBe('FORBIDDEN');
    expect(err?.message).toContain('"pipeline"');
    const prs = [];
    for await (const page of iterateStream(client, 'pullrequests', ref)) prs.push(...page.records);
    expect(prs.length).toBeGreaterThan(0);
  });

  it('an unknown workspace fails NOT_FOUND naming it', async () => {
    const client = clientFor(sb);
    const err = await drainAll(iterateStream(client, 'repositories', { workspace: 'no-such-ws' })).then(
      () => undefined,
      (e: BitbucketError) => e,
    );
    expect(err?.kind).toBe('NOT_FOUND');
    expect(err?.message).toContain('no-such-ws');
  });
});
