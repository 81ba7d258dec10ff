{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_project_user_permissions") }}') }}
-- Direct user permissions on projects (GET /workspaces/{ws}/projects/{key}/permissions-config/users):
-- access granted to one account, not through a group. record_key is `{project uuid}:{user uuid}`.
with permissions as (
  {{ latest_per_key(source('bitbucket', 'project_user_permissions')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    workspace_uuid,
    coalesce({{ json_text('project.uuid') }}, parent_key) as project_uuid,
    {{ json_text('project.key') }} as project_key,
    {{ json_text('user.uuid') }} as user_uuid,
    {{ json_text('user.display_name') }} as display_name,
    {{ json_text('permission') }} as permission,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from permissions
)

select * from renamed
