{{ config(materialized='table') }}
-- One row per workspace a connection can see, synced or not: its slug and name (the labels to show
-- for workspace_uuid) and its current seats, projects and repositories, and the first day its
-- extracted history covers (int_workspace_coverage).
with workspaces as (
  select * from {{ ref('stg_workspaces') }}
),

memberships as (
  select * from {{ ref('int_seats') }}
),

members as (
  select * from {{ ref('stg_members') }}
),

projects as (
  select * from {{ ref('stg_projects') }}
),

repositories as (
  select * from {{ ref('dim_repositories') }}
),

-- the name the latest members listing gave (a renamed workspace shows its new name)
names_ranked as (
  select
    workspace_uuid,
    workspace_name,
    row_number() over (
      partition by workspace_uuid order by _extracted_at desc, workspace_name
    ) as name_rank
  from members
  where workspace_name is not null
),

workspace_names as (
  select workspace_uuid, workspace_name
  from names_ranked
  where name_rank = 1
),

seat_counts as (
  select
    workspace_uuid,
    -- held now: the seats of dim_users.holds_seat
    sum(case when is_billable and seat_end_date is null then 1 else 0 end) as seats
  from memberships
  group by 1
),

project_counts as (
  select workspace_uuid, count(*) as projects
  from projects
  where not is_deleted
  group by 1
),

repository_counts as (
  select workspace_uuid, count(*) as repositories
  from repositories
  where not is_deleted
  group by 1
),

coverage as (
  select * from {{ ref('int_workspace_coverage') }}
),

final as (
  select
    workspaces.uuid as workspace_uuid,
    workspaces.slug as workspace_slug,
    workspace_names.workspace_name,
    workspaces.is_deleted,
    -- every sync of a workspace lists its members: without any, it was never synced
    seat_counts.workspace_uuid is not null as is_synced,
    cast(coalesce(seat_counts.seats, 0) as integer) as seats,
    cast(coalesce(project_counts.projects, 0) as integer) as projects,
    cast(coalesce(repository_counts.repositories, 0) as integer) as repositories,
    coverage.coverage_start_date
  from workspaces
  left join workspace_names on workspace_names.workspace_uuid = workspaces.uuid
  left join seat_counts on seat_counts.workspace_uuid = workspaces.uuid
  left join project_counts on project_counts.workspace_uuid = workspaces.uuid
  left join repository_counts on repository_counts.workspace_uuid = workspaces.uuid
  left join coverage on coverage.workspace_uuid = workspaces.uuid
)

select * from final
