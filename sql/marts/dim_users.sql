{{ config(materialized='table') }}
-- One row per workspace and user: every member (seat or app user, current or departed) and every
-- resolved user who acted in the workspace without being a member. Activity and the inactivity
-- reason are as of the data's as-of date (int_date_bounds); "inactive" means no action in the last
-- var inactive_days (default 30) days; idle_days counts, for a seat holder, the days since they last
-- acted, held the seat, or the data starts (or its coverage, int_workspace_coverage), whichever is
-- latest.
with seats as (
  select * from {{ ref('int_seats') }}
),

activity as (
  select * from {{ ref('int_user_activity') }}
),

bounds as (
  select * from {{ ref('int_date_bounds') }}
),

coverage as (
  select * from {{ ref('int_workspace_coverage') }}
),

non_members as (
  select activity.workspace_uuid, activity.user_uuid
  from activity
  left join seats
    on activity.workspace_uuid = seats.workspace_uuid
    and activity.user_uuid = seats.user_uuid
  where seats.user_uuid is null
),

people as (
  select
    workspace_uuid, user_uuid, account_id, display_name, nickname, user_type, permission,
    true as is_member_ever, is_billable, seat_start_date, seat_end_date
  from seats
  union all
  select
    workspace_uuid, user_uuid, null, null, null, null, null,
    false, false, null, null
  from non_members
),

joined as (
  select
    people.*,
    activity.first_activity_at,
    activity.last_activity_at,
    {{ utc_date('activity.last_activity_at') }} as last_active_date,
    coalesce(activity.events, 0) as events,
    coalesce(activity.features_used, 0) as features_used,
    activity.feature_list,
    activity.last_feature,
    {{ days_between(utc_date('activity.last_activity_at'), 'bounds.as_of_date') }} as days_inactive,
    -- the first day the data covers whole: before the workspace's coverage an action may be missing
    case
      when coverage.coverage_start_date > bounds.first_date then coverage.coverage_start_date
      else bounds.first_date
    end as data_first_date,
    bounds.as_of_date
  from people
  left join activity
    on people.workspace_uuid = activity.workspace_uuid
    and people.user_uuid = activity.user_uuid
  cross join bounds
  left join coverage on people.workspace_uuid = coverage.workspace_uuid
),

-- a seat holder is idle since the latest of: their last action, the seat's first day, the first
-- day the data covers whole
idleness as (
  select
    joined.*,
    case
      when is_billable and seat_end_date is null then
        case
          when coalesce(last_active_date, data_first_date) > coalesce(seat_start_date, data_first_date)
            then coalesce(last_active_date, data_first_date)
          else coalesce(seat_start_date, data_first_date)
        end
    end as idle_since
  from joined
)

select
  workspace_uuid,
  user_uuid,
  account_id,
  display_name,
  nickname,
  user_type,
  permission,
  is_member_ever and seat_end_date is null as is_member,
  is_billable and seat_end_date is null as holds_seat,
  seat_start_date,
  seat_end_date as left_on,
  first_activity_at,
  last_activity_at,
  last_activity_at as last_active_at,
  last_active_date,
  last_feature,
  cast(events as integer) as events,
  cast(features_used as integer) as features_used,
  feature_list,
  cast(days_inactive as integer) as days_inactive,
  cast({{ days_between('idle_since', 'as_of_date') }} as integer) as idle_days,
  case
    when user_type = 'app_user' then 'app user'
    when seat_end_date is not null then 'left the workspace'
    when last_activity_at is null then 'never active'
    when days_inactive >= {{ var('inactive_days', 30) }} then 'inactive ' || cast(days_inactive as {{ 'STRING' if target.type == 'bigquery' else 'text' }}) || ' days'
  end as inactivity_reason
from idleness
