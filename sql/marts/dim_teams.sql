{{ config(materialized='table') }}
-- One row per workspace group (a team): every group ever listed with a member or listed now with
-- a project permission. Members, seats and projects are as of the latest listings.
with memberships as (
  select * from {{ ref('int_team_memberships') }}
),

group_members as (
  select * from {{ ref('stg_group_members') }}
),

projects as (
  select uuid as project_uuid, workspace_uuid, project_key from {{ ref('stg_projects') }}
),

group_permissions as (
  select
    coalesce(projects.workspace_uuid, permissions.workspace_uuid) as workspace_uuid,
    permissions.group_slug,
    permissions.group_name,
    permissions.project_uuid,
    coalesce(projects.project_key, permissions.project_key) as project_key
  from {{ ref('stg_project_group_permissions') }} permissions
  left join projects on permissions.project_uuid = projects.project_uuid
  where not permissions.is_deleted and (permissions.permission is null or permissions.permission <> 'none')
),

seats as (
  select workspace_uuid, user_uuid from {{ ref('int_seats') }}
  where is_billable and seat_end_date is null
),

named as (
  select workspace_uuid, group_slug, group_name from group_members
  union all
  select workspace_uuid, group_slug, group_name from group_permissions
),

teams as (
  select workspace_uuid, group_slug, max(group_name) as team_name
  from named
  group by 1, 2
),

member_counts as (
  select
    memberships.team_key,
    count(*) as members,
    count(seats.user_uuid) as seats
  from memberships
  left join seats
    on memberships.workspace_uuid = seats.workspace_uuid
    and memberships.user_uuid = seats.user_uuid
  where memberships.membership_end_date is null
  group by 1
),

project_access as (
  select
    workspace_uuid,
    group_slug,
    count(distinct project_uuid) as projects,
    {{ sorted_list('project_key') }} as project_list
  from group_permissions
  group by 1, 2
)

select
  teams.workspace_uuid || ':' || teams.group_slug as team_key,
  teams.workspace_uuid,
  teams.group_slug,
  teams.team_name,
  cast(coalesce(member_counts.members, 0) as integer) as members,
  cast(coalesce(member_counts.seats, 0) as integer) as seats,
  cast(coalesce(project_access.projects, 0) as integer) as projects,
  project_access.project_list
from teams
left join member_counts
  on member_counts.team_key = teams.workspace_uuid || ':' || teams.group_slug
left join project_access
  on teams.workspace_uuid = project_access.workspace_uuid
  and teams.group_slug = project_access.group_slug
