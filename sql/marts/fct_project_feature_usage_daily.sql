{%- set rebuild = rebuild_from('activity_date') %}
{{ config_by_days('activity_date', rebuild, ['int_source_events']) }}
-- Per UTC day, project and feature used that day in the project's repositories (long format).
-- Incremental: the days from the first one a changed event reaches (macros/windows.sql).
select
  activity_date,
  project_uuid,
  workspace_uuid,
  feature,
  cast(count(distinct user_uuid) as integer) as users,
  cast(count(*) as integer) as events,
  {{ timestamp_literal(run_started_at) }} as _transformed_at
from {{ ref('int_project_events') }}
{%- if is_incremental() %}
where {{ from_day('activity_date', rebuild) }}
{%- endif %}
group by 1, 2, 3, 4
