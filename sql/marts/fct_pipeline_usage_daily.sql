{{ config(materialized='table') }}
-- Pipeline runs and their minutes per UTC day (of the run's creation), workspace, repository,
-- trigger, result and creator. Minutes come from the runs alone: a run's build_seconds_used is
-- already the sum over its steps, so adding the steps would count them twice. Only completed runs
-- count minutes; an unfinished run's figures are partial until it completes and is read again.
-- Names are kept as sent: a result or state we do not know yet groups under its own name, and a run
-- without a trigger under a null trigger_name. A completed run that reports no build seconds adds
-- nothing to the sums (unknown, not zero).
with pipelines as (
  select * from {{ ref('stg_pipelines') }}
  where not is_deleted
),

runs as (
  select
    {{ utc_date('created_on') }} as run_date,
    workspace_uuid,
    repository_uuid,
    trigger_name,
    -- a run not completed yet is counted under its state (PENDING, IN_PROGRESS, whatever its
    -- stage: RUNNING, PAUSED, HALTED …)
    case when state_name = 'COMPLETED' then result_name else state_name end as result,
    creator_uuid,
    case when state_name = 'COMPLETED' then build_seconds_used end as build_seconds,
    case when state_name = 'COMPLETED' then duration_in_seconds end as duration_seconds
  from pipelines
)

select
  run_date,
  workspace_uuid,
  repository_uuid,
  trigger_name,
  result,
  creator_uuid,
  cast(count(*) as integer) as runs,
  {{ as_float('sum(build_seconds)') }} / 60 as build_minutes,
  {{ as_float('sum(duration_seconds)') }} / 60 as duration_minutes
from runs
group by run_date, workspace_uuid, repository_uuid, trigger_name, result, creator_uuid
