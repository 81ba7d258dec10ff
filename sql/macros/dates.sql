{#- The UTC calendar date of a timestamp (Postgres: timestamptz), whatever the session time zone. -#}
{% macro utc_date(column) -%}
{%- if adapter == 'bigquery' -%}
DATE({{ column }}, 'UTC')
{%- else -%}
(({{ column }}) at time zone 'UTC')::date
{%- endif -%}
{%- endmacro %}
