{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_pullrequests") }}') }}
-- Pull requests in every state (GET …/pullrequests?state=…); keyed `{repo}:{id}`.
with pullrequests as (
  {{ latest_per_key(source('bitbucket', 'pullrequests')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    workspace_uuid,
    parent_key as repository_uuid,
    {{ json_int('id') }} as pr_id,
    {{ json_text('title') }} as title,
    {{ json_text('state') }} as state,
    {{ json_text('author.uuid') }} as author_uuid,
    {{ json_text('source.branch.name') }} as source_branch,
    {{ json_text('destination.branch.name') }} as destination_branch,
    {{ json_ts('created_on') }} as created_on,
    {{ json_ts('updated_on') }} as updated_on,
    {{ json_text('closed_by.uuid') }} as closed_by_uuid,
    {{ json_text('merge_commit.hash') }} as merge_commit_hash,
    {{ json_int('comment_count') }} as comment_count,
    {{ json_int('task_count') }} as task_count,
    {{ json_bool('draft') }} as draft,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from pullrequests
)

select * from renamed
