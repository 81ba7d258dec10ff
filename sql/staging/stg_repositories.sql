{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_repositories") }}') }}
-- Repositories (GET /repositories/{ws}); project is null for a repository outside any project.
with repositories as (
  {{ latest_per_key(source('bitbucket', 'repositories')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    {{ json_text('uuid') }} as uuid,
    coalesce({{ json_text('workspace.uuid') }}, workspace_uuid) as workspace_uuid,
    {{ json_text('slug') }} as slug,
    {{ json_text('name') }} as name,
    {{ json_text('full_name') }} as full_name,
    {{ json_text('project.key') }} as project_key,
    {{ json_text('project.uuid') }} as project_uuid,
    {{ json_text('language') }} as language,
    {{ json_bool('is_private') }} as is_private,
    {{ json_text('mainbranch.name') }} as mainbranch,
    {{ json_ts('created_on') }} as created_on,
    {{ json_ts('updated_on') }} as updated_on,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from repositories
)

select * from renamed
