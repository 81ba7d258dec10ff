{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_environments") }}') }}
-- Deployment environments (GET …/environments).
with environments as (
  {{ latest_per_key(source('bitbucket', 'environments')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    workspace_uuid,
    {{ json_text('uuid') }} as uuid,
    parent_key as repository_uuid,
    {{ json_text('name') }} as name,
    {{ json_text('slug') }} as slug,
    {{ json_text('environment_type.name') }} as environment_type,
    {{ json_int('rank') }} as rank,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from environments
)

select * from renamed
