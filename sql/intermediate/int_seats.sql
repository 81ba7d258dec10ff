{{ config(materialized='table') }}
-- One row per workspace membership (a seat when the member is a person, not an app user).
-- Bitbucket gives no membership history, so a seat is held
--   from: the day the permission was added (added_on), or, when Bitbucket does not say
--         (workspaces managed in admin.atlassian.com), from before the data starts (null);
--   until: the UTC day the member was first missing from a members listing (exclusive; null =
--         still a member). A member who left and came back counts as never having left.
with members as (
  select * from {{ ref('stg_members') }}
),

permissions as (
  select workspace_uuid, user_uuid, permission, added_on
  from {{ ref('stg_permissions') }}
  where not is_deleted
)

select
  members.workspace_uuid,
  members.user_uuid,
  members.account_id,
  members.display_name,
  members.nickname,
  members.user_type,
  permissions.permission,
  members.user_type <> 'app_user' as is_billable,
  {{ utc_date('permissions.added_on') }} as seat_start_date,
  case when members.is_deleted then {{ utc_date('members._deleted_at') }} end as seat_end_date
from members
left join permissions
  on members.workspace_uuid = permissions.workspace_uuid
  and members.user_uuid = permissions.user_uuid
