{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_members") }}') }}
-- Workspace members (GET /workspaces/{ws}/members): one row per (workspace, user).
with members as (
  {{ latest_per_key(source('bitbucket', 'members')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    coalesce({{ json_text('workspace.uuid') }}, workspace_uuid) as workspace_uuid,
    -- the workspace's display name: every membership carries the workspace (the listing of the
    -- user's workspaces does not), so names cost no request of their own
    {{ json_text('workspace.name') }} as workspace_name,
    {{ json_text('user.uuid') }} as user_uuid,
    {{ json_text('user.account_id') }} as account_id,
    {{ json_text('user.display_name') }} as display_name,
    {{ json_text('user.nickname') }} as nickname,
    {{ json_text('user.type') }} as user_type,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from members
)

select * from renamed
