{{ config(materialized='table') }}
-- One row per calendar day the marts cover (int_date_bounds: the first day to the as-of date).
-- The spine lives in this layer so that intermediate models (int_seat_days) read days without
-- reading a mart; dim_date adds the calendar attributes analysts filter by.
with bounds as (
  select * from {{ ref('int_date_bounds') }}
)

{{ date_spine('(select first_date from bounds)', '(select as_of_date from bounds)') }}
