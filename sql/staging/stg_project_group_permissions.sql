{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_project_group_permissions") }}') }}
-- Group permissions on projects (GET /workspaces/{ws}/projects/{key}/permissions-config/groups):
-- the access a workspace group (a team) has to a project. record_key is `{project uuid}:{group slug}`.
with permissions as (
  {{ latest_per_key(source('bitbucket', 'project_group_permissions')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    workspace_uuid,
    coalesce({{ json_text('project.uuid') }}, parent_key) as project_uuid,
    {{ json_text('project.key') }} as project_key,
    {{ json_text('group.slug') }} as group_slug,
    {{ json_text('group.name') }} as group_name,
    {{ json_text('permission') }} as permission,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from permissions
)

select * from renamed
