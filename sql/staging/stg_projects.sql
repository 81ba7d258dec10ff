{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_projects") }}') }}
-- Projects (GET /workspaces/{ws}/projects).
with projects as (
  {{ latest_per_key(source('bitbucket', 'projects')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    {{ json_text('uuid') }} as uuid,
    coalesce({{ json_text('workspace.uuid') }}, workspace_uuid) as workspace_uuid,
    {{ json_text('key') }} as project_key,
    {{ json_text('name') }} as name,
    {{ json_bool('is_private') }} as is_private,
    {{ json_ts('created_on') }} as created_on,
    {{ json_ts('updated_on') }} as updated_on,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from projects
)

select * from renamed
