{{ config(materialized='table') }}
-- Per UTC day, team and feature used that day: the members' actions (long format; a user in two
-- teams counts in each).
select
  activity_date,
  team_key,
  workspace_uuid,
  feature,
  cast(count(distinct user_uuid) as integer) as users,
  cast(count(*) as integer) as events
from {{ ref('int_team_events') }}
group by 1, 2, 3, 4
