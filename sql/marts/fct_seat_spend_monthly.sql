{%- set changed_from = rebuild_from('month_start', spine_start=spine_start(), built_from='_spine_start') %}
{%- set rebuild = month_start(changed_from) %}
{{ config_by_days('month_start', rebuild, ['dim_date', 'int_date_spine', 'int_date_bounds', 'int_seat_days', 'int_active_user_days', 'int_source_events']) }}
-- Per workspace and month: paid seats, active and idle seats, and what they cost. A seat is paid
-- in a month when held on any of its days; active when its holder did anything in the workspace
-- that month, idle otherwise; each day held costs its share of the price in effect that day
-- (int_seat_cost_days). Spend is null unless every seat day of the month has a price, in one
-- currency: a price is never invented. Active and idle seats are null in a month the workspace's
-- extracted history does not cover whole (int_workspace_coverage).
-- Incremental: the months from the one holding the first day a change reaches (macros/windows.sql);
-- a change to anything else it reads (seats, prices, coverage, the identity map) rebuilds every month.
with dates as (
  select date_day, month_start from {{ ref('dim_date') }}
  {%- if is_incremental() %}
  where date_day >= {{ rebuild }}
  {%- endif %}
),

seat_cost_days as (
  select * from {{ ref('int_seat_cost_days') }}
  {%- if is_incremental() %}
  where date_day >= {{ rebuild }}
  {%- endif %}
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
  {{ seat_spend_columns('months', 'month_prices', 'coverage') }},
  {{ spine_start() }} as _spine_start,
  {{ timestamp_literal(run_started_at) }} as _transformed_at
from months
left join month_prices
  on month_prices.workspace_uuid = months.workspace_uuid
  and month_prices.month_start = months.month_start
left join coverage
  on coverage.workspace_uuid = months.workspace_uuid
