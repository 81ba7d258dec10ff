// Who may use what: project permissions (API 2.0 permissions-config) and user groups as API 1.0
// still serves them to workspace admins (`GET /1.0/groups/{workspace}`).
//
// The v1 group shape follows Atlassian's "groups Endpoint" page (confluence.atlassian.com/bitbucket/
// groups-endpoint-296093143.html): {name, permission, email_forwarding_disabled, members: [{display_name,
// account_id, is_team, is_staff, avatar, resource_uri, nickname, uuid}], owner, slug, auto_add}; client
// libraries (e.g. a Go client's GroupDetails) read the same names. Assumed, not observed: members carry
// no `type` and no `links`, `owner` is the workspace as a team account, and `resource_uri` paths are
// relative to the API origin, as in that page.
import type { Group, GroupMembership, Project, ProjectPermission, User, Workspace } from '../data/model';
import type { Renderer } from './objects';

type Json = Record<string, unknown>;

const enc = encodeURIComponent;

export class AccessRenderer {
  constructor(
    private readonly render: Renderer,
    private readonly users: readonly User[],
  ) {}

  private permissionsBase(ws: Workspace, p: Project): string {
    return `${this.render.apiUrl}/workspaces/${ws.slug}/projects/${p.key}/permissions-config`;
  }

  group(ws: Workspace, g: Group): Json {
    return {
      type: 'group',
      name: g.name,
      slug: g.slug,
      full_slug: `${ws.slug}:${g.slug}`,
      workspace: this.render.workspaceLink(ws),
    };
  }

  projectGroupPermission(ws: Workspace, p: Project, g: Group, permission: ProjectPermission): Json {
    return {
      type: 'project_group_permission',
      permission,
      group: this.group(ws, g),
      project: this.render.projectLink(ws, p),
      links: { self: { href: `${this.permissionsBase(ws, p)}/groups/${enc(g.slug)}` } },
    };
  }

  projectUserPermission(ws: Workspace, p: Project, userIdx: number, permission: ProjectPermission): Json {
    const user = this.users[userIdx] as User;
    return {
      type: 'project_user_permission',
      permission,
      user: this.render.account(userIdx),
      project: this.render.projectLink(ws, p),
      links: { self: { href: `${this.permissionsBase(ws, p)}/users/${enc(user.accountId)}` } },
    };
  }

  private v1Account(u: { displayName: string; uuid: string; nickname: string; accountId: string | null }) {
    return {
      display_name: u.displayName,
      uuid: u.uuid,
      nickname: u.nickname,
      account_id: u.accountId,
      avatar: `${this.render.webUrl}/account/${enc(u.uuid)}/avatar/`,
      resource_uri: `/1.0/users/${enc(u.uuid)}`,
    };
  }

  /** One entry of `GET /1.0/groups/{workspace}`: the group with its current members. */
  v1Group(ws: Workspace, g: Group, members: readonly GroupMembership[]): Json {
    return {
      name: g.name,
      slug: g.slug,
      permission: g.permission,
      auto_add: g.autoAdd,
      email_forwarding_disabled: false,
      resource_uri: `/1.0/groups/${ws.slug}/${g.slug}`,
      owner: {
        ...this.v1Account({ displayName: ws.name, uuid: ws.uuid, nickname: ws.slug, accountId: null }),
        is_team: true,
        is_staff: false,
      },
      members: members.map((m) => ({
        ...this.v1Account(this.users[m.userIdx] as User),
        is_team: false,
        is_staff: false,
      })),
    };
  }
}
