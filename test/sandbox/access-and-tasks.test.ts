// The sandbox's pull request tasks, project permissions and API 1.0 groups (issue 10): shapes,
// the simulation's rules (share of PRs with tasks, resolution, the clock) and who may read what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index';
import { connectAs, sandboxOAuth } from '../bitbucket/oauthFlow';
import { apiGet, clientCredentialsToken, control, fetchAll } from '../support/sandbox';

const PERMISSIONS = ['read', 'write', 'create-repo', 'admin'];

describe('pull request tasks, project permissions and groups', () => {
  let sb: Sandbox;
  let token: string;
  beforeAll(async () => {
    sb = await startSandbox({ scale: 'tiny', seed: 7 });
    token = await clientCredentialsToken(sb);
  });
  afterAll(() => sb?.close());

  const now = async () => Date.parse((await control(sb, 'GET', '/state')).json.now);

  it('serves tasks on about a third of the pull requests, consistent with task_count and the clock', async () => {
    const clock = await now();
    let prs = 0;
    let withTasks = 0;
    const states = new Set<string>();
    for (const repo of await fetchAll(sb, token, '/repositories/acme')) {
      const base = `/repositories/acme/${repo.slug}/pullrequests`;
      const list = await fetchAll(
        sb,
        token,
        `${base}?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED`,
      );
      for (const pr of list) {
        const tasks = await fetchAll(sb, token, `${base}/${pr.id}/tasks?pagelen=1`);
        prs += 1;
        if (tasks.length > 0) withTasks += 1;
        expect(pr.task_count, `PR ${pr.id}`).toBe(tasks.length);
        expect(tasks.length).toBeLessThanOrEqual(4);
        for (const t of tasks) {
          states.add(`${pr.state}:${t.state}`);
          expect(t.content.type).toBe('rendered');
          expect(t.creator.uuid).toMatch(/^\{.+\}$/);
          expect(Date.parse(t.created_on)).toBeGreaterThanOrEqual(Date.parse(pr.created_on));
          expect(Date.parse(t.updated_on)).toBeLessThanOrEqual(clock);
          expect(Date.parse(t.updated_on)).toBeGreaterThanOrEqual(Date.parse(t.created_on));
          if (t.state === 'RESOLVED') {
            expect(t.resolved_by.uuid).toBe(pr.author.uuid);
            expect(Date.parse(t.resolved_on)).toBeLessThanOrEqual(clock);
          } else {
            expect(t.resolved_on).toBeUndefined();
            expect(t.resolved_by).toBeUndefined();
          }
        }
      }
    }
    expect(withTasks / prs).toBeGreaterThan(0.15);
    expect(withTasks / prs).toBeLessThan(0.5);
    expect(states.has('MERGED:RESOLVED')).toBe(true);
  });

  it('lists project group and user permissions; one project has no group', async () => {
    const projects = await fetchAll(sb, token, '/workspaces/acme/projects');
    expect(projects.length).toBeGreaterThan(1);
    const groupsPerProject: number[] = [];
    for (const p of projects) {
      const base = `/workspaces/acme/projects/${p.key}/permissions-config`;
      const groups = await fetchAll(sb, token, `${base}/groups?pagelen=1`);
      groupsPerProject.push(groups.length);
      for (const g of groups) {
        expect(g.type).toBe('project_group_permission');
        expect(PERMISSIONS).toContain(g.permission);
        expect(g.group.full_slug).toBe(`acme:${g.group.slug}`);
        expect(g.project.uuid).toBe(p.uuid);
      }
      for (const u of await fetchAll(sb, token, `${base}/users`)) {
        expect(u.type).toBe('project_user_permission');
        expect(PERMISSIONS).toContain(u.permission);
        expect(u.user.uuid).toMatch(/^\{.+\}$/);
      }
    }
    expect(groupsPerProject).toContain(0);
    expect(groupsPerProject.some((n) => n > 0)).toBe(true);
  });

  it('serves API 1.0 groups with their members; someone is in two groups', async () => {
    const res = await apiGet(sb, token, `${sb.urls.apiUrl.replace(/\/2\.0$/, '/1.0')}/groups/acme`);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.json)).toBe(true);
    const seen = new Map<string, number>();
    for (const g of res.json) {
      expect(Object.keys(g)).toEqual(
        expect.arrayContaining([
          'name',
          'slug',
          'permission',
          'auto_add',
          'email_forwarding_disabled',
          'owner',
        ]),
      );
      expect(g.owner.is_team).toBe(true);
      for (const m of g.members) {
        expect(m).toMatchObject({ is_team: false, uuid: expect.any(String), nickname: expect.any(String) });
        expect(m.account_id).toEqual(expect.any(String));
        seen.set(m.uuid, (seen.get(m.uuid) ?? 0) + 1);
      }
    }
    expect(res.json.map((g: { slug: string }) => g.slug)).toEqual(
      expect.arrayContaining(['backend', 'frontend', 'platform']),
    );
    expect([...seen.values()].some((n) => n >= 2)).toBe(true);
  });

  it('keeps groups and permissions from non-admins and from tokens without project:admin', async () => {
    const member = await connectAs(sandboxOAuth(sb), 'member');
    const v1 = `${sb.urls.apiUrl.replace(/\/2\.0$/, '/1.0')}/groups/acme`;
    expect((await apiGet(sb, member.accessToken, v1)).status).toBe(403);
    const project = (await fetchAll(sb, token, '/workspaces/acme/projects'))[0];
    const perms = `/workspaces/acme/projects/${project.key}/permissions-config/users`;
    expect((await apiGet(sb, member.accessToken, perms)).status).toBe(403);
    expect((await apiGet(sb, 'no-such-token', v1)).status).toBe(401);

    await control(sb, 'PUT', '/limits', { scopes: ['account', 'repository', 'pullrequest', 'project'] });
    const limited = await clientCredentialsToken(sb);
    const denied = await apiGet(sb, limited, perms);
    expect(denied.status).toBe(403);
    expect(denied.headers.get('x-accepted-oauth-scopes')).toBe('project:admin');
    expect((await apiGet(sb, limited, v1)).status).toBe(200);
  });

  // Last: the clock moves (and the sandbox's login users may leave too).
  it('people who leave the workspace leave its groups and their project permissions', async () => {
    const before = (await control(sb, 'GET', '/truth?workspace=acme&keys=1')).json;
    await control(sb, 'POST', '/clock/advance', { days: 240 });
    const after = (await control(sb, 'GET', '/truth?workspace=acme&keys=1')).json;
    const members = new Set(after.keys.members.map((k: string) => k.split(':')[1]));
    for (const key of after.keys.group_members) expect(members).toContain(key.split(':')[2]);
    for (const key of after.keys.project_user_permissions) expect(members).toContain(key.split(':')[1]);
    const gone = before.keys.group_members.filter((k: string) => !after.keys.group_members.includes(k));
    expect(gone.length).toBeGreaterThan(0);
  });
});
