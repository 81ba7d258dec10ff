{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_pr_activity") }}') }}
-- Pull request activity (GET …/pullrequests/{id}/activity): each item is exactly one of comment,
-- approval, changes_requested or update. parent_key is `{repo}:{pr id}`.
with activity as (
  {{ latest_per_key(source('bitbucket', 'pr_activity')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    workspace_uuid,
    {{ key_part('parent_key', 1) }} as repository_uuid,
    coalesce({{ json_int('pull_request.id') }}, {{ key_part_int('parent_key', 2) }}) as pr_id,
    case
      when {{ json_has('comment') }} then 'comment'
      when {{ json_has('approval') }} then 'approval'
      when {{ json_has('changes_requested') }} then 'changes_requested'
      when {{ json_has('update') }} then 'update'
    end as activity_type,
    coalesce(
      {{ json_ts('comment.created_on') }},
      {{ json_ts('approval.date') }},
      {{ json_ts('changes_requested.date') }},
      {{ json_ts('update.date') }}
    ) as occurred_at,
    coalesce(
      {{ json_text('comment.user.uuid') }},
      {{ json_text('approval.user.uuid') }},
      {{ json_text('changes_requested.user.uuid') }},
      {{ json_text('update.author.uuid') }}
    ) as actor_uuid,
    {{ json_int('comment.id') }} as comment_id,
    {{ json_text('update.state') }} as update_state,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from activity
)

select * from renamed
