{#- One row per record_key across connections: the latest updated_on wins, then the latest
    _extracted_at, then the smallest connection_id (so the pick is deterministic). Tombstoned rows
    take part like any other (the staging models expose them as is_deleted). Every raw column
    comes through, plus _row_number (always 1).
    In an incremental run (the staging models are incremental, unique_key record_key), only the
    keys with a raw row extracted or tombstoned since the newest change the model holds, less the
    lookback (var incremental_lookback_minutes), are read: every connection's row of such a key,
    so the pick is the one a full refresh makes. Raw rows are rewritten only when their payload
    changes, so an unchanged key is never read again. -#}
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
  {%- if is_incremental() %}
  where r.record_key in (
    select record_key from {{ relation }}
    where {{ changed_after(changed_at()) }}
  )
  {%- endif %}
) ranked
where _row_number = 1
{%- endmacro %}

{#- A raw or staging row changed (extracted or tombstoned) after the model's newest change,
    `watermark` (an expression over its rows: the newest is their max), less the lookback (var
    incremental_lookback_minutes); every row while the model is empty. The watermark is evaluated
    once (evaluated_once): Postgres then reads the changed rows through the index on their change
    time (raw tables: 015_raw_change_indexes) rather than all of them. -#}
{% macro changed_after(watermark) -%}
{%- set newest -%}
(
  select coalesce(
    {{ minus_minutes('max(' ~ watermark ~ ')', var('incremental_lookback_minutes', 10)) }},
    {{ timestamp_literal('1900-01-01T00:00:00Z') }}
  )
  from {{ this }}
)
{%- endset -%}
{{ changed_at() }} > {{ evaluated_once(newest, 'timestamp') }}
{%- endmacro %}

{#- A staging model's post_hook (Postgres, PGlite; nothing on BigQuery, which has no indexes): an
    index on changed_at(), for the max its own incremental run starts from and for the models that
    read its rows changed since theirs (int_source_events, fct_pull_requests). -#}
{% macro changed_at_index(name) -%}
{%- if target.type != 'bigquery' -%}
create index if not exists {{ name }}_changed_at on {{ this }} (({{ changed_at() }}))
{%- endif -%}
{%- endmacro %}

{#- When a raw row (or a staging row, which keeps both columns) last changed: extracted or tombstoned. -#}
{% macro changed_at() -%}
greatest(_extracted_at, coalesce(_deleted_at, _extracted_at))
{%- endmacro %}

{#- An incremental model's filter on a staging model it reads: only rows extracted or tombstoned
    since the newest `_changed_at` the model holds, less the lookback (none on a full build). -#}
{% macro changed_since_last_run() -%}
{%- if is_incremental() %}
  and {{ changed_after('_changed_at') }}
{%- endif -%}
{%- endmacro %}
