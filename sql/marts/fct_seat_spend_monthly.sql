{{ config(materialized='table') }}
-- Per workspace and month: paid seats, active and idle seats, and what they cost. A seat is paid
-- in a month when held on any of its days; active when its holder did anything in the workspace
-- that month, idle otherwise; each day held costs its share of the price in effect that day
-- (int_seat_cost_days). Spend is null unless every seat day of the month has a price, in one
-- currency: a price is never invented. Active and idle seats are null in a month the workspace's
-- extracted history does not cover whole (int_workspace_coverage).
with dates as (
  select date_day, month_start from {{ ref('dim_date') }}
),

seat_cost_days as (
  select * from {{ ref('int_seat_cost_days') }}
),

price_days as (
  select * from {{ ref('int_seat_price_days') }}
),

coverage as (
  select * from {{ ref('int_workspace_coverage') }}
),

months as (
  select
    workspace_uuid,
    month_start,
    {{ seat_spend_sums('seat_cost_days') }}
  from seat_cost_days
  group by 1, 2
),

-- the price in effect on the month's last day the marts cover
month_prices_ranked as (
  select
    price_days.workspace_uuid,
    dates.month_start,
    price_days.seat_price,
    price_days.currency,
    row_number() over (
      partition by price_days.workspace_uuid, dates.month_start order by price_days.date_day desc
    ) as day_rank
  from price_days
  join dates on dates.date_day = price_days.date_day
),

month_prices as (
  select workspace_uuid, month_start, seat_price, currency
  from month_prices_ranked
  where day_rank = 1
)

select
  months.workspace_uuid,
  months.month_start,
  {{ seat_spend_columns('months', 'month_prices', 'coverage') }}
from months
left join month_prices
  on month_prices.workspace_uuid = months.workspace_uuid
  and month_prices.month_start = months.month_start
left join coverage
  on coverage.workspace_uuid = months.workspace_uuid
