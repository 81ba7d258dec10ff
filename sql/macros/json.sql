{#- Reading the raw `payload` column, per engine. `path` is dotted: 'user.uuid'. A missing key or a
    JSON null gives SQL null everywhere. -#}

{#- The text at a path (strings as they are; numbers and booleans as their JSON text). -#}
{% macro json_text(path, column='payload') -%}
{%- if adapter == 'bigquery' -%}
JSON_VALUE({{ column }}, '$.{{ path }}')
{%- else -%}
({{ column }} #>> '{{ "{" }}{{ path | replace(".", ",") }}{{ "}" }}')
{%- endif -%}
{%- endmacro %}

{#- A whole-number value (ids, counts, seconds). -#}
{% macro json_int(path, column='payload') -%}
{%- if adapter == 'bigquery' -%}
CAST(JSON_VALUE({{ column }}, '$.{{ path }}') AS INT64)
{%- else -%}
({{ column }} #>> '{{ "{" }}{{ path | replace(".", ",") }}{{ "}" }}')::integer
{%- endif -%}
{%- endmacro %}

{#- A fractional number. -#}
{% macro json_float(path, column='payload') -%}
{%- if adapter == 'bigquery' -%}
CAST(JSON_VALUE({{ column }}, '$.{{ path }}') AS FLOAT64)
{%- else -%}
({{ column }} #>> '{{ "{" }}{{ path | replace(".", ",") }}{{ "}" }}')::double precision
{%- endif -%}
{%- endmacro %}

{#- A JSON boolean. -#}
{% macro json_bool(path, column='payload') -%}
{%- if adapter == 'bigquery' -%}
CAST(JSON_VALUE({{ column }}, '$.{{ path }}') AS BOOL)
{%- else -%}
({{ column }} #>> '{{ "{" }}{{ path | replace(".", ",") }}{{ "}" }}')::boolean
{%- endif -%}
{%- endmacro %}

{#- An ISO-8601 timestamp string (microseconds; `+00:00` or `Z`) as a timestamp (Postgres: timestamptz). -#}
{% macro json_ts(path, column='payload') -%}
{%- if adapter == 'bigquery' -%}
TIMESTAMP(JSON_VALUE({{ column }}, '$.{{ path }}'))
{%- else -%}
({{ column }} #>> '{{ "{" }}{{ path | replace(".", ",") }}{{ "}" }}')::timestamptz
{%- endif -%}
{%- endmacro %}

{#- True when the path holds an object, array or scalar (not missing, not JSON null). -#}
{% macro json_has(path, column='payload') -%}
{%- if adapter == 'bigquery' -%}
(JSON_QUERY({{ column }}, '$.{{ path }}') is not null and JSON_TYPE(JSON_QUERY({{ column }}, '$.{{ path }}')) != 'null')
{%- else -%}
(coalesce(jsonb_typeof({{ column }} #> '{{ "{" }}{{ path | replace(".", ",") }}{{ "}" }}'), 'null') <> 'null')
{%- endif -%}
{%- endmacro %}
