{{ config(materialized='incremental', unique_key='record_key', post_hook='{{ changed_at_index("stg_workspaces") }}') }}
-- Workspaces (GET /user/workspaces): every workspace a connection's user can see, synced or not.
-- The listing gives a workspace's uuid and slug only (its name, privacy and creation date are not
-- in it).
with workspaces as (
  {{ latest_per_key(source('bitbucket', 'workspaces')) }}
),

renamed as (
  select
    record_key,
    connection_id,
    {{ json_text('workspace.uuid') }} as uuid,
    {{ json_text('workspace.slug') }} as slug,
    _deleted_at is not null as is_deleted,
    _deleted_at,
    _extracted_at
  from workspaces
)

select * from renamed
