{#- The UTC calendar date of a timestamp (Postgres: timestamptz), whatever the session time zone. -#}
{% macro utc_date(column) -%}
{%- if target.type == 'bigquery' -%}
DATE({{ column }}, 'UTC')
{%- else -%}
(({{ column }}) at time zone 'UTC')::date
{%- endif -%}
{%- endmacro %}

{#- A date `n` days later (n may be negative or an SQL expression). -#}
{% macro add_days(date, n) -%}
{%- if target.type == 'bigquery' -%}
DATE_ADD({{ date }}, INTERVAL ({{ n }}) DAY)
{%- else -%}
(({{ date }}) + ({{ n }}))
{%- endif -%}
{%- endmacro %}

{#- Whole days from `start` to `end` (dates). -#}
{% macro days_between(start, end) -%}
{%- if target.type == 'bigquery' -%}
DATE_DIFF({{ end }}, {{ start }}, DAY)
{%- else -%}
(({{ end }}) - ({{ start }}))
{%- endif -%}
{%- endmacro %}

{#- The Monday of a date's ISO week. -#}
{% macro week_start(date) -%}
{%- if target.type == 'bigquery' -%}
{#- (not DATE_TRUNC(…, ISOWEEK): the BigQuery emulator lacks it) -#}
DATE_SUB({{ date }}, INTERVAL ({{ iso_day_of_week(date) }} - 1) DAY)
{%- else -%}
date_trunc('week', {{ date }})::date
{%- endif -%}
{%- endmacro %}

{#- The first day of a date's month. -#}
{% macro month_start(date) -%}
{%- if target.type == 'bigquery' -%}
{#- (not DATE_TRUNC(…, MONTH): the BigQuery emulator returns a timestamp) -#}
DATE_SUB({{ date }}, INTERVAL (EXTRACT(DAY FROM {{ date }}) - 1) DAY)
{%- else -%}
date_trunc('month', {{ date }})::date
{%- endif -%}
{%- endmacro %}

{#- A timestamp `n` minutes earlier. -#}
{% macro minus_minutes(ts, n) -%}
{%- if target.type == 'bigquery' -%}
TIMESTAMP_SUB({{ ts }}, INTERVAL {{ n }} MINUTE)
{%- else -%}
(({{ ts }}) - interval '{{ n }} minutes')
{%- endif -%}
{%- endmacro %}

{#- A date literal. -#}
{% macro date_literal(iso) -%}
{%- if target.type == 'bigquery' -%}
DATE '{{ iso }}'
{%- else -%}
date '{{ iso }}'
{%- endif -%}
{%- endmacro %}

{#- A timestamp literal (UTC). -#}
{% macro timestamp_literal(iso) -%}
{%- if target.type == 'bigquery' -%}
{#- (written as ISO 8601 with a Z: dbt's run_started_at prints `… 03:38:01.815802+00:00`, which
    the BigQuery emulator misreads) -#}
TIMESTAMP '{{ (iso | string) | replace(' ', 'T') | replace('+00:00', 'Z') }}'
{%- else -%}
timestamptz '{{ iso }}'
{%- endif -%}
{%- endmacro %}

{#- One row per day from `start` to `end` inclusive (date expressions), as column `date_day`. -#}
{% macro date_spine(start, end) -%}
{%- if target.type == 'bigquery' -%}
select date_day from UNNEST(GENERATE_DATE_ARRAY({{ start }}, {{ end }})) as date_day
{%- else -%}
select d::date as date_day from generate_series({{ start }}, {{ end }}, interval '1 day') as d
{%- endif -%}
{%- endmacro %}

{#- ISO day of the week: 1 = Monday … 7 = Sunday. -#}
{% macro iso_day_of_week(date) -%}
{%- if target.type == 'bigquery' -%}
(MOD(EXTRACT(DAYOFWEEK FROM {{ date }}) + 5, 7) + 1)
{%- else -%}
cast(extract(isodow from {{ date }}) as integer)
{%- endif -%}
{%- endmacro %}

{#- The number of days in the month of `month_start` (the first day of a month). -#}
{% macro days_in_month(month_start) -%}
{%- if target.type == 'bigquery' -%}
EXTRACT(DAY FROM DATE_SUB(DATE_ADD({{ month_start }}, INTERVAL 1 MONTH), INTERVAL 1 DAY))
{%- else -%}
cast(extract(day from ({{ month_start }}) + interval '1 month' - interval '1 day') as integer)
{%- endif -%}
{%- endmacro %}
