// Contract test: crawls every API 2.0 endpoint the sandbox implements (sandbox/api/routes.ts) as a client
// would, and checks each request against Atlassian's OpenAPI definition (the operation and its query
// parameters must exist) and each response body against the schema of its status (test/support/openapi.ts,
// with its documented `specRelaxations`). Every failure is collected and reported in one assertion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { assertOperationExists, openApiAvailable, validateResponse } from '../support/openapi';
import { needService } from '../support/services';

const available = needService(
  'Bitbucket OpenAPI definition',
  openApiAvailable(),
  'set BITBUCKET_OPENAPI_PATH',
);

/**
 * Query parameters that real Bitbucket puts into links it hands out, but that the spec does not declare on
 * the target operation. They are accepted on exactly that operation, nowhere else; a client never sends
 * them on its own, it only follows the link.
 */
const UNDECLARED_LINK_PARAMS: Record<string, readonly string[]> = {
  // Commits page with an iterator: `next` is `.../commits?ctx=<hash>&page=2` (API-NOTES §2, ref [17]); the
  // spec declares no query parameter at all on this operation (page/pagelen ride on the generic rule).
  '/repositories/{workspace}/{repo_slug}/commits': ['ctx'],
  // The PR diffstat 302 points at the repository diffstat with `?from_pullrequest_id=<id>`: real PR objects
  // carry exactly that link in links.diffstat.href, e.g. `…/diffstat/sourcegraph-testing/src-cli:8bbb22dda4e7
  // %0D12fba599d6b6?from_pullrequest_id=1` (sourcegraph/sourcegraph-public-snapshot, internal/extsvc/
  // bitbucketcloud/testdata/vcr/TestClient-GetPullRequest.yaml, recorded 2022-03-21), while the spec declares
  // only topic, merge, ignore_whitespace, renames and path on `…/diffstat/{spec}`.
  '/repositories/{workspace}/{repo_slug}/diffstat/{spec}': ['from_pullrequest_id'],
};

/**
 * Query parameters an operation's own description documents without declaring them as parameters.
 * The commits list: "GET /repositories/{workspace}/{repo_slug}/commits/?include=foo&include=bar&exclude=fu
 * &exclude=fubar Returns all commits that are on refs `foo` or `bar`, but not on `fu` or `fubar`".
 */
const DESCRIBED_PARAMS: Record<string, readonly string[]> = {
  '/repositories/{workspace}/{repo_slug}/commits': ['include', 'exclude'],
};

/** PR children (activity, comments, commits, diffstat) are read for at most this many PRs per repository. */
const PR_CHILDREN_PER_REPO = 5;
const PR_STATES = ['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED'] as const;

/** The few fields of listed objects that the crawl reads to build its next URLs. */
interface Item {
  id?: number;
  key?: string;
  slug?: string;
  state?: string;
  task_count?: number;
  uuid?: string;
  user?: { uuid: string };
  workspace?: { slug: string; uuid: string };
}
interface Answer {
  status: number;
  json: unknown;
  location: string | null;
}

