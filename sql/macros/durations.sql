{#- Hours from timestamp `from_ts` to `to_ts` as a float, unrounded (negative when `to_ts` is
    earlier; null when either is null). Whole microseconds divided by the same constant on every
    engine, so they agree to the last bit. Rounded hours: us_as_hours (stats.sql). -#}
{% macro hours_between(from_ts, to_ts) -%}
({{ as_float(duration_us(from_ts, to_ts)) }} / 3600000000)
{%- endmacro %}

{#- A number as a float (FLOAT64 / double precision), e.g. before dividing seconds into minutes. -#}
{% macro as_float(expression) -%}
{%- if target.type == 'bigquery' -%}
CAST({{ expression }} AS FLOAT64)
{%- else -%}
cast({{ expression }} as double precision)
{%- endif -%}
{%- endmacro %}
