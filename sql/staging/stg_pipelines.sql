{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_pipelines") }}') }}
-- Pipeline runs (GET …/pipelines; the repository is projected away, so it comes from parent_key).
-- creator is absent for runs nobody started; completed_on for unfinished runs; trigger and
-- build_seconds_used may be absent too (null here). Times end in `Z`. Names (state, stage, result,
-- trigger) are kept as sent, known or not.
with pipelines as (
  {{ latest_per_key(source('bitbucket', 'pipelines')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    workspace_uuid,
    {{ json_text('uuid') }} as uuid,
    parent_key as repository_uuid,
    {{ json_int('build_number') }} as build_number,
    {{ json_text('trigger.name') }} as trigger_name,
    {{ json_text('state.name') }} as state_name,
    {{ json_text('state.stage.name') }} as state_stage,
    {{ json_text('state.result.name') }} as result_name,
    {{ json_text('target.ref_name') }} as ref_name,
    {{ json_text('target.commit.hash') }} as commit_hash,
    {{ json_int('target.pullrequest.id') }} as pr_id,
    {{ json_text('creator.uuid') }} as creator_uuid,
    {{ json_ts('created_on') }} as created_on,
    {{ json_ts('completed_on') }} as completed_on,
    {{ json_int('build_seconds_used') }} as build_seconds_used,
    {{ json_int('duration_in_seconds') }} as duration_in_seconds,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from pipelines
)

select * from renamed
