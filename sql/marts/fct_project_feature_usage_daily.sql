{{ config(materialized='table') }}
-- Per UTC day, project and feature used that day in the project's repositories (long format).
select
  activity_date,
  project_uuid,
  workspace_uuid,
  feature,
  cast(count(distinct user_uuid) as integer) as users,
  cast(count(*) as integer) as events
from {{ ref('int_project_events') }}
group by 1, 2, 3, 4
