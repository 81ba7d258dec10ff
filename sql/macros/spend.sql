{#- The seat spend marts' sums over rows of int_seat_cost_days (aliased `days`), for a GROUP BY:
    paid and active seats, whether every day has a price in one currency, spend and idle-seat
    spend (unrounded). -#}
{% macro seat_spend_sums(days) -%}
count(distinct {{ days }}.user_uuid) as paid_seats,
    count(distinct case when {{ days }}.is_active then {{ days }}.user_uuid end) as active_seats,
    count(*) = count({{ days }}.seat_price) and count(distinct {{ days }}.currency) = 1 as is_priced,
    sum({{ days }}.day_cost) as spend,
    sum(case when {{ days }}.is_active then 0 else {{ days }}.day_cost end) as idle_seat_spend
{%- endmacro %}

{#- The seat spend marts' columns from those sums (relation `sums`, with month_start) and the
    month's price (`prices`): seats as integers, spend rounded to cents and null unless is_priced;
    active and idle seats (and idle_seat_spend) null unless the whole month is covered (`coverage`,
    int_workspace_coverage). -#}
{% macro seat_spend_columns(sums, prices, coverage) -%}
{%- set month_covered = covered(sums ~ '.month_start', coverage ~ '.coverage_start_date') -%}
cast({{ sums }}.paid_seats as integer) as paid_seats,
  case when {{ month_covered }} then cast({{ sums }}.active_seats as integer) end as active_seats,
  case when {{ month_covered }} then cast({{ sums }}.paid_seats - {{ sums }}.active_seats as integer) end as idle_seats,
  {{ prices }}.seat_price,
  {{ prices }}.currency,
  case when {{ sums }}.is_priced then {{ money(sums ~ '.spend') }} end as spend,
  case when {{ sums }}.is_priced and {{ month_covered }} then {{ money(sums ~ '.idle_seat_spend') }} end as idle_seat_spend
{%- endmacro %}
