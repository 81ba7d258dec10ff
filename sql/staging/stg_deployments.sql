{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_deployments") }}') }}
-- Deployments (GET …/deployments). An in-progress deployment has no status and no completion_date.
with deployments as (
  {{ latest_per_key(source('bitbucket', 'deployments')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    workspace_uuid,
    {{ json_text('uuid') }} as uuid,
    parent_key as repository_uuid,
    {{ json_text('environment.uuid') }} as environment_uuid,
    {{ json_text('environment.name') }} as environment_name,
    {{ json_text('environment.environment_type.name') }} as environment_type,
    {{ json_text('state.name') }} as state_name,
    {{ json_text('state.status.name') }} as status_name,
    {{ json_text('state.deployer.uuid') }} as deployer_uuid,
    {{ json_text('release.commit.hash') }} as commit_hash,
    {{ json_ts('state.start_date') }} as started_on,
    {{ json_ts('state.completion_date') }} as completed_on,
    {{ json_ts('last_update_time') }} as last_update_time,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from deployments
)

select * from renamed
