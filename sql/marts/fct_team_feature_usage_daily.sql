{%- set rebuild = rebuild_from('activity_date') %}
{{ config_by_days('activity_date', rebuild, ['int_source_events']) }}
-- Per UTC day, team and feature used that day: the members' actions (long format; a user in two
-- teams counts in each).
-- Incremental: the days from the first one a changed event reaches (macros/windows.sql).
select
  activity_date,
  team_key,
  workspace_uuid,
  feature,
  cast(count(distinct user_uuid) as integer) as users,
  cast(count(*) as integer) as events,
  {{ timestamp_literal(run_started_at) }} as _transformed_at
from {{ ref('int_team_events') }}
{%- if is_incremental() %}
where {{ from_day('activity_date', rebuild) }}
{%- endif %}
group by 1, 2, 3, 4
