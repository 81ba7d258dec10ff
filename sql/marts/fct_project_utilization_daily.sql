{%- set rebuild = rebuild_from('date_day', spine_start=spine_start()) %}
{{ config_by_days('date_day', rebuild, ['dim_date', 'int_date_spine', 'int_date_bounds', 'int_seat_days', 'int_source_events']) }}
-- Per day and project (every project × dim_date, no gaps): the seat holders who can reach the
-- project (int_project_access: a group permission through their membership, or a direct user
-- permission) and the users acting in its repositories (int_project_events). An activity figure
-- whose window reaches before the workspace's coverage (int_workspace_coverage) is null.
-- Incremental: the days from the first one a change reaches (macros/windows.sql); a change to
-- anything else it reads (seats, memberships, projects, the identity map) rebuilds every day.
with dates as (
  select date_day from {{ ref('dim_date') }}
  {%- if is_incremental() %}
  where date_day >= {{ rebuild }}
  {%- endif %}
),

projects as (
  select uuid as project_uuid, workspace_uuid, project_key from {{ ref('stg_projects') }}
),

access as (
  select * from {{ ref('int_project_access') }}
),

seat_days as (
  select * from {{ ref('int_seat_days') }}
  {%- if is_incremental() %}
  where date_day >= {{ rebuild }}
  {%- endif %}
),

project_events as (
  select * from {{ ref('int_project_events') }}
  {%- if is_incremental() %}
  where activity_date > {{ add_days(rebuild, -30) }}
  {%- endif %}
),

access_seat_days as (
  select distinct seat_days.date_day, access.project_uuid, seat_days.user_uuid
  from seat_days
  join access
    on seat_days.workspace_uuid = access.workspace_uuid
    and seat_days.user_uuid = access.user_uuid
    and (access.access_end_date is null or seat_days.date_day < access.access_end_date)
),

seat_counts as (
  select date_day, project_uuid, count(*) as seats_with_access
  from access_seat_days
  group by 1, 2
),

user_days as (
  select distinct activity_date, project_uuid, user_uuid from project_events
),

active_30d as (
  select latest.date_day, latest.project_uuid, count(*) as active_users_30d
  from ({{ latest_activity_days('user_days', ['project_uuid', 'user_uuid'], 30) }}) latest
  join dates on dates.date_day = latest.date_day
  group by 1, 2
),

coverage as (
  select * from {{ ref('int_workspace_coverage') }}
),

daily as (
  select activity_date, project_uuid, count(distinct user_uuid) as active_users, count(*) as events
  from project_events
  group by 1, 2
)

select
  dates.date_day,
  projects.project_uuid,
  projects.workspace_uuid,
  projects.project_key,
  cast(coalesce(seat_counts.seats_with_access, 0) as integer) as seats_with_access,
  {{ if_covered('cast(coalesce(daily.active_users, 0) as integer)', 'dates.date_day', 'coverage.coverage_start_date') }} as active_users,
  {{ if_covered('cast(coalesce(active_30d.active_users_30d, 0) as integer)', 'dates.date_day', 'coverage.coverage_start_date', 30) }} as active_users_30d,
  {{ if_covered('cast(coalesce(daily.events, 0) as integer)', 'dates.date_day', 'coverage.coverage_start_date') }} as events,
  {{ timestamp_literal(run_started_at) }} as _transformed_at
from dates
cross join projects
left join seat_counts
  on dates.date_day = seat_counts.date_day
  and projects.project_uuid = seat_counts.project_uuid
left join daily
  on dates.date_day = daily.activity_date
  and projects.project_uuid = daily.project_uuid
left join active_30d
  on dates.date_day = active_30d.date_day
  and projects.project_uuid = active_30d.project_uuid
left join coverage
  on projects.workspace_uuid = coverage.workspace_uuid
