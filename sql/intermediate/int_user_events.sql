{{ config(materialized='view') }}
-- One row per live user action (tombstoned source rows left out), with the acting user resolved:
-- the Bitbucket user the source names, else (commits) the author's e-mail through
-- int_identity_map. Authors that stay unknown are kept as visible unresolved rows (user_uuid
-- null, is_resolved false, author_raw kept).
with events as (
  select * from {{ ref('int_source_events') }}
  where not is_deleted
),

identities as (
  select * from {{ ref('int_identity_map') }}
),

resolved as (
  select
    events.event_key,
    events.workspace_uuid,
    events.repository_uuid,
    coalesce(events.actor_uuid, identities.user_uuid) as user_uuid,
    events.author_raw,
    case
      when events.actor_uuid is not null then 'bitbucket'
      else identities.resolution
    end as resolution,
    events.feature,
    events.occurred_at,
    events.source_record_key
  from events
  left join identities
    on events.actor_uuid is null and events.author_email = identities.author_email
)

select
  event_key,
  workspace_uuid,
  repository_uuid,
  user_uuid,
  author_raw,
  user_uuid is not null as is_resolved,
  resolution,
  feature,
  occurred_at,
  source_record_key
from resolved
