{#- The first day an incremental build replaces: the earliest creation day of a run changed
    (extracted again or tombstoned) since the newest change here; none changed, none. A run's
    creation day never changes, so a changed run's day is also the one it counted in; a changed
    run naming no creation time (so no telling where it counted before) rebuilds every day. -#}
{%- set rebuild %}
(
  select min(coalesce({{ utc_date('created_on') }}, cast('1900-01-01' as date)))
  from {{ ref('stg_pipelines') }}
  where {{ changed_after('_changed_at') }}
)
{%- endset %}
{{ config_by_days('run_date', rebuild, ['stg_pipelines']) }}
-- Pipeline runs and their minutes per UTC day (of the run's creation), workspace, repository,
-- trigger, result and creator. Minutes come from the runs alone: a run's build_seconds_used is
-- already the sum over its steps, so adding the steps would count them twice. Only completed runs
-- count minutes; an unfinished run's figures are partial until it completes and is read again.
-- Names are kept as sent: a result or state we do not know yet groups under its own name, and a run
-- without a trigger under a null trigger_name. A completed run that reports no build seconds adds
-- nothing to the sums (unknown, not zero).
-- Incremental: the days from the first one a changed run was created on, from all their runs.
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
  {{ as_float('sum(duration_seconds)') }} / 60 as duration_minutes,
  (select max({{ changed_at() }}) from {{ ref('stg_pipelines') }}) as _changed_at
from runs
{%- if is_incremental() %}
where {{ from_day('run_date', rebuild) }}
{%- endif %}
group by run_date, workspace_uuid, repository_uuid, trigger_name, result, creator_uuid
