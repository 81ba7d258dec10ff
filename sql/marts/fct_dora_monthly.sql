{{ config(materialized='table') }}
-- DORA's four keys per UTC month, workspace and environment type; fct_dora_monthly.yml defines
-- them. A deployment counts in the month it completed in (one still running: the month it
-- started in), and so do its lead time and, for a failure, its time to restore.
with deployments as (
  select * from {{ ref('fct_deployments') }}
  where coalesce(completed_on, started_on) is not null
),

-- Medians are taken over exact microseconds (fct_deployments' hours are already rounded).
dated as (
  select
    {{ month_start(utc_date('coalesce(completed_on, started_on)')) }} as month_start,
    workspace_uuid,
    environment_type,
    is_successful,
    is_failure,
    state = 'COMPLETED' as is_finished,
    case when is_successful then {{ utc_date('completed_on') }} end as deployment_day,
    case
      when lead_time_hours is not null then {{ duration_us('change_started_at', 'completed_on') }}
    end as lead_time_us,
    case
      when time_to_restore_hours is not null then {{ duration_us('completed_on', 'restored_on') }}
    end as time_to_restore_us
  from deployments
),

monthly as (
  select
    month_start,
    workspace_uuid,
    environment_type,
    count(*) as deployments,
    sum(case when is_successful then 1 else 0 end) as successful_deployments,
    sum(case when is_failure then 1 else 0 end) as failed_deployments,
    sum(case when is_finished then 1 else 0 end) as finished_deployments,
    count(distinct deployment_day) as deployment_days,
    {{ median('lead_time_us') }} as median_lead_time_us,
    {{ median('time_to_restore_us') }} as median_time_to_restore_us
  from dated
  group by month_start, workspace_uuid, environment_type
),

final as (
  select
    month_start,
    workspace_uuid,
    environment_type,
    cast(deployments as integer) as deployments,
    cast(successful_deployments as integer) as successful_deployments,
    cast(failed_deployments as integer) as failed_deployments,
    cast(finished_deployments as integer) as finished_deployments,
    cast(deployment_days as integer) as deployment_days,
    -- deployment days per week; the month's length runs to the next month's 1st (the 1st + 31 days
    -- always falls in the next month)
    {{ ratio(
      'deployment_days * 7',
      days_between('month_start', month_start(add_days('month_start', 31))),
      2
    ) }} as deployment_frequency_per_week,
    {{ us_as_hours('median_lead_time_us') }} as median_lead_time_hours,
    {{ ratio('failed_deployments', 'finished_deployments') }} as change_failure_rate,
    {{ us_as_hours('median_time_to_restore_us') }} as median_time_to_restore_hours
  from monthly
)

select * from final
