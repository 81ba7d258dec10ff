// What the marts cover, for the filters: the days (dim_date), the workspaces (dim_workspaces, the
// synced ones), and a workspace's teams and projects.
import { type MartReader, toText } from './marts';

export interface Workspace {
  uuid: string;
  /** The slug (the uuid should Bitbucket list none): what URLs carry. */
  key: string;
  /** The display name, when a members listing gave one. */
  name: string | null;
}

export interface Team {
  teamKey: string;
  slug: string;
  name: string;
}

export interface Project {
  uuid: string;
  key: string;
  name: string;
}

export interface Scope {
  firstDay: string;
  /** The as-of date: the last day the data covers. */
  lastDay: string;
  workspaces: Workspace[];
}

/** The data's days and workspaces; null when the marts hold no day or no workspace yet. */
export async function loadScope(reader: MartReader): Promise<Scope | null> {
  const [bounds] = await reader.rows(
    `select ${reader.day('min(date_day)')} as first_day, ${reader.day('max(date_day)')} as last_day
     from ${reader.mart('dim_date')}`,
  );
  const firstDay = toText(bounds?.first_day);
  const lastDay = toText(bounds?.last_day);
  if (!firstDay || !lastDay) return null;
  // a workspace a connection can see but does not sync has no data to show
  const rows = await reader.rows(
    `select workspace_uuid, workspace_slug, workspace_name from ${reader.mart('dim_workspaces')} where is_synced`,
  );
  const workspaces = rows
    .map((r) => {
      const uuid = String(r.workspace_uuid);
      return { uuid, key: toText(r.workspace_slug) ?? uuid, name: toText(r.workspace_name) };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
  return workspaces.length > 0 ? { firstDay, lastDay, workspaces } : null;
}

export async function loadTeams(reader: MartReader, workspaceUuid: string): Promise<Team[]> {
  const rows = await reader.rows(
    `select team_key, group_slug, team_name from ${reader.mart('dim_teams')}
     where workspace_uuid = $1`,
    [workspaceUuid],
  );
  return rows
    .map((r) => ({
      teamKey: String(r.team_key),
      slug: String(r.group_slug),
      name: toText(r.team_name) ?? String(r.group_slug),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function loadProjects(reader: MartReader, workspaceUuid: string): Promise<Project[]> {
  const rows = await reader.rows(
    `select p.project_uuid, p.project_key, max(r.project_name) as project_name
     from (
       select distinct project_uuid, project_key from ${reader.mart('fct_project_utilization_daily')}
       where workspace_uuid = $1
     ) p
     left join ${reader.mart('dim_repositories')} r on r.project_uuid = p.project_uuid
     group by p.project_uuid, p.project_key`,
    [workspaceUuid],
  );
  return rows
    .map((r) => ({
      uuid: String(r.project_uuid),
      key: String(r.project_key),
      name: toText(r.project_name) ?? String(r.project_key),
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
}
