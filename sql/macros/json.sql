{#- Reading the raw `payload` column, per engine. `path` is dotted: 'user.uuid'. A missing key or a
    JSON null gives SQL null everywhere. -#}

{#- The text at a path (strings as they are; numbers and booleans as their JSON text). -#}
{% macro json_text(path, column='payload') -%}
{%- if target.type == 'bigquery' -%}
JSON_VALUE({{ column }}, '$.{{ path }}')
{%- else -%}
({{ column }} #>> '{{ "{" }}{{ path | replace(".", ",") }}{{ "}" }}')
{%- endif -%}
{%- endmacro %}

{#- Typed values. A value that does not read as the type (a count sent as "many", a date that does
    not exist) is SQL null on every engine instead of an error that would stop this model and
    every model after it; the raw record keeps what was sent. The patterns are the same on both
    dialects so the engines agree on what parses. -#}
{% macro int_pattern() -%}
^-?[0-9]{1,18}$
{%- endmacro %}

{% macro float_pattern() -%}
^-?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]{1,3})?$
{%- endmacro %}

{#- ISO-8601 as Bitbucket writes it: a date, optionally a time and an offset (Z or ±hh[:mm]). -#}
{% macro ts_pattern() -%}
^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3]):[0-5][0-9](:([0-5][0-9]|60)([.][0-9]+)?)?)?(Z|z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?$
{%- endmacro %}

{#- A whole-number value (ids, counts, seconds) in Postgres' integer range; BigQuery: INT64. -#}
{% macro json_int(path, column='payload') -%}
{%- set v = json_text(path, column) -%}
{%- if target.type == 'bigquery' -%}
{#- Bounded like Postgres' integer, so both engines keep the same values. -#}
IF(REGEXP_CONTAINS({{ v }}, r'{{ int_pattern() }}') AND SAFE_CAST({{ v }} AS INT64) BETWEEN -2147483648 AND 2147483647, SAFE_CAST({{ v }} AS INT64), NULL)
{%- else -%}
{#- CASE evaluates in order, so a cast only ever sees text that fits it. -#}
(case when {{ v }} ~ '{{ int_pattern() }}' then case when {{ v }}::numeric between -2147483648 and 2147483647 then {{ v }}::integer end end)
{%- endif -%}
{%- endmacro %}

{#- A fractional number. -#}
{% macro json_float(path, column='payload') -%}
{%- set v = json_text(path, column) -%}
{%- if target.type == 'bigquery' -%}
IF(REGEXP_CONTAINS({{ v }}, r'{{ float_pattern() }}'), SAFE_CAST({{ v }} AS FLOAT64), NULL)
{%- else -%}
(case when {{ v }} ~ '{{ float_pattern() }}' then case when {{ v }}::numeric = 0 or abs({{ v }}::numeric) between 1e-307 and 1e308 then {{ v }}::double precision end end)
{%- endif -%}
{%- endmacro %}

{#- A boolean: JSON true or false (anything else, "yes" included, is null). -#}
{% macro json_bool(path, column='payload') -%}
(case {{ json_text(path, column) }} when 'true' then true when 'false' then false end)
{%- endmacro %}

{#- An ISO-8601 timestamp string (microseconds; `+00:00` or `Z`) as a timestamp (Postgres: timestamptz). -#}
{% macro json_ts(path, column='payload') -%}
{%- set v = json_text(path, column) -%}
{%- if target.type == 'bigquery' -%}
IF(REGEXP_CONTAINS({{ v }}, r'{{ ts_pattern() }}'), SAFE.TIMESTAMP({{ v }}), NULL)
{%- else -%}
{#- The pattern bounds each field; the day is then checked against its month (30 February). -#}
(case when {{ v }} ~ '{{ ts_pattern() }}' then case
  when to_char((substr({{ v }}, 1, 7) || '-01')::date + (substr({{ v }}, 9, 2)::integer - 1), 'YYYY-MM-DD') = substr({{ v }}, 1, 10)
  then {{ v }}::timestamptz end end)
{%- endif -%}
{%- endmacro %}

{#- True when the path holds an object, array or scalar (not missing, not JSON null). -#}
{% macro json_has(path, column='payload') -%}
{%- if target.type == 'bigquery' -%}
(JSON_QUERY({{ column }}, '$.{{ path }}') is not null and JSON_TYPE(JSON_QUERY({{ column }}, '$.{{ path }}')) != 'null')
{%- else -%}
(coalesce(jsonb_typeof({{ column }} #> '{{ "{" }}{{ path | replace(".", ",") }}{{ "}" }}'), 'null') <> 'null')
{%- endif -%}
{%- endmacro %}
