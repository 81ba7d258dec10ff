{{ config(materialized='incremental', unique_key='event_key') }}
-- Every user action the sources record, named by feature, as extracted: tombstoned source rows
-- stay as is_deleted rows and commit authors are not resolved yet (int_user_events does both).
-- Incremental: a run reads only source rows extracted or tombstoned since the newest one already
-- here, less a lookback (var incremental_lookback_minutes, default 10; TRANSFORM_LOOKBACK_MINUTES in
-- the worker) that covers loads which committed after a concurrent transform run had started.
--   commit_authored       stg_commits, at committed_at, by the linked Bitbucket user (if any)
--   pr_opened             stg_pullrequests, at created_on, by the author
--   pr_merged/pr_declined stg_pr_activity `update` items whose state is MERGED/DECLINED, by the update's author
--   pr_approved, pr_changes_requested, pr_comment   the other stg_pr_activity items, by their user
--   pipeline_triggered    stg_pipelines, at created_on, by the creator (runs nobody started, e.g.
--                         scheduled ones, are left out)
--   deployment            stg_deployments, at started_on, by the deployer (none: left out)
--   pr_task_created       stg_pr_tasks, at created_on, by the creator
--   pr_task_resolved      stg_pr_tasks, at resolved_on, by resolved_by, while the task is RESOLVED:
--                         every task has this row, flagged is_deleted while not (or no longer)
--                         resolved, so that an incremental run retracts a reopened task's event
{%- macro changed_since_last_run() -%}
{%- if is_incremental() %}
  and (
    not exists (select 1 from {{ this }})
    or greatest(_extracted_at, coalesce(_deleted_at, _extracted_at)) > (
      select {{ minus_minutes('max(_changed_at)', var('incremental_lookback_minutes', 10)) }} from {{ this }}
    )
  )
{%- endif -%}
{%- endmacro %}
with commits as (
  select
    'commit_authored' as feature,
    record_key as source_record_key,
    workspace_uuid,
    repository_uuid,
    author_uuid as actor_uuid,
    author_raw,
    committed_at as occurred_at,
    is_deleted,
    _extracted_at,
    _deleted_at
  from {{ ref('stg_commits') }}
  where true {{ changed_since_last_run() }}
),

prs_opened as (
  select
    'pr_opened' as feature,
    record_key as source_record_key,
    workspace_uuid,
    repository_uuid,
    author_uuid as actor_uuid,
    null as author_raw,
    created_on as occurred_at,
    is_deleted,
    _extracted_at,
    _deleted_at
  from {{ ref('stg_pullrequests') }}
  where true {{ changed_since_last_run() }}
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
    actor_uuid,
    null as author_raw,
    occurred_at,
    is_deleted,
    _extracted_at,
    _deleted_at
  from {{ ref('stg_pr_activity') }}
  where true {{ changed_since_last_run() }}
),

pipelines as (
  select
    'pipeline_triggered' as feature,
    record_key as source_record_key,
    workspace_uuid,
    repository_uuid,
    creator_uuid as actor_uuid,
    null as author_raw,
    created_on as occurred_at,
    is_deleted,
    _extracted_at,
    _deleted_at
  from {{ ref('stg_pipelines') }}
  where creator_uuid is not null {{ changed_since_last_run() }}
),

deployments as (
  select
    'deployment' as feature,
    record_key as source_record_key,
    workspace_uuid,
    repository_uuid,
    deployer_uuid as actor_uuid,
    null as author_raw,
    started_on as occurred_at,
    is_deleted,
    _extracted_at,
    _deleted_at
  from {{ ref('stg_deployments') }}
  where deployer_uuid is not null {{ changed_since_last_run() }}
),

tasks_created as (
  select
    'pr_task_created' as feature,
    record_key as source_record_key,
    workspace_uuid,
    repository_uuid,
    creator_uuid as actor_uuid,
    null as author_raw,
    created_on as occurred_at,
    is_deleted,
    _extracted_at,
    _deleted_at
  from {{ ref('stg_pr_tasks') }}
  where true {{ changed_since_last_run() }}
),

tasks_resolved as (
  select
    'pr_task_resolved' as feature,
    record_key as source_record_key,
    workspace_uuid,
    repository_uuid,
    resolver_uuid as actor_uuid,
    null as author_raw,
    resolved_on as occurred_at,
    is_deleted or state is null or state <> 'RESOLVED' as is_deleted,
    _extracted_at,
    _deleted_at
  from {{ ref('stg_pr_tasks') }}
  where true {{ changed_since_last_run() }}
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
  union all
  select * from tasks_created
  union all
  select * from tasks_resolved
)

select
  feature || ':' || source_record_key as event_key,
  workspace_uuid,
  repository_uuid,
  actor_uuid,
  author_raw,
  {{ email_of('author_raw') }} as author_email,
  feature,
  occurred_at,
  source_record_key,
  is_deleted,
  greatest(_extracted_at, coalesce(_deleted_at, _extracted_at)) as _changed_at
from unioned
