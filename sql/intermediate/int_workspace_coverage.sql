{{ config(materialized='table') }}
-- One row per workspace (stg_workspaces) with the first day its extracted history covers: the
-- earliest `since` of the completed extraction runs of it (etl_meta.runs: backfills, syncs and
-- incremental syncs, which name the workspace by slug), as the first whole UTC day from then on.
-- Before that day the data holds only what later runs brought along (a pull request opened then
-- and updated since), not everything done: the marts give no activity figures there. Null when
-- unknown (no completed run: data loaded by hand) or when a completed run read the whole history
-- (no since): the figures then count from the data's first day, as ever.
with runs as (
  select workspace, window_since
  from {{ source('etl_meta', 'runs') }}
  where status = 'completed' and workspace is not null
),

workspaces as (
  select uuid as workspace_uuid, slug as workspace_slug
  from {{ ref('stg_workspaces') }}
  where uuid is not null
),

run_windows as (
  select
    workspaces.workspace_uuid,
    count(*) as completed_runs,
    count(runs.window_since) as bounded_runs,
    -- the first whole day: a since after midnight leaves its own day partly unread
    min({{ utc_date(minus_minutes('runs.window_since', -1439)) }}) as first_whole_day
  from workspaces
  join runs on runs.workspace = workspaces.workspace_slug
  group by 1
)

select
  workspaces.workspace_uuid,
  case when run_windows.completed_runs = run_windows.bounded_runs then run_windows.first_whole_day end
    as coverage_start_date
from workspaces
left join run_windows on run_windows.workspace_uuid = workspaces.workspace_uuid
