-- Every resolved action is counted once in fct_feature_usage_daily: per workspace and feature, the
-- mart's total equals the events' count. Offending rows show both figures.
with events as (
  select workspace_uuid, feature, count(*) as event_count
  from {{ ref('int_user_events') }}
  where is_resolved
  group by 1, 2
),

usage as (
  select workspace_uuid, feature, sum(events) as usage_count
  from {{ ref('fct_feature_usage_daily') }}
  group by 1, 2
)

select
  coalesce(events.workspace_uuid, usage.workspace_uuid) as workspace_uuid,
  coalesce(events.feature, usage.feature) as feature,
  events.event_count,
  usage.usage_count
from events
full outer join usage
  on events.workspace_uuid = usage.workspace_uuid
  and events.feature = usage.feature
where events.event_count is null
  or usage.usage_count is null
  or events.event_count <> usage.usage_count
