{%- set changed_from = rebuild_from('period_start') %}
{%- set rebuild = 'least(' ~ week_start(changed_from) ~ ', ' ~ month_start(changed_from) ~ ')' %}
{{ config_by_days('period_start', rebuild, ['dim_date', 'int_date_spine', 'int_date_bounds', 'int_active_user_days', 'int_source_events']) }}
-- Per week and month, workspace and feature: how many people used the feature and what share of
-- the seats that is. Every feature of dim_features has a row in every period, zero when unused,
-- so a chart of adoption has no gaps. Seats are those held on the period's last covered day.
-- Usage is null in a period that starts before the workspace's coverage (int_workspace_coverage).
-- Incremental: the weeks and months from the one holding the first day a change reaches
-- (macros/windows.sql); a change to seats, features or the identity map rebuilds every period.
with dates as (
  select * from {{ ref('dim_date') }}
  {%- if is_incremental() %}
  where date_day >= {{ rebuild }}
  {%- endif %}
),

features as (
  select feature from {{ ref('dim_features') }}
),

seats as (
  select * from {{ ref('int_seats') }}
  where is_billable
),

-- One row per workspace, user, feature and day used (of the days read).
events as (
  select distinct workspace_uuid, user_uuid, feature, {{ utc_date('occurred_at') }} as activity_date
  from {{ ref('int_user_events') }}
  where is_resolved
  {%- if is_incremental() %}
    and {{ utc_date('occurred_at') }} >= {{ rebuild }}
  {%- endif %}
),

periods as (
  select * from (
    select 'week' as period, week_start as period_start, max(date_day) as period_last_day
    from dates
    group by 1, 2
    union all
    select 'month' as period, month_start as period_start, max(date_day) as period_last_day
    from dates
    group by 1, 2
  ) every_period
  {%- if is_incremental() %}
  -- (a period that starts before the days read is not rebuilt: no change reaches it)
  where period_start >= {{ rebuild }}
  {%- endif %}
),

-- Every workspace with seats or resolved activity, ever (int_active_user_days: its days).
workspaces as (
  select distinct workspace_uuid from seats
  union distinct
  select distinct workspace_uuid from {{ ref('int_active_user_days') }}
),

coverage as (
  select * from {{ ref('int_workspace_coverage') }}
),

seat_holders as (
  select periods.period, periods.period_start, seats.workspace_uuid, seats.user_uuid
  from periods
  join seats
    on (seats.seat_start_date is null or seats.seat_start_date <= periods.period_last_day)
    and (seats.seat_end_date is null or periods.period_last_day < seats.seat_end_date)
),

seat_counts as (
  select period, period_start, workspace_uuid, count(*) as seats
  from seat_holders
  group by 1, 2, 3
),

-- Who used each feature in each period (weeks and months apart: each an equi-join).
users as (
  select period_users.*
  from (
    select distinct 'week' as period, dates.week_start as period_start, events.workspace_uuid, events.user_uuid, events.feature
    from events
    join dates on events.activity_date = dates.date_day
    union all
    select distinct 'month' as period, dates.month_start as period_start, events.workspace_uuid, events.user_uuid, events.feature
    from events
    join dates on events.activity_date = dates.date_day
  ) period_users
  join periods on periods.period = period_users.period and periods.period_start = period_users.period_start
),

usage as (
  select
    users.period,
    users.period_start,
    users.workspace_uuid,
    users.feature,
    count(*) as active_users,
    count(seat_holders.user_uuid) as active_seats
  from users
  left join seat_holders
    on users.period = seat_holders.period
    and users.period_start = seat_holders.period_start
    and users.workspace_uuid = seat_holders.workspace_uuid
    and users.user_uuid = seat_holders.user_uuid
  group by 1, 2, 3, 4
)

select
  periods.period,
  periods.period_start,
  workspaces.workspace_uuid,
  features.feature,
  {{ if_covered('cast(coalesce(usage.active_users, 0) as integer)', 'periods.period_start', 'coverage.coverage_start_date') }} as active_users,
  {{ if_covered('cast(coalesce(usage.active_seats, 0) as integer)', 'periods.period_start', 'coverage.coverage_start_date') }} as active_seats,
  cast(coalesce(seat_counts.seats, 0) as integer) as seats,
  {{ if_covered(ratio('coalesce(usage.active_seats, 0)', 'seat_counts.seats'), 'periods.period_start', 'coverage.coverage_start_date') }} as share_of_seats,
  {{ timestamp_literal(run_started_at) }} as _transformed_at
from periods
cross join workspaces
cross join features
left join usage
  on periods.period = usage.period
  and periods.period_start = usage.period_start
  and workspaces.workspace_uuid = usage.workspace_uuid
  and features.feature = usage.feature
left join seat_counts
  on periods.period = seat_counts.period
  and periods.period_start = seat_counts.period_start
  and workspaces.workspace_uuid = seat_counts.workspace_uuid
left join coverage
  on workspaces.workspace_uuid = coverage.workspace_uuid
