{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_commits") }}') }}
-- Commits (GET …/commits; the repository is projected away, so it comes from parent_key).
-- author.user is absent when the commit's author matches no Bitbucket account.
with commits as (
  {{ latest_per_key(source('bitbucket', 'commits')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    workspace_uuid,
    parent_key as repository_uuid,
    {{ json_text('hash') }} as hash,
    {{ json_ts('date') }} as committed_at,
    {{ json_text('author.raw') }} as author_raw,
    {{ json_text('author.user.uuid') }} as author_uuid,
    {{ json_text('message') }} as message,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from commits
)

select * from renamed
