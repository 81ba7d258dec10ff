{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_branches") }}') }}
-- Branches (GET …/refs/branches, projected to name and head commit); keyed `{repo}:{name}`.
with branches as (
  {{ latest_per_key(source('bitbucket', 'branches')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    workspace_uuid,
    parent_key as repository_uuid,
    {{ json_text('name') }} as name,
    {{ json_text('target.hash') }} as head_hash,
    {{ json_ts('target.date') }} as head_committed_at,
    {{ json_text('target.author.user.uuid') }} as head_author_uuid,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from branches
)

select * from renamed
