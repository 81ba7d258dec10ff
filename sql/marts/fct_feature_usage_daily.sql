{{ config(materialized='table') }}
-- Events per UTC day, workspace, resolved user and feature (unresolved commit authors are left out).
select
  {{ utc_date('occurred_at') }} as activity_date,
  workspace_uuid,
  user_uuid,
  feature,
  cast(count(*) as integer) as events
from {{ ref('int_user_events') }}
where is_resolved
group by 1, 2, 3, 4
