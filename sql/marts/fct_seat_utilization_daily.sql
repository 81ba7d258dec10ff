{%- set rebuild = rebuild_from('date_day', spine_start=spine_start()) %}
{{ config_by_days('date_day', rebuild, ['dim_date', 'int_date_spine', 'int_date_bounds', 'int_seat_days', 'int_active_user_days', 'int_source_events']) }}
-- Per day and workspace: seats, active users over trailing windows, utilization and idle seats.
-- A user is active over N days on day D when they did anything (int_user_events) in the N days
-- ending with D. Seats are the billable memberships held that day (int_seat_days).
-- Incremental: the days from the first one a change reaches (macros/windows.sql); a change to
-- anything else it reads (seats, memberships, projects, the identity map) rebuilds every day.
with dates as (
  select date_day from {{ ref('dim_date') }}
  {%- if is_incremental() %}
  where date_day >= {{ rebuild }}
  {%- endif %}
),

seat_days as (
  select * from {{ ref('int_seat_days') }}
  {%- if is_incremental() %}
  where date_day >= {{ rebuild }}
  {%- endif %}
),

active_days as (
  select * from {{ ref('int_active_user_days') }}
  {%- if is_incremental() %}
  where activity_date > {{ add_days(rebuild, -90) }}
  {%- endif %}
),

-- A seat holder with a seat in another workspace the same day: each seat is billed.
seats_elsewhere as (
  select distinct here.date_day, here.workspace_uuid, here.user_uuid
  from seat_days here
  join seat_days there
    on here.date_day = there.date_day
    and here.user_uuid = there.user_uuid
    and here.workspace_uuid <> there.workspace_uuid
),

-- Per day, workspace and user seen in the last 90 days: days since they were last active.
recency as (
  select latest.date_day, latest.workspace_uuid, latest.user_uuid, latest.days_since_active
  from ({{ latest_activity_days('active_days', ['workspace_uuid', 'user_uuid'], 90) }}) latest
  join dates on dates.date_day = latest.date_day
),

workspace_days as (
  select distinct date_day, workspace_uuid from seat_days
  union distinct
  select distinct date_day, workspace_uuid from recency
),

seat_counts as (
  select
    seat_days.date_day,
    seat_days.workspace_uuid,
    count(*) as seats,
    count(seats_elsewhere.user_uuid) as seats_in_several_workspaces,
    count(case when recency.days_since_active < 30 then 1 end) as active_seats_30d
  from seat_days
  left join seats_elsewhere
    on seat_days.date_day = seats_elsewhere.date_day
    and seat_days.workspace_uuid = seats_elsewhere.workspace_uuid
    and seat_days.user_uuid = seats_elsewhere.user_uuid
  left join recency
    on seat_days.date_day = recency.date_day
    and seat_days.workspace_uuid = recency.workspace_uuid
    and seat_days.user_uuid = recency.user_uuid
  group by 1, 2
),

coverage as (
  select * from {{ ref('int_workspace_coverage') }}
),

active_counts as (
  select
    date_day,
    workspace_uuid,
    count(case when days_since_active < 1 then 1 end) as active_users_1d,
    count(case when days_since_active < 7 then 1 end) as active_users_7d,
    count(case when days_since_active < 30 then 1 end) as active_users_30d,
    count(*) as active_users_90d
  from recency
  group by 1, 2
)

select
  workspace_days.date_day,
  workspace_days.workspace_uuid,
  cast(coalesce(seat_counts.seats, 0) as integer) as seats,
  {%- for days in [1, 7, 30, 90] %}
  {{ if_covered('cast(coalesce(active_counts.active_users_' ~ days ~ 'd, 0) as integer)', 'workspace_days.date_day', 'coverage.coverage_start_date', days) }} as active_users_{{ days }}d,
  {%- endfor %}
  {{ if_covered('cast(coalesce(seat_counts.active_seats_30d, 0) as integer)', 'workspace_days.date_day', 'coverage.coverage_start_date', 30) }} as active_seats_30d,
  {{ if_covered('cast(coalesce(seat_counts.seats, 0) - coalesce(seat_counts.active_seats_30d, 0) as integer)', 'workspace_days.date_day', 'coverage.coverage_start_date', 30) }} as idle_seats_30d,
  {{ if_covered(ratio('seat_counts.active_seats_30d', 'seat_counts.seats'), 'workspace_days.date_day', 'coverage.coverage_start_date', 30) }} as seat_utilization_30d,
  cast(coalesce(seat_counts.seats_in_several_workspaces, 0) as integer) as seats_in_several_workspaces,
  {{ timestamp_literal(run_started_at) }} as _transformed_at
from workspace_days
left join seat_counts
  on workspace_days.date_day = seat_counts.date_day
  and workspace_days.workspace_uuid = seat_counts.workspace_uuid
left join active_counts
  on workspace_days.date_day = active_counts.date_day
  and workspace_days.workspace_uuid = active_counts.workspace_uuid
left join coverage
  on workspace_days.workspace_uuid = coverage.workspace_uuid
