-- The seats fct_seat_utilization_daily counts on the as-of date are the dim_users rows that hold a
-- seat, workspace by workspace (two models, one definition of a seat).
with seat_days as (
  select utilization.workspace_uuid, utilization.seats
  from {{ ref('fct_seat_utilization_daily') }} utilization
  join {{ ref('dim_date') }} dates
    on utilization.date_day = dates.date_day
  where dates.is_as_of_date
),

holders as (
  select workspace_uuid, count(*) as seat_holders
  from {{ ref('dim_users') }}
  where holds_seat
  group by 1
)

select
  coalesce(seat_days.workspace_uuid, holders.workspace_uuid) as workspace_uuid,
  seat_days.seats,
  holders.seat_holders
from seat_days
full outer join holders
  on seat_days.workspace_uuid = holders.workspace_uuid
where coalesce(seat_days.seats, 0) <> coalesce(holders.seat_holders, 0)
