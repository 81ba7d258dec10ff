{%- set rebuild = rebuild_from('activity_date') %}
{{ config_by_days('activity_date', rebuild, ['int_source_events']) }}
-- The days each resolved user was active in a workspace (any feature), the base of every
-- "active users" figure. Incremental: the days from the first one a changed event reaches
-- (macros/windows.sql); a change to the identity map rebuilds every day.
select distinct
  workspace_uuid,
  user_uuid,
  {{ utc_date('occurred_at') }} as activity_date,
  {{ timestamp_literal(run_started_at) }} as _transformed_at
from {{ ref('int_user_events') }}
where is_resolved
{%- if is_incremental() %}
  and {{ from_day(utc_date('occurred_at'), rebuild) }}
{%- endif %}
