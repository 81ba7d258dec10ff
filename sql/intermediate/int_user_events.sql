{{ config(materialized='view') }}
-- One row per user action, named by feature. Tombstoned (is_deleted) source rows are left out.
--   commit_authored       stg_commits, at committed_at, by the linked Bitbucket user
--   pr_opened             stg_pullrequests, at created_on, by the author
--   pr_merged/pr_declined stg_pr_activity `update` items whose state is MERGED/DECLINED, by the update's author
--   pr_approved, pr_changes_requested, pr_comment   the other stg_pr_activity items, by their user
--   pipeline_triggered    stg_pipelines, at created_on, by the creator (runs nobody started, e.g.
--                         scheduled ones, are left out)
--   deployment            stg_deployments, at started_on, by the deployer (none: left out)
-- Commit authors without a Bitbucket user stay as unresolved rows (user_uuid null, is_resolved
-- false, author_raw kept). Resolving them through an identity-mapping table is not done yet.
with commits as (
  select
    'commit_authored' as feature,
    record_key as source_record_key,
    workspace_uuid,
    repository_uuid,
    author_uuid as user_uuid,
    author_raw,
    committed_at as occurred_at
  from {{ ref('stg_commits') }}
  where not is_deleted
),

prs_opened as (
  select
    'pr_opened' as feature,
    record_key as source_record_key,
    workspace_uuid,
    repository_uuid,
    author_uuid as user_uuid,
    null as author_raw,
    created_on as occurred_at
  from {{ ref('stg_pullrequests') }}
  where not is_deleted
),

pr_activity as (
  select
    case
      when activity_type = 'update' and update_state = 'MERGED' then 'pr_merged'
      when activity_type = 'update' and update_state = 'DECLINED' then 'pr_declined'
      when activity_type = 'approval' then 'pr_approved'
      when activity_type = 'changes_requested' then 'pr_changes_requested'
      when activity_type = 'comment' then 'pr_comment'
    end as feature,
    record_key as source_record_key,
    workspace_uuid,
    repository_uuid,
    actor_uuid as user_uuid,
    null as author_raw,
    occurred_at
  from {{ ref('stg_pr_activity') }}
  where not is_deleted
),

pipelines as (
  select
    'pipeline_triggered' as feature,
    record_key as source_record_key,
    workspace_uuid,
    repository_uuid,
    creator_uuid as user_uuid,
    null as author_raw,
    created_on as occurred_at
  from {{ ref('stg_pipelines') }}
  where not is_deleted and creator_uuid is not null
),

deployments as (
  select
    'deployment' as feature,
    record_key as source_record_key,
    workspace_uuid,
    repository_uuid,
    deployer_uuid as user_uuid,
    null as author_raw,
    started_on as occurred_at
  from {{ ref('stg_deployments') }}
  where not is_deleted and deployer_uuid is not null
),

unioned as (
  select * from commits
  union all
  select * from prs_opened
  union all
  select * from pr_activity where feature is not null
  union all
  select * from pipelines
  union all
  select * from deployments
)

select
  feature || ':' || source_record_key as event_key,
  workspace_uuid,
  repository_uuid,
  user_uuid,
  author_raw,
  user_uuid is not null as is_resolved,
  feature,
  occurred_at,
  source_record_key
from unioned
