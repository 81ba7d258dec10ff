{%- set rebuild = rebuild_from('activity_date') %}
{{ config_by_days('activity_date', rebuild, ['int_source_events']) }}
-- Events per UTC day, workspace, resolved user and feature (unresolved commit authors are left out).
-- Incremental: the days from the first one a changed event reaches (macros/windows.sql).
select
  {{ utc_date('occurred_at') }} as activity_date,
  workspace_uuid,
  user_uuid,
  feature,
  cast(count(*) as integer) as events,
  {{ timestamp_literal(run_started_at) }} as _transformed_at
from {{ ref('int_user_events') }}
where is_resolved
{%- if is_incremental() %}
  and {{ from_day(utc_date('occurred_at'), rebuild) }}
{%- endif %}
group by 1, 2, 3, 4
