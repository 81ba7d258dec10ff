// The repository-level pull request activity list (`GET …/pullrequests/activity`, API-NOTES §8): the
// per-PR activity lists' records, all in one list, newest first, with the per-PR list's page rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { apiGet, clientCredentialsToken, control, fetchAll } from '../support/sandbox';

type Json = Record<string, any>;
const ALL_STATES = 'state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED';

/** The item's time, as the brief names it: comment created_on, approval/changes_requested date, update date. */
function timeOf(item: Json): string {
  return item.comment?.created_on ?? item.approval?.date ?? item.changes_requested?.date ?? item.update?.date;
}

/** JSON without its `links` (anywhere), so the same record compares equal whichever list served it. */
function withoutLinks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLinks);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'links')
      .map(([k, v]) => [k, withoutLinks(v)]),
  );
}

const asSortedStrings = (items: Json[]) => items.map((i) => JSON.stringify(withoutLinks(i))).sort();

describe('repository-level pull request activity', () => {
  let sb: Sandbox;
  let token: string;
  let repositories: Json[];

  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', seed: 8 });
    token = await clientCredentialsToken(sb);
    repositories = await fetchAll(sb, token, '/repositories/acme');
  });
  afterAll(() => sb?.close());

  const base = (repo: Json) => `/repositories/acme/${repo.slug}`;

  it('holds exactly the union of the per-PR activity lists, each item naming its pull request', async () => {
    for (const repo of repositories) {
      const prs = await fetchAll(sb, token, `${base(repo)}/pullrequests?${ALL_STATES}&pagelen=50`);
      const perPr: Json[] = [];
      for (const pr of prs)
        perPr.push(...(await fetchAll(sb, token, `${base(repo)}/pullrequests/${pr.id}/activity?pagelen=50`)));
      // Small pages, so `next` is followed across many of them.
      const wide = await fetchAll(sb, token, `${base(repo)}/pullrequests/activity?pagelen=7`);
      expect(wide.length, repo.slug).toBeGreaterThan(7);
      expect(asSortedStrings(wide), repo.slug).toEqual(asSortedStrings(perPr));

      const titles = new Map(prs.map((pr) => [pr.id, pr.title]));
      for (const item of wide) {
        expect(Object.keys(item.pull_request).sort()).toEqual(['id', 'links', 'title', 'type']);
        expect(item.pull_request.type).toBe('pullrequest');
        expect(item.pull_request.title).toBe(titles.get(item.pull_request.id));
        expect(item.pull_request.links.self.href).toMatch(/\/pullrequests\/\d+$/);
        if (item.comment) expect(item.comment.pullrequest.id).toBe(item.pull_request.id);
      }
    }
  });

  it('lists what the ground truth calls pr_activity', async () => {
    const keys: string[] = [];
    for (const repo of repositories) {
      for (const item of await fetchAll(sb, token, `${base(repo)}/pullrequests/activity?pagelen=50`)) {
        const kind = Object.keys(item).find((k) => k !== 'pull_request') as string;
        const who = item.comment ? `comment-${item.comment.id}` : (item[kind].user ?? item[kind].author).uuid;
        keys.push(`${repo.uuid}:${item.pull_request.id}:${kind}:${timeOf(item)}:${who}`);
      }
    }
    const truth = (await control(sb, 'GET', '/truth?workspace=acme&keys=1')).json;
    expect(keys.sort()).toEqual([...truth.keys.pr_activity].sort());
  });

  it('serves newest first across pull requests, the same order on every read', async () => {
    for (const repo of repositories) {
      const items = await fetchAll(sb, token, `${base(repo)}/pullrequests/activity?pagelen=50`);
      const times = items.map(timeOf);
      // Every time is `…T..:..:..ffffff+00:00`, so text order is time order.
      expect(times.every((t) => /\.\d{6}\+00:00$/.test(t))).toBe(true);
      expect(times).toEqual([...times].sort().reverse());
      expect(new Set(items.map((i) => i.pull_request.id)).size).toBeGreaterThan(1);
      const again = await fetchAll(sb, token, `${base(repo)}/pullrequests/activity?pagelen=13`);
      expect(again).toEqual(items);
    }
  });

  it('is its own route, with the per-PR list’s cap of 50, scope and fields=', async () => {
    const path = `${base(repositories[0] as Json)}/pullrequests/activity`;
    const full = await apiGet(sb, token, `${path}?pagelen=50`);
    expect(full.status).toBe(200);
    expect(full.json.pagelen).toBe(50);
    const tooBig = await apiGet(sb, token, `${path}?pagelen=51`);
    expect(tooBig.status).toBe(400);
    expect(tooBig.json).toEqual({ type: 'error', error: { message: 'Invalid pagelen' } });

    const first = await apiGet(sb, token, `${path}?pagelen=5`);
    expect(first.json.values).toHaveLength(5);
    expect(new URL(first.json.next).pathname).toBe(new URL(`${sb.urls.apiUrl}${path}`).pathname);

    const ids = await apiGet(sb, token, `${path}?pagelen=5&fields=values.pull_request.id,next`);
    expect(Object.keys(ids.json).sort()).toEqual(['next', 'values']);
    expect(ids.json.values).toEqual(
      first.json.values.map((v: Json) => ({ pull_request: { id: v.pull_request.id } })),
    );
    const noPr = await apiGet(sb, token, `${path}?pagelen=5&fields=-values.pull_request`);
    expect(noPr.json.values.every((v: Json) => !('pull_request' in v))).toBe(true);
    expect(Object.keys(noPr.json.values[0]).length).toBe(1);

    expect((await apiGet(sb, token, `${path}?q=id>1`)).status).toBe(400);

    const scopes = (await control(sb, 'GET', '/state')).json.limits.scopes;
    await control(sb, 'PUT', '/limits', { scopes: ['account', 'repository'] });
    try {
      const narrow = await clientCredentialsToken(sb);
      const denied = await apiGet(sb, narrow, path);
      expect(denied.status).toBe(403);
      expect(denied.headers.get('x-accepted-oauth-scopes')).toBe('pullrequest');
    } finally {
      await control(sb, 'PUT', '/limits', { scopes });
    }
    expect(
      (await apiGet(sb, token, '/repositories/acme/no-such-repository/pullrequests/activity')).status,
    ).toBe(404);
  });
});
