{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_pr_tasks") }}') }}
-- Pull request tasks (GET …/pullrequests/{id}/tasks). record_key is `{repo}:{pr id}:{task id}`,
-- parent_key `{repo}:{pr id}`. A reopened task is UNRESOLVED again (resolved_on may stay set).
with tasks as (
  {{ latest_per_key(source('bitbucket', 'pr_tasks')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    workspace_uuid,
    {{ key_part('parent_key', 1) }} as repository_uuid,
    {{ key_part_int('parent_key', 2) }} as pr_id,
    {{ json_int('id') }} as task_id,
    {{ json_text('state') }} as state,
    {{ json_text('creator.uuid') }} as creator_uuid,
    {{ json_ts('created_on') }} as created_on,
    {{ json_ts('updated_on') }} as updated_on,
    {{ json_bool('pending') }} as is_pending,
    {{ json_text('resolved_by.uuid') }} as resolver_uuid,
    {{ json_ts('resolved_on') }} as resolved_on,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from tasks
)

select * from renamed
