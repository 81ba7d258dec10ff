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
