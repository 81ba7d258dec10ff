{{ config(materialized='view') }}
-- One row per paid seat held on a day the marts cover (int_seat_days), with its month, whether its
-- holder did anything in the workspace that month (int_active_user_days), the price in effect that
-- day (int_seat_price_days; null when none applies) and the day's cost: that price ÷ the days of
-- the month, so a price change applies from its day on and a seat held all month costs its price.
with dates as (
  select date_day, month_start from {{ ref('dim_date') }}
),

seat_days as (
  select * from {{ ref('int_seat_days') }}
),

price_days as (
  select * from {{ ref('int_seat_price_days') }}
),

active_months as (
  select distinct workspace_uuid, user_uuid, {{ month_start('activity_date') }} as month_start
  from {{ ref('int_active_user_days') }}
)

select
  seat_days.date_day,
  seat_days.workspace_uuid,
  seat_days.user_uuid,
  dates.month_start,
  active_months.user_uuid is not null as is_active,
  price_days.seat_price,
  price_days.currency,
  price_days.seat_price / {{ days_in_month('dates.month_start') }} as day_cost
from seat_days
join dates on dates.date_day = seat_days.date_day
left join active_months
  on active_months.workspace_uuid = seat_days.workspace_uuid
  and active_months.user_uuid = seat_days.user_uuid
  and active_months.month_start = dates.month_start
left join price_days
  on price_days.workspace_uuid = seat_days.workspace_uuid
  and price_days.date_day = seat_days.date_day
