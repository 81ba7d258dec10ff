{#- The median of a numeric column over the group (an aggregate; nulls ignored; null when the
    group has no value), interpolated between the two middle values as PERCENTILE_CONT does.
    BigQuery's PERCENTILE_CONT is analytic only, so there it runs over the group's values gathered
    into an array. -#}
{% macro median(column) -%}
{%- if target.type == 'bigquery' -%}
(SELECT PERCENTILE_CONT(v, 0.5) OVER () FROM UNNEST(ARRAY_AGG({{ column }} IGNORE NULLS)) AS v LIMIT 1)
{%- else -%}
percentile_cont(0.5) within group (order by ({{ column }})::double precision)
{%- endif -%}
{%- endmacro %}

{#- Whole microseconds from timestamp `start` to timestamp `end` (negative when end is earlier).
    Durations are medianed in microseconds so that the middle of two of them is exact. -#}
{% macro duration_us(start, end) -%}
{%- if target.type == 'bigquery' -%}
TIMESTAMP_DIFF({{ end }}, {{ start }}, MICROSECOND)
{%- else -%}
(extract(epoch from ({{ end }}) - ({{ start }})) * 1000000)
{%- endif -%}
{%- endmacro %}

{#- Microseconds as hours rounded to 2 decimals (halves away from zero), as a float. Scaled to
    hundredths before rounding, so that an exact half (e.g. 90 seconds) rounds alike on every
    engine rather than by where each one's float happens to fall. Unrounded hours:
    hours_between (durations.sql). -#}
{% macro us_as_hours(us) -%}
{%- if target.type == 'bigquery' -%}
(ROUND(({{ us }}) / 36000000) / 100)
{%- else -%}
(round(({{ us }})::numeric / 36000000) / 100)::double precision
{%- endif -%}
{%- endmacro %}
