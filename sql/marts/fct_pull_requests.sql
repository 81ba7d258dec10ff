{#- A pull request's child lists (its incremental_inputs besides stg_pullrequests): each row names
    its pull request by repository_uuid and pr_id. #}
{%- set children = ['stg_pr_activity', 'stg_pr_comments', 'stg_pr_commits'] %}
{#- The pull requests an incremental build recomputes: those with a record (the pull request, or
    an item of its activity, comments or commits, tombstones included) changed since the newest
    change the model holds. #}
{%- set changed %}
(
  select record_key from {{ ref('stg_pullrequests') }} where {{ changed_after('_changed_at') }}
  {%- for child in children %}
  union all
  select {{ pr_key() }} from {{ ref(child) }} where {{ changed_after('_changed_at') }}
  {%- endfor %}
)
{%- endset %}
{{ config_by_keys('pr_key', 'pr_key', changed, ['stg_pullrequests', 'stg_pr_activity', 'stg_pr_comments', 'stg_pr_commits']) }}
-- One row per pull request with its review facts and flow times (definitions: fct_pull_requests.yml).
-- Tombstoned rows (pull requests, activity, comments, commits) are left out, and so are comments
-- deleted in Bitbucket. A review is a comment, approval or request for changes by anyone but the
-- author; the review times stop at the close, so a comment after the merge is no review of it.
-- Incremental: the pull requests with a record changed since the newest change here, each
-- recomputed from all its records (macros/keys.sql, config_by_keys).
with
{%- if is_incremental() %}
-- (Once: each list below reads it.)
changed_pull_requests as (
  select record_key as pr_key from {{ changed }} changed_keys
),
{%- endif %}

all_pullrequests as (
  select * from {{ ref('stg_pullrequests') }}
  {%- if is_incremental() %}
  where record_key in (select pr_key from changed_pull_requests)
  {%- endif %}
),

{%- for child in children %}

all_{{ child | replace('stg_', '') }} as (
  select * from {{ ref(child) }}
  {%- if is_incremental() %}
  where {{ pr_key() }} in (select pr_key from changed_pull_requests)
  {%- endif %}
),
{%- endfor %}

-- Each pull request's newest change, tombstones included: the watermark of incremental builds.
changes as (
  select pr_key, max(changed_at) as changed_at
  from (
    select record_key as pr_key, {{ changed_at() }} as changed_at from all_pullrequests
    {%- for child in children %}
    union all
    select {{ pr_key() }}, {{ changed_at() }} from all_{{ child | replace('stg_', '') }}
    {%- endfor %}
  ) records
  group by pr_key
),

pullrequests as (
  select * from all_pullrequests
  where not is_deleted
),

pr_activity as (
  select * from all_pr_activity
  where not is_deleted
),

pr_comments as (
  select * from all_pr_comments
  where not is_deleted and not coalesce(deleted, false)
),

pr_commits as (
  select * from all_pr_commits
  where not is_deleted
),

-- A closed pull request closed when its activity last moved it into its current state.
activity_closes as (
  select
    a.repository_uuid,
    a.pr_id,
    max(a.occurred_at) as closed_at
  from pr_activity a
  inner join pullrequests p
    on p.repository_uuid = a.repository_uuid and p.pr_id = a.pr_id
  where a.activity_type = 'update' and p.state <> 'OPEN' and a.update_state = p.state
  group by a.repository_uuid, a.pr_id
),

-- Without that item (the pull request's activity list answered 404, or the item was not
-- extracted) the pull request's own object has no close time: its updated_on stands in for a
-- merged, declined or superseded one, flagged, as it is the close or a later change (an upper bound).
closes as (
  select
    p.record_key as pr_key,
    coalesce(a.closed_at, p.updated_on) as closed_at,
    case when a.closed_at is not null then 'activity' else 'updated_on' end as closed_at_source
  from pullrequests p
  left join activity_closes a
    on a.repository_uuid = p.repository_uuid and a.pr_id = p.pr_id
  where a.closed_at is not null
    or (p.state in ('MERGED', 'DECLINED', 'SUPERSEDED') and p.updated_on is not null)
),

commit_facts as (
  select
    repository_uuid,
    pr_id,
    min(committed_at) as first_commit_at,
    count(*) as commit_count
  from pr_commits
  group by repository_uuid, pr_id
),

-- Comments come from the comments stream (it flags deleted ones); the activity's copies of them
-- are not read, so nothing counts twice.
interactions as (
  select repository_uuid, pr_id, 'comment' as interaction, author_uuid as user_uuid, created_on as occurred_at
  from pr_comments
  union all
  select repository_uuid, pr_id, activity_type, actor_uuid, occurred_at
  from pr_activity
  where activity_type in ('approval', 'changes_requested')
),

classified as (
  select
    i.repository_uuid,
    i.pr_id,
    i.interaction,
    i.user_uuid,
    i.occurred_at,
    -- a user we cannot name is someone other than the author
    i.user_uuid is distinct from p.author_uuid as is_review,
    c.closed_at is null or i.occurred_at <= c.closed_at as is_before_close
  from interactions i
  inner join pullrequests p
    on p.repository_uuid = i.repository_uuid and p.pr_id = i.pr_id
  left join closes c
    on c.pr_key = p.record_key
),

review_facts as (
  select
    repository_uuid,
    pr_id,
    min(case when is_review and is_before_close then occurred_at end) as first_review_at,
    max(case when is_review and is_before_close and interaction = 'approval' then occurred_at end)
      as last_approval_at,
    count(case when is_review and interaction = 'approval' then 1 end) as approval_count,
    count(case when is_review and interaction = 'changes_requested' then 1 end) as changes_requested_count,
    count(case when is_review and interaction = 'comment' then 1 end) as reviewer_comment_count,
    count(case when interaction = 'comment' then 1 end) as comment_count,
    count(distinct case when is_review then user_uuid end) as reviewer_count
  from classified
  group by repository_uuid, pr_id
),

timeline as (
  select
    p.record_key as pr_key,
    p.workspace_uuid,
    p.repository_uuid,
    p.pr_id,
    p.title,
    p.author_uuid,
    p.state,
    p.created_on as created_at,
    case when p.state = 'MERGED' then c.closed_at end as merged_at,
    c.closed_at,
    c.closed_at_source,
    f.first_commit_at,
    -- work starts at the first commit, or at the opening when no commit listed is older
    case when f.first_commit_at < p.created_on then f.first_commit_at else p.created_on end as started_at,
    r.first_review_at,
    r.last_approval_at,
    f.commit_count,
    r.approval_count,
    r.changes_requested_count,
    r.reviewer_comment_count,
    r.comment_count,
    r.reviewer_count,
    changes.changed_at
  from pullrequests p
  left join changes
    on changes.pr_key = p.record_key
  left join closes c
    on c.pr_key = p.record_key
  left join commit_facts f
    on f.repository_uuid = p.repository_uuid and f.pr_id = p.pr_id
  left join review_facts r
    on r.repository_uuid = p.repository_uuid and r.pr_id = p.pr_id
)

select
  pr_key,
  workspace_uuid,
  repository_uuid,
  pr_id,
  title,
  author_uuid,
  state,
  created_at,
  merged_at,
  closed_at,
  closed_at_source,
  first_commit_at,
  first_review_at,
  last_approval_at,
  case when first_commit_at is not null then {{ hours_between('started_at', 'created_at') }} end as coding_hours,
  {{ hours_between('created_at', 'first_review_at') }} as pickup_hours,
  {{ hours_between('first_review_at', 'coalesce(last_approval_at, merged_at)') }} as review_hours,
  {{ hours_between('last_approval_at', 'merged_at') }} as merge_hours,
  {{ hours_between('started_at', 'merged_at') }} as cycle_hours,
  cast(coalesce(commit_count, 0) as integer) as commit_count,
  cast(coalesce(approval_count, 0) as integer) as approval_count,
  cast(coalesce(changes_requested_count, 0) as integer) as changes_requested_count,
  cast(coalesce(reviewer_comment_count, 0) as integer) as reviewer_comment_count,
  cast(coalesce(comment_count, 0) as integer) as comment_count,
  cast(coalesce(reviewer_count, 0) as integer) as reviewer_count,
  changed_at as _changed_at
from timeline
