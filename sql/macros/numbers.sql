{#- num / den rounded to `places` decimals, as a float; null when den is 0 or null. -#}
{% macro ratio(num, den, places=4) -%}
{%- if target.type == 'bigquery' -%}
ROUND(SAFE_DIVIDE({{ num }}, {{ den }}), {{ places }})
{%- else -%}
round(({{ num }})::numeric / nullif({{ den }}, 0), {{ places }})::double precision
{%- endif -%}
{%- endmacro %}

{#- An amount of money rounded to cents (2 decimals), as a float; null stays null. -#}
{% macro money(amount) -%}
{%- if target.type == 'bigquery' -%}
ROUND({{ amount }}, 2)
{%- else -%}
round(cast({{ amount }} as numeric), 2)::double precision
{%- endif -%}
{%- endmacro %}
