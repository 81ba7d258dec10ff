{{ config(materialized='table') }}
-- Who can reach each project, one row per (project, user, path):
--   group   a current group permission on the project, through the user's membership of the group
--           (held until the member was first missing from the group: access_end_date, exclusive)
--   direct  a current user permission on the project
-- Permissions have no history: the ones listed now are taken to have held on every covered day.
-- Revoked permissions (tombstoned) and `none` grant nothing; workspace-wide access (workspace
-- admins, a group's default repository permission) and repository-level permissions are not read.
with projects as (
  select uuid as project_uuid, workspace_uuid from {{ ref('stg_projects') }}
),

group_permissions as (
  select * from {{ ref('stg_project_group_permissions') }}
  where not is_deleted and (permission is null or permission <> 'none')
),

user_permissions as (
  select * from {{ ref('stg_project_user_permissions') }}
  where not is_deleted and (permission is null or permission <> 'none')
),

memberships as (
  select * from {{ ref('int_team_memberships') }}
),

via_groups as (
  select
    memberships.workspace_uuid,
    group_permissions.project_uuid,
    memberships.user_uuid,
    'group' as access_via,
    memberships.team_key,
    group_permissions.permission,
    memberships.membership_end_date as access_end_date
  from group_permissions
  left join projects on group_permissions.project_uuid = projects.project_uuid
  join memberships
    on memberships.workspace_uuid = coalesce(projects.workspace_uuid, group_permissions.workspace_uuid)
    and memberships.group_slug = group_permissions.group_slug
),

direct as (
  select
    coalesce(projects.workspace_uuid, user_permissions.workspace_uuid) as workspace_uuid,
    user_permissions.project_uuid,
    user_permissions.user_uuid,
    'direct' as access_via,
    cast(null as {{ 'STRING' if target.type == 'bigquery' else 'text' }}) as team_key,
    user_permissions.permission,
    cast(null as date) as access_end_date
  from user_permissions
  left join projects on user_permissions.project_uuid = projects.project_uuid
)

select * from via_groups
union all
select * from direct
