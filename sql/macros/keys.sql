{#- The n-th (1-based) `:`-separated part of a composite key, e.g. the repository uuid of a
    pull request child's parent_key `{repo-uuid}:42`. -#}
{% macro key_part(column, n) -%}
{%- if target.type == 'bigquery' -%}
SPLIT({{ column }}, ':')[SAFE_OFFSET({{ n - 1 }})]
{%- else -%}
nullif(split_part({{ column }}, ':', {{ n }}), '')
{%- endif -%}
{%- endmacro %}

{#- The same key as an integer (pull request ids). -#}
{% macro key_part_int(column, n) -%}
{%- if target.type == 'bigquery' -%}
CAST(SPLIT({{ column }}, ':')[SAFE_OFFSET({{ n - 1 }})] AS INT64)
{%- else -%}
nullif(split_part({{ column }}, ':', {{ n }}), '')::integer
{%- endif -%}
{%- endmacro %}

{#- A pull request's key, `{repository uuid}:{id}` (the record_key of stg_pullrequests), from the
    two columns its child records carry. -#}
{% macro pr_key(repository_uuid='repository_uuid', pr_id='pr_id') -%}
{{ repository_uuid }} || ':' || cast({{ pr_id }} as {{ 'STRING' if target.type == 'bigquery' else 'text' }})
{%- endmacro %}

{#- The config of a model whose rows are recomputed by key: an incremental run replaces the rows
    whose `key` (an expression over the model's columns) is in `changed` (a subquery of keys);
    `inputs` are the models whose changes that accounts for (any other change: a full build).
    `unique_key` names the key's columns for dbt, where (see config_by_days) the new rows replace
    the rows of the same keys: a key whose every row should go (its record deleted) keeps its rows
    there until a full refresh. -#}
{% macro config_by_keys(key, unique_key, changed, inputs) -%}
{%- if invocation_id is defined -%}
{{ config(
  materialized='incremental',
  incremental_strategy='merge' if target.type == 'bigquery' else 'delete+insert',
  unique_key=unique_key
) }}
{%- else -%}
{{ config(
  materialized='incremental',
  incremental_strategy='replace_where',
  incremental_predicates=[key ~ ' in ' ~ changed],
  incremental_inputs=inputs
) }}
{%- endif -%}
{%- endmacro %}
