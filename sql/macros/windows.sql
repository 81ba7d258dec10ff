{#- The daily models built incrementally (incremental_strategy='replace_where'): an incremental run
    rebuilds every row dated on or after the first day a change can reach, and no other. That day
    is the earliest of:
      events  the days of the events int_source_events changed since this model's newest row was
              written (_transformed_at), both the new day and the one the event had before;
      spine   the model's last day (the date spine grew past it), or, when the spine no longer
              starts where the model does, the earlier of the two starts.
    `date_column` is the model's date; `spine_start` an expression for the spine's first day
    (none: the model does not follow the spine). No change at all: the model's last day. A model
    whose first row need not be on the spine's first day (months that have seats) names the column
    in which each row keeps the spine's first day it was built with, `built_from`. -#}
{% macro rebuild_from(date_column, events=true, spine_start=none, built_from=none) -%}
{%- set first = built_from or date_column -%}
{%- set rebuild -%}
(
  select min(day) from (
    select
      {%- if spine_start %}
      case
        when min({{ first }}) = {{ spine_start }} then max({{ date_column }})
        when min({{ first }}) < {{ spine_start }} then min({{ first }})
        else {{ spine_start }}
      end
      {%- else %}
      max({{ date_column }})
      {%- endif %} as day
    from {{ this }}
    {%- if events %}
    union all
    select {{ utc_date('occurred_at') }} as day
    from {{ ref('int_source_events') }}
    where _transformed_at > (select max(_transformed_at) from {{ this }})
    union all
    select {{ utc_date('previous_occurred_at') }} as day
    from {{ ref('int_source_events') }}
    where _transformed_at > (select max(_transformed_at) from {{ this }})
    {%- endif %}
  ) changes
)
{%- endset -%}
{{ evaluated_once(rebuild, 'date') }}
{%- endmacro %}

{#- The first day of the date spine (int_date_spine), for rebuild_from's spine_start. -#}
{% macro spine_start() -%}
(select min(date_day) from {{ ref('int_date_spine') }})
{%- endmacro %}

{#- The rows of `day` (an expression) an incremental run of a model built by days rebuilds: those
    on or after `rebuild`, and those of no day. An action whose time Bitbucket did not give counts
    under a null day, which no `>=` selects, so this engine rebuilds that group on every run; under
    dbt, which replaces rows by day, it stays as the last full build made it. -#}
{% macro from_day(day, rebuild) -%}
{%- if invocation_id is defined -%}
{{ day }} >= {{ rebuild }}
{%- else -%}
({{ day }} >= {{ rebuild }} or {{ day }} is null)
{%- endif -%}
{%- endmacro %}

{#- The config of a model built by days: from_day(date_column, rebuild) (rebuild: a rebuild_from
    expression) selects the rows an incremental run replaces; `inputs` are the models whose
    changes that accounts for (any other change: a full build).
    Under dbt (`invocation_id` is dbt's), config values are fixed when dbt parses the project,
    before ref() and this name their relations, so the predicate cannot travel in the config:
    there the new rows replace the rows of the same days (Postgres: delete+insert by date_column;
    BigQuery: insert_overwrite of the day partitions). A day whose every row should go (its only
    events deleted) then keeps them until a full refresh. -#}
{% macro config_by_days(date_column, rebuild, inputs) -%}
{%- if invocation_id is defined and target.type == 'bigquery' -%}
{{ config(
  materialized='incremental',
  incremental_strategy='insert_overwrite',
  partition_by={'field': date_column, 'data_type': 'date'}
) }}
{%- elif invocation_id is defined -%}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=date_column) }}
{%- else -%}
{#- (a macro call gives markup, not a string: `'' ~` makes it the string config takes) -#}
{{ config(
  materialized='incremental',
  incremental_strategy='replace_where',
  incremental_predicates=['' ~ from_day(date_column, rebuild)],
  incremental_inputs=inputs
) }}
{%- endif -%}
{%- endmacro %}

{#- The whole numbers 0 … n - 1, as column `k`. -#}
{% macro day_offsets(n) -%}
{%- if target.type == 'bigquery' -%}
select k from UNNEST(GENERATE_ARRAY(0, {{ n }} - 1)) as k
{%- else -%}
select generate_series(0, {{ n }} - 1) as k
{%- endif -%}
{%- endmacro %}

{#- For trailing windows ("active in the N days ending with D"): one row per day on which an active
    day of `active_days` (a relation with `activity_date` and the `keys` columns, one row per key
    and day) is the latest one of its key within `window_days`, with `days_since_active`. Each
    active day reaches until the key's next one or the window's end, so a key has at most one row a
    day: an equi-join on the day then replaces a range join of every day with every active day
    (days × active days, quadratic) and a count(*) per day is a count of distinct keys. -#}
{% macro latest_activity_days(active_days, keys, window_days) -%}
select
  {{ add_days('spans.activity_date', 'offsets.k') }} as date_day,
  {%- for key in keys %}
  spans.{{ key }},
  {%- endfor %}
  offsets.k as days_since_active
from (
  select
    {{ keys | join(', ') }},
    activity_date,
    {{ days_between('activity_date', 'lead(activity_date) over (partition by ' ~ (keys | join(', ')) ~ ' order by activity_date)') }}
      as days_to_next
  from {{ active_days }}
) spans
join ({{ day_offsets(window_days) }}) offsets
  on offsets.k < coalesce(spans.days_to_next, {{ window_days }})
{%- endmacro %}
