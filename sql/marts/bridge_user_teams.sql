{{ config(materialized='table') }}
-- User → team: one row per current member of each workspace group (a user in several groups has
-- one row per group; members who left a group are not in it), with whether they hold a seat.
with memberships as (
  select * from {{ ref('int_team_memberships') }}
  where membership_end_date is null
),

group_members as (
  select record_key, display_name from {{ ref('stg_group_members') }}
),

seats as (
  select workspace_uuid, user_uuid from {{ ref('int_seats') }}
  where is_billable and seat_end_date is null
)

select
  memberships.team_key,
  memberships.workspace_uuid,
  memberships.group_slug,
  memberships.user_uuid,
  group_members.display_name,
  seats.user_uuid is not null as holds_seat
from memberships
left join group_members
  on group_members.record_key = memberships.team_key || ':' || memberships.user_uuid
left join seats
  on memberships.workspace_uuid = seats.workspace_uuid
  and memberships.user_uuid = seats.user_uuid
