{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_group_members") }}') }}
-- Workspace group members (the v1 groups API): one row per (group, member). record_key is
-- `{workspace uuid}:{group slug}:{user uuid}`, parent_key `{workspace uuid}:{group slug}`; a member
-- who left the group is tombstoned.
with members as (
  {{ latest_per_key(source('bitbucket', 'group_members')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    coalesce({{ json_text('workspace.uuid') }}, {{ key_part('parent_key', 1) }}, workspace_uuid) as workspace_uuid,
    coalesce({{ json_text('group.slug') }}, {{ key_part('parent_key', 2) }}) as group_slug,
    {{ json_text('group.name') }} as group_name,
    {{ json_text('group.permission') }} as group_permission,
    {{ json_text('user.uuid') }} as user_uuid,
    {{ json_text('user.account_id') }} as account_id,
    {{ json_text('user.display_name') }} as display_name,
    {{ json_text('user.nickname') }} as nickname,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from members
)

select * from renamed
