{#- The indexes: each daily mart's incremental run looks up the events changed since its last build
    (macros/windows.sql, rebuild_from), a few rows of many, then reads the events of the days it
    rebuilds (by their UTC day, the expression utc_date writes; the day is a literal there); this
    model's own run starts from its newest _changed_at. BigQuery has no indexes. #}
{{ config(
  materialized='incremental',
  unique_key='event_key',
  post_hook=[] if target.type == 'bigquery' else [
    'create index if not exists int_source_events_transformed_at on {{ this }} (_transformed_at)',
    'create index if not exists int_source_events_changed_at on {{ this }} (_changed_at)',
    'create index if not exists int_source_events_occurred_on on {{ this }} ((' ~ utc_date('occurred_at') ~ '))'
  ]
) }}
-- Every user action the sources record, named by feature, as extracted: tombstoned source rows
-- stay as is_deleted rows and commit authors are not resolved yet (int_user_events does both).
-- Incremental: a run reads only source rows extracted or tombstoned since the newest one already
-- here, and keeps only the events that changed (with the time each had before, and the run's
-- stamp: what the daily marts rebuild from), less a lookback (var incremental_lookback_minutes, default 10; TRANSFORM_LOOKBACK_MINUTES in
-- the worker) that covers loads which committed after a concurrent transform run had started.
--
-- The event sources, one entry per feature (or, for stg_pr_activity, per family of features): a
-- new source is a new entry, not another copy of the query. What each entry says:
--   model        the staging model the events come from
--   feature      the feature name; or `features`: [condition, feature] pairs, the first true
--                condition naming the row's feature (rows none of them names are left out)
--   actor        the column naming the Bitbucket account who acted
--   author_raw   commits only: the git author as written (other sources: null)
--   occurred_at  the column saying when the action happened
--   is_deleted   when the event is retracted, if more than the source row's tombstone
--   where        which source rows make an event, if not all
-- In words:
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
{%- set sources = [
  { 'model': 'stg_commits', 'feature': 'commit_authored',
    'actor': 'author_uuid', 'author_raw': 'author_raw', 'occurred_at': 'committed_at' },
  { 'model': 'stg_pullrequests', 'feature': 'pr_opened',
    'actor': 'author_uuid', 'occurred_at': 'created_on' },
  { 'model': 'stg_pr_activity', 'features': [
      ["activity_type = 'update' and update_state = 'MERGED'", 'pr_merged'],
      ["activity_type = 'update' and update_state = 'DECLINED'", 'pr_declined'],
      ["activity_type = 'approval'", 'pr_approved'],
      ["activity_type = 'changes_requested'", 'pr_changes_requested'],
      ["activity_type = 'comment'", 'pr_comment']
    ],
    'actor': 'actor_uuid', 'occurred_at': 'occurred_at' },
  { 'model': 'stg_pipelines', 'feature': 'pipeline_triggered',
    'actor': 'creator_uuid', 'occurred_at': 'created_on', 'where': 'creator_uuid is not null' },
  { 'model': 'stg_deployments', 'feature': 'deployment',
    'actor': 'deployer_uuid', 'occurred_at': 'started_on', 'where': 'deployer_uuid is not null' },
  { 'model': 'stg_pr_tasks', 'feature': 'pr_task_created',
    'actor': 'creator_uuid', 'occurred_at': 'created_on' },
  { 'model': 'stg_pr_tasks', 'feature': 'pr_task_resolved',
    'actor': 'resolver_uuid', 'occurred_at': 'resolved_on',
    'is_deleted': "is_deleted or state is null or state <> 'RESOLVED'" }
] %}
-- Import CTEs: each source model once (stg_pr_tasks feeds two features), only the rows this run reads.
with
{%- for model, entries in sources | groupby('model') %}
{{ model }} as (
  select * from {{ ref(model) }}
  where true {{ changed_since_last_run() }}
),
{% endfor %}
-- One select per entry, in the list's order, all with the same columns.
events as (
{%- for source in sources %}
  select
    {% if source.features -%}
    case
      {%- for condition, feature in source.features %}
      when {{ condition }} then '{{ feature }}'
      {%- endfor %}
    end
    {%- else -%}
    '{{ source.feature }}'
    {%- endif %} as feature,
    record_key as source_record_key,
    workspace_uuid,
    repository_uuid,
    {{ source.actor }} as actor_uuid,
    {{ source.author_raw or 'null' }} as author_raw,
    {{ source.occurred_at }} as occurred_at,
    {{ source.is_deleted or 'is_deleted' }} as is_deleted,
    _extracted_at,
    _deleted_at
  from {{ source.model }}
  {%- if source.where %}
  where {{ source.where }}
  {%- endif %}
  {%- if not loop.last %}
  union all
  {%- endif %}
{%- endfor %}
),

keyed as (
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
  from events
  -- (stg_pr_activity items of a type no `features` condition names)
  where feature is not null
)

{% if is_incremental() -%}
-- Only events that changed (a source row rewritten with the same event is left as it is), each
-- with the time and actor it had before: the daily marts rebuild the days of both, and
-- int_user_activity the users of both.
select
  keyed.*,
  previous.occurred_at as previous_occurred_at,
  previous.workspace_uuid as previous_workspace_uuid,
  previous.actor_uuid as previous_actor_uuid,
  previous.author_email as previous_author_email,
  {{ timestamp_literal(run_started_at) }} as _transformed_at
from keyed
{%- if target.type == 'bigquery' %}
left join {{ this }} previous on keyed.event_key = previous.event_key
{%- else %}
-- (Looked up one by one through the unique_key's index: the planner cannot estimate how few rows
-- changed, and a hash join read and hashed the whole table, 80 ms of this build at medium. The
-- key is unique: `limit 1` changes no row, and keeps the planner from making this a join again.)
left join lateral (
  select * from {{ this }} stored where stored.event_key = keyed.event_key limit 1
) previous on true
{%- endif %}
where previous.event_key is null
  or keyed.workspace_uuid is distinct from previous.workspace_uuid
  or keyed.repository_uuid is distinct from previous.repository_uuid
  or keyed.actor_uuid is distinct from previous.actor_uuid
  or keyed.author_raw is distinct from previous.author_raw
  or keyed.occurred_at is distinct from previous.occurred_at
  or keyed.source_record_key is distinct from previous.source_record_key
  or keyed.is_deleted is distinct from previous.is_deleted
{%- else -%}
select
  keyed.*,
  cast(null as {{ 'TIMESTAMP' if target.type == 'bigquery' else 'timestamptz' }}) as previous_occurred_at,
  cast(null as {{ 'STRING' if target.type == 'bigquery' else 'text' }}) as previous_workspace_uuid,
  cast(null as {{ 'STRING' if target.type == 'bigquery' else 'text' }}) as previous_actor_uuid,
  cast(null as {{ 'STRING' if target.type == 'bigquery' else 'text' }}) as previous_author_email,
  {{ timestamp_literal(run_started_at) }} as _transformed_at
from keyed
{%- endif %}
