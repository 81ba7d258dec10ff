{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_pipeline_steps") }}') }}
-- Pipeline steps (GET …/pipelines/{uuid}/steps); parent_key is `{repo}:{pipeline uuid}`.
with steps as (
  {{ latest_per_key(source('bitbucket', 'pipeline_steps')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    workspace_uuid,
    {{ json_text('uuid') }} as uuid,
    {{ key_part('parent_key', 1) }} as repository_uuid,
    coalesce({{ json_text('pipeline.uuid') }}, {{ key_part('parent_key', 2) }}) as pipeline_uuid,
    {{ json_text('name') }} as name,
    {{ json_text('state.name') }} as state_name,
    {{ json_text('state.result.name') }} as result_name,
    {{ json_ts('started_on') }} as started_on,
    {{ json_ts('completed_on') }} as completed_on,
    {{ json_int('build_seconds_used') }} as build_seconds_used,
    {{ json_int('duration_in_seconds') }} as duration_in_seconds,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from steps
)

select * from renamed
