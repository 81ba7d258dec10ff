{{ config(materialized='table') }}
-- One row per calendar day the marts cover (int_date_spine), with its week and month.
with days as (
  select date_day from {{ ref('int_date_spine') }}
),

bounds as (
  select * from {{ ref('int_date_bounds') }}
)

select
  date_day,
  {{ week_start('date_day') }} as week_start,
  {{ month_start('date_day') }} as month_start,
  cast(extract(year from date_day) as integer) as year,
  cast(extract(month from date_day) as integer) as month,
  {{ iso_day_of_week('date_day') }} as iso_day_of_week,
  date_day = (select as_of_date from bounds) as is_as_of_date
from days
