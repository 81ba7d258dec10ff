import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { apiGet, clientCredentialsToken, control, fetchAll } from '../support/sandbox';

describe('sandbox API 2.0 behaviour', () => {
  let sb: Sandbox;
  let token: string;
  const repo = '/repositories/acme/api';

  beforeAll(async () => {
    sb = await startSandbox({ scale: 'small', seed: 11 });
    token = await clientCredentialsToken(sb);
  });
  afterAll(() => sb?.close());

  it('caps pagelen at 50 for pull requests and PR activity, 100 elsewhere', async () => {
    expect((await apiGet(sb, token, `${repo}/pullrequests?pagelen=50`)).status).toBe(200);
    const tooBig = await apiGet(sb, token, `${repo}/pullrequests?pagelen=51`);
    expect(tooBig.status).toBe(400);
    expect(tooBig.json).toEqual({ type: 'error', error: { message: 'Invalid pagelen' } });
    const pr = (await apiGet(sb, token, `${repo}/pullrequests?state=MERGED&pagelen=1`)).json.values[0];
    expect((await apiGet(sb, token, `${repo}/pullrequests/${pr.id}/activity?pagelen=100`)).status).toBe(400);
    expect((await apiGet(sb, token, `${repo}/pipelines?pagelen=100`)).status).toBe(200);
    expect((await apiGet(sb, token, `${repo}/pipelines?pagelen=101`)).status).toBe(400);
    expect((await apiGet(sb, token, `${repo}/commits?pagelen=-1`)).status).toBe(400);
  });

  it('lists only OPEN pull requests unless state= is repeated', async () => {
    const byDefault = await fetchAll(sb, token, `${repo}/pullrequests?pagelen=50`);
    expect(byDefault.length).toBeGreaterThan(0);
    expect(new Set(byDefault.map((p) => p.state))).toEqual(new Set(['OPEN']));
    const all = await fetchAll(
      sb,
      token,
      `${repo}/pullrequests?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50`,
    );
    expect(new Set(all.map((p) => p.state))).toEqual(new Set(['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED']));
    const truth = (await control(sb, 'GET', '/truth?workspace=acme&keys=1')).json;
    const repoUuid = (await apiGet(sb, token, repo)).json.uuid;
    expect(all.length).toBe(truth.keys.pullrequests.filter((k: string) => k.startsWith(repoUuid)).length);
    expect((await apiGet(sb, token, `${repo}/pullrequests?state=BOGUS`)).status).toBe(400);
  });

  it('hides reviewers and participants in the PR collection but not on the single PR', async () => {
    const page = (await apiGet(sb, token, `${repo}/pullrequests?state=MERGED`)).json;
    expect(page.values[0]).not.toHaveProperty('participants');
    expect(page.values[0]).not.toHaveProperty('reviewers');
    const withThem = (
      await apiGet(sb, token, `${repo}/pullrequests?state=MERGED&fields=%2Bvalues.participants`)
    ).json;
    expect(withThem.values[0].participants.length).toBeGreaterThan(0);
    const single = (await apiGet(sb, token, `${repo}/pullrequests/${page.values[0].id}`)).json;
    expect(single.participants.length).toBeGreaterThan(0);
    expect(Array.isArray(single.reviewers)).toBe(true);
  });

  it('applies fields= to whole envelopes: removal, explicit lists (next must be asked for), wildcards', async () => {
    const noLinks = (await apiGet(sb, token, `${repo}/pullrequests?state=MERGED&fields=-values.links`)).json;
    expect(noLinks.values[0].links).toBeUndefined();
    expect(noLinks.values[0].title).toBeTypeOf('string');
    const slim = (
      await apiGet(sb, token, `${repo}/pullrequests?state=MERGED&pagelen=5&fields=values.id,values.state`)
    ).json;
    expect(Object.keys(slim)).toEqual(['values']);
    expect(Object.keys(slim.values[0]).sort()).toEqual(['id', 'state']);
    const withNext = (
      await apiGet(sb, token, `${repo}/pullrequests?state=MERGED&pagelen=5&fields=values.id,next`)
    ).json;
    expect(withNext.next).toContain('page=2');
  });

  it('filters with BBQL on updated_on with unquoted datetimes, AND/OR and IN', async () => {
    const all = await fetchAll(sb, token, `${repo}/pullrequests?state=MERGED&state=DECLINED&pagelen=50`);
    const sorted = all.map((p) => p.updated_on).sort();
    const cutoff = sorted[Math.floor(sorted.length / 2)];
    const q = encodeURIComponent(`updated_on > ${cutoff} AND state IN ("MERGED", "DECLINED")`);
    const newer = await fetchAll(
      sb,
      token,
      `${repo}/pullrequests?state=MERGED&state=DECLINED&pagelen=50&q=${q}`,
    );
    expect(newer.length).toBe(sorted.filter((u) => u > cutoff).length);
    expect(newer.every((p) => p.updated_on > cutoff)).toBe(true);
    const either = encodeURIComponent('state = "DECLINED" OR (state = "MERGED" AND id <= 3)');
    const picked = await fetchAll(
      sb,
      token,
      `${repo}/pullrequests?state=MERGED&state=DECLINED&pagelen=50&q=${either}`,
    );
    expect(picked.every((p) => p.state === 'DECLINED' || p.id <= 3)).toBe(true);
    const bad = await apiGet(sb, token, `${repo}/pullrequests?q=${encodeURIComponent('nope = 1')}`);
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('nope');
  });

  it('sorts by one field, ascending or descending', async () => {
    const asc = (await apiGet(sb, token, `${repo}/pullrequests?state=MERGED&sort=updated_on&pagelen=50`)).json
      .values;
    const desc = (await apiGet(sb, token, `${repo}/pullrequests?state=MERGED&sort=-updated_on&pagelen=50`))
      .json.values;
    const ascDates = asc.map((p: any) => p.updated_on);
    expect(ascDates).toEqual([...ascDates].sort());
    expect(desc[0].updated_on >= desc[desc.length - 1].updated_on).toBe(true);
    expect((await apiGet(sb, token, `${repo}/pullrequests?sort=bogus`)).status).toBe(400);
  });

  it('filters pipelines by the spec’s status enum (HALTED: waiting at a manual step), rejecting others', async () => {
    const all = await fetchAll(sb, token, `${repo}/pipelines?pagelen=100`);
    const halted = await fetchAll(sb, token, `${repo}/pipelines?status=HALTED&sort=-created_on&pagelen=100`);
    const isHalted = (p: any) => p.state.name === 'IN_PROGRESS' && p.state.stage?.name === 'HALTED';
    expect(halted.length).toBeGreaterThan(0);
    expect(halted.map((p) => p.uuid).sort()).toEqual(
      all
        .filter(isHalted)
        .map((p) => p.uuid)
        .sort(),
    );
    const passed = await fetchAll(sb, token, `${repo}/pipelines?status=PASSED&pagelen=100`);
    expect(passed.length).toBeGreaterThan(0);
    expect(passed.every((p) => p.state.result?.name === 'SUCCESSFUL')).toBe(true);
    expect((await apiGet(sb, token, `${repo}/pipelines?status=SUCCESSFUL`)).status).toBe(400);
  });

  it('pages commits with an opaque ctx cursor and no size, newest first', async () => {
    const first = (await apiGet(sb, token, `${repo}/commits?pagelen=20`)).json;
    expect(first).not.toHaveProperty('size');
    expect(first.next).toMatch(/[?&]ctx=/);
    const all = await fetchAll(sb, token, `${repo}/commits?pagelen=100`);
    const dates = all.map((c) => c.date);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(new Set(all.map((c) => c.hash)).size).toBe(all.length);
  });

  it('filters commits by include / exclude like git log, and lists a branch made earlier below older commits', async () => {
    const all = await fetchAll(sb, token, `${repo}/commits?pagelen=100`);
    const tips = all.filter(
      (c) => !all.some((o) => o.parents.some((p: { hash: string }) => p.hash === c.hash)),
    );
    const exclude = tips.map((c) => `exclude=${c.hash}`).join('&');
    expect((await fetchAll(sb, token, `${repo}/commits?pagelen=100&${exclude}`)).length).toBe(0);
    // The ancestry of one commit: itself and everything its parents reach.
    const middle = all[Math.floor(all.length / 2)];
    const reach = await fetchAll(sb, token, `${repo}/commits?pagelen=100&include=${middle.hash}`);
    const reached = new Set(reach.map((c) => c.hash));
    expect(reached.has(middle.hash)).toBe(true);
    for (const c of reach) for (const p of c.parents) expect(reached.has(p.hash)).toBe(true);
    const beyond = await fetchAll(sb, token, `${repo}/commits?pagelen=100&exclude=${middle.hash}`);
    expect(beyond.some((c) => reached.has(c.hash))).toBe(false);
    expect(reach.length + beyond.length).toBe(all.length);
    expect((await apiGet(sb, token, `${repo}/commits?exclude=${'0'.repeat(40)}`)).status).toBe(404);

    await control(sb, 'POST', '/push', {
      workspace: 'acme',
      repository: 'api',
      branch: 'old-work',
      commits: 3,
      hoursAgo: 24 * 90,
    });
    const later = await fetchAll(sb, token, `${repo}/commits?pagelen=100`);
    const pushed = await fetchAll(sb, token, `${repo}/commits?pagelen=100&${exclude}`);
    expect(pushed).toHaveLength(3);
    expect(later.length).toBe(all.length + 3);
    // Dated 90 days ago: listed among old commits, not first.
    expect(later.findIndex((c) => c.hash === pushed[0].hash)).toBeGreaterThan(100);
    const branch = (await apiGet(sb, token, `${repo}/refs/branches?q=name="old-work"`)).json.values[0];
    expect(branch.target.hash).toBe(pushed[0].hash);
  });

  it('writes timestamps with +00:00 and microseconds (pipelines with Z and up to 6 digits)', async () => {
    const pr = (await apiGet(sb, token, `${repo}/pullrequests?state=MERGED`)).json.values[0];
    expect(pr.created_on).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    const pipeline = (await apiGet(sb, token, `${repo}/pipelines`)).json.values[0];
    expect(pipeline.created_on).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/);
  });

  it('answers the retired cross-workspace endpoints with 410 CHANGE-2770, and issue paths with 410', async () => {
    for (const path of [
      '/workspaces',
      '/repositories',
      '/user/permissions/repositories',
      '/user/permissions/workspaces',
    ]) {
      const res = await apiGet(sb, token, path);
      expect(res.status, path).toBe(410);
      expect(res.json.error.message).toContain('CHANGE-2770');
    }
    expect((await apiGet(sb, token, `${repo}/issues`)).status).toBe(410);
    const unknown = await apiGet(sb, token, '/');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toBe('Resource not found');
  });

  it('redirects PR diffstat with a 302, like the real service', async () => {
    const pr = (await apiGet(sb, token, `${repo}/pullrequests?state=MERGED`)).json.values[0];
    const res = await apiGet(sb, token, `${repo}/pullrequests/${pr.id}/diffstat`);
    expect(res.status).toBe(302);
    const target = res.headers.get('location') as string;
    expect(target).toContain(`${sb.urls.apiUrl}/repositories/acme/api/diffstat/`);
    const diffstat = await apiGet(sb, token, target);
    expect(diffstat.status).toBe(200);
    expect(diffstat.json.values[0]).toMatchObject({ type: 'diffstat', status: 'modified' });
  });

  it('finds repositories and workspaces by {uuid}, and names an unknown workspace in a 404', async () => {
    const r = (await apiGet(sb, token, repo)).json;
    const byUuid = await apiGet(sb, token, `/repositories/%7B%7D/${encodeURIComponent(r.uuid)}`);
    expect(byUuid.json.full_name).toBe('acme/api');
    const ws = (await apiGet(sb, token, '/workspaces/acme')).json;
    expect((await apiGet(sb, token, `/workspaces/${encodeURIComponent(ws.uuid)}`)).json.slug).toBe('acme');
    const missing = await apiGet(sb, token, '/repositories/no-such-workspace');
    expect(missing.status).toBe(404);
    expect(missing.json.error.message).toContain('no-such-workspace');
  });

  it('shows soft-deleted comments with deleted: true', async () => {
    const prs = await fetchAll(
      sb,
      token,
      `${repo}/pullrequests?state=MERGED&state=DECLINED&state=OPEN&pagelen=50`,
    );
    let deleted = 0;
    for (const pr of prs.filter((p) => p.comment_count > 0)) {
      const comments = await fetchAll(sb, token, `${repo}/pullrequests/${pr.id}/comments?pagelen=100`);
      deleted += comments.filter((c) => c.deleted === true).length;
    }
    const truthPage = await fetchAll(sb, token, '/repositories/acme?pagelen=100');
    expect(truthPage.length).toBeGreaterThan(0);
    expect(deleted).toBeGreaterThan(0);
  });

  it('sends the OAuth scope headers', async () => {
    const res = await apiGet(sb, token, `${repo}/pipelines`);
    expect(res.headers.get('x-oauth-scopes')).toContain('pipeline');
    expect(res.headers.get('x-accepted-oauth-scopes')).toBe('pipeline');
    expect(res.headers.get('x-credential-type')).toBe('oauth2');
  });
});
