{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_permissions") }}') }}
-- Workspace permissions (GET /workspaces/{ws}/permissions): a member's role in the workspace.
-- added_on and last_accessed are absent for workspaces managed in admin.atlassian.com.
with permissions as (
  {{ latest_per_key(source('bitbucket', 'permissions')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    coalesce({{ json_text('workspace.uuid') }}, workspace_uuid) as workspace_uuid,
    {{ json_text('user.uuid') }} as user_uuid,
    {{ json_text('permission') }} as permission,
    {{ json_ts('added_on') }} as added_on,
    {{ json_ts('last_accessed') }} as last_accessed,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from permissions
)

select * from renamed