describe.skipIf(!available)('sandbox against the Bitbucket OpenAPI definition', () => {
  let sb: Sandbox;
  let token: string;
  /** One line per distinct problem: `GET <template> → <status>: <what> (×n, e.g. <url>)`. */
  const problems = new Map<string, { count: number; example: string }>();
  const templates = new Set<string>();
  let requests = 0;
  let validated = 0;

  function problem(what: string, url: string): void {
    // Array indexes vary from item to item; one line per distinct rule broken keeps the report short.
    const key = what.replace(/\/\d+(?=[/ ])/g, '/*');
    const seen = problems.get(key);
    if (seen) seen.count++;
    else problems.set(key, { count: 1, example: url });
  }

  /** GETs `pathOrUrl` (relative to /2.0 or absolute), checks request and response, returns the answer. */
  async function get(pathOrUrl: string, expectStatus = 200): Promise<Answer> {
    const url = new URL(pathOrUrl.startsWith('http') ? pathOrUrl : `${sb.urls.apiUrl}${pathOrUrl}`);
    const shown = `${url.pathname}${url.search}`;
    const params = [...new Set(url.searchParams.keys())];
    requests++;
    let template = '(no operation)';
    try {
      const found = assertOperationExists('GET', url.pathname, []);
      template = found.template;
      const allowed = [...(UNDECLARED_LINK_PARAMS[template] ?? []), ...(DESCRIBED_PARAMS[template] ?? [])];
      assertOperationExists(
        'GET',
        url.pathname,
        params.filter((p) => !allowed.includes(p)),
      );
    } catch (err) {
      problem(`request: ${(err as Error).message}`, shown);
    }
    templates.add(template);

    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const answer: Answer = { status: res.status, json: undefined, location: res.headers.get('location') };
    if (res.status !== expectStatus)
      problem(`GET ${template}: expected ${expectStatus}, got ${res.status}`, shown);
    // A 302 has no body to check; a 429 is text/plain by design (API-NOTES §3).
    if (res.status === 302 || (res.status === 429 && type.startsWith('text/plain'))) return answer;
    try {
      answer.json = JSON.parse(text);
    } catch {
      problem(`GET ${template} → ${res.status}: body is not JSON (${type}): ${text.slice(0, 80)}`, shown);
      return answer;
    }
    const check = validateResponse('GET', url.pathname, res.status, answer.json);
    validated++;
    for (const error of check.errors) problem(`GET ${template} → ${res.status}: ${error}`, shown);
    return answer;
  }

  /** Follows `next` to the end; returns every value. */
  async function all(path: string): Promise<Item[]> {
    const values: Item[] = [];
    let next: string | undefined = path;
    for (let pages = 0; next && pages < 50; pages++) {
      const page = await get(next);
      const body = page.json as { values?: Item[]; next?: string } | undefined;
      if (page.status !== 200 || !Array.isArray(body?.values)) break;
      values.push(...body.values);
      next = body.next;
    }
    return values;
  }

  const enc = encodeURIComponent;

  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', seed: 3 });
    const res = await fetch(`${sb.urls.oauthUrl}/access_token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${sb.urls.clientId}:${sb.urls.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });
    const body = (await res.json()) as { access_token?: string };
    if (res.status !== 200 || !body.access_token)
      throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`);
    token = body.access_token;
  });

  afterAll(async () => {
    await sb?.close();
  });

  async function crawlPullRequest(base: string, id: number): Promise<void> {
    await get(`${base}/pullrequests/${id}`);
    await all(`${base}/pullrequests/${id}/activity`);
    await all(`${base}/pullrequests/${id}/comments`);
    await all(`${base}/pullrequests/${id}/commits`);
    await all(`${base}/pullrequests/${id}/tasks?pagelen=2`);
    const redirect = await get(`${base}/pullrequests/${id}/diffstat`, 302);
    if (redirect.location) await all(redirect.location);
    else problem('GET …/pullrequests/{pull_request_id}/diffstat: 302 without a Location', base);
  }

  async function crawlRepository(ws: string, repo: Item): Promise<void> {
    const base = `/repositories/${ws}/${repo.slug}`;
    await get(base);
    // The same repository by uuid, without its workspace (API-NOTES §5).
    await get(`/repositories/${enc('{}')}/${enc(repo.uuid ?? '')}`);
    await all(`${base}/refs/branches`);
    const commits = await all(`${base}/commits`);
    const [newest, older] = commits as Array<{ hash?: string }>;
    if (newest?.hash && older?.hash)
      await all(
        `${base}/commits?include=${newest.hash}&exclude=${older.hash}&exclude=${older.hash.slice(0, 12)}`,
      );

    // Every state on its own, in small pages so `next` is followed.
    const prs: Item[] = [];
    for (const state of PR_STATES) prs.push(...(await all(`${base}/pullrequests?state=${state}&pagelen=5`)));
    // PR children for a handful of PRs: one of each state first, one with tasks, then the newest others.
    const picked = new Set<number>();
    const withTasks = prs.find((p) => (p.task_count ?? 0) > 0);
    if (withTasks?.id !== undefined) picked.add(withTasks.id);
    for (const state of PR_STATES) {
      const pr = prs.find((p) => p.state === state);
      if (pr?.id !== undefined) picked.add(pr.id);
    }
    for (const { id } of prs) if (id !== undefined && picked.size < PR_CHILDREN_PER_REPO) picked.add(id);
    for (const id of picked) await crawlPullRequest(base, id);
    // Every PR's activity in one list (API-NOTES §8), in pages small enough that `next` is followed.
    await all(`${base}/pullrequests/activity?pagelen=20`);

    const pipelines = await all(`${base}/pipelines`);
    const pipeline = pipelines[0]?.uuid;
    if (pipeline) {
      await get(`${base}/pipelines/${enc(pipeline)}`);
      await all(`${base}/pipelines/${enc(pipeline)}/steps`);
    }
    await all(`${base}/environments`);
    const deployments = await all(`${base}/deployments`);
    if (deployments[0]?.uuid) await get(`${base}/deployments/${enc(deployments[0].uuid)}`);
  }

  it('implements only operations of the spec, and every response matches its schema', async () => {
    await get('/user');
    const access = await all('/user/workspaces');
    expect(access.length).toBeGreaterThan(0);
    for (const { workspace } of access) {
      if (!workspace) continue;
      const ws = workspace.slug;
      await get(`/user/workspaces/${ws}/permission`);
      await get(`/workspaces/${ws}`);
      await get(`/workspaces/${enc(workspace.uuid)}`);
      const members = await all(`/workspaces/${ws}/members`);
      const member = members[0]?.user?.uuid;
      if (member) await get(`/workspaces/${ws}/members/${enc(member)}`);
      await all(`/workspaces/${ws}/permissions`);
      const projects = await all(`/workspaces/${ws}/projects`);
      if (projects[0]) await get(`/workspaces/${ws}/projects/${projects[0].key}`);
      for (const project of projects) {
        await all(`/workspaces/${ws}/projects/${project.key}/permissions-config/groups?pagelen=1`);
        await all(`/workspaces/${ws}/projects/${project.key}/permissions-config/users?pagelen=1`);
      }
      const repositories = await all(`/repositories/${ws}`);
      expect(repositories.length).toBeGreaterThan(0);
      for (const repo of repositories) await crawlRepository(ws, repo);

      // Error answers.
      await get(`/repositories/${ws}/no-such-repository`, 404);
      await get(`/repositories/${ws}/${repositories[0]?.slug}/pullrequests?pagelen=100`, 400);
      await get(`/repositories/${ws}/${repositories[0]?.slug}/pullrequests/activity?pagelen=51`, 400);
      // The issue tracker, sunset on 20 Aug 2026 (API-NOTES §6): 410 on every path the spec still lists.
      const sunset = ['issues', 'issues/1', 'issues/1/comments', 'issues/1/changes'];
      for (const tail of [...sunset, 'milestones', 'versions', 'components'])
        await get(`/repositories/${ws}/${repositories[0]?.slug}/${tail}`, 410);
    }
    for (const retired of ['/workspaces', '/repositories', '/user/permissions/repositories'])
      await get(retired, 410);

    const report = [...problems].map(
      ([what, { count, example }]) => `- ${what}\n    (×${count}, e.g. ${example})`,
    );
    console.info(
      `contract: ${requests} requests, ${validated} bodies validated, ${templates.size} operations:\n  ` +
        [...templates].sort().join('\n  '),
    );
    expect(
      report.length,
      `${report.length} contract problem(s) in ${requests} requests:\n${report.join('\n')}\n`,
    ).toBe(0);
  });
});
