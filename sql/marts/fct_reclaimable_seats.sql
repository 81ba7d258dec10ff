{{ config(materialized='table') }}
-- One row per seat held now whose holder has been idle for at least var reclaim_after_days (default
-- 60) days as of the as-of date (dim_users.idle_days): who, since when, their teams, and what
-- removing the seat would save a month at the price in effect on the as-of date (null without one).
with users as (
  select * from {{ ref('dim_users') }}
),

bounds as (
  select * from {{ ref('int_date_bounds') }}
),

price_days as (
  select * from {{ ref('int_seat_price_days') }}
),

user_teams as (
  select * from {{ ref('bridge_user_teams') }}
),

teams as (
  select * from {{ ref('dim_teams') }}
),

current_prices as (
  select price_days.workspace_uuid, price_days.seat_price, price_days.currency
  from price_days
  join bounds on price_days.date_day = bounds.as_of_date
),

team_lists as (
  select
    user_teams.workspace_uuid,
    user_teams.user_uuid,
    {{ sorted_list('coalesce(teams.team_name, user_teams.group_slug)') }} as teams
  from user_teams
  left join teams on teams.team_key = user_teams.team_key
  group by 1, 2
)

select
  users.workspace_uuid,
  users.user_uuid,
  users.display_name,
  users.seat_start_date,
  users.last_active_at,
  users.last_feature,
  users.idle_days,
  team_lists.teams,
  current_prices.seat_price as monthly_saving,
  current_prices.currency
from users
left join team_lists
  on team_lists.workspace_uuid = users.workspace_uuid
  and team_lists.user_uuid = users.user_uuid
left join current_prices on current_prices.workspace_uuid = users.workspace_uuid
where users.holds_seat
  and users.idle_days >= {{ var('reclaim_after_days', 60) }}
