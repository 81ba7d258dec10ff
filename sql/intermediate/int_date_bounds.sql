{{ config(materialized='table') }}
-- The dates the marts cover: from the first user action (or var start_date) to the data's "today",
-- the as-of date: the UTC day of the latest members listing, or of the latest action when that is
-- later. Marts are computed as of that day, not the wall clock, so a rerun gives the same rows.
-- A table of one row: four models read it, and as a view each read went through every action
-- again (about 30 ms each at medium on Postgres).
with actions as (
  select
    min({{ utc_date('occurred_at') }}) as first_action_date,
    max({{ utc_date('occurred_at') }}) as last_action_date
  from {{ ref('int_user_events') }}
),

listings as (
  select max({{ utc_date('_extracted_at') }}) as last_listing_date
  from {{ ref('stg_members') }}
),

bounds as (
  select
    {%- if var('start_date', none) %}
    {{ date_literal(var('start_date')) }} as first_date,
    {%- else %}
    coalesce(actions.first_action_date, listings.last_listing_date) as first_date,
    {%- endif %}
    case
      when listings.last_listing_date is null then actions.last_action_date
      when actions.last_action_date is null then listings.last_listing_date
      when actions.last_action_date > listings.last_listing_date then actions.last_action_date
      else listings.last_listing_date
    end as as_of_date
  from actions
  cross join listings
)

select first_date, as_of_date from bounds where first_date is not null
