{%- set rebuild = rebuild_from('date_day', spine_start=spine_start()) %}
{{ config_by_days('date_day', rebuild, ['dim_date', 'int_date_spine', 'int_date_bounds', 'int_seat_days', 'int_active_user_days', 'int_source_events']) }}
-- Per day and team (dim_teams × dim_date, no gaps): members, seats, active and idle seats, and the
-- members' actions. Membership counts on the days it was held (until the member left the group);
-- a user in two teams counts in each. An activity figure whose window reaches before the
-- workspace's coverage (int_workspace_coverage) is null: the data there is not whole.
-- Incremental: the days from the first one a change reaches (macros/windows.sql); a change to
-- anything else it reads (seats, memberships, projects, the identity map) rebuilds every day.
with dates as (
  select date_day from {{ ref('dim_date') }}
  {%- if is_incremental() %}
  where date_day >= {{ rebuild }}
  {%- endif %}
),

teams as (
  select team_key, workspace_uuid from {{ ref('dim_teams') }}
),

memberships as (
  select * from {{ ref('int_team_memberships') }}
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
  where activity_date > {{ add_days(rebuild, -30) }}
  {%- endif %}
),

team_events as (
  select * from {{ ref('int_team_events') }}
  {%- if is_incremental() %}
  where activity_date >= {{ rebuild }}
  {%- endif %}
),

member_days as (
  select dates.date_day, memberships.team_key, memberships.workspace_uuid, memberships.user_uuid
  from dates
  join memberships
    on memberships.membership_end_date is null or dates.date_day < memberships.membership_end_date
),

-- Per day, workspace and user: active (any action in the workspace) in the 30 days ending that day.
active_30d as (
  select latest.date_day, latest.workspace_uuid, latest.user_uuid
  from ({{ latest_activity_days('active_days', ['workspace_uuid', 'user_uuid'], 30) }}) latest
  join dates on dates.date_day = latest.date_day
),

member_counts as (
  select
    member_days.date_day,
    member_days.team_key,
    count(*) as members,
    count(seat_days.user_uuid) as seats,
    count(case when seat_days.user_uuid is not null and active_30d.user_uuid is not null then 1 end) as active_seats_30d
  from member_days
  left join seat_days
    on member_days.date_day = seat_days.date_day
    and member_days.workspace_uuid = seat_days.workspace_uuid
    and member_days.user_uuid = seat_days.user_uuid
  left join active_30d
    on member_days.date_day = active_30d.date_day
    and member_days.workspace_uuid = active_30d.workspace_uuid
    and member_days.user_uuid = active_30d.user_uuid
  group by 1, 2
),

coverage as (
  select * from {{ ref('int_workspace_coverage') }}
),

event_counts as (
  select activity_date, team_key, count(distinct user_uuid) as active_members, count(*) as events
  from team_events
  group by 1, 2
)

select
  dates.date_day,
  teams.team_key,
  teams.workspace_uuid,
  cast(coalesce(member_counts.members, 0) as integer) as members,
  cast(coalesce(member_counts.seats, 0) as integer) as seats,
  {{ if_covered('cast(coalesce(member_counts.active_seats_30d, 0) as integer)', 'dates.date_day', 'coverage.coverage_start_date', 30) }} as active_seats_30d,
  {{ if_covered('cast(coalesce(member_counts.seats, 0) - coalesce(member_counts.active_seats_30d, 0) as integer)', 'dates.date_day', 'coverage.coverage_start_date', 30) }} as idle_seats_30d,
  {{ if_covered(ratio('member_counts.active_seats_30d', 'member_counts.seats'), 'dates.date_day', 'coverage.coverage_start_date', 30) }} as seat_utilization_30d,
  {{ if_covered('cast(coalesce(event_counts.active_members, 0) as integer)', 'dates.date_day', 'coverage.coverage_start_date') }} as active_members,
  {{ if_covered('cast(coalesce(event_counts.events, 0) as integer)', 'dates.date_day', 'coverage.coverage_start_date') }} as events,
  {{ timestamp_literal(run_started_at) }} as _transformed_at
from dates
cross join teams
left join member_counts
  on dates.date_day = member_counts.date_day
  and teams.team_key = member_counts.team_key
left join event_counts
  on dates.date_day = event_counts.activity_date
  and teams.team_key = event_counts.team_key
left join coverage
  on teams.workspace_uuid = coverage.workspace_uuid
