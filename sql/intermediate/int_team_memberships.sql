{{ config(materialized='table') }}
-- One row per (workspace group, member) ever listed. Bitbucket gives no join date, so a membership
-- counts from before the data starts (as seats do) until the UTC day the member was first missing
-- from the group's listing (exclusive; null = still a member).
with members as (
  select * from {{ ref('stg_group_members') }}
)

select
  workspace_uuid || ':' || group_slug as team_key,
  workspace_uuid,
  group_slug,
  user_uuid,
  case when is_deleted then {{ utc_date('_deleted_at') }} end as membership_end_date
from members
