{#- One row per record_key across connections: the latest updated_on wins, then the latest
    _extracted_at, then the smallest connection_id (so the pick is deterministic). Tombstoned rows
    take part like any other (the staging models expose them as is_deleted). Every raw column
    comes through, plus _row_number (always 1). -#}
{% macro latest_per_key(relation) -%}
select *
from (
  select
    r.*,
    row_number() over (
      partition by r.record_key
      order by r.updated_on desc nulls last, r._extracted_at desc, r.connection_id
    ) as _row_number
  from {{ relation }} r
) ranked
where _row_number = 1
{%- endmacro %}
