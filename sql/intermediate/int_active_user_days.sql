{{ config(materialized='table') }}
-- The days each resolved user was active in a workspace (any feature), the base of every
-- "active users" figure.
select distinct
  workspace_uuid,
  user_uuid,
  {{ utc_date('occurred_at') }} as activity_date
from {{ ref('int_user_events') }}
where is_resolved
