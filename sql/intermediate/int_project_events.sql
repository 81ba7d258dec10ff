{{ config(materialized='view') }}
-- Resolved user actions in repositories that belong to a project (the repository's current
-- project: a repository moved to another project takes its history with it).
with events as (
  select * from {{ ref('int_user_events') }}
  where is_resolved
),

repositories as (
  select * from {{ ref('int_repository_projects') }}
)

select
  {{ utc_date('events.occurred_at') }} as activity_date,
  repositories.project_uuid,
  events.workspace_uuid,
  events.user_uuid,
  events.feature,
  events.event_key
from events
join repositories on events.repository_uuid = repositories.repository_uuid
