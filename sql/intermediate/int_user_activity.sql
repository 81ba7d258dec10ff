{%- set changed = changed_user_keys() %}
{{ config_by_keys(user_key(), ['workspace_uuid', 'user_uuid'], changed, ['int_source_events']) }}
-- Per workspace and resolved user: their first and latest action, how many, which features, and
-- the feature of the latest (ties: the first by name); dim_users' activity. Incremental: the
-- users of the events changed since the newest row here (macros/users.sql), each recomputed from
-- all their events; a change to the identity map rebuilds every user.
with events as (
  select * from {{ ref('int_user_events') }}
  where is_resolved
  {%- if is_incremental() %}
    and {{ user_key() }} in {{ changed }}
  {%- endif %}
),

-- per feature first: a few rows per user, which the ranking below sorts instead of every event
user_features as (
  select
    workspace_uuid,
    user_uuid,
    feature,
    min(occurred_at) as first_at,
    max(occurred_at) as last_at,
    count(*) as events
  from events
  group by 1, 2, 3
),

ranked_features as (
  select
    user_features.*,
    row_number() over (
      partition by workspace_uuid, user_uuid order by last_at desc, feature
    ) as recency_rank
  from user_features
),

activity as (
  select
    workspace_uuid,
    user_uuid,
    min(first_at) as first_activity_at,
    max(last_at) as last_activity_at,
    sum(events) as events,
    count(*) as features_used,
    {{ sorted_list('feature') }} as feature_list,
    min(case when recency_rank = 1 then feature end) as last_feature
  from ranked_features
  group by 1, 2
)

select
  workspace_uuid,
  user_uuid,
  first_activity_at,
  last_activity_at,
  cast(events as integer) as events,
  cast(features_used as integer) as features_used,
  feature_list,
  last_feature,
  {{ timestamp_literal(run_started_at) }} as _transformed_at
from activity
