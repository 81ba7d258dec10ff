{%- set changed_from = rebuild_from('month_start', spine_start=spine_start(), built_from='_spine_start') %}
{%- set rebuild = month_start(changed_from) %}
{{ config_by_days('month_start', rebuild, ['dim_date', 'int_date_spine', 'int_date_bounds', 'int_seat_days', 'int_active_user_days', 'int_source_events', 'fct_seat_spend_monthly']) }}
-- Per team (workspace group) and month: the paid seats of its members, active and idle, and what
-- they cost (int_seat_cost_days), counting a seat while its holder was in the group
-- (int_team_memberships). A person in several groups counts in each. The price and its currency
-- are the workspace's (fct_seat_spend_monthly); spend is null unless every seat day counted has a
-- price, in one currency. Active and idle seats are null in a month the workspace's extracted
-- history does not cover whole (int_workspace_coverage).
-- Incremental: the months fct_seat_spend_monthly rebuilds (the same changes reach them); a change
-- to anything else it reads (memberships, seats, prices, coverage) rebuilds every month.
with seat_cost_days as (
  select * from {{ ref('int_seat_cost_days') }}
  {%- if is_incremental() %}
  where date_day >= {{ rebuild }}
  {%- endif %}
),

memberships as (
  select * from {{ ref('int_team_memberships') }}
),

workspace_months as (
  select * from {{ ref('fct_seat_spend_monthly') }}
  {%- if is_incremental() %}
  where month_start >= {{ rebuild }}
  {%- endif %}
),

coverage as (
  select * from {{ ref('int_workspace_coverage') }}
),

team_months as (
  select
    memberships.team_key,
    seat_cost_days.workspace_uuid,
    seat_cost_days.month_start,
    {{ seat_spend_sums('seat_cost_days') }}
  from seat_cost_days
  join memberships
    on memberships.workspace_uuid = seat_cost_days.workspace_uuid
    and memberships.user_uuid = seat_cost_days.user_uuid
    and (memberships.membership_end_date is null or seat_cost_days.date_day < memberships.membership_end_date)
  group by 1, 2, 3
)

select
  team_months.team_key,
  team_months.workspace_uuid,
  team_months.month_start,
  {{ seat_spend_columns('team_months', 'workspace_months', 'coverage') }},
  {{ spine_start() }} as _spine_start,
  {{ timestamp_literal(run_started_at) }} as _transformed_at
from team_months
left join workspace_months
  on workspace_months.workspace_uuid = team_months.workspace_uuid
  and workspace_months.month_start = team_months.month_start
left join coverage
  on coverage.workspace_uuid = team_months.workspace_uuid
