{#- The lower-cased e-mail address inside a git author string `Name <address>` (null without one). -#}
{% macro email_of(column) -%}
{%- if target.type == 'bigquery' -%}
LOWER(REGEXP_EXTRACT({{ column }}, r'<([^>]+)>'))
{%- else -%}
lower(substring({{ column }} from '<([^>]+)>'))
{%- endif -%}
{%- endmacro %}

{#- The distinct values of a text column, sorted and joined with ', ' (an aggregate). -#}
{% macro sorted_list(column) -%}
{%- if target.type == 'bigquery' -%}
STRING_AGG(DISTINCT {{ column }}, ', ' ORDER BY {{ column }})
{%- else -%}
string_agg(distinct {{ column }}, ', ' order by {{ column }})
{%- endif -%}
{%- endmacro %}
