{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_pr_comments") }}') }}
-- Pull request comments (GET …/pullrequests/{id}/comments); a deleted comment stays listed with
-- deleted = true and empty content. parent_key is `{repo}:{pr id}`.
with comments as (
  {{ latest_per_key(source('bitbucket', 'pr_comments')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    workspace_uuid,
    {{ key_part('parent_key', 1) }} as repository_uuid,
    {{ key_part_int('parent_key', 2) }} as pr_id,
    {{ json_int('id') }} as comment_id,
    {{ json_int('parent.id') }} as parent_comment_id,
    {{ json_text('user.uuid') }} as author_uuid,
    {{ json_ts('created_on') }} as created_on,
    {{ json_ts('updated_on') }} as updated_on,
    {{ json_bool('deleted') }} as deleted,
    {{ json_has('inline') }} as is_inline,
    {{ json_text('inline.path') }} as inline_path,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from comments
)

select * from renamed
