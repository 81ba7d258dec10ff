{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_pr_commits") }}') }}
-- Pull request commits (GET …/pullrequests/{id}/commits, projected to hash, date and author);
-- keyed `{repo}:{pr id}:{hash}` with parent_key `{repo}:{pr id}`, so a commit on two pull requests
-- is a row under each. author.user is absent when the author matches no Bitbucket account.
with pr_commits as (
  {{ latest_per_key(source('bitbucket', 'pr_commits')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    workspace_uuid,
    {{ key_part('parent_key', 1) }} as repository_uuid,
    {{ key_part_int('parent_key', 2) }} as pr_id,
    {{ json_text('hash') }} as hash,
    {{ json_ts('date') }} as committed_at,
    {{ json_text('author.raw') }} as author_raw,
    {{ json_text('author.user.uuid') }} as author_uuid,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from pr_commits
)

select * from renamed
