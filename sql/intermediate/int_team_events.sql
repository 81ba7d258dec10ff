{{ config(materialized='view') }}
-- Resolved user actions in a workspace, once per team (workspace group) the user was a member of
-- that day: a user in two teams counts in each.
with events as (
  select * from {{ ref('int_user_events') }}
  where is_resolved
),

memberships as (
  select * from {{ ref('int_team_memberships') }}
),

dated as (
  select {{ utc_date('occurred_at') }} as activity_date, workspace_uuid, user_uuid, feature, event_key
  from events
)

select
  dated.activity_date,
  memberships.team_key,
  dated.workspace_uuid,
  dated.user_uuid,
  dated.feature,
  dated.event_key
from dated
join memberships
  on dated.workspace_uuid = memberships.workspace_uuid
  and dated.user_uuid = memberships.user_uuid
  and (memberships.membership_end_date is null or dated.activity_date < memberships.membership_end_date)
