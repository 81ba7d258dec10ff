{#- The models rebuilt by repository (incremental_strategy='replace_where'): a model whose rows
    depend only on records of their own repository (a deployment on its environment's other
    deployments, its commit and the pull request that merged it). An incremental run rebuilds every
    row of each repository that one of `inputs` changed in (a staging row extracted or tombstoned)
    since the newest change the model has read (its `_changed_at`, the same on all rows one build
    wrote), less the lookback (var incremental_lookback_minutes); no other row. -#}
{% macro changed_repositories(inputs) -%}
(
  {%- for input in inputs %}
  select repository_uuid from {{ ref(input) }}
  where {{ changed_at() }} > (
    select coalesce(
      {{ minus_minutes('max(_changed_at)', var('incremental_lookback_minutes', 10)) }},
      {{ timestamp_literal('1900-01-01T00:00:00Z') }}
    )
    from {{ this }}
  )
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
)
{%- endmacro %}

{#- The newest change among `inputs`' rows: what the rows of this build have read (`_changed_at`). -#}
{% macro newest_change(inputs) -%}
(
  select max(changed_at) from (
    {%- for input in inputs %}
    select max({{ changed_at() }}) as changed_at from {{ ref(input) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
  ) inputs
)
{%- endmacro %}

{#- The config of a model rebuilt by repository: `changed` (a changed_repositories expression)
    selects the repositories an incremental run replaces; `inputs` are the models whose changes
    that accounts for (any other change: a full build).
    Under dbt, config values are fixed when dbt parses the project (see config_by_days): there the
    new rows replace those of the same key (`unique_key`; Postgres: delete+insert by repository,
    BigQuery: merge by `key`). A row whose record went (a deployment no longer listed) then stays
    until a full refresh. -#}
{% macro config_by_repository(key, changed, inputs) -%}
{%- if invocation_id is defined and target.type == 'bigquery' -%}
{{ config(materialized='incremental', incremental_strategy='merge', unique_key=key) }}
{%- elif invocation_id is defined -%}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='repository_uuid') }}
{%- else -%}
{{ config(
  materialized='incremental',
  incremental_strategy='replace_where',
  incremental_predicates=['repository_uuid in ' ~ changed],
  incremental_inputs=inputs
) }}
{%- endif -%}
{%- endmacro %}
