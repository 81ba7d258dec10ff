{{ config(materialized='table') }}
-- One row per day the marts cover (int_date_spine) and paid seat held that day (int_seats: people,
-- from seat_start_date, or before the data starts, until seat_end_date exclusive).
with dates as (
  select date_day from {{ ref('int_date_spine') }}
),

seats as (
  select * from {{ ref('int_seats') }}
  where is_billable
)

select dates.date_day, seats.workspace_uuid, seats.user_uuid
from dates
join seats
  on (seats.seat_start_date is null or seats.seat_start_date <= dates.date_day)
  and (seats.seat_end_date is null or dates.date_day < seats.seat_end_date)
