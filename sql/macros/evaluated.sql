{#- An uncorrelated scalar subquery (type 'date' or 'timestamp') that this engine evaluates once,
    before an incremental build, and writes in as a literal (evaluated_first, transforms/compile.ts):
    Postgres can then estimate what it bounds and read through an index. Under dbt, which has no
    such global (`invocation_id` is dbt's), the subquery as written. -#}
{% macro evaluated_once(sql, type) -%}
{%- if invocation_id is defined -%}
{{ sql }}
{%- else -%}
{{ evaluated_first(sql, type) }}
{%- endif -%}
{%- endmacro %}
